// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// TestAssociationsOnAnInstance makes associations with
// CreateAssociationBatch (one entry refused, the others made) and reads
// them back per instance: DescribeInstanceAssociationsStatus with how
// each last ran there (where its output went, or why its command could
// not be sent), DescribeEffectiveInstanceAssociations with the document
// each applies, both in pages; and the errors of all three.
func TestAssociationsOnAnInstance(t *testing.T) {
	e := asStart(t, true, nil)
	ctx, c := e.ctx, e.ssm
	local := e.localInstance(t)
	other := e.register(t, map[string]string{"env": "prod"}) // no association targets it

	echo := func(name, msg string) ssmtypes.CreateAssociationBatchRequestEntry {
		return ssmtypes.CreateAssociationBatchRequestEntry{Name: aws.String("AWS-RunShellScript"), AssociationName: aws.String(name),
			Targets: tagTarget("env", "dev"), Parameters: map[string][]string{"commands": {"echo " + msg}},
			ScheduleExpression: aws.String("rate(30 minutes)")}
	}
	bad := echo("bad", "x")
	bad.Name = aws.String("No-Such-Doc")
	second := echo("second", "two")
	second.OutputLocation = &ssmtypes.InstanceAssociationOutputLocation{S3Location: &ssmtypes.S3OutputLocation{
		OutputS3BucketName: aws.String("assoc-output"), OutputS3KeyPrefix: aws.String("runs/")}}
	out, err := c.CreateAssociationBatch(ctx, &ssm.CreateAssociationBatchInput{Entries: []ssmtypes.CreateAssociationBatchRequestEntry{
		echo("first", "one"), bad, second}})
	rcMust(t, "CreateAssociationBatch", err)
	var names, ids []string
	for _, d := range out.Successful {
		names, ids = append(names, aws.ToString(d.AssociationName)), append(ids, aws.ToString(d.AssociationId))
		if aws.ToString(d.AssociationVersion) != "1" || aws.ToString(d.Name) != "AWS-RunShellScript" {
			t.Errorf("made association %s: version %s, document %s", aws.ToString(d.AssociationName), aws.ToString(d.AssociationVersion), aws.ToString(d.Name))
		}
	}
	if !slices.Equal(names, []string{"first", "second"}) {
		t.Fatalf("Successful = %v, want first and second", names)
	}
	if len(out.Failed) != 1 || aws.ToString(out.Failed[0].Entry.Name) != "No-Such-Doc" || out.Failed[0].Fault != ssmtypes.FaultClient ||
		!strings.Contains(aws.ToString(out.Failed[0].Message), "No-Such-Doc") || aws.ToString(out.Failed[0].Entry.AssociationName) != "bad" {
		t.Fatalf("Failed = %+v, want the entry of No-Such-Doc, the client's fault", out.Failed)
	}
	slices.Sort(ids) // the per-instance listings are ordered by association

	// Both run on the local instance (env=dev) and succeed there.
	var infos []ssmtypes.InstanceAssociationStatusInfo
	rcEventually(t, "both associations to succeed on the local instance", 30*time.Second, func() bool {
		st, err := c.DescribeInstanceAssociationsStatus(ctx, &ssm.DescribeInstanceAssociationsStatusInput{InstanceId: aws.String(local)})
		rcMust(t, "DescribeInstanceAssociationsStatus", err)
		infos = st.InstanceAssociationStatusInfos
		return len(infos) == 2 && aws.ToString(infos[0].Status) == "Success" && aws.ToString(infos[1].Status) == "Success"
	})
	for i, in := range infos {
		if aws.ToString(in.AssociationId) != ids[i] || aws.ToString(in.InstanceId) != local || aws.ToString(in.Name) != "AWS-RunShellScript" ||
			aws.ToString(in.DocumentVersion) != "$DEFAULT" || aws.ToString(in.AssociationVersion) != "1" ||
			aws.ToString(in.DetailedStatus) != "Success" || in.ExecutionDate == nil || time.Since(*in.ExecutionDate) > time.Minute ||
			aws.ToString(in.ExecutionSummary) != "1 out of 1 plugin processed, 1 success, 0 failed, 0 timedout, 0 skipped. " {
			t.Errorf("status %d = %s on %s: %s %s v%s %s (%s) at %v, %q", i, aws.ToString(in.AssociationId), aws.ToString(in.InstanceId),
				aws.ToString(in.Name), aws.ToString(in.DocumentVersion), aws.ToString(in.AssociationVersion), aws.ToString(in.Status),
				aws.ToString(in.DetailedStatus), in.ExecutionDate, aws.ToString(in.ExecutionSummary))
		}
	}
	if got := []string{aws.ToString(infos[0].AssociationName), aws.ToString(infos[1].AssociationName)}; !slices.Contains(got, "first") || !slices.Contains(got, "second") {
		t.Errorf("association names = %v", got)
	}
	// The one with an output location names the folder of its run's
	// outputs on the instance, where the command's step wrote them.
	for _, in := range infos {
		u := in.OutputUrl
		if aws.ToString(in.AssociationName) == "first" || in.ErrorCode != nil {
			if u != nil || in.ErrorCode != nil {
				t.Errorf("%s: output URL %+v, error code %v; want none", aws.ToString(in.AssociationName), u, aws.ToString(in.ErrorCode))
			}
			continue
		}
		execs := e.executions(t, aws.ToString(in.AssociationId))
		cmdID := aws.ToString(execs[0].ExecutionId) // a run's command has its execution's ID
		inv, err := c.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{CommandId: aws.String(cmdID), InstanceId: aws.String(local)})
		rcMust(t, "GetCommandInvocation", err)
		folder := "kanri://assoc-output/runs/" + cmdID + "/" + local + "/"
		if u == nil || u.S3OutputUrl == nil || aws.ToString(u.S3OutputUrl.OutputUrl) != folder ||
			!strings.HasPrefix(aws.ToString(inv.StandardOutputUrl), folder) {
			t.Errorf("second's output URL = %+v, want %s, the folder of the step's output %s", u, folder, aws.ToString(inv.StandardOutputUrl))
		}
	}

	// DescribeInstanceInformation shows it, and filters by it.
	info, err := c.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{})
	rcMust(t, "DescribeInstanceInformation", err)
	byID := map[string]ssmtypes.InstanceInformation{}
	for _, in := range info.InstanceInformationList {
		byID[aws.ToString(in.InstanceId)] = in
	}
	li, oi := byID[local], byID[other]
	if aws.ToString(li.AssociationStatus) != "Success" || li.AssociationOverview == nil ||
		aws.ToString(li.AssociationOverview.DetailedStatus) != "Success" ||
		li.AssociationOverview.InstanceAssociationStatusAggregatedCount["Success"] != 2 ||
		len(li.AssociationOverview.InstanceAssociationStatusAggregatedCount) != 1 ||
		li.LastAssociationExecutionDate == nil || li.LastSuccessfulAssociationExecutionDate == nil ||
		!li.LastAssociationExecutionDate.Equal(*li.LastSuccessfulAssociationExecutionDate) {
		t.Errorf("local instance: association status %q, overview %+v, last run %v, last success %v", aws.ToString(li.AssociationStatus),
			li.AssociationOverview, li.LastAssociationExecutionDate, li.LastSuccessfulAssociationExecutionDate)
	}
	if oi.InstanceId == nil || oi.AssociationStatus != nil || oi.AssociationOverview != nil || oi.LastAssociationExecutionDate != nil {
		t.Errorf("untargeted instance: association status %v, overview %+v, last run %v", oi.AssociationStatus, oi.AssociationOverview, oi.LastAssociationExecutionDate)
	}
	for _, tc := range []struct {
		values []string
		ids    []string
		want   []string
	}{
		{[]string{"Success"}, nil, []string{local}},
		{[]string{"Failed", "Pending"}, nil, nil},
		{[]string{"Success"}, []string{other}, nil},
		{[]string{"Success", "Failed"}, []string{local, other}, []string{local}},
	} {
		filters := []ssmtypes.InstanceInformationStringFilter{{Key: aws.String("AssociationStatus"), Values: tc.values}}
		if tc.ids != nil {
			filters = append(filters, ssmtypes.InstanceInformationStringFilter{Key: aws.String("InstanceIds"), Values: tc.ids})
		}
		out, err := c.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{Filters: filters})
		rcMust(t, "DescribeInstanceInformation(AssociationStatus)", err)
		var got []string
		for _, in := range out.InstanceInformationList {
			got = append(got, aws.ToString(in.InstanceId))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("DescribeInstanceInformation(AssociationStatus %v, InstanceIds %v) = %v, want %v", tc.values, tc.ids, got, tc.want)
		}
	}
	// A filter no instance matches matches none of those InstanceIds names.
	for _, key := range []string{"ResourceType", "PingStatus"} {
		out, err := c.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{Filters: []ssmtypes.InstanceInformationStringFilter{
			{Key: aws.String("InstanceIds"), Values: []string{local}}, {Key: aws.String(key), Values: []string{"EC2Instance"}}}})
		if key == "PingStatus" {
			rcWantErr(t, "DescribeInstanceInformation(PingStatus EC2Instance)", err, "InvalidInstanceInformationFilterValue")
			continue
		}
		if err != nil || len(out.InstanceInformationList) != 0 {
			t.Errorf("DescribeInstanceInformation(InstanceIds %s, %s EC2Instance) = %v, %v; want none", local, key, out, err)
		}
	}
	_, err = c.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{Filters: []ssmtypes.InstanceInformationStringFilter{
		{Key: aws.String("AssociationStatus"), Values: []string{"Great"}}}})
	rcWantErr(t, "DescribeInstanceInformation(AssociationStatus Great)", err, "InvalidInstanceInformationFilterValue", "Great")

	// Pages of one.
	p1, err := c.DescribeInstanceAssociationsStatus(ctx, &ssm.DescribeInstanceAssociationsStatusInput{InstanceId: aws.String(local), MaxResults: aws.Int32(1)})
	rcMust(t, "DescribeInstanceAssociationsStatus(page 1)", err)
	if len(p1.InstanceAssociationStatusInfos) != 1 || aws.ToString(p1.InstanceAssociationStatusInfos[0].AssociationId) != ids[0] || p1.NextToken == nil {
		t.Fatalf("page 1 = %d items, next %v", len(p1.InstanceAssociationStatusInfos), p1.NextToken)
	}
	p2, err := c.DescribeInstanceAssociationsStatus(ctx, &ssm.DescribeInstanceAssociationsStatusInput{InstanceId: aws.String(local), MaxResults: aws.Int32(1), NextToken: p1.NextToken})
	rcMust(t, "DescribeInstanceAssociationsStatus(page 2)", err)
	if len(p2.InstanceAssociationStatusInfos) != 1 || aws.ToString(p2.InstanceAssociationStatusInfos[0].AssociationId) != ids[1] || p2.NextToken != nil {
		t.Errorf("page 2 = %d items, next %v", len(p2.InstanceAssociationStatusInfos), p2.NextToken)
	}

	// An update makes version 2 the one in effect.
	_, err = c.UpdateAssociation(ctx, &ssm.UpdateAssociationInput{AssociationId: aws.String(ids[1]), Parameters: map[string][]string{"commands": {"echo three"}},
		ScheduleExpression: aws.String("rate(30 minutes)")})
	rcMust(t, "UpdateAssociation", err)
	var effective []ssmtypes.InstanceAssociation
	pages := ssm.NewDescribeEffectiveInstanceAssociationsPaginator(c, &ssm.DescribeEffectiveInstanceAssociationsInput{InstanceId: aws.String(local), MaxResults: aws.Int32(1)})
	for n := 0; pages.HasMorePages(); n++ {
		page, err := pages.NextPage(ctx)
		rcMust(t, "DescribeEffectiveInstanceAssociations", err)
		if len(page.Associations) != 1 || n > 1 {
			t.Fatalf("page %d has %d associations", n, len(page.Associations))
		}
		effective = append(effective, page.Associations...)
	}
	if len(effective) != 2 {
		t.Fatalf("effective associations = %d, want 2", len(effective))
	}
	for i, a := range effective {
		if aws.ToString(a.AssociationId) != ids[i] || aws.ToString(a.InstanceId) != local ||
			!strings.Contains(aws.ToString(a.Content), `"aws:runShellScript"`) || !strings.HasPrefix(aws.ToString(a.Content), "{") {
			t.Errorf("effective %d = %s on %s, content %.80q", i, aws.ToString(a.AssociationId), aws.ToString(a.InstanceId), aws.ToString(a.Content))
		}
	}
	if v := []string{aws.ToString(effective[0].AssociationVersion), aws.ToString(effective[1].AssociationVersion)}; !slices.Equal(v, []string{"1", "2"}) {
		t.Errorf("effective versions = %v, want [1 2]", v)
	}

	// An instance no association targets has none; errors as AWS gives them.
	st, err := c.DescribeInstanceAssociationsStatus(ctx, &ssm.DescribeInstanceAssociationsStatusInput{InstanceId: aws.String(other)})
	if err != nil || len(st.InstanceAssociationStatusInfos) != 0 {
		t.Errorf("DescribeInstanceAssociationsStatus(untargeted) = %v, %v; want none", st, err)
	}
	_, err = c.DescribeInstanceAssociationsStatus(ctx, &ssm.DescribeInstanceAssociationsStatusInput{InstanceId: aws.String("mi-0123456789abcdef0")})
	rcWantErr(t, "DescribeInstanceAssociationsStatus(unknown instance)", err, "InvalidInstanceId", "mi-0123456789abcdef0")
	_, err = c.DescribeEffectiveInstanceAssociations(ctx, &ssm.DescribeEffectiveInstanceAssociationsInput{InstanceId: aws.String("mi-0123456789abcdef0")})
	rcWantErr(t, "DescribeEffectiveInstanceAssociations(unknown instance)", err, "InvalidInstanceId")
	_, err = c.DescribeInstanceAssociationsStatus(ctx, &ssm.DescribeInstanceAssociationsStatusInput{InstanceId: aws.String(local), NextToken: aws.String("!!")})
	rcWantErr(t, "DescribeInstanceAssociationsStatus(bad token)", err, "InvalidNextToken")
	_, err = c.DescribeEffectiveInstanceAssociations(ctx, &ssm.DescribeEffectiveInstanceAssociationsInput{InstanceId: aws.String(local), MaxResults: aws.Int32(6)})
	rcWantErr(t, "DescribeEffectiveInstanceAssociations(MaxResults 6)", err, "ValidationException", "maxResults")
	_, err = c.CreateAssociationBatch(ctx, &ssm.CreateAssociationBatchInput{Entries: []ssmtypes.CreateAssociationBatchRequestEntry{}})
	rcWantErr(t, "CreateAssociationBatch(no entries)", err, "ValidationException", "entries")
	if l, err := c.ListAssociations(ctx, &ssm.ListAssociationsInput{}); err != nil || len(l.Associations) != 2 {
		t.Errorf("associations after the refused batches = %v, %v; want the two made", l, err)
	}

	// An association that fails there makes the instance's status Failed.
	failing := echo("failing", "x")
	failing.Parameters = map[string][]string{"commands": {"exit 3"}}
	fout, err := c.CreateAssociationBatch(ctx, &ssm.CreateAssociationBatchInput{Entries: []ssmtypes.CreateAssociationBatchRequestEntry{failing}})
	if err != nil || len(fout.Successful) != 1 {
		t.Fatalf("CreateAssociationBatch(failing) = %+v, %v", fout, err)
	}
	failedID := aws.ToString(fout.Successful[0].AssociationId)
	var failed ssmtypes.InstanceAssociationStatusInfo
	rcEventually(t, "the failing association to fail", 30*time.Second, func() bool {
		st, err := c.DescribeInstanceAssociationsStatus(ctx, &ssm.DescribeInstanceAssociationsStatusInput{InstanceId: aws.String(local)})
		rcMust(t, "DescribeInstanceAssociationsStatus", err)
		for _, in := range st.InstanceAssociationStatusInfos {
			if aws.ToString(in.AssociationId) == failedID {
				failed = in
			}
		}
		return aws.ToString(failed.Status) == "Failed"
	})
	if got := aws.ToString(failed.ExecutionSummary); got != "1 out of 1 plugin processed, 0 success, 1 failed, 0 timedout, 0 skipped. " {
		t.Errorf("failed association's summary = %q", got)
	}
	if failed.ErrorCode != nil {
		t.Errorf("failed association's error code = %q; its command was sent", aws.ToString(failed.ErrorCode))
	}

	out2, err := c.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{Filters: []ssmtypes.InstanceInformationStringFilter{
		{Key: aws.String("AssociationStatus"), Values: []string{"Failed"}}}})
	rcMust(t, "DescribeInstanceInformation(AssociationStatus Failed)", err)
	if len(out2.InstanceInformationList) != 1 || aws.ToString(out2.InstanceInformationList[0].InstanceId) != local ||
		aws.ToString(out2.InstanceInformationList[0].AssociationStatus) != "Failed" ||
		out2.InstanceInformationList[0].AssociationOverview.InstanceAssociationStatusAggregatedCount["Failed"] != 1 ||
		out2.InstanceInformationList[0].AssociationOverview.InstanceAssociationStatusAggregatedCount["Success"] != 2 {
		t.Errorf("DescribeInstanceInformation(AssociationStatus Failed) = %+v", out2.InstanceInformationList)
	}

	// A run whose command cannot be sent (its document was deleted) fails
	// with SendCommand's error code.
	_, err = c.CreateDocument(ctx, &ssm.CreateDocumentInput{Name: aws.String("Short-Lived"), DocumentType: ssmtypes.DocumentTypeCommand,
		Content: aws.String(`{"schemaVersion":"2.2","mainSteps":[{"action":"aws:runShellScript","name":"run","inputs":{"runCommand":["true"]}}]}`)})
	rcMust(t, "CreateDocument", err)
	gone := echo("gone", "x")
	gone.Name, gone.Parameters = aws.String("Short-Lived"), nil
	gout, err := c.CreateAssociationBatch(ctx, &ssm.CreateAssociationBatchInput{Entries: []ssmtypes.CreateAssociationBatchRequestEntry{gone}})
	if err != nil || len(gout.Successful) != 1 {
		t.Fatalf("CreateAssociationBatch(gone) = %+v, %v", gout, err)
	}
	goneID := aws.ToString(gout.Successful[0].AssociationId)
	rcEventually(t, "the first run of the association on the short-lived document", 30*time.Second, func() bool {
		return len(e.executions(t, goneID)) == 1
	})
	_, err = c.DeleteDocument(ctx, &ssm.DeleteDocumentInput{Name: aws.String("Short-Lived")})
	rcMust(t, "DeleteDocument", err)
	_, err = c.StartAssociationsOnce(ctx, &ssm.StartAssociationsOnceInput{AssociationIds: []string{goneID}})
	rcMust(t, "StartAssociationsOnce", err)
	var unsent ssmtypes.InstanceAssociationStatusInfo
	rcEventually(t, "the run after the document's deletion to fail", 30*time.Second, func() bool {
		st, err := c.DescribeInstanceAssociationsStatus(ctx, &ssm.DescribeInstanceAssociationsStatusInput{InstanceId: aws.String(local)})
		rcMust(t, "DescribeInstanceAssociationsStatus", err)
		for _, in := range st.InstanceAssociationStatusInfos {
			if aws.ToString(in.AssociationId) == goneID {
				unsent = in
			}
		}
		return aws.ToString(unsent.Status) == "Failed"
	})
	if aws.ToString(unsent.ErrorCode) != "InvalidDocument" || aws.ToString(unsent.DetailedStatus) != "InvalidDocument" ||
		unsent.OutputUrl != nil || aws.ToString(unsent.ExecutionSummary) != "" {
		t.Errorf("unsent run: error code %q, detailed status %q, output %+v, summary %q; want InvalidDocument and nothing else",
			aws.ToString(unsent.ErrorCode), aws.ToString(unsent.DetailedStatus), unsent.OutputUrl, aws.ToString(unsent.ExecutionSummary))
	}
}
