// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/association"
	"github.com/kanri-dev/kanri/internal/dev"
	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/store/storetest"
)

// fakeClock is a settable clock for the State Manager scheduler.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// set moves the clock to t.
func (c *fakeClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

// asStart starts a system whose scheduler polls often and looks for new
// targets often, on the real clock or on clock when it is not nil.
func asStart(t *testing.T, agent bool, clock *fakeClock) *rcEnv {
	t.Helper()
	timing := association.Timing{Poll: 50 * time.Millisecond, CheckTargets: 200 * time.Millisecond}
	if clock != nil {
		timing.Now = clock.Now
	}
	k := kanritest.Start(t, kanritest.Options{Agent: agent, Heartbeat: time.Second, Associations: timing})
	return &rcEnv{k: k, ctx: t.Context(), ssm: ssm.NewFromConfig(k.Config()), acct: k.Server.Account()}
}

// create makes an association and returns its description.
func (e *rcEnv) create(t *testing.T, in *ssm.CreateAssociationInput) *ssmtypes.AssociationDescription {
	t.Helper()
	out, err := e.ssm.CreateAssociation(e.ctx, in)
	rcMust(t, "CreateAssociation", err)
	return out.AssociationDescription
}

// executions returns an association's executions, newest first.
func (e *rcEnv) executions(t *testing.T, id string) []ssmtypes.AssociationExecution {
	t.Helper()
	var all []ssmtypes.AssociationExecution
	p := ssm.NewDescribeAssociationExecutionsPaginator(e.ssm, &ssm.DescribeAssociationExecutionsInput{AssociationId: aws.String(id)})
	for p.HasMorePages() {
		page, err := p.NextPage(e.ctx)
		rcMust(t, "DescribeAssociationExecutions", err)
		all = append(all, page.AssociationExecutions...)
	}
	return all
}

// waitExecutions waits until an association has n executions and returns
// them, newest first.
func (e *rcEnv) waitExecutions(t *testing.T, id string, n int) []ssmtypes.AssociationExecution {
	t.Helper()
	var execs []ssmtypes.AssociationExecution
	rcEventually(t, "association executions", 30*time.Second, func() bool {
		execs = e.executions(t, id)
		return len(execs) >= n
	})
	if len(execs) != n {
		t.Fatalf("association %s has %d executions, want %d", id, len(execs), n)
	}
	return execs
}

// execTargets returns an execution's targets.
func (e *rcEnv) execTargets(t *testing.T, id, execID string) []ssmtypes.AssociationExecutionTarget {
	t.Helper()
	out, err := e.ssm.DescribeAssociationExecutionTargets(e.ctx, &ssm.DescribeAssociationExecutionTargetsInput{
		AssociationId: aws.String(id), ExecutionId: aws.String(execID)})
	rcMust(t, "DescribeAssociationExecutionTargets", err)
	return out.AssociationExecutionTargets
}

// describeAssoc returns an association's description.
func (e *rcEnv) describeAssoc(t *testing.T, id string) *ssmtypes.AssociationDescription {
	t.Helper()
	out, err := e.ssm.DescribeAssociation(e.ctx, &ssm.DescribeAssociationInput{AssociationId: aws.String(id)})
	rcMust(t, "DescribeAssociation", err)
	return out.AssociationDescription
}

func resourceIDs(ts []ssmtypes.AssociationExecutionTarget) []string {
	var out []string
	for _, t := range ts {
		out = append(out, aws.ToString(t.ResourceId))
	}
	return out
}

// echoAssociation is CreateAssociation's input for AWS-RunShellScript
// echoing a message on the instances tagged env=value.
func echoAssociation(env, msg string) *ssm.CreateAssociationInput {
	return &ssm.CreateAssociationInput{Name: aws.String("AWS-RunShellScript"), Targets: tagTarget("env", env),
		Parameters: map[string][]string{"commands": {"echo " + msg}}, ScheduleExpression: aws.String("rate(30 minutes)")}
}

// TestAssociations drives State Manager's API through the SDK: every
// operation, the run right after creation, the run on an instance that
// registers later, versions, listings and their filters and pages.
func TestAssociations(t *testing.T) {
	e := asStart(t, false, nil)
	ctx, c := e.ctx, e.ssm
	prod1 := e.register(t, map[string]string{"env": "prod"})
	before := time.Now()

	in := echoAssociation("prod", "nightly")
	in.AssociationName, in.MaxConcurrency, in.MaxErrors = aws.String("nightly"), aws.String("50%"), aws.String("1")
	in.ComplianceSeverity, in.SyncCompliance = ssmtypes.AssociationComplianceSeverityHigh, ssmtypes.AssociationSyncComplianceAuto
	in.OutputLocation = &ssmtypes.InstanceAssociationOutputLocation{S3Location: &ssmtypes.S3OutputLocation{
		OutputS3BucketName: aws.String("assoc-logs"), OutputS3KeyPrefix: aws.String("nightly/")}}
	in.Tags = []ssmtypes.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}
	d := e.create(t, in)
	id := aws.ToString(d.AssociationId)
	want := ssmtypes.AssociationDescription{
		Name: aws.String("AWS-RunShellScript"), AssociationVersion: aws.String("1"), AssociationId: d.AssociationId,
		DocumentVersion: aws.String("$DEFAULT"), Parameters: map[string][]string{"commands": {"echo nightly"}},
		Targets: tagTarget("env", "prod"), ScheduleExpression: aws.String("rate(30 minutes)"), AssociationName: aws.String("nightly"),
		MaxConcurrency: aws.String("50%"), MaxErrors: aws.String("1"), ComplianceSeverity: ssmtypes.AssociationComplianceSeverityHigh,
		SyncCompliance: ssmtypes.AssociationSyncComplianceAuto, OutputLocation: in.OutputLocation,
		Overview: &ssmtypes.AssociationOverview{Status: aws.String("Pending"), DetailedStatus: aws.String("Creating")},
	}
	ignoreDates := cmp.FilterPath(func(p cmp.Path) bool {
		switch p.Last().String() {
		case ".Date", ".LastUpdateAssociationDate", ".LastExecutionDate", ".LastSuccessfulExecutionDate":
			return true
		}
		return false
	}, cmp.Ignore())
	if diff := cmp.Diff(want, *d, ignoreUnexported, ignoreDates); diff != "" {
		t.Errorf("CreateAssociation description (-want +got):\n%s", diff)
	}
	if d.Date == nil || d.Date.Before(before.Add(-time.Second)) || !d.Date.Equal(aws.ToTime(d.LastUpdateAssociationDate)) || d.LastExecutionDate != nil {
		t.Errorf("dates: created %v, updated %v, last executed %v", d.Date, d.LastUpdateAssociationDate, d.LastExecutionDate)
	}

	var first ssmtypes.AssociationExecution
	t.Run("runs right after it is created", func(t *testing.T) {
		first = e.waitExecutions(t, id, 1)[0]
		if aws.ToString(first.AssociationVersion) != "1" || aws.ToString(first.Status) != "Pending" || aws.ToString(first.ResourceCountByStatus) != "{Pending=1}" ||
			first.CreatedTime == nil || first.CreatedTime.Before(before.Add(-time.Second)) {
			t.Errorf("execution = %s %s %q created %v", aws.ToString(first.AssociationVersion), aws.ToString(first.Status),
				aws.ToString(first.ResourceCountByStatus), first.CreatedTime)
		}
		var targets []ssmtypes.AssociationExecutionTarget
		rcEventually(t, "the execution's command", 10*time.Second, func() bool {
			targets = e.execTargets(t, id, aws.ToString(first.ExecutionId))
			return len(targets) == 1 && targets[0].OutputSource != nil
		})
		tg := targets[0]
		if aws.ToString(tg.ResourceId) != prod1 || aws.ToString(tg.ResourceType) != "ManagedInstance" || aws.ToString(tg.Status) != "Pending" ||
			aws.ToString(tg.OutputSource.OutputSourceType) != "RunCommand" || aws.ToString(tg.ExecutionId) != aws.ToString(first.ExecutionId) {
			t.Errorf("execution target = %s %s %s, output %s", aws.ToString(tg.ResourceId), aws.ToString(tg.ResourceType), aws.ToString(tg.Status),
				aws.ToString(tg.OutputSource.OutputSourceType))
		}
		// The execution is a command with the association's document,
		// parameters, rate control and output location.
		cm := e.command(t, aws.ToString(tg.OutputSource.OutputSourceId))
		if aws.ToString(cm.DocumentName) != "AWS-RunShellScript" || !cmp.Equal(cm.Parameters, map[string][]string{"commands": {"echo nightly"}}) ||
			aws.ToString(cm.MaxConcurrency) != "50%" || aws.ToString(cm.MaxErrors) != "1" || cm.TargetCount != 1 ||
			aws.ToString(cm.OutputS3BucketName) != "assoc-logs" || aws.ToString(cm.OutputS3KeyPrefix) != "nightly/" {
			t.Errorf("command = %s %v, concurrency %s, errors %s, %d targets, output s3://%s/%s", aws.ToString(cm.DocumentName), cm.Parameters,
				aws.ToString(cm.MaxConcurrency), aws.ToString(cm.MaxErrors), cm.TargetCount, aws.ToString(cm.OutputS3BucketName), aws.ToString(cm.OutputS3KeyPrefix))
		}
		// No request sent it: the audit trail has it as the service's own
		// SendCommand, on the document and the instance.
		evs, err := cloudtrail.NewFromConfig(e.k.Config()).LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
			{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("SendCommand")}}})
		rcMust(t, "LookupEvents", err)
		wantRes := []string{"arn:aws:ssm:us-east-1::document/AWS-RunShellScript", "arn:aws:ssm:us-east-1:" + e.acct + ":managed-instance/" + prod1}
		if len(evs.Events) != 1 || !strings.Contains(aws.ToString(evs.Events[0].CloudTrailEvent), `"eventType":"AwsServiceEvent"`) ||
			len(evs.Events[0].Resources) != 2 || aws.ToString(evs.Events[0].Resources[0].ResourceName) != wantRes[0] ||
			aws.ToString(evs.Events[0].Resources[1].ResourceName) != wantRes[1] {
			t.Errorf("SendCommand audit events = %+v, want one AwsServiceEvent on %v", evs.Events, wantRes)
		}
		got := e.describeAssoc(t, id)
		if got.LastExecutionDate == nil || aws.ToString(got.Overview.Status) != "Pending" ||
			!cmp.Equal(got.Overview.AssociationStatusAggregatedCount, map[string]int32{"Pending": 1}) || got.LastSuccessfulExecutionDate != nil {
			t.Errorf("after the first run: last executed %v, overview %s %v", got.LastExecutionDate, aws.ToString(got.Overview.Status),
				got.Overview.AssociationStatusAggregatedCount)
		}
	})

	t.Run("runs on an instance that registers later", func(t *testing.T) {
		prod2 := e.register(t, map[string]string{"env": "prod"})
		e.register(t, map[string]string{"env": "dev"}) // not a target
		execs := e.waitExecutions(t, id, 2)
		if got := resourceIDs(e.execTargets(t, id, aws.ToString(execs[0].ExecutionId))); !cmp.Equal(got, []string{prod2}) {
			t.Errorf("the newest execution runs on %v, want only the new instance %s", got, prod2)
		}
		got := e.describeAssoc(t, id)
		if !cmp.Equal(got.Overview.AssociationStatusAggregatedCount, map[string]int32{"Pending": 2}) {
			t.Errorf("overview counts = %v, want 2 Pending", got.Overview.AssociationStatusAggregatedCount)
		}
	})

	t.Run("runs on an instance whose tags come to match", func(t *testing.T) {
		staging := e.register(t, map[string]string{"env": "staging"})
		_, err := c.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingManagedInstance,
			ResourceId: aws.String(staging), Tags: []ssmtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}})
		rcMust(t, "AddTagsToResource", err)
		execs := e.waitExecutions(t, id, 3)
		if got := resourceIDs(e.execTargets(t, id, aws.ToString(execs[0].ExecutionId))); !cmp.Equal(got, []string{staging}) {
			t.Errorf("the newest execution runs on %v, want %s", got, staging)
		}
	})

	t.Run("StartAssociationsOnce", func(t *testing.T) {
		_, err := c.StartAssociationsOnce(ctx, &ssm.StartAssociationsOnceInput{AssociationIds: []string{id}})
		rcMust(t, "StartAssociationsOnce", err)
		execs := e.waitExecutions(t, id, 4)
		if got := resourceIDs(e.execTargets(t, id, aws.ToString(execs[0].ExecutionId))); len(got) != 3 {
			t.Errorf("the run once ran on %v, want every target", got)
		}
		_, err = c.StartAssociationsOnce(ctx, &ssm.StartAssociationsOnceInput{AssociationIds: []string{"00000000-0000-4000-8000-000000000000"}})
		rcWantErr(t, "StartAssociationsOnce(unknown)", err, "AssociationDoesNotExist")
	})

	t.Run("executions filters and pages", func(t *testing.T) {
		all := e.executions(t, id)
		if len(all) != 4 {
			t.Fatalf("%d executions, want 4", len(all))
		}
		for i := 1; i < len(all); i++ {
			if all[i].CreatedTime.After(*all[i-1].CreatedTime) {
				t.Errorf("executions not newest first: %v after %v", all[i].CreatedTime, all[i-1].CreatedTime)
			}
		}
		page, err := c.DescribeAssociationExecutions(ctx, &ssm.DescribeAssociationExecutionsInput{AssociationId: aws.String(id), MaxResults: aws.Int32(3)})
		rcMust(t, "DescribeAssociationExecutions(MaxResults 3)", err)
		next, err := c.DescribeAssociationExecutions(ctx, &ssm.DescribeAssociationExecutionsInput{AssociationId: aws.String(id), MaxResults: aws.Int32(3), NextToken: page.NextToken})
		rcMust(t, "DescribeAssociationExecutions(page 2)", err)
		if len(page.AssociationExecutions) != 3 || page.NextToken == nil || len(next.AssociationExecutions) != 1 || next.NextToken != nil ||
			aws.ToString(next.AssociationExecutions[0].ExecutionId) != aws.ToString(all[3].ExecutionId) {
			t.Errorf("pages of 3: %d (token %v), %d (token %v)", len(page.AssociationExecutions), page.NextToken != nil, len(next.AssociationExecutions), next.NextToken != nil)
		}
		filter := func(key ssmtypes.AssociationExecutionFilterKey, value string, typ ssmtypes.AssociationFilterOperatorType) []string {
			t.Helper()
			out, err := c.DescribeAssociationExecutions(ctx, &ssm.DescribeAssociationExecutionsInput{AssociationId: aws.String(id),
				Filters: []ssmtypes.AssociationExecutionFilter{{Key: key, Value: aws.String(value), Type: typ}}})
			rcMust(t, "DescribeAssociationExecutions(filter)", err)
			var ids []string
			for _, x := range out.AssociationExecutions {
				ids = append(ids, aws.ToString(x.ExecutionId))
			}
			return ids
		}
		if got := filter("ExecutionId", aws.ToString(first.ExecutionId), "EQUAL"); !cmp.Equal(got, []string{aws.ToString(first.ExecutionId)}) {
			t.Errorf("ExecutionId EQUAL = %v", got)
		}
		if got := filter("Status", "Pending", "EQUAL"); len(got) != 4 {
			t.Errorf("Status EQUAL Pending = %d executions, want 4", len(got))
		}
		if got := filter("Status", "Success", "EQUAL"); len(got) != 0 {
			t.Errorf("Status EQUAL Success = %v, want none", got)
		}
		second := all[2].CreatedTime.UTC().Format(time.RFC3339Nano)
		if got := filter("CreatedTime", second, "GREATER_THAN"); !cmp.Equal(got, []string{aws.ToString(all[0].ExecutionId), aws.ToString(all[1].ExecutionId)}) {
			t.Errorf("CreatedTime GREATER_THAN the second = %v", got)
		}
		if got := filter("CreatedTime", second, "LESS_THAN"); !cmp.Equal(got, []string{aws.ToString(first.ExecutionId)}) {
			t.Errorf("CreatedTime LESS_THAN the second = %v", got)
		}
		if got := filter("CreatedTime", second, "EQUAL"); !cmp.Equal(got, []string{aws.ToString(all[2].ExecutionId)}) {
			t.Errorf("CreatedTime EQUAL the second = %v", got)
		}
		_, err = c.DescribeAssociationExecutions(ctx, &ssm.DescribeAssociationExecutionsInput{AssociationId: aws.String(id),
			Filters: []ssmtypes.AssociationExecutionFilter{{Key: "ExecutionId", Value: aws.String("x"), Type: "LESS_THAN"}}})
		rcWantErr(t, "DescribeAssociationExecutions(ExecutionId LESS_THAN)", err, "ValidationException")
		_, err = c.DescribeAssociationExecutions(ctx, &ssm.DescribeAssociationExecutionsInput{AssociationId: aws.String(id),
			Filters: []ssmtypes.AssociationExecutionFilter{{Key: "CreatedTime", Value: aws.String("yesterday"), Type: "LESS_THAN"}}})
		rcWantErr(t, "DescribeAssociationExecutions(CreatedTime yesterday)", err, "ValidationException")
		_, err = c.DescribeAssociationExecutions(ctx, &ssm.DescribeAssociationExecutionsInput{AssociationId: aws.String(id), NextToken: aws.String("%%")})
		rcWantErr(t, "DescribeAssociationExecutions(bad token)", err, "InvalidNextToken")
		_, err = c.DescribeAssociationExecutions(ctx, &ssm.DescribeAssociationExecutionsInput{AssociationId: aws.String("00000000-0000-4000-8000-000000000000")})
		rcWantErr(t, "DescribeAssociationExecutions(unknown)", err, "AssociationDoesNotExist")

		out, err := c.DescribeAssociationExecutionTargets(ctx, &ssm.DescribeAssociationExecutionTargetsInput{AssociationId: aws.String(id),
			ExecutionId: all[0].ExecutionId, Filters: []ssmtypes.AssociationExecutionTargetsFilter{{Key: "ResourceId", Value: aws.String(prod1)}}})
		rcMust(t, "DescribeAssociationExecutionTargets(ResourceId)", err)
		if got := resourceIDs(out.AssociationExecutionTargets); !cmp.Equal(got, []string{prod1}) {
			t.Errorf("targets filtered by ResourceId = %v", got)
		}
		out, err = c.DescribeAssociationExecutionTargets(ctx, &ssm.DescribeAssociationExecutionTargetsInput{AssociationId: aws.String(id),
			ExecutionId: all[0].ExecutionId, Filters: []ssmtypes.AssociationExecutionTargetsFilter{{Key: "Status", Value: aws.String("Success")}}})
		rcMust(t, "DescribeAssociationExecutionTargets(Status)", err)
		if len(out.AssociationExecutionTargets) != 0 {
			t.Errorf("targets filtered by Status Success = %v, want none", resourceIDs(out.AssociationExecutionTargets))
		}
		page2, err := c.DescribeAssociationExecutionTargets(ctx, &ssm.DescribeAssociationExecutionTargetsInput{AssociationId: aws.String(id),
			ExecutionId: all[0].ExecutionId, MaxResults: aws.Int32(2)})
		rcMust(t, "DescribeAssociationExecutionTargets(MaxResults 2)", err)
		rest, err := c.DescribeAssociationExecutionTargets(ctx, &ssm.DescribeAssociationExecutionTargetsInput{AssociationId: aws.String(id),
			ExecutionId: all[0].ExecutionId, MaxResults: aws.Int32(2), NextToken: page2.NextToken})
		rcMust(t, "DescribeAssociationExecutionTargets(page 2)", err)
		if len(page2.AssociationExecutionTargets) != 2 || len(rest.AssociationExecutionTargets) != 1 || rest.NextToken != nil {
			t.Errorf("target pages of 2: %d, %d", len(page2.AssociationExecutionTargets), len(rest.AssociationExecutionTargets))
		}
		_, err = c.DescribeAssociationExecutionTargets(ctx, &ssm.DescribeAssociationExecutionTargetsInput{AssociationId: aws.String(id),
			ExecutionId: aws.String("00000000-0000-4000-8000-000000000000")})
		rcWantErr(t, "DescribeAssociationExecutionTargets(unknown execution)", err, "AssociationExecutionDoesNotExist")
	})

	t.Run("versions", func(t *testing.T) {
		up, err := c.UpdateAssociation(ctx, &ssm.UpdateAssociationInput{AssociationId: aws.String(id), AssociationVersion: aws.String("$LATEST"),
			Parameters: map[string][]string{"commands": {"echo weekly"}}, ScheduleExpression: aws.String("cron(0 2 ? * SUN *)"),
			ApplyOnlyAtCronInterval: true, AssociationName: aws.String("weekly")})
		rcMust(t, "UpdateAssociation", err)
		u := up.AssociationDescription
		// Members the update leaves out are cleared, as AWS does; the
		// document and the targets stay.
		if aws.ToString(u.AssociationVersion) != "2" || aws.ToString(u.ScheduleExpression) != "cron(0 2 ? * SUN *)" || aws.ToString(u.AssociationName) != "weekly" ||
			aws.ToString(u.Name) != "AWS-RunShellScript" || !cmp.Equal(u.Targets, tagTarget("env", "prod"), ignoreUnexported) ||
			u.MaxConcurrency != nil || u.OutputLocation != nil || !u.ApplyOnlyAtCronInterval ||
			!u.LastUpdateAssociationDate.After(*u.Date) {
			t.Errorf("UpdateAssociation = version %s, %s, %s, %s %v, concurrency %v, output %v, apply at cron %v",
				aws.ToString(u.AssociationVersion), aws.ToString(u.ScheduleExpression), aws.ToString(u.AssociationName), aws.ToString(u.Name),
				u.Targets, u.MaxConcurrency, u.OutputLocation, u.ApplyOnlyAtCronInterval)
		}
		_, err = c.UpdateAssociation(ctx, &ssm.UpdateAssociationInput{AssociationId: aws.String(id), AssociationVersion: aws.String("1")})
		rcWantErr(t, "UpdateAssociation(from version 1)", err, "InvalidAssociationVersion")
		_, err = c.UpdateAssociation(ctx, &ssm.UpdateAssociationInput{AssociationId: aws.String(id), ScheduleExpression: aws.String("rate(10 minutes)")})
		rcWantErr(t, "UpdateAssociation(rate 10 minutes)", err, "InvalidSchedule")
		_, err = c.UpdateAssociation(ctx, &ssm.UpdateAssociationInput{AssociationId: aws.String("00000000-0000-4000-8000-000000000000")})
		rcWantErr(t, "UpdateAssociation(unknown)", err, "AssociationDoesNotExist")

		vs, err := c.ListAssociationVersions(ctx, &ssm.ListAssociationVersionsInput{AssociationId: aws.String(id)})
		rcMust(t, "ListAssociationVersions", err)
		if len(vs.AssociationVersions) != 2 || aws.ToString(vs.AssociationVersions[0].AssociationVersion) != "1" ||
			aws.ToString(vs.AssociationVersions[0].ScheduleExpression) != "rate(30 minutes)" || aws.ToString(vs.AssociationVersions[0].MaxConcurrency) != "50%" ||
			aws.ToString(vs.AssociationVersions[1].AssociationVersion) != "2" || aws.ToString(vs.AssociationVersions[1].AssociationName) != "weekly" {
			t.Errorf("ListAssociationVersions = %+v", vs.AssociationVersions)
		}
		p1, err := c.ListAssociationVersions(ctx, &ssm.ListAssociationVersionsInput{AssociationId: aws.String(id), MaxResults: aws.Int32(1)})
		rcMust(t, "ListAssociationVersions(MaxResults 1)", err)
		p2, err := c.ListAssociationVersions(ctx, &ssm.ListAssociationVersionsInput{AssociationId: aws.String(id), MaxResults: aws.Int32(1), NextToken: p1.NextToken})
		rcMust(t, "ListAssociationVersions(page 2)", err)
		if len(p1.AssociationVersions) != 1 || len(p2.AssociationVersions) != 1 || aws.ToString(p2.AssociationVersions[0].AssociationVersion) != "2" || p2.NextToken != nil {
			t.Errorf("version pages of 1: %+v then %+v", p1.AssociationVersions, p2.AssociationVersions)
		}
		old, err := c.DescribeAssociation(ctx, &ssm.DescribeAssociationInput{AssociationId: aws.String(id), AssociationVersion: aws.String("1")})
		rcMust(t, "DescribeAssociation(version 1)", err)
		if aws.ToString(old.AssociationDescription.AssociationVersion) != "1" || aws.ToString(old.AssociationDescription.AssociationName) != "nightly" {
			t.Errorf("DescribeAssociation(version 1) = %s %s", aws.ToString(old.AssociationDescription.AssociationVersion), aws.ToString(old.AssociationDescription.AssociationName))
		}
		_, err = c.DescribeAssociation(ctx, &ssm.DescribeAssociationInput{AssociationId: aws.String(id), AssociationVersion: aws.String("3")})
		rcWantErr(t, "DescribeAssociation(version 3)", err, "InvalidAssociationVersion")
		if got := e.describeAssoc(t, id); aws.ToString(got.AssociationVersion) != "2" {
			t.Errorf("DescribeAssociation = version %s, want 2", aws.ToString(got.AssociationVersion))
		}
	})

	t.Run("list filters and pages", func(t *testing.T) {
		d2 := e.create(t, echoAssociation("qa", "second"))
		id2 := aws.ToString(d2.AssociationId)
		list := func(filters ...ssmtypes.AssociationFilter) []string {
			t.Helper()
			out, err := c.ListAssociations(ctx, &ssm.ListAssociationsInput{AssociationFilterList: filters})
			rcMust(t, "ListAssociations", err)
			var ids []string
			for _, a := range out.Associations {
				ids = append(ids, aws.ToString(a.AssociationId))
			}
			return ids
		}
		f := func(k ssmtypes.AssociationFilterKey, v string) ssmtypes.AssociationFilter {
			return ssmtypes.AssociationFilter{Key: k, Value: aws.String(v)}
		}
		for _, tc := range []struct {
			filters []ssmtypes.AssociationFilter
			want    []string
		}{
			{nil, []string{id, id2}},
			{[]ssmtypes.AssociationFilter{f("Name", "AWS-RunShellScript")}, []string{id, id2}},
			{[]ssmtypes.AssociationFilter{f("Name", "AWS-RunPowerShellScript")}, nil},
			{[]ssmtypes.AssociationFilter{f("AssociationName", "weekly")}, []string{id}},
			{[]ssmtypes.AssociationFilter{f("AssociationId", id2)}, []string{id2}},
			{[]ssmtypes.AssociationFilter{f("AssociationStatusName", "Pending")}, []string{id, id2}},
			{[]ssmtypes.AssociationFilter{f("AssociationStatusName", "Success")}, nil},
			{[]ssmtypes.AssociationFilter{f("LastExecutedAfter", before.Add(-time.Minute).UTC().Format(time.RFC3339))}, []string{id}},
			{[]ssmtypes.AssociationFilter{f("LastExecutedBefore", before.Add(-time.Minute).UTC().Format(time.RFC3339))}, nil},
			{[]ssmtypes.AssociationFilter{f("Name", "AWS-RunShellScript"), f("AssociationName", "weekly")}, []string{id}},
			{[]ssmtypes.AssociationFilter{f("ResourceGroupName", "web")}, nil},
		} {
			if got := list(tc.filters...); !cmp.Equal(got, tc.want) {
				t.Errorf("ListAssociations(%v) = %v, want %v", tc.filters, got, tc.want)
			}
		}
		p1, err := c.ListAssociations(ctx, &ssm.ListAssociationsInput{MaxResults: aws.Int32(1)})
		rcMust(t, "ListAssociations(MaxResults 1)", err)
		p2, err := c.ListAssociations(ctx, &ssm.ListAssociationsInput{MaxResults: aws.Int32(1), NextToken: p1.NextToken})
		rcMust(t, "ListAssociations(page 2)", err)
		if len(p1.Associations) != 1 || aws.ToString(p1.Associations[0].AssociationId) != id || len(p2.Associations) != 1 ||
			aws.ToString(p2.Associations[0].AssociationId) != id2 || p2.NextToken != nil {
			t.Errorf("pages of 1: %v then %v", p1.Associations, p2.Associations)
		}
		a := p1.Associations[0]
		if aws.ToString(a.Name) != "AWS-RunShellScript" || aws.ToString(a.AssociationVersion) != "2" || aws.ToString(a.DocumentVersion) != "$DEFAULT" ||
			aws.ToString(a.ScheduleExpression) != "cron(0 2 ? * SUN *)" || a.LastExecutionDate == nil || a.Overview == nil {
			t.Errorf("listed association = %+v", a)
		}
		_, err = c.ListAssociations(ctx, &ssm.ListAssociationsInput{NextToken: aws.String("bogus")})
		rcWantErr(t, "ListAssociations(bad token)", err, "InvalidNextToken")
		_, err = c.ListAssociations(ctx, &ssm.ListAssociationsInput{AssociationFilterList: []ssmtypes.AssociationFilter{f("LastExecutedAfter", "soon")}})
		rcWantErr(t, "ListAssociations(LastExecutedAfter soon)", err, "ValidationException")
	})

	t.Run("tags", func(t *testing.T) {
		_, err := c.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingAssociation, ResourceId: aws.String(id),
			Tags: []ssmtypes.Tag{{Key: aws.String("tier"), Value: aws.String("1")}}})
		rcMust(t, "AddTagsToResource", err)
		_, err = c.RemoveTagsFromResource(ctx, &ssm.RemoveTagsFromResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingAssociation, ResourceId: aws.String(id),
			TagKeys: []string{"team"}})
		rcMust(t, "RemoveTagsFromResource", err)
		out, err := c.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingAssociation, ResourceId: aws.String(id)})
		rcMust(t, "ListTagsForResource", err)
		if !cmp.Equal(out.TagList, []ssmtypes.Tag{{Key: aws.String("tier"), Value: aws.String("1")}}, ignoreUnexported) {
			t.Errorf("tags = %v", out.TagList)
		}
		_, err = c.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingAssociation,
			ResourceId: aws.String("00000000-0000-4000-8000-000000000000")})
		rcWantErr(t, "ListTagsForResource(unknown association)", err, "InvalidResourceId")
	})

	t.Run("delete", func(t *testing.T) {
		_, err := c.DeleteAssociation(ctx, &ssm.DeleteAssociationInput{AssociationId: aws.String(id)})
		rcMust(t, "DeleteAssociation", err)
		_, err = c.DescribeAssociation(ctx, &ssm.DescribeAssociationInput{AssociationId: aws.String(id)})
		rcWantErr(t, "DescribeAssociation(deleted)", err, "AssociationDoesNotExist")
		_, err = c.DeleteAssociation(ctx, &ssm.DeleteAssociationInput{AssociationId: aws.String(id)})
		rcWantErr(t, "DeleteAssociation(again)", err, "AssociationDoesNotExist")
		_, err = c.DescribeAssociationExecutions(ctx, &ssm.DescribeAssociationExecutionsInput{AssociationId: aws.String(id)})
		rcWantErr(t, "DescribeAssociationExecutions(deleted)", err, "AssociationDoesNotExist")
	})
}

// TestAssociationErrors sends requests State Manager refuses and checks
// AWS's error codes.
func TestAssociationErrors(t *testing.T) {
	e := asStart(t, false, nil)
	ctx, c := e.ctx, e.ssm
	inst := e.register(t, map[string]string{"env": "prod"})
	_, err := c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("My-Session"), Content: aws.String(sessionDoc),
		DocumentType: ssmtypes.DocumentTypeSession})
	rcMust(t, "CreateDocument(session)", err)
	_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Echo"), Content: aws.String(echoDoc)})
	rcMust(t, "CreateDocument(Echo)", err)

	with := func(change func(in *ssm.CreateAssociationInput)) *ssm.CreateAssociationInput {
		in := echoAssociation("prod", "x")
		change(in)
		return in
	}
	for _, tc := range []struct {
		name string
		in   *ssm.CreateAssociationInput
		code string
		msg  []string
	}{
		{"unknown document", with(func(in *ssm.CreateAssociationInput) { in.Name = aws.String("No-Such-Doc") }), "InvalidDocument", []string{"No-Such-Doc"}},
		{"session document", with(func(in *ssm.CreateAssociationInput) { in.Name, in.Parameters = aws.String("My-Session"), nil }), "InvalidDocument", nil},
		{"unknown version", with(func(in *ssm.CreateAssociationInput) { in.DocumentVersion = aws.String("9") }), "InvalidDocumentVersion", nil},
		{"unknown parameter", with(func(in *ssm.CreateAssociationInput) { in.Parameters = map[string][]string{"nope": {"x"}} }), "InvalidParameters", nil},
		{"missing parameter", with(func(in *ssm.CreateAssociationInput) { in.Parameters = nil }), "InvalidParameters", nil},
		{"rate under 30 minutes", with(func(in *ssm.CreateAssociationInput) { in.ScheduleExpression = aws.String("rate(5 minutes)") }), "InvalidSchedule", []string{"30 minutes"}},
		{"cron naming both days", with(func(in *ssm.CreateAssociationInput) { in.ScheduleExpression = aws.String("cron(0 2 * * SUN *)") }), "InvalidSchedule", nil},
		{"not an expression", with(func(in *ssm.CreateAssociationInput) { in.ScheduleExpression = aws.String("daily") }), "InvalidSchedule", nil},
		{"ApplyOnlyAtCronInterval with a rate", with(func(in *ssm.CreateAssociationInput) { in.ApplyOnlyAtCronInterval = true }), "InvalidSchedule", []string{"rate"}},
		{"offset without ApplyOnlyAtCronInterval", with(func(in *ssm.CreateAssociationInput) {
			in.ScheduleExpression, in.ScheduleOffset = aws.String("cron(0 0 ? * THU#2 *)"), aws.Int32(3)
		}), "InvalidSchedule", nil},
		{"unknown target key", with(func(in *ssm.CreateAssociationInput) {
			in.Targets = []ssmtypes.Target{{Key: aws.String("region"), Values: []string{"x"}}}
		}), "InvalidTarget", nil},
		{"unknown resource group", with(func(in *ssm.CreateAssociationInput) {
			in.Targets = []ssmtypes.Target{{Key: aws.String("resource-groups:Name"), Values: []string{"nope"}}}
		}), "InvalidTarget", []string{"nope"}},
		{"no targets", with(func(in *ssm.CreateAssociationInput) { in.Targets = nil }), "ValidationException", nil},
		{"targets and instance", with(func(in *ssm.CreateAssociationInput) { in.InstanceId = aws.String(inst) }), "ValidationException", nil},
		{"unknown instance", &ssm.CreateAssociationInput{Name: aws.String("Echo"), InstanceId: aws.String("mi-0123456789abcdef0")}, "InvalidInstanceId", nil},
		{"instance with a schedule", &ssm.CreateAssociationInput{Name: aws.String("Echo"), InstanceId: aws.String(inst),
			ScheduleExpression: aws.String("rate(1 day)")}, "ValidationException", nil},
		{"bad bucket", with(func(in *ssm.CreateAssociationInput) {
			in.OutputLocation = &ssmtypes.InstanceAssociationOutputLocation{S3Location: &ssmtypes.S3OutputLocation{OutputS3BucketName: aws.String("Bad_Bucket")}}
		}), "InvalidOutputLocation", nil},
		{"MaxConcurrency 0", with(func(in *ssm.CreateAssociationInput) { in.MaxConcurrency = aws.String("0") }), "ValidationException", []string{"maxConcurrency"}},
		{"Targets and TargetMaps", with(func(in *ssm.CreateAssociationInput) { in.TargetMaps = []map[string][]string{{"a": {"b"}}} }), "InvalidTargetMaps", nil},
		{"bad association name", with(func(in *ssm.CreateAssociationInput) { in.AssociationName = aws.String("a b") }), "ValidationException", []string{"associationName"}},
	} {
		_, err := c.CreateAssociation(ctx, tc.in)
		rcWantErr(t, "CreateAssociation("+tc.name+")", err, tc.code, tc.msg...)
	}
	if out, err := c.ListAssociations(ctx, &ssm.ListAssociationsInput{}); err != nil || len(out.Associations) != 0 {
		t.Errorf("refused requests made associations: %v, %v", out.Associations, err)
	}

	// Legacy associations, by document and instance.
	legacy := e.create(t, &ssm.CreateAssociationInput{Name: aws.String("Echo"), InstanceId: aws.String(inst)})
	if aws.ToString(legacy.InstanceId) != inst || legacy.Status == nil || string(legacy.Status.Name) != "Associated" ||
		!cmp.Equal(legacy.Targets, []ssmtypes.Target{{Key: aws.String("InstanceIds"), Values: []string{inst}}}, ignoreUnexported) {
		t.Errorf("legacy association = %+v", legacy)
	}
	_, err = c.CreateAssociation(ctx, &ssm.CreateAssociationInput{Name: aws.String("Echo"), InstanceId: aws.String(inst)})
	rcWantErr(t, "CreateAssociation(same document and instance)", err, "AssociationAlreadyExists")
	got, err := c.DescribeAssociation(ctx, &ssm.DescribeAssociationInput{Name: aws.String("Echo"), InstanceId: aws.String(inst)})
	if err != nil || aws.ToString(got.AssociationDescription.AssociationId) != aws.ToString(legacy.AssociationId) {
		t.Errorf("DescribeAssociation(Name, InstanceId) = %v, %v", got, err)
	}
	out, err := c.ListAssociations(ctx, &ssm.ListAssociationsInput{AssociationFilterList: []ssmtypes.AssociationFilter{{Key: "InstanceId", Value: aws.String(inst)}}})
	if err != nil || len(out.Associations) != 1 {
		t.Errorf("ListAssociations(InstanceId) = %v, %v", out, err)
	}
	_, err = c.UpdateAssociation(ctx, &ssm.UpdateAssociationInput{AssociationId: legacy.AssociationId, Targets: tagTarget("env", "prod")})
	rcWantErr(t, "UpdateAssociation(targets of a legacy association)", err, "InvalidUpdate")
	_, err = c.DeleteAssociation(ctx, &ssm.DeleteAssociationInput{Name: aws.String("Echo"), InstanceId: aws.String(inst)})
	rcMust(t, "DeleteAssociation(Name, InstanceId)", err)
	_, err = c.DescribeAssociation(ctx, &ssm.DescribeAssociationInput{Name: aws.String("Echo"), InstanceId: aws.String(inst)})
	rcWantErr(t, "DescribeAssociation(deleted legacy)", err, "AssociationDoesNotExist")
	_, err = c.DescribeAssociation(ctx, &ssm.DescribeAssociationInput{AssociationId: aws.String("00000000-0000-4000-8000-000000000000")})
	rcWantErr(t, "DescribeAssociation(unknown)", err, "AssociationDoesNotExist")
	_, err = c.DescribeAssociation(ctx, &ssm.DescribeAssociationInput{AssociationId: aws.String("not-an-id")})
	rcWantErr(t, "DescribeAssociation(malformed ID)", err, "ValidationException")
	_, err = c.ListAssociationVersions(ctx, &ssm.ListAssociationVersionsInput{AssociationId: aws.String("00000000-0000-4000-8000-000000000000")})
	rcWantErr(t, "ListAssociationVersions(unknown)", err, "AssociationDoesNotExist")
}

// TestAssociationSchedule runs associations on a clock the test moves:
// a rate fires exactly at its times, and ApplyOnlyAtCronInterval keeps
// an association from running until its cron time.
func TestAssociationSchedule(t *testing.T) {
	start := time.Date(2026, 5, 6, 10, 0, 0, 0, time.UTC) // a Wednesday
	clock := newFakeClock(start)
	e := asStart(t, false, clock)
	ctx, c := e.ctx, e.ssm
	e.register(t, map[string]string{"env": "prod"})

	weekly := echoAssociation("prod", "weekly")
	weekly.ScheduleExpression, weekly.ApplyOnlyAtCronInterval = aws.String("cron(0 2 ? * SUN *)"), true
	cronID := aws.ToString(e.create(t, weekly).AssociationId)
	rateID := aws.ToString(e.create(t, echoAssociation("prod", "every half hour")).AssociationId)
	probeIn := echoAssociation("prod", "probe")
	probeIn.ScheduleExpression = nil
	clock.set(start.Add(time.Millisecond)) // the probe is the newest: the scheduler handles it last
	probe := aws.ToString(e.create(t, probeIn).AssociationId)

	// settle waits until the scheduler has run a pass at the clock's time:
	// the probe's run, asked for now, is claimed in a pass that handles
	// every association due then, in the order they were created.
	probes := e.waitExecutions(t, probe, 1)
	settle := func() {
		t.Helper()
		_, err := c.StartAssociationsOnce(ctx, &ssm.StartAssociationsOnceInput{AssociationIds: []string{probe}})
		rcMust(t, "StartAssociationsOnce(probe)", err)
		probes = e.waitExecutions(t, probe, len(probes)+1)
	}
	count := func(id string) int { return len(e.executions(t, id)) }

	settle()
	if n := count(cronID); n != 0 {
		t.Errorf("the ApplyOnlyAtCronInterval association ran %d times before its cron time, want 0", n)
	}
	if n := count(rateID); n != 1 {
		t.Fatalf("the rate association ran %d times after it was created, want 1", n)
	}
	for _, step := range []struct {
		at         time.Time
		rate, cron int
	}{
		{start.Add(29 * time.Minute), 1, 0},
		{start.Add(30 * time.Minute), 2, 0},
		{start.Add(59 * time.Minute), 2, 0},
		{start.Add(60 * time.Minute), 3, 0},
		{time.Date(2026, 5, 10, 1, 59, 0, 0, time.UTC), 4, 0}, // days later: one run, not the missed ones
		{time.Date(2026, 5, 10, 2, 0, 0, 0, time.UTC), 4, 1},
		{time.Date(2026, 5, 10, 2, 10, 0, 0, time.UTC), 4, 1},
	} {
		clock.set(step.at)
		settle()
		if got := count(rateID); got != step.rate {
			t.Errorf("at %v: the rate association ran %d times, want %d", step.at, got, step.rate)
		}
		if got := count(cronID); got != step.cron {
			t.Errorf("at %v: the cron association ran %d times, want %d", step.at, got, step.cron)
		}
	}
	execs := e.executions(t, cronID)
	if len(execs) == 1 && !execs[0].CreatedTime.Equal(time.Date(2026, 5, 10, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("the cron run was created at %v, want Sunday 02:00", execs[0].CreatedTime)
	}
}

// TestAssociationLocalAgent runs an association on kanri dev's own
// instance: its execution follows its command to Success, and the
// association's overview with it.
func TestAssociationLocalAgent(t *testing.T) {
	e := asStart(t, true, nil)
	local := e.localInstance(t)
	id := aws.ToString(e.create(t, echoAssociation("dev", "from-association")).AssociationId)
	var ex ssmtypes.AssociationExecution
	rcEventually(t, "the execution to succeed", 30*time.Second, func() bool {
		execs := e.executions(t, id)
		if len(execs) == 0 {
			return false
		}
		ex = execs[0]
		return aws.ToString(ex.Status) == "Success"
	})
	if aws.ToString(ex.DetailedStatus) != "Success" || aws.ToString(ex.ResourceCountByStatus) != "{Success=1}" {
		t.Errorf("execution = %s (%s) %q", aws.ToString(ex.Status), aws.ToString(ex.DetailedStatus), aws.ToString(ex.ResourceCountByStatus))
	}
	targets := e.execTargets(t, id, aws.ToString(ex.ExecutionId))
	if len(targets) != 1 || aws.ToString(targets[0].ResourceId) != local || aws.ToString(targets[0].Status) != "Success" || targets[0].OutputSource == nil {
		t.Fatalf("execution targets = %+v", targets)
	}
	inv, err := e.ssm.GetCommandInvocation(e.ctx, &ssm.GetCommandInvocationInput{CommandId: targets[0].OutputSource.OutputSourceId, InstanceId: aws.String(local)})
	if err != nil || aws.ToString(inv.StandardOutputContent) != "from-association\n" {
		t.Errorf("GetCommandInvocation = %v, %v; want the association's output", inv, err)
	}
	rcEventually(t, "the overview to show the success", 10*time.Second, func() bool {
		d := e.describeAssoc(t, id)
		return aws.ToString(d.Overview.Status) == "Success" && d.LastSuccessfulExecutionDate != nil
	})
	d := e.describeAssoc(t, id)
	if aws.ToString(d.Overview.DetailedStatus) != "Success" || !cmp.Equal(d.Overview.AssociationStatusAggregatedCount, map[string]int32{"Success": 1}) ||
		!d.LastSuccessfulExecutionDate.Equal(*ex.CreatedTime) {
		t.Errorf("overview = %s %v, last success %v", aws.ToString(d.Overview.DetailedStatus), d.Overview.AssociationStatusAggregatedCount, d.LastSuccessfulExecutionDate)
	}
	out, err := e.ssm.ListAssociations(e.ctx, &ssm.ListAssociationsInput{AssociationFilterList: []ssmtypes.AssociationFilter{
		{Key: "AssociationStatusName", Value: aws.String("Success")}}})
	if err != nil || len(out.Associations) != 1 {
		t.Errorf("ListAssociations(AssociationStatusName Success) = %v, %v", out, err)
	}
}

// TestDevInventoryAssociation checks kanri dev's inventory association:
// every instance, every 30 minutes, and sent to the local instance as
// soon as it registers.
func TestDevInventoryAssociation(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{Agent: true, Inventory: true, Heartbeat: time.Second,
		Associations: association.Timing{Poll: 50 * time.Millisecond, CheckTargets: 200 * time.Millisecond}})
	e := &rcEnv{k: k, ctx: t.Context(), ssm: ssm.NewFromConfig(k.Config()), acct: k.Server.Account()}
	out, err := e.ssm.ListAssociations(e.ctx, &ssm.ListAssociationsInput{})
	rcMust(t, "ListAssociations", err)
	if len(out.Associations) != 1 {
		t.Fatalf("kanri dev has %d associations, want 1", len(out.Associations))
	}
	a := out.Associations[0]
	if aws.ToString(a.Name) != "AWS-GatherSoftwareInventory" || aws.ToString(a.AssociationName) != dev.InventoryAssociationName ||
		aws.ToString(a.ScheduleExpression) != "rate(30 minutes)" ||
		!cmp.Equal(a.Targets, []ssmtypes.Target{{Key: aws.String("InstanceIds"), Values: []string{"*"}}}, ignoreUnexported) {
		t.Errorf("inventory association = %+v", a)
	}
	local := e.localInstance(t)
	rcEventually(t, "the inventory command on the local instance", 30*time.Second, func() bool {
		invs, err := e.ssm.ListCommandInvocations(e.ctx, &ssm.ListCommandInvocationsInput{InstanceId: aws.String(local),
			Filters: []ssmtypes.CommandFilter{{Key: ssmtypes.CommandFilterKeyDocumentName, Value: aws.String("AWS-GatherSoftwareInventory")}}})
		return err == nil && len(invs.CommandInvocations) > 0
	})
	execs := e.executions(t, aws.ToString(a.AssociationId))
	if len(execs) == 0 || !slices.Contains(resourceIDs(e.execTargets(t, aws.ToString(a.AssociationId), aws.ToString(execs[len(execs)-1].ExecutionId))), local) {
		t.Errorf("the inventory association's executions do not include the local instance")
	}
}

// TestAssociationReplicas runs two servers on one PostgreSQL database,
// their schedulers on one clock the test moves: every run of an
// association happens once, whichever server claims it.
func TestAssociationReplicas(t *testing.T) {
	dbURL := storetest.Postgres(t).URL
	start := time.Date(2026, 5, 6, 10, 0, 0, 0, time.UTC)
	clock := newFakeClock(start)
	timing := association.Timing{Now: clock.Now, Poll: 20 * time.Millisecond, CheckTargets: time.Hour}
	dir1, dir2 := t.TempDir(), t.TempDir()
	k1 := kanritest.Start(t, kanritest.Options{DataDir: dir1, DatabaseURL: dbURL, Heartbeat: time.Second, Associations: timing})
	// Replicas share the master key.
	key, err := os.ReadFile(filepath.Join(dir1, "master.key"))
	rcMust(t, "read the master key", err)
	rcMust(t, "copy the master key", os.WriteFile(filepath.Join(dir2, "master.key"), key, 0o600))
	k2 := kanritest.Start(t, kanritest.Options{DataDir: dir2, DatabaseURL: dbURL, Heartbeat: time.Second, Associations: timing})
	e := &rcEnv{k: k1, ctx: t.Context(), ssm: ssm.NewFromConfig(k1.Config()), acct: k1.Server.Account()}
	c2 := ssm.NewFromConfig(k2.Config())
	e.register(t, map[string]string{"env": "prod"})

	id := aws.ToString(e.create(t, echoAssociation("prod", "replicated")).AssociationId)
	count := func() int {
		t.Helper()
		out, err := c2.DescribeAssociationExecutions(e.ctx, &ssm.DescribeAssociationExecutionsInput{AssociationId: aws.String(id)})
		rcMust(t, "DescribeAssociationExecutions on the second server", err)
		return len(out.AssociationExecutions)
	}
	for i, at := range []time.Time{start, start.Add(30 * time.Minute), start.Add(60 * time.Minute), start.Add(90 * time.Minute)} {
		clock.set(at)
		rcEventually(t, "the run", 20*time.Second, func() bool { return count() >= i+1 })
		// Still one execution for it after both schedulers polled ten
		// more times: to see that nothing more happens, time must pass.
		time.Sleep(10 * timing.Poll)
		if n := count(); n != i+1 {
			t.Fatalf("at %v: %d executions, want %d", at, n, i+1)
		}
	}
}
