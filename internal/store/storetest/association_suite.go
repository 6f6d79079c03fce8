// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/association"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/store"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// testAssociations runs the State Manager store tests, each on a fresh
// database.
func testAssociations(t *testing.T, fresh func(t testing.TB) store.Config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"Associations", testAssocAssociations},
		{"Limit", testAssocLimit},
		{"Versions", testAssocVersions},
		{"Due", testAssocDue},
		{"StartExecution", testAssocStartExecution},
		{"ClaimConcurrent", testAssocClaimConcurrent},
		{"ClaimTargetsConcurrent", testAssocClaimTargetsConcurrent},
		{"Executions", testAssocExecutions},
		{"Targets", testAssocTargets},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, Open(t, fresh(t))) })
	}
}

// newAssociation returns an association of acct created at a time,
// targeting env=prod, due to run then.
func newAssociation(id string, created time.Time) *association.Association {
	return &association.Association{
		ID: id, Account: acct, Version: 1, CreatedAt: created, UpdatedAt: created, NextRunAt: created,
		CheckTargetsAt: created.Add(10 * time.Second),
		Spec: association.Spec{
			Name: "AWS-RunShellScript", Parameters: map[string][]string{"commands": {"echo hi"}},
			Targets:            []*ssm.Target{{Key: "tag:env", Values: []string{"prod"}}},
			ScheduleExpression: "rate(30 minutes)", MaxConcurrency: "10%", AssociationName: "nightly-" + id,
			OutputLocation: &ssm.InstanceAssociationOutputLocation{S3Location: &ssm.S3OutputLocation{OutputS3BucketName: "logs"}},
		},
	}
}

func assocID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func testAssocAssociations(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a := newAssociation(assocID(1), at(1, 0, 0, 0))
	a.Tags = map[string]string{"team": "ops"}
	must(t, db.CreateAssociation(ctx, a, 10))
	got, err := db.GetAssociation(ctx, acct, a.ID)
	must(t, err)
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("GetAssociation mismatch (-want +got):\n%s", diff)
	}
	_, err = db.GetAssociation(ctx, other, a.ID)
	wantKind(t, "GetAssociation(other account)", err, awserr.NotFound)

	// Legacy associations: one per document and instance.
	legacy := newAssociation(assocID(2), at(2, 0, 0, 0))
	legacy.Targets, legacy.InstanceID = nil, "mi-00000000000000001"
	must(t, db.CreateAssociation(ctx, legacy, 10))
	dup := newAssociation(assocID(3), at(3, 0, 0, 0))
	dup.Targets, dup.InstanceID = nil, legacy.InstanceID
	wantKind(t, "CreateAssociation(same document and instance)", db.CreateAssociation(ctx, dup, 10), awserr.Exists)
	dup.Name = "AWS-RunPowerShellScript"
	must(t, db.CreateAssociation(ctx, dup, 10))
	got, err = db.GetLegacyAssociation(ctx, acct, "AWS-RunShellScript", legacy.InstanceID)
	if err != nil || got.ID != legacy.ID {
		t.Errorf("GetLegacyAssociation = %v, %v; want %s", got, err, legacy.ID)
	}
	_, err = db.GetLegacyAssociation(ctx, acct, "AWS-RunShellScript", "mi-00000000000000002")
	wantKind(t, "GetLegacyAssociation(other instance)", err, awserr.NotFound)

	list, err := db.ListAssociations(ctx, acct)
	must(t, err)
	if ids := names(list, func(a *association.Association) string { return a.ID }); !cmp.Equal(ids, []string{assocID(1), assocID(2), assocID(3)}) {
		t.Errorf("ListAssociations = %v, want oldest first", ids)
	}

	must(t, db.SetAssociationTags(ctx, acct, a.ID, map[string]string{"team": "dev", "tier": "1"}))
	must(t, db.RequestRun(ctx, acct, a.ID, at(4, 0, 0, 0)))
	got, _ = db.GetAssociation(ctx, acct, a.ID)
	if !cmp.Equal(got.Tags, map[string]string{"team": "dev", "tier": "1"}) || !got.RunOnceAt.Equal(at(4, 0, 0, 0)) {
		t.Errorf("after SetAssociationTags and RequestRun: tags %v, run once at %v", got.Tags, got.RunOnceAt)
	}
	wantKind(t, "SetAssociationTags(missing)", db.SetAssociationTags(ctx, acct, assocID(9), nil), awserr.NotFound)
	wantKind(t, "RequestRun(missing)", db.RequestRun(ctx, acct, assocID(9), at(4, 0, 0, 0)), awserr.NotFound)

	// Deleting takes the versions, executions and targets with it.
	e := &association.Execution{AssociationID: a.ID, ID: "e1", Account: acct, Version: 1, Trigger: association.TriggerCreate,
		Status: association.ExecPending, DetailedStatus: "Pending", CreatedAt: at(1, 0, 0, 0), UpdatedAt: at(1, 0, 0, 0)}
	started, err := db.StartExecution(ctx, e, association.Claim{Kind: association.ClaimSchedule, Due: a.NextRunAt, Next: at(1, 30, 0, 0)},
		[]string{"mi-00000000000000001"})
	if err != nil || !started {
		t.Fatalf("StartExecution = %v, %v", started, err)
	}
	must(t, db.DeleteAssociation(ctx, acct, a.ID))
	_, err = db.GetAssociation(ctx, acct, a.ID)
	wantKind(t, "GetAssociation(deleted)", err, awserr.NotFound)
	_, err = db.GetExecution(ctx, a.ID, "e1")
	wantKind(t, "GetExecution(of a deleted association)", err, awserr.NotFound)
	if ts, err := db.ListTargets(ctx, a.ID); err != nil || len(ts) != 0 {
		t.Errorf("ListTargets(of a deleted association) = %v, %v; want none", ts, err)
	}
	if vs, err := db.ListAssociationVersions(ctx, acct, a.ID); err != nil || len(vs) != 0 {
		t.Errorf("ListAssociationVersions(of a deleted association) = %v, %v; want none", vs, err)
	}
	wantKind(t, "DeleteAssociation(again)", db.DeleteAssociation(ctx, acct, a.ID), awserr.NotFound)
}

// testAssocLimit checks the account's limit, kept in the database:
// concurrent creations never pass it, deletions make room.
func testAssocLimit(t *testing.T, db *store.DB) {
	ctx := context.Background()
	const max = 3
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = db.CreateAssociation(ctx, newAssociation(assocID(i), at(1, i, 0, 0)), max) })
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, awserr.LimitExceeded):
			t.Errorf("CreateAssociation error = %v, want LimitExceeded", err)
		}
	}
	if created != max {
		t.Errorf("%d concurrent creations succeeded, want %d", created, max)
	}
	list, _ := db.ListAssociations(ctx, acct)
	must(t, db.DeleteAssociation(ctx, acct, list[0].ID))
	must(t, db.CreateAssociation(ctx, newAssociation(assocID(20), at(2, 0, 0, 0)), max))
	wantKind(t, "CreateAssociation(past the limit)", db.CreateAssociation(ctx, newAssociation(assocID(21), at(2, 0, 0, 0)), max), awserr.LimitExceeded)
	// Another account has its own.
	b := newAssociation(assocID(22), at(2, 0, 0, 0))
	b.Account = other
	must(t, db.CreateAssociation(ctx, b, max))
}

func testAssocVersions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a := newAssociation(assocID(1), at(1, 0, 0, 0))
	must(t, db.CreateAssociation(ctx, a, 10))
	v2 := *a
	v2.Spec.ScheduleExpression, v2.Spec.Parameters, v2.UpdatedAt = "cron(0 2 ? * SUN *)", nil, at(2, 0, 0, 0)
	v2.NextRunAt, v2.CheckTargetsAt = at(2, 0, 0, 0), time.Time{}
	must(t, db.UpdateAssociation(ctx, &v2, 1, 3))
	if v2.Version != 2 {
		t.Errorf("UpdateAssociation set version %d, want 2", v2.Version)
	}
	stale := *a
	stale.UpdatedAt = at(3, 0, 0, 0)
	wantKind(t, "UpdateAssociation(from version 1 again)", db.UpdateAssociation(ctx, &stale, 1, 3), awserr.Conflict)
	missing := *a
	missing.ID = assocID(9)
	wantKind(t, "UpdateAssociation(missing)", db.UpdateAssociation(ctx, &missing, 1, 3), awserr.NotFound)
	got, _ := db.GetAssociation(ctx, acct, a.ID)
	if got.Version != 2 || got.ScheduleExpression != "cron(0 2 ? * SUN *)" || got.Parameters != nil || !got.CheckTargetsAt.IsZero() ||
		!got.UpdatedAt.Equal(at(2, 0, 0, 0)) || !got.CreatedAt.Equal(at(1, 0, 0, 0)) {
		t.Errorf("after UpdateAssociation: %+v", got)
	}
	v3 := *got
	must(t, db.UpdateAssociation(ctx, &v3, 2, 3))
	wantKind(t, "UpdateAssociation(past the version limit)", db.UpdateAssociation(ctx, &v3, 3, 3), awserr.LimitExceeded)

	vs, err := db.ListAssociationVersions(ctx, acct, a.ID)
	must(t, err)
	if len(vs) != 3 || vs[0].Number != 1 || vs[1].Number != 2 || vs[2].Number != 3 {
		t.Fatalf("ListAssociationVersions = %d versions", len(vs))
	}
	if diff := cmp.Diff(a.Spec, vs[0].Spec); diff != "" || !vs[0].CreatedAt.Equal(at(1, 0, 0, 0)) {
		t.Errorf("version 1 (-want +got):\n%s", diff)
	}
	v, err := db.GetAssociationVersion(ctx, acct, a.ID, 2)
	if err != nil || v.ScheduleExpression != "cron(0 2 ? * SUN *)" || !v.CreatedAt.Equal(at(2, 0, 0, 0)) {
		t.Errorf("GetAssociationVersion(2) = %+v, %v", v, err)
	}
	_, err = db.GetAssociationVersion(ctx, acct, a.ID, 4)
	wantKind(t, "GetAssociationVersion(4)", err, awserr.NotFound)
	_, err = db.GetAssociationVersion(ctx, other, a.ID, 1)
	wantKind(t, "GetAssociationVersion(other account)", err, awserr.NotFound)
}

func testAssocDue(t *testing.T, db *store.DB) {
	ctx := context.Background()
	noon := at(12, 0, 0, 0)
	mk := func(n int, next, once, check time.Time) {
		a := newAssociation(assocID(n), at(1, n, 0, 0))
		a.NextRunAt, a.RunOnceAt, a.CheckTargetsAt = next, once, check
		must(t, db.CreateAssociation(ctx, a, 100))
	}
	mk(1, noon, time.Time{}, time.Time{})                  // due to run
	mk(2, noon.Add(time.Second), time.Time{}, time.Time{}) // not yet
	mk(3, time.Time{}, noon.Add(-time.Hour), time.Time{})  // asked to run once
	mk(4, time.Time{}, time.Time{}, noon)                  // targets check due
	mk(5, time.Time{}, time.Time{}, time.Time{})           // never
	due, err := db.DueAssociations(ctx, noon, 10)
	must(t, err)
	if ids := names(due, func(a *association.Association) string { return a.ID }); !cmp.Equal(ids, []string{assocID(1), assocID(3), assocID(4)}) {
		t.Errorf("DueAssociations = %v", ids)
	}
	if due, _ := db.DueAssociations(ctx, noon, 2); len(due) != 2 {
		t.Errorf("DueAssociations(limit 2) = %d", len(due))
	}

	ok, err := db.ClaimTargetsCheck(ctx, assocID(4), noon, noon.Add(10*time.Second))
	if err != nil || !ok {
		t.Errorf("ClaimTargetsCheck = %v, %v; want true", ok, err)
	}
	if ok, _ := db.ClaimTargetsCheck(ctx, assocID(4), noon, noon.Add(10*time.Second)); ok {
		t.Error("ClaimTargetsCheck(from the same time again) = true, want false")
	}
}

func testAssocStartExecution(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a := newAssociation(assocID(1), at(1, 0, 0, 0))
	must(t, db.CreateAssociation(ctx, a, 10))
	exec := func(id string, when time.Time) *association.Execution {
		return &association.Execution{AssociationID: a.ID, ID: id, Account: acct, Version: 1, Trigger: association.TriggerSchedule,
			LeaseUntil: when.Add(time.Minute), Status: association.ExecPending, DetailedStatus: "Pending", CreatedAt: when, UpdatedAt: when}
	}
	next := at(1, 30, 0, 0)
	e1 := exec("e1", at(1, 0, 0, 1))
	started, err := db.StartExecution(ctx, e1, association.Claim{Kind: association.ClaimSchedule, Due: a.NextRunAt, Next: next},
		[]string{"mi-00000000000000003", "mi-00000000000000001", "mi-00000000000000003"})
	if err != nil || !started {
		t.Fatalf("StartExecution = %v, %v", started, err)
	}
	if want := []string{"mi-00000000000000001", "mi-00000000000000003"}; !cmp.Equal(e1.Instances, want) {
		t.Errorf("execution instances = %v, want %v", e1.Instances, want)
	}
	if want := map[string]int{"Pending": 2}; !cmp.Equal(e1.ResourceCounts, want) {
		t.Errorf("execution resource counts = %v, want %v", e1.ResourceCounts, want)
	}
	got, _ := db.GetAssociation(ctx, acct, a.ID)
	if !got.NextRunAt.Equal(next) || !got.LastExecutionAt.Equal(e1.CreatedAt) || !cmp.Equal(got.TargetCounts, map[string]int{"Pending": 2}) {
		t.Errorf("after StartExecution: next run %v, last execution %v, counts %v", got.NextRunAt, got.LastExecutionAt, got.TargetCounts)
	}
	ge, err := db.GetExecution(ctx, a.ID, "e1")
	must(t, err)
	if diff := cmp.Diff(e1, ge); diff != "" {
		t.Errorf("GetExecution (-want +got):\n%s", diff)
	}
	// The same due time again: another server had it.
	if started, err := db.StartExecution(ctx, exec("e2", at(1, 0, 0, 2)), association.Claim{Kind: association.ClaimSchedule, Due: a.NextRunAt, Next: next},
		[]string{"mi-00000000000000001"}); err != nil || started {
		t.Errorf("StartExecution(claimed due time) = %v, %v; want false", started, err)
	}
	if _, err := db.GetExecution(ctx, a.ID, "e2"); !errors.Is(err, awserr.NotFound) {
		t.Errorf("a lost claim recorded its execution: %v", err)
	}
	// A due run with no instances moves the schedule on and records none.
	if started, err := db.StartExecution(ctx, exec("e3", at(1, 30, 0, 0)), association.Claim{Kind: association.ClaimSchedule, Due: next, Next: at(2, 0, 0, 0)},
		nil); err != nil || started {
		t.Errorf("StartExecution(no instances) = %v, %v; want false", started, err)
	}
	if got, _ := db.GetAssociation(ctx, acct, a.ID); !got.NextRunAt.Equal(at(2, 0, 0, 0)) {
		t.Errorf("after a run with no instances: next run %v, want %v", got.NextRunAt, at(2, 0, 0, 0))
	}
	// StartAssociationsOnce's run.
	must(t, db.RequestRun(ctx, acct, a.ID, at(1, 40, 0, 0)))
	if started, err := db.StartExecution(ctx, exec("e4", at(1, 40, 0, 1)), association.Claim{Kind: association.ClaimOnce, Due: at(1, 40, 0, 0)},
		[]string{"mi-00000000000000001"}); err != nil || !started {
		t.Errorf("StartExecution(once) = %v, %v; want true", started, err)
	}
	if got, _ := db.GetAssociation(ctx, acct, a.ID); !got.RunOnceAt.IsZero() || !got.NextRunAt.Equal(at(2, 0, 0, 0)) {
		t.Errorf("after the run once: run once at %v, next run %v", got.RunOnceAt, got.NextRunAt)
	}
	// New targets: only instances that are not targets yet run.
	e5 := exec("e5", at(1, 50, 0, 0))
	if started, err := db.StartExecution(ctx, e5, association.Claim{Kind: association.ClaimTargets},
		[]string{"mi-00000000000000001", "mi-00000000000000002"}); err != nil || !started || !cmp.Equal(e5.Instances, []string{"mi-00000000000000002"}) {
		t.Errorf("StartExecution(targets) = %v, %v, instances %v; want the one new instance", started, err, e5.Instances)
	}
	if started, err := db.StartExecution(ctx, exec("e6", at(1, 51, 0, 0)), association.Claim{Kind: association.ClaimTargets},
		[]string{"mi-00000000000000002"}); err != nil || started {
		t.Errorf("StartExecution(targets, none new) = %v, %v; want false", started, err)
	}
	ts, err := db.ListTargets(ctx, a.ID)
	must(t, err)
	want := []*association.Target{
		{AssociationID: a.ID, InstanceID: "mi-00000000000000001", ExecutionID: "e4", Status: "Pending", DetailedStatus: "Pending", AppliedAt: at(1, 40, 0, 1)},
		{AssociationID: a.ID, InstanceID: "mi-00000000000000002", ExecutionID: "e5", Status: "Pending", DetailedStatus: "Pending", AppliedAt: at(1, 50, 0, 0)},
		{AssociationID: a.ID, InstanceID: "mi-00000000000000003", ExecutionID: "e1", Status: "Pending", DetailedStatus: "Pending", AppliedAt: at(1, 0, 0, 1)},
	}
	if diff := cmp.Diff(want, ts); diff != "" {
		t.Errorf("ListTargets (-want +got):\n%s", diff)
	}
	// One instance's targets across associations: of the account only.
	b := newAssociation(assocID(2), at(1, 0, 0, 0))
	must(t, db.CreateAssociation(ctx, b, 10))
	other := newAssociation(assocID(3), at(1, 0, 0, 0))
	other.Account = "210987654321"
	must(t, db.CreateAssociation(ctx, other, 10))
	for _, x := range []*association.Association{b, other} {
		e := &association.Execution{AssociationID: x.ID, ID: "b1", Account: x.Account, Version: 1, Trigger: association.TriggerCreate,
			Status: association.ExecPending, CreatedAt: at(1, 55, 0, 0), UpdatedAt: at(1, 55, 0, 0)}
		if started, err := db.StartExecution(ctx, e, association.Claim{Kind: association.ClaimTargets}, []string{"mi-00000000000000002"}); err != nil || !started {
			t.Fatalf("StartExecution(%s) = %v, %v", x.ID, started, err)
		}
	}
	its, err := db.InstanceTargets(ctx, acct, []string{"mi-00000000000000002"})
	must(t, err)
	wantIts := []*association.Target{
		{AssociationID: a.ID, InstanceID: "mi-00000000000000002", ExecutionID: "e5", Status: "Pending", DetailedStatus: "Pending", AppliedAt: at(1, 50, 0, 0)},
		{AssociationID: b.ID, InstanceID: "mi-00000000000000002", ExecutionID: "b1", Status: "Pending", DetailedStatus: "Pending", AppliedAt: at(1, 55, 0, 0)},
	}
	if diff := cmp.Diff(wantIts, its); diff != "" {
		t.Errorf("InstanceTargets (-want +got):\n%s", diff)
	}
	if its, err := db.InstanceTargets(ctx, acct, []string{"mi-00000000000000009"}); err != nil || len(its) != 0 {
		t.Errorf("InstanceTargets(no associations) = %v, %v; want none", its, err)
	}
	all, err := db.InstanceTargets(ctx, acct, nil)
	must(t, err)
	var pairs []string
	for _, t := range all {
		pairs = append(pairs, t.InstanceID+" "+t.AssociationID)
	}
	if want := []string{"mi-00000000000000001 " + a.ID, "mi-00000000000000002 " + a.ID, "mi-00000000000000002 " + b.ID,
		"mi-00000000000000003 " + a.ID}; !cmp.Equal(pairs, want) {
		t.Errorf("InstanceTargets(every instance) = %v, want %v", pairs, want)
	}
	must(t, db.DeleteAssociation(ctx, acct, b.ID))
	// A deleted association takes no run.
	must(t, db.DeleteAssociation(ctx, acct, a.ID))
	if started, err := db.StartExecution(ctx, exec("e7", at(2, 0, 0, 0)), association.Claim{Kind: association.ClaimTargets},
		[]string{"mi-00000000000000009"}); err != nil || started {
		t.Errorf("StartExecution(deleted association) = %v, %v; want false", started, err)
	}
	if ts, _ := db.ListTargets(ctx, a.ID); len(ts) != 0 {
		t.Errorf("targets of a deleted association: %v", ts)
	}
}

// testAssocClaimConcurrent has 8 servers claim one due run at once:
// exactly one wins and records one execution.
func testAssocClaimConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a := newAssociation(assocID(1), at(1, 0, 0, 0))
	must(t, db.CreateAssociation(ctx, a, 10))
	const servers = 8
	var wg sync.WaitGroup
	won := make([]bool, servers)
	errs := make([]error, servers)
	start := make(chan struct{})
	for i := range servers {
		wg.Go(func() {
			<-start
			e := &association.Execution{AssociationID: a.ID, ID: fmt.Sprintf("e%d", i), Account: acct, Version: 1, Trigger: association.TriggerSchedule,
				Status: association.ExecPending, DetailedStatus: "Pending", CreatedAt: at(1, 0, 0, 0), UpdatedAt: at(1, 0, 0, 0)}
			won[i], errs[i] = db.StartExecution(ctx, e, association.Claim{Kind: association.ClaimSchedule, Due: a.NextRunAt, Next: at(1, 30, 0, 0)},
				[]string{"mi-00000000000000001", "mi-00000000000000002"})
		})
	}
	close(start)
	wg.Wait()
	winners := 0
	for i := range servers {
		if errs[i] != nil {
			t.Errorf("server %d: StartExecution error = %v", i, errs[i])
		}
		if won[i] {
			winners++
		}
	}
	if winners != 1 {
		t.Errorf("%d servers claimed the run, want exactly 1", winners)
	}
	execs, err := db.ListExecutions(ctx, a.ID)
	if err != nil || len(execs) != 1 {
		t.Errorf("ListExecutions = %d executions, %v; want 1", len(execs), err)
	}
	if got, _ := db.GetAssociation(ctx, acct, a.ID); !got.NextRunAt.Equal(at(1, 30, 0, 0)) {
		t.Errorf("next run = %v, want %v", got.NextRunAt, at(1, 30, 0, 0))
	}
}

// testAssocClaimTargetsConcurrent has 8 servers run an association on
// the same new instances at once: each instance runs once.
func testAssocClaimTargetsConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a := newAssociation(assocID(1), at(1, 0, 0, 0))
	must(t, db.CreateAssociation(ctx, a, 10))
	ids := []string{"mi-00000000000000001", "mi-00000000000000002", "mi-00000000000000003"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ran := map[string]int{}
	for i := range 8 {
		wg.Go(func() {
			e := &association.Execution{AssociationID: a.ID, ID: fmt.Sprintf("e%d", i), Account: acct, Version: 1, Trigger: association.TriggerTargets,
				Status: association.ExecPending, DetailedStatus: "Pending", CreatedAt: at(1, 0, 0, 0), UpdatedAt: at(1, 0, 0, 0)}
			started, err := db.StartExecution(ctx, e, association.Claim{Kind: association.ClaimTargets}, ids[i%2:])
			if err != nil {
				t.Errorf("StartExecution: %v", err)
			}
			if started {
				mu.Lock()
				for _, id := range e.Instances {
					ran[id]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if want := map[string]int{ids[0]: 1, ids[1]: 1, ids[2]: 1}; !cmp.Equal(ran, want) {
		t.Errorf("runs by instance = %v, want %v", ran, want)
	}
}

func testAssocExecutions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a := newAssociation(assocID(1), at(1, 0, 0, 0))
	must(t, db.CreateAssociation(ctx, a, 10))
	start := func(id string, when time.Time, instances ...string) *association.Execution {
		t.Helper()
		e := &association.Execution{AssociationID: a.ID, ID: id, Account: acct, Version: 1, Trigger: association.TriggerOnce,
			LeaseUntil: when.Add(time.Minute), Status: association.ExecPending, DetailedStatus: "Pending", CreatedAt: when, UpdatedAt: when}
		must(t, db.RequestRun(ctx, acct, a.ID, when))
		if ok, err := db.StartExecution(ctx, e, association.Claim{Kind: association.ClaimOnce, Due: when}, instances); err != nil || !ok {
			t.Fatalf("StartExecution(%s) = %v, %v", id, ok, err)
		}
		return e
	}
	e1 := start("e1", at(2, 0, 0, 0), "mi-00000000000000001", "mi-00000000000000002")
	e2 := start("e2", at(3, 0, 0, 0), "mi-00000000000000002")

	// Not sent yet: unsent once the lease ends, and one server takes it
	// over.
	if un, err := db.UnsentExecutions(ctx, at(3, 0, 30, 0)); err != nil || len(un) != 1 || un[0].ID != "e1" {
		t.Errorf("UnsentExecutions(before e2's lease ends) = %v, %v; want e1", names(un, func(e *association.Execution) string { return e.ID }), err)
	}
	ok, err := db.ClaimExecution(ctx, a.ID, "e1", e1.LeaseUntil, at(3, 1, 0, 0))
	if err != nil || !ok {
		t.Errorf("ClaimExecution = %v, %v", ok, err)
	}
	if ok, _ := db.ClaimExecution(ctx, a.ID, "e1", e1.LeaseUntil, at(3, 1, 0, 0)); ok {
		t.Error("ClaimExecution(from the old lease again) = true")
	}
	must(t, db.SetExecutionCommand(ctx, a.ID, "e1", "cmd-1"))
	wantKind(t, "SetExecutionCommand(again)", db.SetExecutionCommand(ctx, a.ID, "e1", "cmd-2"), awserr.NotFound)
	must(t, db.SetExecutionCommand(ctx, a.ID, "e2", "cmd-3"))
	if un, _ := db.UnsentExecutions(ctx, at(23, 0, 0, 0)); len(un) != 0 {
		t.Errorf("UnsentExecutions after both were sent = %d", len(un))
	}
	active, err := db.ActiveExecutions(ctx)
	must(t, err)
	if ids := names(active, func(e *association.Execution) string { return e.ID + "/" + e.CommandID }); !cmp.Equal(ids, []string{"e1/cmd-1", "e2/cmd-3"}) {
		t.Errorf("ActiveExecutions = %v", ids)
	}

	// e1 ends: its targets are updated where it is still their latest
	// execution (mi-…2 ran e2 since).
	e1.Status, e1.DetailedStatus, e1.UpdatedAt = association.ExecFailed, "Failed", at(4, 0, 0, 0)
	e1.ResourceCounts = map[string]int{"Success": 1, "Failed": 1}
	must(t, db.UpdateExecution(ctx, e1, []association.TargetStatus{
		{InstanceID: "mi-00000000000000001", Status: "Success", DetailedStatus: "Success"},
		{InstanceID: "mi-00000000000000002", Status: "Failed", DetailedStatus: "Failed"},
	}))
	got, _ := db.GetExecution(ctx, a.ID, "e1")
	if got.Status != "Failed" || !cmp.Equal(got.ResourceCounts, e1.ResourceCounts) || !got.UpdatedAt.Equal(at(4, 0, 0, 0)) || got.CommandID != "cmd-1" {
		t.Errorf("execution after UpdateExecution = %+v", got)
	}
	assoc, _ := db.GetAssociation(ctx, acct, a.ID)
	if !cmp.Equal(assoc.TargetCounts, map[string]int{"Success": 1, "Pending": 1}) || !assoc.LastSuccessAt.IsZero() {
		t.Errorf("association counts %v, last success %v; want 1 Success 1 Pending, never", assoc.TargetCounts, assoc.LastSuccessAt)
	}
	e2.Status, e2.DetailedStatus, e2.UpdatedAt, e2.ResourceCounts = association.ExecSuccess, "Success", at(5, 0, 0, 0), map[string]int{"Success": 1}
	must(t, db.UpdateExecution(ctx, e2, []association.TargetStatus{{InstanceID: "mi-00000000000000002", Status: "Success", DetailedStatus: "Success"}}))
	assoc, _ = db.GetAssociation(ctx, acct, a.ID)
	if !cmp.Equal(assoc.TargetCounts, map[string]int{"Success": 2}) || !assoc.LastSuccessAt.Equal(e2.CreatedAt) {
		t.Errorf("association counts %v, last success %v; want 2 Success, %v", assoc.TargetCounts, assoc.LastSuccessAt, e2.CreatedAt)
	}
	if active, _ := db.ActiveExecutions(ctx); len(active) != 0 {
		t.Errorf("ActiveExecutions after both ended = %d", len(active))
	}
	list, err := db.ListExecutions(ctx, a.ID)
	must(t, err)
	if ids := names(list, func(e *association.Execution) string { return e.ID }); !cmp.Equal(ids, []string{"e2", "e1"}) {
		t.Errorf("ListExecutions = %v, want newest first", ids)
	}
	missing := *e1
	missing.ID = "nope"
	wantKind(t, "UpdateExecution(missing)", db.UpdateExecution(ctx, &missing, nil), awserr.NotFound)
}

func testAssocTargets(t *testing.T, db *store.DB) {
	ctx := context.Background()
	a := newAssociation(assocID(1), at(1, 0, 0, 0))
	must(t, db.CreateAssociation(ctx, a, 10))
	var ids []string
	for i := range 1200 { // more than one statement's worth
		ids = append(ids, fmt.Sprintf("mi-%017x", i))
	}
	e := &association.Execution{AssociationID: a.ID, ID: "e1", Account: acct, Version: 1, Trigger: association.TriggerCreate,
		Status: association.ExecPending, DetailedStatus: "Pending", CreatedAt: at(1, 0, 0, 0), UpdatedAt: at(1, 0, 0, 0)}
	if ok, err := db.StartExecution(ctx, e, association.Claim{Kind: association.ClaimSchedule, Due: a.NextRunAt, Next: at(1, 30, 0, 0)}, ids); err != nil || !ok {
		t.Fatalf("StartExecution(1200 instances) = %v, %v", ok, err)
	}
	e2 := &association.Execution{AssociationID: a.ID, ID: "e2", Account: acct, Version: 1, Trigger: association.TriggerTargets,
		Status: association.ExecPending, DetailedStatus: "Pending", CreatedAt: at(2, 0, 0, 0), UpdatedAt: at(2, 0, 0, 0)}
	if ok, err := db.StartExecution(ctx, e2, association.Claim{Kind: association.ClaimTargets}, slices.Concat(ids[1100:], []string{"mi-zzz"})); err != nil || !ok ||
		!cmp.Equal(e2.Instances, []string{"mi-zzz"}) {
		t.Fatalf("StartExecution(targets) = %v, %v, %v", ok, err, e2.Instances)
	}
	// Forget the first 1000 instances unless a run started there since.
	must(t, db.DeleteTargets(ctx, a.ID, slices.Concat(ids[:1000], []string{"mi-zzz"}), at(1, 30, 0, 0)))
	ts, err := db.ListTargets(ctx, a.ID)
	must(t, err)
	if len(ts) != 201 || ts[0].InstanceID != ids[1000] || ts[200].InstanceID != "mi-zzz" {
		t.Errorf("ListTargets after DeleteTargets = %d targets, %s … %s", len(ts), ts[0].InstanceID, ts[len(ts)-1].InstanceID)
	}
	if got, _ := db.GetAssociation(ctx, acct, a.ID); !cmp.Equal(got.TargetCounts, map[string]int{"Pending": 201}) {
		t.Errorf("counts = %v, want 201 Pending", got.TargetCounts)
	}
}
