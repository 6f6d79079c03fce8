// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// dsObject returns the lines of an exported object of the system's
// object store, decoded; a missing object fails t.
func (e *rcEnv) dsObject(t *testing.T, bucket, key string) []map[string]string {
	t.Helper()
	r, err := e.k.Server.Blobs().Get(e.ctx, bucket, key)
	rcMust(t, "Get "+key, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	rcMust(t, "read "+key, err)
	var out []map[string]string
	for line := range strings.Lines(string(b)) {
		var m map[string]string
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s: line %q: %v", key, line, err)
		}
		out = append(out, m)
	}
	return out
}

// dsKeys returns the keys of the bucket's objects under prefix.
func (e *rcEnv) dsKeys(t *testing.T, bucket, prefix string) []string {
	t.Helper()
	objs, err := e.k.Server.Blobs().List(e.ctx, bucket, prefix)
	rcMust(t, "List "+bucket, err)
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	return keys
}

// TestResourceDataSyncAPI drives the resource data sync operations
// through the SDK: a sync exports the inventory the instances report, at
// once and as it changes, to the system's object store.
func TestResourceDataSyncAPI(t *testing.T) {
	e := rcStart(t, false)
	ctx := e.ctx
	a, asA := e.invInstance(t)
	b, asB := e.invInstance(t)
	_, err := asA.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(a), Items: []ssmtypes.InventoryItem{
		invItem("AWS:InstanceInformation", "1.0", "ia", []map[string]string{{"ComputerName": "a", "PlatformType": "Linux"}}),
		invItem("AWS:Application", "1.1", "aa", invApps("openjdk-17-jre", "17.0.2", "bash", "5.1")),
	}})
	rcMust(t, "PutInventory(a)", err)
	_, err = asB.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(b), Items: []ssmtypes.InventoryItem{
		invItem("Custom:Rack", "1.0", "rb", []map[string]string{{"Rack": "r7"}}),
	}})
	rcMust(t, "PutInventory(b)", err)

	dest := &ssmtypes.ResourceDataSyncS3Destination{BucketName: aws.String("inventory"), Prefix: aws.String("fleet"),
		SyncFormat: ssmtypes.ResourceDataSyncS3FormatJsonSerde, Region: aws.String("us-east-1")}
	_, err = e.ssm.CreateResourceDataSync(ctx, &ssm.CreateResourceDataSyncInput{SyncName: aws.String("inv"), S3Destination: dest})
	rcMust(t, "CreateResourceDataSync", err)
	_, err = e.ssm.CreateResourceDataSync(ctx, &ssm.CreateResourceDataSyncInput{SyncName: aws.String("inv"), S3Destination: dest})
	// (The SDK reads this error's SyncName member only, not its message.)
	rcWantErr(t, "CreateResourceDataSync(again)", err, "ResourceDataSyncAlreadyExistsException")
	_, err = e.ssm.CreateResourceDataSync(ctx, &ssm.CreateResourceDataSyncInput{SyncName: aws.String("ops"), SyncType: aws.String("SyncFromSource"),
		SyncSource: &ssmtypes.ResourceDataSyncSource{SourceType: aws.String("SingleAccountMultiRegions"), SourceRegions: []string{"us-east-1"}}})
	rcWantErr(t, "CreateResourceDataSync(SyncFromSource)", err, "ResourceDataSyncInvalidConfigurationException", "SyncFromSource")
	_, err = e.ssm.CreateResourceDataSync(ctx, &ssm.CreateResourceDataSyncInput{SyncName: aws.String("csv"), S3Destination: &ssmtypes.ResourceDataSyncS3Destination{
		BucketName: aws.String("inventory"), SyncFormat: "Csv", Region: aws.String("us-east-1")}})
	rcWantErr(t, "CreateResourceDataSync(Csv)", err, "ValidationException", "syncFormat")
	// An instance's role credentials may report inventory, not export it.
	_, err = asA.CreateResourceDataSync(ctx, &ssm.CreateResourceDataSyncInput{SyncName: aws.String("mine"), S3Destination: dest})
	rcWantErr(t, "CreateResourceDataSync(as an instance)", err, "AccessDeniedException", "ssm:CreateResourceDataSync")

	var item ssmtypes.ResourceDataSyncItem
	rcEventually(t, "the initial export", 10*time.Second, func() bool {
		out, err := e.ssm.ListResourceDataSync(ctx, &ssm.ListResourceDataSyncInput{})
		rcMust(t, "ListResourceDataSync", err)
		if len(out.ResourceDataSyncItems) != 1 {
			t.Fatalf("ListResourceDataSync = %d syncs, want 1", len(out.ResourceDataSyncItems))
		}
		item = out.ResourceDataSyncItems[0]
		return item.LastStatus == ssmtypes.LastResourceDataSyncStatusSuccessful
	})
	if diff := cmp.Diff(dest, item.S3Destination, cmpopts.IgnoreUnexported(ssmtypes.ResourceDataSyncS3Destination{})); diff != "" {
		t.Errorf("listed S3Destination mismatch (-want +got):\n%s", diff)
	}
	if aws.ToString(item.SyncName) != "inv" || aws.ToString(item.SyncType) != "SyncToDestination" || item.LastSyncTime == nil ||
		item.LastSuccessfulSyncTime == nil || item.SyncCreatedTime == nil || aws.ToString(item.LastSyncStatusMessage) != "" {
		t.Errorf("listed sync = %+v", item)
	}

	part := "/accountid=" + e.acct + "/region=us-east-1/resourcetype=ManagedInstanceInventory/"
	want := []string{"fleet/AWS:Application" + part + a + ".json", "fleet/AWS:InstanceInformation" + part + a + ".json",
		"fleet/Custom:Rack" + part + b + ".json"}
	if diff := cmp.Diff(want, e.dsKeys(t, "inventory", "")); diff != "" {
		t.Errorf("exported objects mismatch (-want +got):\n%s", diff)
	}
	row := func(id, version string, kv ...string) map[string]string {
		m := map[string]string{"resourceId": id, "captureTime": "2026-03-01T10:00:00Z", "schemaVersion": version}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	wantApps := []map[string]string{
		row(a, "1.1", "Name", "openjdk-17-jre", "Version", "17.0.2", "ApplicationType", "java"),
		row(a, "1.1", "Name", "bash", "Version", "5.1", "ApplicationType", "java"),
	}
	if diff := cmp.Diff(wantApps, e.dsObject(t, "inventory", want[0])); diff != "" {
		t.Errorf("exported AWS:Application mismatch (-want +got):\n%s", diff)
	}
	wantInfo := []map[string]string{row(a, "1.0", "ComputerName", "a", "PlatformType", "Linux", "InstanceId", a, "InstanceStatus", "Active",
		"ResourceType", "ManagedInstance")}
	if diff := cmp.Diff(wantInfo, e.dsObject(t, "inventory", want[1])); diff != "" {
		t.Errorf("exported AWS:InstanceInformation mismatch (-want +got):\n%s", diff)
	}

	// The instance upgrades openjdk: its object is rewritten by the time
	// PutInventory answers.
	_, err = asA.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(a), Items: []ssmtypes.InventoryItem{
		invItem("AWS:Application", "1.1", "ab", invApps("openjdk-17-jre", "17.0.10", "bash", "5.1")),
	}})
	rcMust(t, "PutInventory(a, upgraded)", err)
	wantApps[0]["Version"] = "17.0.10"
	if diff := cmp.Diff(wantApps, e.dsObject(t, "inventory", want[0])); diff != "" {
		t.Errorf("exported AWS:Application after the upgrade mismatch (-want +got):\n%s", diff)
	}

	// Deleting the custom type's data deletes its objects.
	_, err = e.ssm.DeleteInventory(ctx, &ssm.DeleteInventoryInput{TypeName: aws.String("Custom:Rack")})
	rcMust(t, "DeleteInventory", err)
	if diff := cmp.Diff(want[:2], e.dsKeys(t, "inventory", "")); diff != "" {
		t.Errorf("exported objects after DeleteInventory mismatch (-want +got):\n%s", diff)
	}

	_, err = e.ssm.DeleteResourceDataSync(ctx, &ssm.DeleteResourceDataSyncInput{SyncName: aws.String("inv")})
	rcMust(t, "DeleteResourceDataSync", err)
	_, err = e.ssm.DeleteResourceDataSync(ctx, &ssm.DeleteResourceDataSyncInput{SyncName: aws.String("inv")})
	rcWantErr(t, "DeleteResourceDataSync(again)", err, "ResourceDataSyncNotFoundException", "inv")
	out, err := e.ssm.ListResourceDataSync(ctx, &ssm.ListResourceDataSyncInput{})
	rcMust(t, "ListResourceDataSync", err)
	if len(out.ResourceDataSyncItems) != 0 {
		t.Errorf("ListResourceDataSync after the delete = %+v, want none", out.ResourceDataSyncItems)
	}
	// Its objects stay.
	if got := e.dsKeys(t, "inventory", ""); len(got) != 2 {
		t.Errorf("exported objects after DeleteResourceDataSync = %v, want them kept", got)
	}
}
