// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/compliance"
	"github.com/kanri-dev/kanri/internal/inventory"
	"github.com/kanri-dev/kanri/internal/store"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// testCompliance runs the compliance store tests, each on a fresh
// database.
func testCompliance(t *testing.T, fresh func(t testing.TB) store.Config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"Rules", testCmpRules},
		{"RuleLimit", testCmpRuleLimit},
		{"Sweeps", testCmpSweeps},
		{"SweepRange", testCmpSweepRange},
		{"Transitions", testCmpTransitions},
		{"ClaimConcurrent", testCmpClaimConcurrent},
		{"Items", testCmpItems},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, Open(t, fresh(t))) })
	}
}

// noTelnet returns a Forbidden rule on telnet, with an action.
func noTelnet(name string, created time.Time) *compliance.Rule {
	return &compliance.Rule{Account: acct, Name: name, CreatedAt: created, UpdatedAt: created, Spec: compliance.Spec{
		Description: "no telnet", TypeName: "AWS:Application", Kind: compliance.KindForbidden, Severity: ssm.ComplianceSeverityHigh,
		Conditions: []compliance.Condition{{Attribute: "Name", Operator: "Equal", Values: []string{"telnet"}}},
		Targets:    []*ssm.Target{{Key: "tag:env", Values: []string{"prod"}}},
		Action:     &compliance.Action{DocumentName: "AWS-RunShellScript", Parameters: map[string][]string{"commands": {"apt-get remove -y telnet"}}},
	}}
}

// result returns a rule's result on an instance whose item of the rule's
// type was updated at basis.
func result(r *compliance.Rule, instance, status string, basis time.Time) *compliance.Result {
	return &compliance.Result{Basis: basis, Item: &compliance.Item{
		Account: acct, ResourceType: compliance.ResourceTypeManagedInstance, ResourceID: instance, ComplianceType: compliance.TypeInventoryRule,
		ID: r.Name, Title: r.Name, Status: status, Severity: r.Severity, Details: map[string]string{"Kind": r.Kind},
		ExecutionType: "InventoryRule", ExecutionTime: basis,
	}}
}

// ruleItems returns a rule's items by instance, as "status/action/command".
func ruleItems(t *testing.T, db *store.DB, rule string) map[string]string {
	t.Helper()
	items, err := db.ComplianceItems(context.Background(), compliance.ItemQuery{Account: acct})
	must(t, err)
	out := map[string]string{}
	for _, it := range items {
		if it.ComplianceType == compliance.TypeInventoryRule && it.ID == rule {
			out[it.ResourceID] = it.Status + "/" + it.Action + "/" + it.ActionCommand
		}
	}
	return out
}

func testCmpRules(t *testing.T, db *store.DB) {
	ctx := context.Background()
	r := noTelnet("no-telnet", at(1, 0, 0, 0))
	must(t, db.PutInventoryRule(ctx, r, 10))
	if r.Version != 1 {
		t.Errorf("PutInventoryRule(new) Version = %d, want 1", r.Version)
	}
	java := &compliance.Rule{Account: acct, Name: "java-17", CreatedAt: at(2, 0, 0, 0), UpdatedAt: at(2, 0, 0, 0), Spec: compliance.Spec{
		TypeName: "AWS:Application", Kind: compliance.KindRequired, Severity: ssm.ComplianceSeverityLow,
		Conditions: []compliance.Condition{{Attribute: "Name", Operator: "BeginWith", Values: []string{"openjdk-17"}}}}}
	must(t, db.PutInventoryRule(ctx, java, 10))
	rack := &compliance.Rule{Account: acct, Name: "rack", CreatedAt: at(2, 0, 0, 0), UpdatedAt: at(2, 0, 0, 0), Spec: compliance.Spec{
		TypeName: "Custom:Rack", Kind: compliance.KindRequired, Severity: ssm.ComplianceSeverityUnspecified}}
	must(t, db.PutInventoryRule(ctx, rack, 10))
	must(t, db.PutInventoryRule(ctx, &compliance.Rule{Account: other, Name: "no-telnet", Spec: r.Spec}, 10))

	got, err := db.InventoryRules(ctx, compliance.RuleQuery{Account: acct, Names: []string{"no-telnet"}})
	must(t, err)
	if diff := cmp.Diff([]*compliance.Rule{r}, got); diff != "" {
		t.Errorf("InventoryRules(no-telnet) mismatch (-want +got):\n%s", diff)
	}
	names := func(q compliance.RuleQuery) []string {
		t.Helper()
		q.Account = acct
		rules, err := db.InventoryRules(ctx, q)
		must(t, err)
		return names(rules, func(r *compliance.Rule) string { return r.Name })
	}
	for _, tt := range []struct {
		q    compliance.RuleQuery
		want []string
	}{
		{compliance.RuleQuery{}, []string{"java-17", "no-telnet", "rack"}},
		{compliance.RuleQuery{TypeNames: []string{"AWS:Application"}}, []string{"java-17", "no-telnet"}},
		{compliance.RuleQuery{TypeNames: []string{"Custom:Rack", "AWS:Service"}}, []string{"rack"}},
		{compliance.RuleQuery{TypeNames: []string{}}, nil},
		{compliance.RuleQuery{After: "java-17", Limit: 1}, []string{"no-telnet"}},
	} {
		if got := names(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("InventoryRules(%+v) = %q, want %q", tt.q, got, tt.want)
		}
	}

	// A put replaces the rule with the next version, keeping its creation
	// time, and starts its sweep anew.
	claimed, err := db.ClaimSweep(ctx, acct, "no-telnet", 1, time.Time{}, at(1, 1, 0, 0))
	if !claimed || err != nil {
		t.Fatalf("ClaimSweep = %v, %v; want true", claimed, err)
	}
	v2 := noTelnet("no-telnet", at(3, 0, 0, 0))
	v2.Severity, v2.Action = ssm.ComplianceSeverityCritical, nil
	must(t, db.PutInventoryRule(ctx, v2, 10))
	if v2.Version != 2 || !v2.CreatedAt.Equal(at(1, 0, 0, 0)) {
		t.Errorf("PutInventoryRule(replace) = version %d created %v, want 2 and %v", v2.Version, v2.CreatedAt, at(1, 0, 0, 0))
	}
	got, err = db.InventoryRules(ctx, compliance.RuleQuery{Account: acct, Names: []string{"no-telnet"}})
	must(t, err)
	if len(got) != 1 || got[0].Version != 2 || got[0].Severity != ssm.ComplianceSeverityCritical || got[0].Action != nil ||
		!got[0].UpdatedAt.Equal(at(3, 0, 0, 0)) || got[0].Sweep != (compliance.Sweep{}) {
		t.Errorf("InventoryRules after replace = %+v", got[0])
	}

	// Deleting a rule deletes its items, and only its.
	putItems(t, db, "mi-1", &inventory.Item{TypeName: "AWS:Application", SchemaVersion: "1.1", ContentHash: "h", Content: apps("telnet", "1")})
	basis := at(1, 0, 0, 0) // putItems' clock
	_, err = db.RecordEvaluations(ctx, &compliance.Batch{Rule: v2, Results: []*compliance.Result{result(v2, "mi-1", ssm.ComplianceStatusNonCompliant, basis)}})
	must(t, err)
	_, err = db.RecordEvaluations(ctx, &compliance.Batch{Rule: java, Results: []*compliance.Result{result(java, "mi-1", ssm.ComplianceStatusNonCompliant, basis)}})
	must(t, err)
	counts, err := db.InventoryRuleCounts(ctx, acct)
	must(t, err)
	if want := map[string]map[string]int{"no-telnet": {"NON_COMPLIANT": 1}, "java-17": {"NON_COMPLIANT": 1}}; !cmp.Equal(counts, want) {
		t.Errorf("InventoryRuleCounts = %v, want %v", counts, want)
	}
	must(t, db.DeleteInventoryRule(ctx, acct, "no-telnet"))
	wantKind(t, "DeleteInventoryRule(again)", db.DeleteInventoryRule(ctx, acct, "no-telnet"), awserr.NotFound)
	if got := ruleItems(t, db, "no-telnet"); len(got) != 0 {
		t.Errorf("items of a deleted rule = %v, want none", got)
	}
	if got := ruleItems(t, db, "java-17"); len(got) != 1 {
		t.Errorf("items of another rule after a delete = %v, want one", got)
	}
	// Evaluations of a deleted (or replaced) version record nothing.
	_, err = db.RecordEvaluations(ctx, &compliance.Batch{Rule: v2, Results: []*compliance.Result{result(v2, "mi-1", ssm.ComplianceStatusNonCompliant, basis)}})
	wantKind(t, "RecordEvaluations(deleted rule)", err, awserr.Conflict)
	if got := ruleItems(t, db, "no-telnet"); len(got) != 0 {
		t.Errorf("items after an evaluation of a deleted rule = %v, want none", got)
	}
}

func testCmpRuleLimit(t *testing.T, db *store.DB) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.PutInventoryRule(ctx, noTelnet(fmt.Sprintf("rule-%d", i), at(1, 0, 0, 0)), 4)
		}()
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, awserr.LimitExceeded):
			t.Errorf("PutInventoryRule error = %v, want LimitExceeded", err)
		}
	}
	rules, err := db.InventoryRules(ctx, compliance.RuleQuery{Account: acct})
	must(t, err)
	if created != 4 || len(rules) != 4 {
		t.Errorf("concurrent puts under a limit of 4 created %d (listed %d), want 4", created, len(rules))
	}
	// Replacing one at the limit is not a new rule.
	must(t, db.PutInventoryRule(ctx, noTelnet(rules[0].Name, at(2, 0, 0, 0)), 4))
	// Two puts of one new name at once: one creates it, the other
	// replaces it.
	must(t, db.DeleteInventoryRule(ctx, acct, rules[3].Name))
	var versions [2]int
	for i := range versions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := noTelnet("same", at(3, 0, 0, 0))
			if err := db.PutInventoryRule(ctx, r, 4); err != nil {
				t.Errorf("PutInventoryRule(same): %v", err)
			}
			versions[i] = r.Version
		}()
	}
	wg.Wait()
	slices.Sort(versions[:])
	if versions != [2]int{1, 2} {
		t.Errorf("concurrent puts of one name made versions %v, want 1 and 2", versions)
	}
}

func testCmpSweeps(t *testing.T, db *store.DB) {
	ctx := context.Background()
	r := noTelnet("no-telnet", at(1, 0, 0, 0))
	must(t, db.PutInventoryRule(ctx, r, 10))
	for i := 1; i <= 4; i++ {
		putItems(t, db, fmt.Sprintf("mi-%d", i), &inventory.Item{TypeName: "AWS:Application", SchemaVersion: "1.1", Content: apps("telnet", "1")})
	}
	basis := at(1, 0, 0, 0)
	due, err := db.DueSweeps(ctx, at(1, 0, 0, 0), 10)
	must(t, err)
	if len(due) != 1 || due[0].Name != r.Name || due[0].Sweep != (compliance.Sweep{}) {
		t.Fatalf("DueSweeps = %v, want the new rule's", due)
	}
	ok, err := db.ClaimSweep(ctx, acct, r.Name, 1, time.Time{}, at(1, 1, 0, 0))
	must(t, err)
	again, err := db.ClaimSweep(ctx, acct, r.Name, 1, time.Time{}, at(1, 1, 0, 0))
	must(t, err)
	if !ok || again {
		t.Errorf("ClaimSweep twice = %v, %v; want true then false", ok, again)
	}
	if due, _ := db.DueSweeps(ctx, at(1, 0, 30, 0), 10); len(due) != 0 {
		t.Errorf("DueSweeps during the lease = %v, want none", due)
	}

	// An item left over from an earlier evaluation, for an instance the
	// sweep finds out of scope: the step removes it.
	_, err = db.RecordEvaluations(ctx, &compliance.Batch{Rule: r, Results: []*compliance.Result{result(r, "mi-2", ssm.ComplianceStatusCompliant, basis)}})
	must(t, err)
	step := &compliance.Step{After: "", Through: "mi-2", LeaseUntil: at(1, 2, 0, 0)}
	claimed, err := db.RecordEvaluations(ctx, &compliance.Batch{Rule: r, Step: step, Remove: []string{"mi-2"},
		Results: []*compliance.Result{result(r, "mi-1", ssm.ComplianceStatusNonCompliant, basis)}})
	must(t, err)
	if !slices.Equal(claimed, []string{"mi-1"}) {
		t.Errorf("RecordEvaluations(first step) claimed %v, want [mi-1]", claimed)
	}
	if got, want := ruleItems(t, db, r.Name), map[string]string{"mi-1": "NON_COMPLIANT/Pending/"}; !cmp.Equal(got, want) {
		t.Errorf("items after the first step = %v, want %v", got, want)
	}
	// The same step again (a server whose lease was taken over) is a
	// conflict, and changes nothing.
	_, err = db.RecordEvaluations(ctx, &compliance.Batch{Rule: r, Step: step,
		Results: []*compliance.Result{result(r, "mi-1", ssm.ComplianceStatusCompliant, basis)}})
	wantKind(t, "RecordEvaluations(a step already made)", err, awserr.Conflict)
	rules, err := db.InventoryRules(ctx, compliance.RuleQuery{Account: acct})
	must(t, err)
	if want := (compliance.Sweep{After: "mi-2", LeaseUntil: at(1, 2, 0, 0)}); rules[0].Sweep != want {
		t.Errorf("sweep after the first step = %+v, want %+v", rules[0].Sweep, want)
	}
	// The last step: a stale result (its item changed since) is neither
	// written nor deleted.
	_, err = db.RecordEvaluations(ctx, &compliance.Batch{Rule: r, Results: []*compliance.Result{result(r, "mi-4", ssm.ComplianceStatusCompliant, basis)}})
	must(t, err)
	_, err = db.RecordEvaluations(ctx, &compliance.Batch{Rule: r, Step: &compliance.Step{After: "mi-2", Done: true, LeaseUntil: at(1, 2, 0, 0)},
		Results: []*compliance.Result{result(r, "mi-3", ssm.ComplianceStatusCompliant, basis),
			result(r, "mi-4", ssm.ComplianceStatusNonCompliant, basis.Add(-time.Second))}})
	must(t, err)
	want := map[string]string{"mi-1": "NON_COMPLIANT/Pending/", "mi-3": "COMPLIANT//", "mi-4": "COMPLIANT//"}
	if got := ruleItems(t, db, r.Name); !cmp.Equal(got, want) {
		t.Errorf("items after the last step = %v, want %v", got, want)
	}
	if due, _ := db.DueSweeps(ctx, at(5, 0, 0, 0), 10); len(due) != 0 {
		t.Errorf("DueSweeps after the last step = %v, want none", due)
	}
	// Restarting the sweeps of the rule's type makes it due again.
	must(t, db.RestartSweeps(ctx, acct, "AWS:Application"))
	if due, _ := db.DueSweeps(ctx, at(1, 0, 0, 0), 10); len(due) != 1 || due[0].Sweep != (compliance.Sweep{}) {
		t.Errorf("DueSweeps after RestartSweeps = %v, want the rule from the start", due)
	}
	// A result of another instance's evaluation removes its item.
	_, err = db.RecordEvaluations(ctx, &compliance.Batch{Rule: r, Remove: []string{"mi-3"}})
	must(t, err)
	if got := ruleItems(t, db, r.Name); len(got) != 2 || got["mi-3"] != "" {
		t.Errorf("items after Remove mi-3 = %v", got)
	}
}

// testCmpSweepRange checks which items a sweep's step deletes in its
// range: those of instances without inventory of the rule's type, not
// those of instances whose inventory arrived after the sweep listed the
// range.
func testCmpSweepRange(t *testing.T, db *store.DB) {
	ctx := context.Background()
	r := noTelnet("no-telnet", at(1, 0, 0, 0))
	must(t, db.PutInventoryRule(ctx, r, 10))
	// The sweep lists no instance with inventory; then mi-1's inventory
	// arrives and its own evaluation records its item; then the sweep
	// records its one step.
	putItems(t, db, "mi-1", &inventory.Item{TypeName: "AWS:Application", SchemaVersion: "1.1", Content: apps("telnet", "1")})
	_, err := db.RecordEvaluations(ctx, &compliance.Batch{Rule: r, Results: []*compliance.Result{
		result(r, "mi-1", ssm.ComplianceStatusNonCompliant, at(1, 0, 0, 0))}})
	must(t, err)
	_, err = db.RecordEvaluations(ctx, &compliance.Batch{Rule: r, Step: &compliance.Step{Done: true, LeaseUntil: at(1, 2, 0, 0)}})
	must(t, err)
	if got, want := ruleItems(t, db, r.Name), map[string]string{"mi-1": "NON_COMPLIANT/Pending/"}; !cmp.Equal(got, want) {
		t.Errorf("items after a sweep that listed no instance = %v, want %v", got, want)
	}

	// A rule on a custom type whose data was deleted: the sweep that
	// follows deletes the items of the instances that held it.
	rack := &compliance.Rule{Account: acct, Name: "no-rack-r1", CreatedAt: at(1, 0, 0, 0), UpdatedAt: at(1, 0, 0, 0), Spec: compliance.Spec{
		TypeName: "Custom:Rack", Kind: compliance.KindForbidden, Severity: ssm.ComplianceSeverityLow,
		Conditions: []compliance.Condition{{Attribute: "Rack", Operator: "Equal", Values: []string{"r1"}}},
	}}
	must(t, db.PutInventoryRule(ctx, rack, 10))
	for _, id := range []string{"mi-1", "mi-2"} {
		putItems(t, db, id, &inventory.Item{TypeName: "Custom:Rack", SchemaVersion: "1.0", Content: []map[string]string{{"Rack": "r1"}}})
	}
	_, err = db.RecordEvaluations(ctx, &compliance.Batch{Rule: rack, Results: []*compliance.Result{
		result(rack, "mi-1", ssm.ComplianceStatusNonCompliant, at(1, 0, 0, 0)), result(rack, "mi-2", ssm.ComplianceStatusNonCompliant, at(1, 0, 0, 0))}})
	must(t, err)
	if got := ruleItems(t, db, rack.Name); len(got) != 2 {
		t.Fatalf("items of the custom type's rule = %v, want mi-1 and mi-2", got)
	}
	must(t, db.DeleteInventoryType(ctx, &inventory.Deletion{ID: "d1", Account: acct, TypeName: "Custom:Rack", StartedAt: at(1, 1, 0, 0)}))
	must(t, db.RestartSweeps(ctx, acct, "Custom:Rack"))
	_, err = db.RecordEvaluations(ctx, &compliance.Batch{Rule: rack, Step: &compliance.Step{Done: true, LeaseUntil: at(1, 2, 0, 0)}})
	must(t, err)
	if got := ruleItems(t, db, rack.Name); len(got) != 0 {
		t.Errorf("items after the sweep that followed the type's deletion = %v, want none", got)
	}
	if got := ruleItems(t, db, r.Name); len(got) != 1 {
		t.Errorf("items of the other rule after the deletion = %v, want mi-1's", got)
	}
}

func testCmpTransitions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	r := noTelnet("no-telnet", at(1, 0, 0, 0))
	must(t, db.PutInventoryRule(ctx, r, 10))
	putItems(t, db, "mi-1", &inventory.Item{TypeName: "AWS:Application", SchemaVersion: "1.1", Content: apps("telnet", "1")})
	basis := at(1, 0, 0, 0)
	record := func(status string) []string {
		t.Helper()
		claimed, err := db.RecordEvaluations(ctx, &compliance.Batch{Rule: r, Results: []*compliance.Result{result(r, "mi-1", status, basis)},
			ActionCommand: "cmd-claim"})
		must(t, err)
		return claimed
	}
	// pending lists the Pending actions written before a time far ahead.
	pending := func() string {
		t.Helper()
		ps, err := db.PendingActions(ctx, acct, time.Now().Add(time.Hour), 100)
		must(t, err)
		var out []string
		for _, p := range ps {
			out = append(out, p.Rule+"/"+p.Command+"/"+strings.Join(p.InstanceIDs, ","))
		}
		return strings.Join(out, " ")
	}
	steps := []struct {
		do          func() []string
		wantClaimed []string
		wantItem    string
	}{
		{func() []string { return record(ssm.ComplianceStatusNonCompliant) }, []string{"mi-1"}, "NON_COMPLIANT/Pending/cmd-claim"},
		{func() []string { return record(ssm.ComplianceStatusNonCompliant) }, nil, "NON_COMPLIANT/Pending/cmd-claim"},
		{func() []string {
			// The claim, not yet sent, is listed for any server to send
			// once it is old enough, and not before.
			if got, want := pending(), "no-telnet/cmd-claim/mi-1"; got != want {
				t.Errorf("PendingActions = %q, want %q", got, want)
			}
			if ps, err := db.PendingActions(ctx, acct, at(1, 0, 0, 0), 100); err != nil || len(ps) != 0 {
				t.Errorf("PendingActions(before the claim) = %v, %v; want none", ps, err)
			}
			return nil
		}, nil, "NON_COMPLIANT/Pending/cmd-claim"},
		{func() []string {
			// The result of an earlier claim, late: the new claim stays.
			must(t, db.SetActionResults(ctx, acct, r.Name, []string{"mi-1"}, "cmd-old", compliance.ActionSent, "cmd-old"))
			return nil
		}, nil, "NON_COMPLIANT/Pending/cmd-claim"},
		{func() []string {
			must(t, db.SetActionResults(ctx, acct, r.Name, []string{"mi-1"}, "cmd-claim", compliance.ActionSent, "cmd-claim"))
			return nil
		}, nil, "NON_COMPLIANT/Sent/cmd-claim"},
		{func() []string { return record(ssm.ComplianceStatusNonCompliant) }, nil, "NON_COMPLIANT/Sent/cmd-claim"},
		{func() []string { return record(ssm.ComplianceStatusCompliant) }, nil, "COMPLIANT//"},
		{func() []string {
			// Not Pending: nothing to record.
			must(t, db.SetActionResults(ctx, acct, r.Name, []string{"mi-1"}, "cmd-claim", compliance.ActionSent, "cmd-claim"))
			return nil
		}, nil, "COMPLIANT//"},
		{func() []string {
			if got := pending(); got != "" {
				t.Errorf("PendingActions after the send = %q, want none", got)
			}
			return record(ssm.ComplianceStatusNonCompliant)
		}, []string{"mi-1"}, "NON_COMPLIANT/Pending/cmd-claim"},
	}
	for i, st := range steps {
		if got := st.do(); !slices.Equal(got, st.wantClaimed) {
			t.Errorf("step %d claimed %v, want %v", i, got, st.wantClaimed)
		}
		if got := ruleItems(t, db, r.Name)["mi-1"]; got != st.wantItem {
			t.Errorf("step %d item = %q, want %q", i, got, st.wantItem)
		}
	}
	// A rule without an action claims nothing; given one later, it claims
	// the instances non-compliant without an action taken.
	quiet := noTelnet("quiet", at(1, 0, 0, 0))
	quiet.Action = nil
	must(t, db.PutInventoryRule(ctx, quiet, 10))
	claimed, err := db.RecordEvaluations(ctx, &compliance.Batch{Rule: quiet, Results: []*compliance.Result{result(quiet, "mi-1", ssm.ComplianceStatusNonCompliant, basis)}})
	must(t, err)
	if len(claimed) != 0 {
		t.Errorf("RecordEvaluations(no action) claimed %v", claimed)
	}
	loud := noTelnet("quiet", at(2, 0, 0, 0))
	must(t, db.PutInventoryRule(ctx, loud, 10))
	claimed, err = db.RecordEvaluations(ctx, &compliance.Batch{Rule: loud, Results: []*compliance.Result{result(loud, "mi-1", ssm.ComplianceStatusNonCompliant, basis)}})
	must(t, err)
	if !slices.Equal(claimed, []string{"mi-1"}) {
		t.Errorf("RecordEvaluations(action added) claimed %v, want [mi-1]", claimed)
	}
}

// testCmpClaimConcurrent records the same transition from many
// goroutines at once, as servers evaluating one instance would: exactly
// one claims the action.
func testCmpClaimConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	r := noTelnet("no-telnet", at(1, 0, 0, 0))
	must(t, db.PutInventoryRule(ctx, r, 10))
	for i := 1; i <= 3; i++ {
		putItems(t, db, fmt.Sprintf("mi-%d", i), &inventory.Item{TypeName: "AWS:Application", SchemaVersion: "1.1", Content: apps("telnet", "1")})
	}
	var mu sync.Mutex
	claims := map[string]int{}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var results []*compliance.Result
			for i := 1; i <= 3; i++ {
				results = append(results, result(r, fmt.Sprintf("mi-%d", i), ssm.ComplianceStatusNonCompliant, at(1, 0, 0, 0)))
			}
			claimed, err := db.RecordEvaluations(ctx, &compliance.Batch{Rule: r, Results: results})
			if err != nil {
				t.Errorf("RecordEvaluations: %v", err)
				return
			}
			mu.Lock()
			for _, id := range claimed {
				claims[id]++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if want := map[string]int{"mi-1": 1, "mi-2": 1, "mi-3": 1}; !cmp.Equal(claims, want) {
		t.Errorf("claims by instance = %v, want each once: %v", claims, want)
	}
}

func testCmpItems(t *testing.T, db *store.DB) {
	ctx := context.Background()
	t0 := at(4, 0, 0, 0)
	item := func(res, typ, id, status, sev string) *compliance.Item {
		return &compliance.Item{Account: acct, ResourceType: compliance.ResourceTypeManagedInstance, ResourceID: res, ComplianceType: typ,
			ID: id, Title: "title " + id, Status: status, Severity: sev, Details: map[string]string{"k": id}, ExecutionID: "e1",
			ExecutionType: "Command", ExecutionTime: t0}
	}
	nc, c := ssm.ComplianceStatusNonCompliant, ssm.ComplianceStatusCompliant
	must(t, db.PutComplianceItems(ctx, acct, compliance.ResourceTypeManagedInstance, "mi-1", "Custom:Patch",
		[]*compliance.Item{item("mi-1", "Custom:Patch", "KB1", nc, "HIGH"), item("mi-1", "Custom:Patch", "KB2", c, "LOW"),
			item("mi-1", "Custom:Patch", "KB3", nc, "HIGH")}, true))
	must(t, db.PutComplianceItems(ctx, acct, compliance.ResourceTypeManagedInstance, "mi-2", "Custom:Patch",
		[]*compliance.Item{item("mi-2", "Custom:Patch", "KB1", c, "HIGH")}, true))
	must(t, db.PutComplianceItems(ctx, acct, compliance.ResourceTypeManagedInstance, "mi-1", "Custom:Backup",
		[]*compliance.Item{item("mi-1", "Custom:Backup", "daily", c, "MEDIUM")}, true))
	must(t, db.PutComplianceItems(ctx, other, compliance.ResourceTypeManagedInstance, "mi-1", "Custom:Patch",
		[]*compliance.Item{item("mi-1", "Custom:Patch", "KB9", nc, "HIGH")}, true))

	got, err := db.ComplianceItems(ctx, compliance.ItemQuery{Account: acct, ResourceIDs: []string{"mi-1"}})
	must(t, err)
	want := []*compliance.Item{item("mi-1", "Custom:Backup", "daily", c, "MEDIUM"), item("mi-1", "Custom:Patch", "KB1", nc, "HIGH"),
		item("mi-1", "Custom:Patch", "KB2", c, "LOW"), item("mi-1", "Custom:Patch", "KB3", nc, "HIGH")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ComplianceItems(mi-1) mismatch (-want +got):\n%s", diff)
	}
	keys := func(q compliance.ItemQuery) []string {
		t.Helper()
		q.Account = acct
		items, err := db.ComplianceItems(ctx, q)
		must(t, err)
		return names(items, func(it *compliance.Item) string { return it.ResourceID + "/" + it.ComplianceType + "/" + it.ID })
	}
	after := compliance.ItemKey{ResourceType: compliance.ResourceTypeManagedInstance, ResourceID: "mi-1", ComplianceType: "Custom:Patch", ID: "KB1"}
	if got, want := keys(compliance.ItemQuery{After: after, Limit: 2}), []string{"mi-1/Custom:Patch/KB2", "mi-1/Custom:Patch/KB3"}; !slices.Equal(got, want) {
		t.Errorf("ComplianceItems(after KB1, 2) = %q, want %q", got, want)
	}
	if got := keys(compliance.ItemQuery{ResourceIDs: []string{}}); got != nil {
		t.Errorf("ComplianceItems(no resources) = %q, want none", got)
	}

	// PARTIAL replaces the items of its IDs; COMPLETE every item of the type.
	must(t, db.PutComplianceItems(ctx, acct, compliance.ResourceTypeManagedInstance, "mi-1", "Custom:Patch",
		[]*compliance.Item{item("mi-1", "Custom:Patch", "KB3", c, "HIGH")}, false))
	if got, want := keys(compliance.ItemQuery{ResourceIDs: []string{"mi-1"}}), []string{"mi-1/Custom:Backup/daily", "mi-1/Custom:Patch/KB1",
		"mi-1/Custom:Patch/KB2", "mi-1/Custom:Patch/KB3"}; !slices.Equal(got, want) {
		t.Errorf("items after PARTIAL = %q, want %q", got, want)
	}

	counts, err := db.ComplianceCounts(ctx, acct, compliance.ItemKey{}, 2)
	must(t, err)
	type row struct {
		Res, Type, Status, Severity string
		Items                       int
		Last                        time.Time
	}
	var rows []row
	for _, c := range counts {
		rows = append(rows, row{c.ResourceID, c.ComplianceType, c.Status, c.Severity, c.Items, c.LastExecution})
	}
	wantRows := []row{
		{"mi-1", "Custom:Backup", c, "MEDIUM", 1, t0},
		{"mi-1", "Custom:Patch", c, "HIGH", 1, t0}, {"mi-1", "Custom:Patch", c, "LOW", 1, t0}, {"mi-1", "Custom:Patch", nc, "HIGH", 1, t0},
	}
	if diff := cmp.Diff(wantRows, rows, cmpopts.SortSlices(func(a, b row) bool { return fmt.Sprint(a) < fmt.Sprint(b) })); diff != "" {
		t.Errorf("ComplianceCounts(first 2 pairs) mismatch (-want +got):\n%s", diff)
	}
	counts, err = db.ComplianceCounts(ctx, acct, compliance.ItemKey{ResourceType: compliance.ResourceTypeManagedInstance, ResourceID: "mi-1",
		ComplianceType: "Custom:Patch"}, 2)
	must(t, err)
	if len(counts) != 1 || counts[0].ResourceID != "mi-2" || counts[0].Items != 1 {
		t.Errorf("ComplianceCounts(after mi-1 Custom:Patch) = %+v, want mi-2's one row", counts)
	}
}
