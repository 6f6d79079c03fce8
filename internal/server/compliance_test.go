// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	kanriapi "github.com/kanri-dev/kanri/internal/wire/kanri"
)

// kanriError is an error answer of kanri's own API.
type kanriError struct {
	Status  int
	Code    string `json:"__type"`
	Message string `json:"message"`
}

func (e *kanriError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// kanriCall sends op of kanri's own API to endpoint, signed with creds as
// any SigV4 client signs (service kanri), and decodes the answer into out;
// an error answer is a *kanriError.
func kanriCall(t testing.TB, endpoint string, creds aws.Credentials, op string, in, out any) error {
	t.Helper()
	body, err := json.Marshal(in)
	rcMust(t, "marshal "+op, err)
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", bytes.NewReader(body))
	rcMust(t, "request "+op, err)
	req.Header.Set("X-Amz-Target", kanriapi.TargetPrefix+"."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	sum := sha256.Sum256(body)
	rcMust(t, "sign "+op, v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), kanriapi.SigningName, "us-east-1", time.Now()))
	resp, err := http.DefaultClient.Do(req)
	rcMust(t, op, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e := &kanriError{Status: resp.StatusCode}
		if err := json.Unmarshal(b, e); err != nil {
			t.Fatalf("%s: %d %s", op, resp.StatusCode, b)
		}
		return e
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s answer %s: %v", op, b, err)
	}
	return nil
}

// admin returns the administrator's credentials.
func (e *rcEnv) admin() aws.Credentials {
	return aws.Credentials{AccessKeyID: e.k.AccessKeyID(), SecretAccessKey: e.k.SecretAccessKey()}
}

// putRule puts an inventory rule as the administrator.
func (e *rcEnv) putRule(t *testing.T, in *kanriapi.PutInventoryRuleInput) *kanriapi.InventoryRule {
	t.Helper()
	var out kanriapi.PutInventoryRuleOutput
	rcMust(t, "PutInventoryRule "+in.Name, kanriCall(t, e.k.Endpoint, e.admin(), "PutInventoryRule", in, &out))
	return out.Rule
}

// rule returns an inventory rule as ListInventoryRules shows it.
func (e *rcEnv) rule(t *testing.T, name string) *kanriapi.InventoryRule {
	t.Helper()
	var out kanriapi.ListInventoryRulesOutput
	rcMust(t, "ListInventoryRules", kanriCall(t, e.k.Endpoint, e.admin(), "ListInventoryRules", &kanriapi.ListInventoryRulesInput{Names: []string{name}}, &out))
	if len(out.Rules) != 1 {
		t.Fatalf("ListInventoryRules(%s) = %d rules, want 1", name, len(out.Rules))
	}
	return out.Rules[0]
}

// evaluated waits until a rule's latest version has been evaluated on
// every instance.
func (e *rcEnv) evaluated(t *testing.T, name string) *kanriapi.InventoryRule {
	t.Helper()
	var r *kanriapi.InventoryRule
	rcEventually(t, "rule "+name+" evaluated", 20*time.Second, func() bool {
		r = e.rule(t, name)
		return r.EvaluationStatus == kanriapi.EvaluationStatusComplete
	})
	return r
}

// putApps reports an instance's applications as the administrator.
func (e *rcEnv) putApps(t *testing.T, client *ssm.Client, id, hash string, kv ...string) {
	t.Helper()
	_, err := client.PutInventory(e.ctx, &ssm.PutInventoryInput{InstanceId: aws.String(id), Items: []ssmtypes.InventoryItem{
		invItem("AWS:Application", "1.1", hash, invApps(kv...))}})
	rcMust(t, "PutInventory "+id, err)
}

// ruleItem returns an instance's compliance item of an inventory rule, or
// nil.
func (e *rcEnv) ruleItem(t *testing.T, id, rule string) *ssmtypes.ComplianceItem {
	t.Helper()
	out, err := e.ssm.ListComplianceItems(e.ctx, &ssm.ListComplianceItemsInput{ResourceIds: []string{id}, ResourceTypes: []string{"ManagedInstance"},
		Filters: []ssmtypes.ComplianceStringFilter{{Key: aws.String("ComplianceType"), Values: []string{"Custom:InventoryRule"}}}})
	rcMust(t, "ListComplianceItems "+id, err)
	for i, it := range out.ComplianceItems {
		if aws.ToString(it.Id) == rule {
			return &out.ComplianceItems[i]
		}
	}
	return nil
}

// ruleCommands returns the commands a rule's action sent, oldest first,
// each as the instances it targets.
func (e *rcEnv) ruleCommands(t *testing.T, rule string) (ids []string, targets [][]string) {
	t.Helper()
	out, err := e.ssm.ListCommands(e.ctx, &ssm.ListCommandsInput{})
	rcMust(t, "ListCommands", err)
	for _, c := range slices.Backward(out.Commands) {
		if !strings.HasPrefix(aws.ToString(c.Comment), "Inventory rule "+rule+" ") {
			continue
		}
		if aws.ToString(c.DocumentName) != "AWS-RunShellScript" || !cmp.Equal(c.Parameters["commands"], []string{"apt-get remove -y telnet"}) ||
			len(c.Targets) != 1 || aws.ToString(c.Targets[0].Key) != "InstanceIds" {
			t.Errorf("command of rule %s = %+v", rule, c)
		}
		ids = append(ids, aws.ToString(c.CommandId))
		targets = append(targets, slices.Sorted(slices.Values(c.Targets[0].Values)))
	}
	return ids, targets
}

// TestInventoryRuleForbidsPackage: a rule that forbids a package flags
// exactly the instances that have it, and its action runs on them, once
// each time an instance comes to have it; an instance that removes the
// package becomes COMPLIANT.
func TestInventoryRuleForbidsPackage(t *testing.T) {
	e := rcStart(t, false)
	ids := map[string]string{}
	for _, name := range []string{"a", "b", "c", "d"} {
		ids[name] = e.register(t, map[string]string{"env": "prod"})
	}
	// a and c have telnet, b and d do not.
	e.putApps(t, e.ssm, ids["a"], "ha1", "telnet", "0.17-44", "bash", "5.2")
	e.putApps(t, e.ssm, ids["b"], "hb1", "bash", "5.2")
	e.putApps(t, e.ssm, ids["c"], "hc1", "telnetd", "0.17-44", "telnet", "0.17-45")
	e.putApps(t, e.ssm, ids["d"], "hd1", "telnet-ssl", "0.17", "nginx", "1.24")

	r := e.putRule(t, &kanriapi.PutInventoryRuleInput{Name: "no-telnet", Description: "telnet sends passwords in clear", TypeName: "AWS:Application",
		Kind: "Forbidden", Severity: "HIGH", Conditions: []*kanriapi.InventoryRuleCondition{{Key: "Name", Values: []string{"telnet"}}},
		Action: &kanriapi.InventoryRuleAction{DocumentName: "AWS-RunShellScript", Parameters: map[string][]string{"commands": {"apt-get remove -y telnet"}}}})
	if aws.ToInt64(r.Version) != 1 || r.EvaluationStatus != "InProgress" {
		t.Errorf("PutInventoryRule = version %d %s, want 1 InProgress", aws.ToInt64(r.Version), r.EvaluationStatus)
	}
	r = e.evaluated(t, "no-telnet")
	if aws.ToInt32(r.NonCompliantCount) != 2 || aws.ToInt32(r.CompliantCount) != 2 {
		t.Errorf("rule after evaluation: %d non-compliant, %d compliant; want 2 and 2", aws.ToInt32(r.NonCompliantCount), aws.ToInt32(r.CompliantCount))
	}

	// The actions are sent after the evaluation is recorded.
	rcEventually(t, "the actions on a and c sent", 20*time.Second, func() bool {
		for _, name := range []string{"a", "c"} {
			if it := e.ruleItem(t, ids[name], "no-telnet"); it == nil || it.Details["ActionStatus"] != "Sent" {
				return false
			}
		}
		return true
	})

	// The items, in SSM's shapes.
	status := func() map[string]string {
		out := map[string]string{}
		for name, id := range ids {
			if it := e.ruleItem(t, id, "no-telnet"); it != nil {
				out[name] = string(it.Status)
			}
		}
		return out
	}
	want := map[string]string{"a": "NON_COMPLIANT", "b": "COMPLIANT", "c": "NON_COMPLIANT", "d": "COMPLIANT"}
	if got := status(); !cmp.Equal(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
	c := e.ruleItem(t, ids["c"], "no-telnet")
	if aws.ToString(c.Title) != "no-telnet" || c.Severity != "HIGH" || aws.ToString(c.ComplianceType) != "Custom:InventoryRule" ||
		aws.ToString(c.ResourceType) != "ManagedInstance" || c.Details["Entries"] != "telnet 0.17-45" || c.Details["MatchingEntries"] != "1" ||
		c.Details["ActionStatus"] != "Sent" || c.ExecutionSummary == nil || c.ExecutionSummary.ExecutionTime == nil {
		t.Errorf("item of c = %+v", c)
	}

	// The action went exactly to a and c, once each.
	cmds, targets := e.ruleCommands(t, "no-telnet")
	var sent []string
	for _, tg := range targets {
		sent = append(sent, tg...)
	}
	slices.Sort(sent)
	if want := slices.Sorted(slices.Values([]string{ids["a"], ids["c"]})); !slices.Equal(sent, want) {
		t.Fatalf("action commands target %v, want %v", sent, want)
	}
	for _, name := range []string{"a", "c"} {
		it := e.ruleItem(t, ids[name], "no-telnet")
		if !slices.Contains(cmds, it.Details["ActionCommandId"]) {
			t.Errorf("item of %s names command %q, want one of %v", name, it.Details["ActionCommandId"], cmds)
		}
	}
	inv, err := e.ssm.ListCommandInvocations(e.ctx, &ssm.ListCommandInvocationsInput{CommandId: aws.String(cmds[0])})
	rcMust(t, "ListCommandInvocations", err)
	if len(inv.CommandInvocations) != len(targets[0]) {
		t.Errorf("invocations of %s = %d, want %d", cmds[0], len(inv.CommandInvocations), len(targets[0]))
	}

	// Reports that change nothing the rule looks at, or nothing at all,
	// send nothing more.
	e.putApps(t, e.ssm, ids["c"], "hc1", "telnetd", "0.17-44", "telnet", "0.17-45")
	e.putApps(t, e.ssm, ids["a"], "ha2", "telnet", "0.17-44", "bash", "5.3")
	if n, _ := e.ruleCommands(t, "no-telnet"); len(n) != len(cmds) {
		t.Errorf("commands after unchanged reports = %d, want %d", len(n), len(cmds))
	}

	// An instance reporting with its own role credentials, which may not
	// send commands: its report makes it non-compliant at once, and the
	// action runs with the server's identity.
	x, asX := e.invInstance(t)
	e.putApps(t, asX, x, "hx1", "telnet", "0.17-44")
	if it := e.ruleItem(t, x, "no-telnet"); it == nil || it.Status != "NON_COMPLIANT" || it.Details["ActionStatus"] != "Sent" {
		t.Fatalf("item of x right after its report = %+v", it)
	}
	cmds2, targets2 := e.ruleCommands(t, "no-telnet")
	if len(cmds2) != len(cmds)+1 || !slices.Equal(targets2[len(targets2)-1], []string{x}) {
		t.Fatalf("commands after x's report target %v, want one more for [%s]", targets2, x)
	}

	// a removes telnet: COMPLIANT, and its action's state is forgotten.
	e.putApps(t, e.ssm, ids["a"], "ha3", "bash", "5.3")
	if it := e.ruleItem(t, ids["a"], "no-telnet"); it == nil || it.Status != "COMPLIANT" || it.Details["ActionStatus"] != "" ||
		it.Details["MatchingEntries"] != "0" {
		t.Errorf("item of a after removing telnet = %+v", it)
	}
	// Installed again, it is acted on again: once per transition.
	e.putApps(t, e.ssm, ids["a"], "ha4", "bash", "5.3", "telnet", "0.17-50")
	cmds3, targets3 := e.ruleCommands(t, "no-telnet")
	if len(cmds3) != len(cmds2)+1 || !slices.Equal(targets3[len(targets3)-1], []string{ids["a"]}) {
		t.Errorf("commands after a installs telnet again target %v, want one more for [%s]", targets3, ids["a"])
	}

	// SSM's summaries count the rule's results.
	sum, err := e.ssm.ListComplianceSummaries(e.ctx, &ssm.ListComplianceSummariesInput{})
	rcMust(t, "ListComplianceSummaries", err)
	if len(sum.ComplianceSummaryItems) != 1 || aws.ToString(sum.ComplianceSummaryItems[0].ComplianceType) != "Custom:InventoryRule" ||
		sum.ComplianceSummaryItems[0].NonCompliantSummary.NonCompliantCount != 3 ||
		sum.ComplianceSummaryItems[0].NonCompliantSummary.SeveritySummary.HighCount != 3 ||
		sum.ComplianceSummaryItems[0].CompliantSummary.CompliantCount != 2 {
		t.Errorf("ListComplianceSummaries = %+v", sum.ComplianceSummaryItems)
	}

	// Deleting the rule deletes its items.
	rcMust(t, "DeleteInventoryRule", kanriCall(t, e.k.Endpoint, e.admin(), "DeleteInventoryRule", &kanriapi.DeleteInventoryRuleInput{Name: "no-telnet"},
		&kanriapi.DeleteInventoryRuleOutput{}))
	if got := status(); len(got) != 0 {
		t.Errorf("statuses after DeleteInventoryRule = %v, want none", got)
	}
}

// TestInventoryRuleTargets checks that a rule applies only to the
// instances its targets select, on evaluation and on inventory changes,
// and that a new version replaces the results.
func TestInventoryRuleTargets(t *testing.T) {
	e := rcStart(t, false)
	prod1 := e.register(t, map[string]string{"env": "prod"})
	prod2 := e.register(t, map[string]string{"env": "prod"})
	dev := e.register(t, map[string]string{"env": "dev"})
	e.putApps(t, e.ssm, prod1, "p1", "openjdk-17-jre", "17.0.10+7-1")
	e.putApps(t, e.ssm, prod2, "p2", "openjdk-11-jre", "11.0.22+7-1")
	e.putApps(t, e.ssm, dev, "d1", "openjdk-8-jre", "1.8.0_381")

	e.putRule(t, &kanriapi.PutInventoryRuleInput{Name: "java-17", TypeName: "AWS:Application", Kind: "Required", Severity: "MEDIUM",
		Conditions: []*kanriapi.InventoryRuleCondition{{Key: "AWS:Application.Name", Type: "BeginWith", Values: []string{"openjdk"}},
			{Key: "Version", Type: "GreaterThan", Values: []string{"17"}}},
		Targets: []*kanriapi.Target{{Key: "tag:env", Values: []string{"prod"}}}})
	e.evaluated(t, "java-17")
	got := map[string]string{}
	for _, id := range []string{prod1, prod2, dev} {
		if it := e.ruleItem(t, id, "java-17"); it != nil {
			got[id] = string(it.Status)
		}
	}
	if want := map[string]string{prod1: "COMPLIANT", prod2: "NON_COMPLIANT"}; !cmp.Equal(got, want) {
		t.Errorf("statuses = %v, want %v (dev not targeted)", got, want)
	}
	// dev's changes are not evaluated; prod2's are.
	e.putApps(t, e.ssm, dev, "d2", "openjdk-11-jre", "11.0.22")
	e.putApps(t, e.ssm, prod2, "p3", "openjdk-17-jre", "17.0.10+7-1")
	if it := e.ruleItem(t, dev, "java-17"); it != nil {
		t.Errorf("item of dev = %+v, want none", it)
	}
	if it := e.ruleItem(t, prod2, "java-17"); it == nil || it.Status != "COMPLIANT" || it.Details["Entries"] != "openjdk-17-jre 17.0.10+7-1" {
		t.Errorf("item of prod2 after upgrading = %+v", it)
	}

	// A new version targeting dev: prod's results go, dev's come.
	r := e.putRule(t, &kanriapi.PutInventoryRuleInput{Name: "java-17", TypeName: "AWS:Application", Kind: "Required", Severity: "LOW",
		Conditions: []*kanriapi.InventoryRuleCondition{{Key: "Name", Type: "BeginWith", Values: []string{"openjdk-17"}}},
		Targets:    []*kanriapi.Target{{Key: "tag:env", Values: []string{"dev"}}}})
	if aws.ToInt64(r.Version) != 2 {
		t.Errorf("PutInventoryRule(replace) version = %d, want 2", aws.ToInt64(r.Version))
	}
	e.evaluated(t, "java-17")
	got = map[string]string{}
	for _, id := range []string{prod1, prod2, dev} {
		if it := e.ruleItem(t, id, "java-17"); it != nil {
			got[id] = string(it.Status) + "/" + string(it.Severity)
		}
	}
	if want := map[string]string{dev: "NON_COMPLIANT/LOW"}; !cmp.Equal(got, want) {
		t.Errorf("statuses after retargeting = %v, want %v", got, want)
	}
}

// TestInventoryRulesAPI checks the rules API's validation, errors and
// authorization.
func TestInventoryRulesAPI(t *testing.T) {
	e := rcStart(t, false)
	call := func(creds aws.Credentials, op string, in, out any) *kanriError {
		t.Helper()
		err := kanriCall(t, e.k.Endpoint, creds, op, in, out)
		if err == nil {
			return nil
		}
		return err.(*kanriError)
	}
	put := func(in *kanriapi.PutInventoryRuleInput) *kanriError {
		t.Helper()
		return call(e.admin(), "PutInventoryRule", in, &kanriapi.PutInventoryRuleOutput{})
	}
	base := func() *kanriapi.PutInventoryRuleInput {
		return &kanriapi.PutInventoryRuleInput{Name: "rule-1", TypeName: "AWS:Application", Kind: "Forbidden",
			Conditions: []*kanriapi.InventoryRuleCondition{{Key: "Name", Values: []string{"telnet"}}}}
	}
	tests := []struct {
		name   string
		change func(in *kanriapi.PutInventoryRuleInput)
		code   string
		msgs   []string
	}{
		{"bad name", func(in *kanriapi.PutInventoryRuleInput) { in.Name = "no spaces" }, "ValidationException", []string{"'name'", "pattern"}},
		{"bad kind", func(in *kanriapi.PutInventoryRuleInput) { in.Kind = "Banned" }, "ValidationException", []string{"'kind'", "Forbidden, Required"}},
		{"unknown type", func(in *kanriapi.PutInventoryRuleInput) { in.TypeName = "AWS:Nope" }, "ValidationException", []string{"'typeName'", "AWS:Nope"}},
		{"unknown attribute", func(in *kanriapi.PutInventoryRuleInput) { in.Conditions[0].Key = "Colour" }, "ValidationException",
			[]string{"'conditions.1.member.key'", "AWS:Application has no attribute Colour"}},
		{"attribute of another type", func(in *kanriapi.PutInventoryRuleInput) { in.Conditions[0].Key = "AWS:Service.Name" }, "ValidationException",
			[]string{"'conditions.1.member.key'", "must be an attribute of AWS:Application"}},
		{"Exists with values", func(in *kanriapi.PutInventoryRuleInput) { in.Conditions[0].Type = "Exists" }, "ValidationException",
			[]string{"'conditions.1.member.values'", "Exists"}},
		{"no values", func(in *kanriapi.PutInventoryRuleInput) { in.Conditions[0].Values = nil }, "ValidationException",
			[]string{"'conditions.1.member.values'", "at least one value"}},
		{"bad target", func(in *kanriapi.PutInventoryRuleInput) {
			in.Targets = []*kanriapi.Target{{Key: "colour", Values: []string{"x"}}}
		},
			"ValidationException", []string{"'targets'", "InvalidTarget"}},
		{"unknown document", func(in *kanriapi.PutInventoryRuleInput) {
			in.Action = &kanriapi.InventoryRuleAction{DocumentName: "No-Such-Document"}
		}, "ValidationException", []string{"'action.documentName'", "No-Such-Document"}},
		{"bad parameters", func(in *kanriapi.PutInventoryRuleInput) {
			in.Action = &kanriapi.InventoryRuleAction{DocumentName: "AWS-RunShellScript", Parameters: map[string][]string{"colour": {"red"}}}
		}, "ValidationException", []string{"'action.documentName'", "colour"}},
		{"bad severity", func(in *kanriapi.PutInventoryRuleInput) { in.Severity = "SEVERE" }, "ValidationException", []string{"'severity'"}},
	}
	for _, tt := range tests {
		in := base()
		tt.change(in)
		err := put(in)
		if err == nil || err.Status != 400 || err.Code != tt.code {
			t.Errorf("%s: PutInventoryRule error = %v, want %s", tt.name, err, tt.code)
			continue
		}
		for _, m := range tt.msgs {
			if !strings.Contains(err.Message, m) {
				t.Errorf("%s: message %q lacks %q", tt.name, err.Message, m)
			}
		}
	}
	// A custom type the account has no data of yet is accepted, with any
	// attribute; listing pages by name.
	for _, name := range []string{"rule-3", "rule-1", "rule-2"} {
		in := base()
		in.Name, in.TypeName, in.Conditions = name, "Custom:Rack", []*kanriapi.InventoryRuleCondition{{Key: "Row", Type: "Exists"}}
		if err := put(in); err != nil {
			t.Fatalf("PutInventoryRule(%s on a new custom type): %v", name, err)
		}
	}
	var page kanriapi.ListInventoryRulesOutput
	if err := call(e.admin(), "ListInventoryRules", &kanriapi.ListInventoryRulesInput{MaxResults: aws.Int32(2)}, &page); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range page.Rules {
		got = append(got, r.Name)
	}
	if !slices.Equal(got, []string{"rule-1", "rule-2"}) || page.NextToken == "" || page.Rules[0].Conditions[0].Key != "Row" ||
		page.Rules[0].Conditions[0].Type != "Exists" || page.Rules[0].Severity != "UNSPECIFIED" {
		t.Errorf("ListInventoryRules(2) = %q next %q, first %+v", got, page.NextToken, page.Rules[0])
	}
	var page2 kanriapi.ListInventoryRulesOutput
	if err := call(e.admin(), "ListInventoryRules", &kanriapi.ListInventoryRulesInput{NextToken: page.NextToken}, &page2); err != nil ||
		len(page2.Rules) != 1 || page2.Rules[0].Name != "rule-3" || page2.NextToken != "" {
		t.Errorf("ListInventoryRules(page 2) = %+v, %v", page2, err)
	}
	if err := call(e.admin(), "ListInventoryRules", &kanriapi.ListInventoryRulesInput{NextToken: "!"}, &page); err == nil || err.Code != "InvalidNextTokenException" {
		t.Errorf("ListInventoryRules(bad token) error = %v", err)
	}
	err := call(e.admin(), "DeleteInventoryRule", &kanriapi.DeleteInventoryRuleInput{Name: "nope"}, &kanriapi.DeleteInventoryRuleOutput{})
	if err == nil || err.Code != "ResourceNotFoundException" || !strings.Contains(err.Message, "nope") {
		t.Errorf("DeleteInventoryRule(missing) error = %v", err)
	}

	// Authorization: kanri:<Operation> on the rule's ARN, and for a rule
	// with an action, ssm:SendCommand on the document and the instances it
	// targets, since the action runs with the server's identity.
	e.register(t, map[string]string{"env": "prod"})
	e.register(t, map[string]string{"env": "dev"})
	ruleARN := fmt.Sprintf("arn:aws:kanri:us-east-1:%s:inventory-rule/", e.acct)
	k := &kanri{k: e.k, ctx: e.ctx, acct: e.acct, iam: iam.NewFromConfig(e.k.Config())}
	readOnly := k.newUser(t, "reader", policyDoc(allow("kanri:ListInventoryRules", "*")))
	author := k.newUser(t, "author", policyDoc(allow("kanri:PutInventoryRule", ruleARN+"team-*"),
		allow("ssm:SendCommand", "arn:aws:ssm:us-east-1::document/AWS-RunShellScript"),
		allow("ssm:SendCommand", "arn:aws:ssm:us-east-1:"+e.acct+":managed-instance/*", `{"StringEquals":{"ssm:resourceTag/env":"prod"}}`)))
	asCreds := func(c *creds) aws.Credentials { return aws.Credentials{AccessKeyID: c.ak, SecretAccessKey: c.secret} }
	withAction := func(name string, targets string) *kanriapi.PutInventoryRuleInput {
		in := base()
		in.Name = name
		in.Action = &kanriapi.InventoryRuleAction{DocumentName: "AWS-RunShellScript", Parameters: map[string][]string{"commands": {"true"}}}
		if targets != "" {
			in.Targets = []*kanriapi.Target{{Key: "tag:env", Values: []string{targets}}}
		}
		return in
	}
	for _, tt := range []struct {
		name  string
		creds aws.Credentials
		op    string
		in    any
		code  string
	}{
		{"reader lists", asCreds(readOnly), "ListInventoryRules", &kanriapi.ListInventoryRulesInput{}, ""},
		{"reader puts", asCreds(readOnly), "PutInventoryRule", base(), "AccessDeniedException"},
		{"author puts outside team-*", asCreds(author), "PutInventoryRule", withAction("other", "prod"), "AccessDeniedException"},
		{"author acts on prod", asCreds(author), "PutInventoryRule", withAction("team-prod", "prod"), ""},
		{"author acts on dev", asCreds(author), "PutInventoryRule", withAction("team-dev", "dev"), "AccessDeniedException"},
		{"author acts on every instance", asCreds(author), "PutInventoryRule", withAction("team-all", ""), "AccessDeniedException"},
		{"author deletes", asCreds(author), "DeleteInventoryRule", &kanriapi.DeleteInventoryRuleInput{Name: "team-prod"}, "AccessDeniedException"},
	} {
		err := call(tt.creds, tt.op, tt.in, &struct{}{})
		switch {
		case tt.code == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.code != "" && (err == nil || err.Code != tt.code):
			t.Errorf("%s: error = %v, want %s", tt.name, err, tt.code)
		}
	}
}

// TestComplianceAPI drives SSM's compliance operations through the SDK:
// items of a custom type reported with PutComplianceItems, listed with
// filters and pages, and summarized.
func TestComplianceAPI(t *testing.T) {
	e := rcStart(t, false)
	a, asA := e.invInstance(t)
	b := e.register(t, nil)
	now := time.Now().UTC().Truncate(time.Second)
	put := func(client *ssm.Client, id, upload string, items ...ssmtypes.ComplianceItemEntry) error {
		if items == nil {
			items = []ssmtypes.ComplianceItemEntry{}
		}
		_, err := client.PutComplianceItems(e.ctx, &ssm.PutComplianceItemsInput{ResourceId: aws.String(id), ResourceType: aws.String("ManagedInstance"),
			ComplianceType: aws.String("Custom:Backup"), ExecutionSummary: &ssmtypes.ComplianceExecutionSummary{ExecutionTime: aws.Time(now),
				ExecutionId: aws.String("run-1"), ExecutionType: aws.String("Command")},
			Items: items, UploadType: ssmtypes.ComplianceUploadType(upload)})
		return err
	}
	entry := func(id, status, sev string) ssmtypes.ComplianceItemEntry {
		return ssmtypes.ComplianceItemEntry{Id: aws.String(id), Title: aws.String(id + " backup"), Status: ssmtypes.ComplianceStatus(status),
			Severity: ssmtypes.ComplianceSeverity(sev), Details: map[string]string{"Target": "/srv/" + id}}
	}
	rcMust(t, "PutComplianceItems(a, as a)", put(asA, a, "", entry("daily", "NON_COMPLIANT", "CRITICAL"), entry("weekly", "COMPLIANT", "LOW"),
		entry("monthly", "NON_COMPLIANT", "MEDIUM")))
	rcMust(t, "PutComplianceItems(b)", put(e.ssm, b, "", entry("daily", "COMPLIANT", "CRITICAL")))
	rcWantErr(t, "PutComplianceItems(b, as a)", put(asA, b, "", entry("daily", "COMPLIANT", "LOW")), "InvalidResourceId")
	_, err := e.ssm.PutComplianceItems(e.ctx, &ssm.PutComplianceItemsInput{ResourceId: aws.String(a), ResourceType: aws.String("ManagedInstance"),
		ComplianceType: aws.String("Custom:InventoryRule"), ExecutionSummary: &ssmtypes.ComplianceExecutionSummary{ExecutionTime: aws.Time(now)},
		Items: []ssmtypes.ComplianceItemEntry{entry("x", "COMPLIANT", "LOW")}})
	rcWantErr(t, "PutComplianceItems(Custom:InventoryRule)", err, "InvalidItemContentException", "inventory rules")
	_, err = e.ssm.PutComplianceItems(e.ctx, &ssm.PutComplianceItemsInput{ResourceId: aws.String("mi-0123456789abcdef0"),
		ResourceType: aws.String("ManagedInstance"), ComplianceType: aws.String("Custom:Backup"),
		ExecutionSummary: &ssmtypes.ComplianceExecutionSummary{ExecutionTime: aws.Time(now)}, Items: []ssmtypes.ComplianceItemEntry{entry("x", "COMPLIANT", "LOW")}})
	rcWantErr(t, "PutComplianceItems(unknown instance)", err, "InvalidResourceId")

	// Items of a, filtered, one a page.
	var got []string
	in := &ssm.ListComplianceItemsInput{ResourceIds: []string{a}, ResourceTypes: []string{"ManagedInstance"}, MaxResults: aws.Int32(1),
		Filters: []ssmtypes.ComplianceStringFilter{{Key: aws.String("Status"), Values: []string{"NON_COMPLIANT"}}}}
	for p := ssm.NewListComplianceItemsPaginator(e.ssm, in); p.HasMorePages(); {
		page, err := p.NextPage(e.ctx)
		rcMust(t, "ListComplianceItems", err)
		for _, it := range page.ComplianceItems {
			got = append(got, aws.ToString(it.Id)+"/"+string(it.Severity))
		}
	}
	if want := []string{"daily/CRITICAL", "monthly/MEDIUM"}; !slices.Equal(got, want) {
		t.Errorf("ListComplianceItems(a, NON_COMPLIANT, 1 a page) = %q, want %q", got, want)
	}
	items, err := e.ssm.ListComplianceItems(e.ctx, &ssm.ListComplianceItemsInput{ResourceIds: []string{a},
		Filters: []ssmtypes.ComplianceStringFilter{{Key: aws.String("Severity"), Values: []string{"MEDIUM"}, Type: ssmtypes.ComplianceQueryOperatorTypeGreaterThan}}})
	rcMust(t, "ListComplianceItems(Severity > MEDIUM)", err)
	wantItem := ssmtypes.ComplianceItem{ComplianceType: aws.String("Custom:Backup"), ResourceType: aws.String("ManagedInstance"), ResourceId: aws.String(a),
		Id: aws.String("daily"), Title: aws.String("daily backup"), Status: "NON_COMPLIANT", Severity: "CRITICAL",
		ExecutionSummary: &ssmtypes.ComplianceExecutionSummary{ExecutionTime: aws.Time(now), ExecutionId: aws.String("run-1"), ExecutionType: aws.String("Command")},
		Details:          map[string]string{"Target": "/srv/daily"}}
	if diff := cmp.Diff([]ssmtypes.ComplianceItem{wantItem}, items.ComplianceItems, cmpopts.IgnoreUnexported(ssmtypes.ComplianceItem{},
		ssmtypes.ComplianceExecutionSummary{})); diff != "" {
		t.Errorf("ListComplianceItems(Severity > MEDIUM) mismatch (-want +got):\n%s", diff)
	}
	_, err = e.ssm.ListComplianceItems(e.ctx, &ssm.ListComplianceItemsInput{Filters: []ssmtypes.ComplianceStringFilter{{Key: aws.String("Colour"), Values: []string{"x"}}}})
	rcWantErr(t, "ListComplianceItems(unknown filter key)", err, "InvalidFilter", "Colour")
	_, err = e.ssm.ListComplianceItems(e.ctx, &ssm.ListComplianceItemsInput{ResourceTypes: []string{"EC2Instance"}})
	rcWantErr(t, "ListComplianceItems(EC2Instance)", err, "InvalidResourceType")

	// Per resource: a is NON_COMPLIANT at CRITICAL with 2 of its 3 items.
	rs, err := e.ssm.ListResourceComplianceSummaries(e.ctx, &ssm.ListResourceComplianceSummariesInput{})
	rcMust(t, "ListResourceComplianceSummaries", err)
	byID := map[string]ssmtypes.ResourceComplianceSummaryItem{}
	for _, r := range rs.ResourceComplianceSummaryItems {
		byID[aws.ToString(r.ResourceId)] = r
	}
	ra := byID[a]
	if len(byID) != 2 || ra.Status != "NON_COMPLIANT" || ra.OverallSeverity != "CRITICAL" || aws.ToString(ra.ComplianceType) != "Custom:Backup" ||
		ra.NonCompliantSummary.NonCompliantCount != 2 || ra.NonCompliantSummary.SeveritySummary.CriticalCount != 1 ||
		ra.NonCompliantSummary.SeveritySummary.MediumCount != 1 || ra.CompliantSummary.CompliantCount != 1 ||
		ra.CompliantSummary.SeveritySummary.LowCount != 1 || !aws.ToTime(ra.ExecutionSummary.ExecutionTime).Equal(now) {
		t.Errorf("resource summary of a = %+v", ra)
	}
	if rb := byID[b]; rb.Status != "COMPLIANT" || rb.OverallSeverity != "CRITICAL" || rb.CompliantSummary.CompliantCount != 1 {
		t.Errorf("resource summary of b = %+v", rb)
	}
	rs, err = e.ssm.ListResourceComplianceSummaries(e.ctx, &ssm.ListResourceComplianceSummariesInput{
		Filters: []ssmtypes.ComplianceStringFilter{{Key: aws.String("Status"), Values: []string{"COMPLIANT"}}}})
	rcMust(t, "ListResourceComplianceSummaries(COMPLIANT)", err)
	if len(rs.ResourceComplianceSummaryItems) != 1 || aws.ToString(rs.ResourceComplianceSummaryItems[0].ResourceId) != b {
		t.Errorf("ListResourceComplianceSummaries(COMPLIANT) = %+v, want b's", rs.ResourceComplianceSummaryItems)
	}
	sum, err := e.ssm.ListComplianceSummaries(e.ctx, &ssm.ListComplianceSummariesInput{})
	rcMust(t, "ListComplianceSummaries", err)
	if len(sum.ComplianceSummaryItems) != 1 || sum.ComplianceSummaryItems[0].CompliantSummary.CompliantCount != 1 ||
		sum.ComplianceSummaryItems[0].NonCompliantSummary.NonCompliantCount != 1 ||
		sum.ComplianceSummaryItems[0].NonCompliantSummary.SeveritySummary.CriticalCount != 1 ||
		sum.ComplianceSummaryItems[0].CompliantSummary.SeveritySummary.CriticalCount != 1 {
		t.Errorf("ListComplianceSummaries = %+v", sum.ComplianceSummaryItems)
	}

	// PARTIAL replaces the items it names; COMPLETE all of the type.
	rcMust(t, "PutComplianceItems(PARTIAL)", put(e.ssm, a, "PARTIAL", entry("daily", "COMPLIANT", "CRITICAL")))
	rcMust(t, "PutComplianceItems(COMPLETE)", put(e.ssm, b, "COMPLETE"))
	rs, err = e.ssm.ListResourceComplianceSummaries(e.ctx, &ssm.ListResourceComplianceSummariesInput{})
	rcMust(t, "ListResourceComplianceSummaries", err)
	if len(rs.ResourceComplianceSummaryItems) != 1 || rs.ResourceComplianceSummaryItems[0].NonCompliantSummary.NonCompliantCount != 1 ||
		rs.ResourceComplianceSummaryItems[0].OverallSeverity != "MEDIUM" {
		t.Errorf("ListResourceComplianceSummaries after PARTIAL and an empty COMPLETE = %+v", rs.ResourceComplianceSummaryItems)
	}
}
