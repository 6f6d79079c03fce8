// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// invInstance registers a managed instance with a key of its own and
// returns its ID and an SSM client with its role's credentials, as its
// agent gets them.
func (e *rcEnv) invInstance(t *testing.T) (string, *ssm.Client) {
	t.Helper()
	act, err := e.ssm.CreateActivation(e.ctx, &ssm.CreateActivationInput{IamRole: aws.String("kanri-dev-instance"), RegistrationLimit: aws.Int32(1)})
	rcMust(t, "CreateActivation", err)
	kp, err := nkeys.CreateUser()
	rcMust(t, "nkeys", err)
	pub, _ := kp.PublicKey()
	var reg agentproto.RegisterResponse
	invPost(t, e.k.Endpoint+agentproto.PathRegister, agentproto.RegisterRequest{ActivationID: aws.ToString(act.ActivationId),
		ActivationCode: aws.ToString(act.ActivationCode), PublicKey: pub, Facts: agentproto.Facts{ComputerName: "inv-host", PlatformType: "Linux"}}, &reg)
	now := time.Now().UTC().Truncate(time.Second)
	sig, err := kp.Sign([]byte(agentproto.SignedString(reg.InstanceID, now)))
	rcMust(t, "sign", err)
	var creds agentproto.CredentialsResponse
	invPost(t, e.k.Endpoint+agentproto.PathCredentials, agentproto.CredentialsRequest{InstanceID: reg.InstanceID, Time: now,
		Signature: base64.RawURLEncoding.EncodeToString(sig)}, &creds)
	return reg.InstanceID, ssm.NewFromConfig(e.k.ConfigFor(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken))
}

// invPost posts in as JSON to url and decodes the answer into out.
func invPost(t *testing.T, url string, in, out any) {
	t.Helper()
	body, _ := json.Marshal(in)
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	rcMust(t, "POST "+url, err)
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %v", url, resp.StatusCode, err)
	}
}

// invApps returns AWS:Application content: name and version pairs.
func invApps(kv ...string) []map[string]string {
	var out []map[string]string
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, map[string]string{"Name": kv[i], "Version": kv[i+1], "ApplicationType": "java"})
	}
	return out
}

func invItem(typeName, version, hash string, content []map[string]string) ssmtypes.InventoryItem {
	return ssmtypes.InventoryItem{TypeName: aws.String(typeName), SchemaVersion: aws.String(version), CaptureTime: aws.String("2026-03-01T10:00:00Z"),
		ContentHash: aws.String(hash), Content: content}
}

// TestInventoryAPI drives every inventory operation through the SDK: the
// instances report their own inventory with their role credentials, the
// administrator queries it.
func TestInventoryAPI(t *testing.T) {
	e := rcStart(t, false)
	ctx := e.ctx
	a, asA := e.invInstance(t)
	b, asB := e.invInstance(t)

	_, err := asA.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(a), Items: []ssmtypes.InventoryItem{
		invItem("AWS:InstanceInformation", "1.0", "ia", []map[string]string{{"ComputerName": "a", "PlatformType": "Linux"}}),
		invItem("AWS:Application", "1.1", "aa", invApps("openjdk-17-jre", "17.0.2", "openjdk-11-jre", "11.0.20", "bash", "5.1")),
	}})
	rcMust(t, "PutInventory(a, as a)", err)
	_, err = asB.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(b), Items: []ssmtypes.InventoryItem{
		invItem("AWS:InstanceInformation", "1.0", "ib", []map[string]string{{"ComputerName": "b", "PlatformType": "Linux"}}),
		invItem("AWS:Application", "1.1", "ab", invApps("openjdk-17-jdk", "17.0.2", "nginx", "1.24")),
		invItem("Custom:Rack", "1.0", "rb", []map[string]string{{"Rack": "r7", "Row": "3"}}),
	}})
	rcMust(t, "PutInventory(b, as b)", err)
	// An instance reports only its own inventory, and cannot read others'.
	_, err = asA.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(b), Items: []ssmtypes.InventoryItem{
		invItem("AWS:Application", "1.1", "x", invApps("evil", "1"))}})
	rcWantErr(t, "PutInventory(b, as a)", err, "InvalidInstanceId", "may only report its own inventory")
	_, err = asA.GetInventory(ctx, &ssm.GetInventoryInput{})
	rcWantErr(t, "GetInventory(as an instance)", err, "AccessDeniedException", "ssm:GetInventory")
	// Unchanged content is sent as its hash alone.
	_, err = asA.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(a), Items: []ssmtypes.InventoryItem{
		{TypeName: aws.String("AWS:Application"), SchemaVersion: aws.String("1.1"), CaptureTime: aws.String("2026-03-02T10:00:00Z"),
			ContentHash: aws.String("aa")}}})
	rcMust(t, "PutInventory(a, unchanged)", err)

	// GetInventory with a filter: the matching instances, with the
	// matching applications only.
	out, err := e.ssm.GetInventory(ctx, &ssm.GetInventoryInput{Filters: []ssmtypes.InventoryFilter{
		{Key: aws.String("AWS:Application.Name"), Values: []string{"openjdk"}, Type: ssmtypes.InventoryQueryOperatorTypeBeginWith}}})
	rcMust(t, "GetInventory(openjdk)", err)
	if len(out.Entities) != 2 || aws.ToString(out.Entities[0].Id) != min(a, b) {
		t.Fatalf("GetInventory(openjdk) = %+v", out.Entities)
	}
	byID := map[string]ssmtypes.InventoryResultEntity{}
	for _, en := range out.Entities {
		byID[aws.ToString(en.Id)] = en
	}
	wantA := map[string]ssmtypes.InventoryResultItem{
		"AWS:Application": {TypeName: aws.String("AWS:Application"), SchemaVersion: aws.String("1.1"), CaptureTime: aws.String("2026-03-02T10:00:00Z"),
			ContentHash: aws.String("aa"), Content: invApps("openjdk-17-jre", "17.0.2", "openjdk-11-jre", "11.0.20")},
		"AWS:InstanceInformation": {TypeName: aws.String("AWS:InstanceInformation"), SchemaVersion: aws.String("1.0"),
			CaptureTime: aws.String("2026-03-01T10:00:00Z"), ContentHash: aws.String("ia"), Content: []map[string]string{{"ComputerName": "a",
				"PlatformType": "Linux", "InstanceId": a, "InstanceStatus": "Active", "ResourceType": "ManagedInstance"}}},
	}
	if diff := cmp.Diff(wantA, byID[a].Data, cmpopts.IgnoreUnexported(ssmtypes.InventoryResultItem{})); diff != "" {
		t.Errorf("GetInventory(openjdk) entity %s mismatch (-want +got):\n%s", a, diff)
	}

	// Java versions across the fleet.
	agg, err := e.ssm.GetInventory(ctx, &ssm.GetInventoryInput{
		Filters:     []ssmtypes.InventoryFilter{{Key: aws.String("AWS:Application.Name"), Values: []string{"openjdk"}, Type: ssmtypes.InventoryQueryOperatorTypeBeginWith}},
		Aggregators: []ssmtypes.InventoryAggregator{{Expression: aws.String("AWS:Application.Version")}}})
	rcMust(t, "GetInventory(aggregate versions)", err)
	if len(agg.Entities) != 1 || agg.Entities[0].Id != nil {
		t.Fatalf("GetInventory(aggregate) = %+v", agg.Entities)
	}
	wantCounts := []map[string]string{{"Version": "17.0.2", "Count": "2"}, {"Version": "11.0.20", "Count": "1"}}
	if got := agg.Entities[0].Data["AWS:Application"].Content; !cmp.Equal(got, wantCounts) {
		t.Errorf("GetInventory(aggregate versions) = %v, want %v", got, wantCounts)
	}
	groups, err := e.ssm.GetInventory(ctx, &ssm.GetInventoryInput{Aggregators: []ssmtypes.InventoryAggregator{{Groups: []ssmtypes.InventoryGroup{
		{Name: aws.String("Racked"), Filters: []ssmtypes.InventoryFilter{{Key: aws.String("Custom:Rack.TypeName"), Values: []string{"Custom:Rack"},
			Type: ssmtypes.InventoryQueryOperatorTypeExists}}}}}}})
	rcMust(t, "GetInventory(groups)", err)
	if got := groups.Entities[0].Data["Racked"].Content; !cmp.Equal(got, []map[string]string{{"notMatchingCount": "1"}, {"matchingCount": "1"}}) {
		t.Errorf("GetInventory(groups) = %v", got)
	}

	// ListInventoryEntries, filtered and paged.
	entries, err := e.ssm.ListInventoryEntries(ctx, &ssm.ListInventoryEntriesInput{InstanceId: aws.String(a), TypeName: aws.String("AWS:Application"),
		Filters:    []ssmtypes.InventoryFilter{{Key: aws.String("Name"), Values: []string{"openjdk"}, Type: ssmtypes.InventoryQueryOperatorTypeBeginWith}},
		MaxResults: aws.Int32(1)})
	rcMust(t, "ListInventoryEntries", err)
	if !cmp.Equal(entries.Entries, invApps("openjdk-17-jre", "17.0.2")) || aws.ToString(entries.NextToken) == "" ||
		aws.ToString(entries.SchemaVersion) != "1.1" || aws.ToString(entries.CaptureTime) != "2026-03-02T10:00:00Z" {
		t.Errorf("ListInventoryEntries = %+v", entries)
	}
	entries, err = e.ssm.ListInventoryEntries(ctx, &ssm.ListInventoryEntriesInput{InstanceId: aws.String(a), TypeName: aws.String("AWS:Application"),
		Filters:   []ssmtypes.InventoryFilter{{Key: aws.String("Name"), Values: []string{"openjdk"}, Type: ssmtypes.InventoryQueryOperatorTypeBeginWith}},
		NextToken: entries.NextToken})
	rcMust(t, "ListInventoryEntries(page 2)", err)
	if !cmp.Equal(entries.Entries, invApps("openjdk-11-jre", "11.0.20")) || entries.NextToken != nil {
		t.Errorf("ListInventoryEntries(page 2) = %+v", entries)
	}

	// Schemas: the custom type has the attributes its entries had.
	schema, err := e.ssm.GetInventorySchema(ctx, &ssm.GetInventorySchemaInput{TypeName: aws.String("Custom:")})
	rcMust(t, "GetInventorySchema", err)
	if len(schema.Schemas) != 1 || aws.ToString(schema.Schemas[0].TypeName) != "Custom:Rack" || len(schema.Schemas[0].Attributes) != 2 ||
		aws.ToString(schema.Schemas[0].Attributes[0].Name) != "Rack" || schema.Schemas[0].Attributes[0].DataType != ssmtypes.InventoryAttributeDataTypeString {
		t.Errorf("GetInventorySchema(Custom:) = %+v", schema.Schemas)
	}

	// Bad inputs, with AWS's codes.
	for _, tc := range []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"unknown type", func() error {
			_, err := e.ssm.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(a), Items: []ssmtypes.InventoryItem{invItem("AWS:Nope", "1.0", "", nil)}})
			return err
		}, "InvalidTypeNameException", "AWS:Nope"},
		{"bad schema version", func() error {
			_, err := e.ssm.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(a), Items: []ssmtypes.InventoryItem{invItem("Custom:Rack", "1", "", nil)}})
			return err
		}, "ValidationException", "schemaVersion"},
		{"unknown instance", func() error {
			_, err := e.ssm.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String("mi-0123456789abcdef0"),
				Items: []ssmtypes.InventoryItem{invItem("Custom:Rack", "1.0", "", nil)}})
			return err
		}, "InvalidInstanceId", "mi-0123456789abcdef0"},
		{"content mismatch", func() error {
			_, err := e.ssm.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(b), Items: []ssmtypes.InventoryItem{
				{TypeName: aws.String("AWS:Application"), SchemaVersion: aws.String("1.1"), CaptureTime: aws.String("2026-03-02T10:00:00Z"),
					ContentHash: aws.String("changed")}}})
			return err
		}, "ItemContentMismatchException", "AWS:Application"},
		{"unsupported context", func() error {
			it := invItem("Custom:Rack", "1.0", "", nil)
			it.Context = map[string]string{"ExecutionId": "1"}
			_, err := e.ssm.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(b), Items: []ssmtypes.InventoryItem{it}})
			return err
		}, "UnsupportedInventoryItemContextException", "Context"},
		{"bad filter key", func() error {
			_, err := e.ssm.GetInventory(ctx, &ssm.GetInventoryInput{Filters: []ssmtypes.InventoryFilter{{Key: aws.String("AWS:Application.Colour"),
				Values: []string{"x"}}}})
			return err
		}, "InvalidFilter", "Colour"},
		{"bad aggregator", func() error {
			_, err := e.ssm.GetInventory(ctx, &ssm.GetInventoryInput{Aggregators: []ssmtypes.InventoryAggregator{{Expression: aws.String("Version")}}})
			return err
		}, "InvalidAggregatorException", "Version"},
		{"bad result attribute", func() error {
			_, err := e.ssm.GetInventory(ctx, &ssm.GetInventoryInput{ResultAttributes: []ssmtypes.ResultAttribute{{TypeName: aws.String("AWS:Nope")}}})
			return err
		}, "InvalidResultAttributeException", "AWS:Nope"},
		{"MaxResults too large", func() error {
			_, err := e.ssm.GetInventory(ctx, &ssm.GetInventoryInput{MaxResults: aws.Int32(51)})
			return err
		}, "ValidationException", "maxResults"},
		{"bad token", func() error {
			_, err := e.ssm.GetInventory(ctx, &ssm.GetInventoryInput{NextToken: aws.String("nope")})
			return err
		}, "InvalidNextToken", "token"},
		{"entries of an unknown instance", func() error {
			_, err := e.ssm.ListInventoryEntries(ctx, &ssm.ListInventoryEntriesInput{InstanceId: aws.String("mi-0123456789abcdef0"),
				TypeName: aws.String("AWS:Application")})
			return err
		}, "InvalidInstanceId", "mi-0123456789abcdef0"},
		{"schema of a non-type", func() error {
			_, err := e.ssm.GetInventorySchema(ctx, &ssm.GetInventorySchemaInput{TypeName: aws.String("Linux")})
			return err
		}, "InvalidTypeNameException", "Linux"},
		{"delete an AWS type", func() error {
			_, err := e.ssm.DeleteInventory(ctx, &ssm.DeleteInventoryInput{TypeName: aws.String("AWS:Application")})
			return err
		}, "InvalidTypeNameException", "only custom"},
		{"unknown deletion", func() error {
			_, err := e.ssm.DescribeInventoryDeletions(ctx, &ssm.DescribeInventoryDeletionsInput{DeletionId: aws.String("11111111-2222-3333-4444-555555555555")})
			return err
		}, "InvalidDeletionIdException", "11111111"},
	} {
		rcWantErr(t, tc.name, tc.call(), tc.code, tc.msg)
	}

	// Deleting the custom type's data.
	del, err := e.ssm.DeleteInventory(ctx, &ssm.DeleteInventoryInput{TypeName: aws.String("Custom:Rack"), SchemaDeleteOption: ssmtypes.InventorySchemaDeleteOptionDeleteSchema})
	rcMust(t, "DeleteInventory", err)
	if aws.ToString(del.DeletionId) == "" || del.DeletionSummary.TotalCount != 1 {
		t.Errorf("DeleteInventory = %+v", del)
	}
	deletions, err := e.ssm.DescribeInventoryDeletions(ctx, &ssm.DescribeInventoryDeletionsInput{DeletionId: del.DeletionId})
	rcMust(t, "DescribeInventoryDeletions", err)
	if len(deletions.InventoryDeletions) != 1 || deletions.InventoryDeletions[0].LastStatus != ssmtypes.InventoryDeletionStatusComplete {
		t.Errorf("DescribeInventoryDeletions = %+v", deletions.InventoryDeletions)
	}
	if s, err := e.ssm.GetInventorySchema(ctx, &ssm.GetInventorySchemaInput{TypeName: aws.String("Custom:")}); err != nil || len(s.Schemas) != 0 {
		t.Errorf("GetInventorySchema(Custom:) after DeleteSchema = %+v, %v", s, err)
	}
}

// TestInventoryAuthorization checks PutInventory and ListInventoryEntries
// against the instance ARN they name.
func TestInventoryAuthorization(t *testing.T) {
	e := rcStart(t, false)
	ctx := e.ctx
	one := e.register(t, nil)
	two := e.register(t, nil)
	admin := iam.NewFromConfig(e.k.Config())
	arn := fmt.Sprintf("arn:aws:ssm:%s:%s:managed-instance/%s", e.k.Server.Region(), e.acct, one)
	_, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reporter")})
	rcMust(t, "CreateUser", err)
	doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:PutInventory","ssm:ListInventoryEntries"],"Resource":%q}]}`, arn)
	_, err = admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("reporter"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)})
	rcMust(t, "PutUserPolicy", err)
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("reporter")})
	rcMust(t, "CreateAccessKey", err)
	reporter := ssm.NewFromConfig(e.k.ConfigFor(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))

	items := []ssmtypes.InventoryItem{invItem("Custom:Owner", "1.0", "", []map[string]string{{"Team": "web"}})}
	_, err = reporter.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(one), Items: items})
	rcMust(t, "PutInventory(allowed instance)", err)
	_, err = reporter.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: aws.String(two), Items: items})
	rcWantErr(t, "PutInventory(other instance)", err, "AccessDeniedException", two)
	out, err := reporter.ListInventoryEntries(ctx, &ssm.ListInventoryEntriesInput{InstanceId: aws.String(one), TypeName: aws.String("Custom:Owner")})
	rcMust(t, "ListInventoryEntries(allowed instance)", err)
	if !cmp.Equal(out.Entries, []map[string]string{{"Team": "web"}}) {
		t.Errorf("ListInventoryEntries = %v", out.Entries)
	}
	_, err = reporter.ListInventoryEntries(ctx, &ssm.ListInventoryEntriesInput{InstanceId: aws.String(two), TypeName: aws.String("Custom:Owner")})
	rcWantErr(t, "ListInventoryEntries(other instance)", err, "AccessDeniedException", two)
	_, err = reporter.GetInventorySchema(ctx, &ssm.GetInventorySchemaInput{})
	rcWantErr(t, "GetInventorySchema(not allowed)", err, "AccessDeniedException", "ssm:GetInventorySchema")

	// The administrator sees the one instance reported.
	all, err := e.ssm.GetInventory(ctx, &ssm.GetInventoryInput{ResultAttributes: []ssmtypes.ResultAttribute{{TypeName: aws.String("Custom:Owner")}}})
	rcMust(t, "GetInventory", err)
	var ids []string
	for _, en := range all.Entities {
		ids = append(ids, aws.ToString(en.Id))
	}
	if !slices.Equal(ids, []string{one}) || !strings.HasPrefix(one, "mi-") {
		t.Errorf("GetInventory(Custom:Owner) entities = %v, want [%s]", ids, one)
	}
}
