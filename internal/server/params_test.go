// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// paramNames returns the names of parameters.
func paramNames(ps []ssmtypes.Parameter) []string {
	var out []string
	for _, p := range ps {
		out = append(out, aws.ToString(p.Name))
	}
	return out
}

// TestParamsSDK drives every Parameter Store operation through
// aws-sdk-go-v2 and checks the answers.
func TestParamsSDK(t *testing.T) {
	k := startKanri(t)
	ctx := k.ctx
	client := ssm.NewFromConfig(k.k.Config())
	admin := k.arn("user/admin")
	paramARN := func(name string) string { return "arn:aws:ssm:us-east-1:" + k.acct + ":parameter" + name }
	start := time.Now().Add(-time.Second)

	put, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/hybrid/config/agent"), Value: aws.String("interval=30"),
		Type: ssmtypes.ParameterTypeString, Description: aws.String("agent settings"), Tags: []ssmtypes.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}})
	if err != nil || put.Version != 1 || put.Tier != ssmtypes.ParameterTierStandard {
		t.Fatalf("PutParameter = %+v, %v; want version 1, Standard", put, err)
	}
	got, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/hybrid/config/agent")})
	if err != nil {
		t.Fatal(err)
	}
	p := got.Parameter
	if aws.ToString(p.Name) != "/hybrid/config/agent" || p.Type != ssmtypes.ParameterTypeString || aws.ToString(p.Value) != "interval=30" ||
		p.Version != 1 || aws.ToString(p.ARN) != paramARN("/hybrid/config/agent") || aws.ToString(p.DataType) != "text" ||
		p.LastModifiedDate == nil || p.LastModifiedDate.Before(start) || aws.ToString(p.Selector) != "" {
		t.Errorf("GetParameter = %+v", p)
	}
	// The same by ARN.
	got, err = client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(paramARN("/hybrid/config/agent"))})
	if err != nil || aws.ToString(got.Parameter.Value) != "interval=30" {
		t.Errorf("GetParameter(ARN) = %+v, %v", got, err)
	}

	put, err = client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/hybrid/config/agent"), Value: aws.String("interval=60"), Overwrite: aws.Bool(true)})
	if err != nil || put.Version != 2 {
		t.Fatalf("PutParameter(overwrite) = %+v, %v; want version 2", put, err)
	}
	for _, n := range []string{"/hybrid/config/db", "/hybrid/top", "/other/x"} {
		if _, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(n), Value: aws.String("a,b"), Type: ssmtypes.ParameterTypeStringList}); err != nil {
			t.Fatal(err)
		}
	}

	lab, err := client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/hybrid/config/agent"), ParameterVersion: aws.Int64(1),
		Labels: []string{"prod", "9lives"}})
	if err != nil || lab.ParameterVersion != 1 || !slices.Equal(lab.InvalidLabels, []string{"9lives"}) {
		t.Errorf("LabelParameterVersion = %+v, %v; want version 1, invalid [9lives]", lab, err)
	}
	got, err = client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/hybrid/config/agent:prod")})
	if err != nil || aws.ToString(got.Parameter.Value) != "interval=30" || got.Parameter.Version != 1 || aws.ToString(got.Parameter.Selector) != ":prod" {
		t.Errorf("GetParameter(:prod) = %+v, %v; want version 1", got, err)
	}

	many, err := client.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/other/x", "/hybrid/config/agent:1", "/nope", "/hybrid/config/agent:7"}})
	if err != nil || !slices.Equal(paramNames(many.Parameters), []string{"/hybrid/config/agent", "/other/x"}) ||
		!slices.Equal(many.InvalidParameters, []string{"/nope", "/hybrid/config/agent:7"}) {
		t.Errorf("GetParameters = %v, invalid %v, %v", paramNames(many.Parameters), many.InvalidParameters, err)
	}

	// The SDK's paginator follows NextToken.
	var all []string
	pg := ssm.NewGetParametersByPathPaginator(client, &ssm.GetParametersByPathInput{Path: aws.String("/hybrid"), Recursive: aws.Bool(true), MaxResults: aws.Int32(1)})
	pages := 0
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, paramNames(out.Parameters)...)
	}
	if want := []string{"/hybrid/config/agent", "/hybrid/config/db", "/hybrid/top"}; !slices.Equal(all, want) || pages < 3 {
		t.Errorf("GetParametersByPath pages (%d) = %v, want %v", pages, all, want)
	}
	byLabel, err := client.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/"), Recursive: aws.Bool(true),
		ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Label"), Option: aws.String("Equals"), Values: []string{"prod"}}}})
	if err != nil || len(byLabel.Parameters) != 1 || byLabel.Parameters[0].Version != 1 {
		t.Errorf("GetParametersByPath(Label prod) = %+v, %v; want version 1 of the agent's", byLabel, err)
	}

	desc, err := client.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{
		{Key: aws.String("Path"), Option: aws.String("Recursive"), Values: []string{"/hybrid"}},
		{Key: aws.String("tag:team"), Values: []string{"ops"}}}})
	if err != nil || len(desc.Parameters) != 1 {
		t.Fatalf("DescribeParameters = %+v, %v; want the agent's", desc, err)
	}
	md := desc.Parameters[0]
	if aws.ToString(md.Name) != "/hybrid/config/agent" || aws.ToString(md.ARN) != paramARN("/hybrid/config/agent") || md.Version != 2 ||
		aws.ToString(md.LastModifiedUser) != admin || aws.ToString(md.Description) != "agent settings" || md.Tier != ssmtypes.ParameterTierStandard {
		t.Errorf("DescribeParameters = %+v", md)
	}

	hist, err := client.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/hybrid/config/agent")})
	if err != nil || len(hist.Parameters) != 2 {
		t.Fatalf("GetParameterHistory = %+v, %v", hist, err)
	}
	if h := hist.Parameters[0]; h.Version != 1 || aws.ToString(h.Value) != "interval=30" || !slices.Equal(h.Labels, []string{"prod"}) ||
		aws.ToString(h.LastModifiedUser) != admin || aws.ToString(h.Description) != "agent settings" {
		t.Errorf("GetParameterHistory[0] = %+v", h)
	}
	un, err := client.UnlabelParameterVersion(ctx, &ssm.UnlabelParameterVersionInput{Name: aws.String("/hybrid/config/agent"), ParameterVersion: aws.Int64(1),
		Labels: []string{"prod", "qa"}})
	if err != nil || !slices.Equal(un.RemovedLabels, []string{"prod"}) || !slices.Equal(un.InvalidLabels, []string{"qa"}) {
		t.Errorf("UnlabelParameterVersion = %+v, %v; want removed [prod], invalid [qa]", un, err)
	}

	// Tags, through SSM's tagging operations.
	_, err = client.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter,
		ResourceId: aws.String("/hybrid/top"), Tags: []ssmtypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}})
	wantOK(t, "AddTagsToResource(Parameter)", err)
	tags, err := client.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String("/hybrid/top")})
	if err != nil || len(tags.TagList) != 1 || aws.ToString(tags.TagList[0].Key) != "env" || aws.ToString(tags.TagList[0].Value) != "dev" {
		t.Errorf("ListTagsForResource(Parameter) = %+v, %v; want env=dev", tags, err)
	}
	_, err = client.RemoveTagsFromResource(ctx, &ssm.RemoveTagsFromResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter,
		ResourceId: aws.String("/hybrid/top"), TagKeys: []string{"env"}})
	wantOK(t, "RemoveTagsFromResource(Parameter)", err)
	tags, err = client.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String("/hybrid/top")})
	if err != nil || len(tags.TagList) != 0 {
		t.Errorf("ListTagsForResource after removing = %+v, %v; want none", tags, err)
	}
	_, err = client.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter,
		ResourceId: aws.String("/nope"), Tags: []ssmtypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}})
	wantErr(t, "AddTagsToResource(missing parameter)", err, "InvalidResourceId") // its shape has no message

	_, err = client.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/other/x")})
	wantOK(t, "DeleteParameter", err)
	_, err = client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/other/x")})
	wantErr(t, "GetParameter(deleted)", err, "ParameterNotFound")
	del, err := client.DeleteParameters(ctx, &ssm.DeleteParametersInput{Names: []string{"/hybrid/top", "/other/x"}})
	if err != nil || !slices.Equal(del.DeletedParameters, []string{"/hybrid/top"}) || !slices.Equal(del.InvalidParameters, []string{"/other/x"}) {
		t.Errorf("DeleteParameters = %+v, %v", del, err)
	}

	// Every call is in the audit trail, on the parameter, without its value.
	events, err := cloudtrail.NewFromConfig(k.k.Config()).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("PutParameter")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(events.Events) != 5 {
		t.Errorf("PutParameter events = %d, want 5", len(events.Events))
	}
	for _, e := range events.Events {
		if aws.ToString(e.EventSource) != "ssm.amazonaws.com" || len(e.Resources) != 1 || aws.ToString(e.Resources[0].ResourceType) != "AWS::SSM::Parameter" ||
			!strings.HasPrefix(aws.ToString(e.Resources[0].ResourceName), paramARN("/")) || strings.Contains(aws.ToString(e.CloudTrailEvent), "interval=") {
			t.Errorf("PutParameter event = %+v", e)
		}
	}
}

// TestParamsErrors sends bad requests and checks AWS's error codes.
func TestParamsErrors(t *testing.T) {
	k := startKanri(t)
	ctx := k.ctx
	client := ssm.NewFromConfig(k.k.Config())
	_, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/x"), Value: aws.String("42"), Type: ssmtypes.ParameterTypeString,
		AllowedPattern: aws.String(`^\d+$`)})
	if err != nil {
		t.Fatal(err)
	}
	var eleven []string
	for i := range 11 {
		eleven = append(eleven, fmt.Sprintf("l%d", i))
	}
	long := strings.Repeat("x", 4097)
	filter := func(key, option string, values ...string) []ssmtypes.ParameterStringFilter {
		f := ssmtypes.ParameterStringFilter{Key: aws.String(key), Values: values}
		if option != "" {
			f.Option = aws.String(option)
		}
		return []ssmtypes.ParameterStringFilter{f}
	}
	tests := []struct {
		name string
		call func() error
		code string
		msgs []string
	}{
		{"PutParameter relative path", func() error {
			_, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("app/y"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString})
			return err
		}, "ValidationException", []string{"fully qualified name"}},
		{"PutParameter 16 levels", func() error {
			_, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(strings.Repeat("/a", 16)), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString})
			return err
		}, "HierarchyLevelLimitExceededException", []string{"15 levels"}},
		{"PutParameter name over 2048", func() error {
			_, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/" + strings.Repeat("n", 2048)), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString})
			return err
		}, "ValidationException", []string{"'name'", "less than or equal to 2048"}},
		{"PutParameter tier", func() error {
			_, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/t"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString, Tier: "Gold"})
			return err
		}, "ValidationException", []string{"'tier'", "enum value set"}},
		{"PutParameter 4097 bytes", func() error {
			_, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/big"), Value: aws.String(long), Type: ssmtypes.ParameterTypeString})
			return err
		}, "ValidationException", []string{"maximum parameter value of 4096"}},
		{"PutParameter pattern", func() error {
			_, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/x"), Value: aws.String("forty-two"), Overwrite: aws.Bool(true)})
			return err
		}, "ParameterPatternMismatchException", []string{`^\d+$`}},
		{"PutParameter exists", func() error {
			_, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/x"), Value: aws.String("43"), Type: ssmtypes.ParameterTypeString})
			return err
		}, "ParameterAlreadyExists", nil},
		{"PutParameter tags and overwrite", func() error {
			_, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/x"), Value: aws.String("43"), Overwrite: aws.Bool(true),
				Tags: []ssmtypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
			return err
		}, "ValidationException", []string{"tags and overwrite"}},
		{"PutParameter reserved", func() error {
			_, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/aws/x/y"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString})
			return err
		}, "AccessDeniedException", []string{"reserved parameter name"}},
		{"GetParameter missing", func() error {
			_, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/nope")})
			return err
		}, "ParameterNotFound", nil},
		{"GetParameter version", func() error {
			_, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/x:9")})
			return err
		}, "ParameterVersionNotFound", []string{"version 9 of /app/x"}},
		{"GetParameter spaces", func() error {
			_, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/my x")})
			return err
		}, "ValidationException", []string{"sub-paths"}},
		{"GetParameters 11 names", func() error {
			_, err := client.GetParameters(ctx, &ssm.GetParametersInput{Names: eleven})
			return err
		}, "ValidationException", []string{"'names'", "less than or equal to 10"}},
		{"GetParametersByPath MaxResults 11", func() error {
			_, err := client.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/app"), MaxResults: aws.Int32(11)})
			return err
		}, "ValidationException", []string{"'maxResults'", "less than or equal to 10"}},
		{"GetParametersByPath relative", func() error {
			_, err := client.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("app")})
			return err
		}, "ValidationException", []string{"must begin with a forward slash"}},
		{"GetParametersByPath Tier filter", func() error {
			_, err := client.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/app"), ParameterFilters: filter("Tier", "", "Standard")})
			return err
		}, "InvalidFilterKey", nil}, // its shape has no message
		{"GetParametersByPath option", func() error {
			_, err := client.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/app"), ParameterFilters: filter("Type", "Recursive", "String")})
			return err
		}, "InvalidFilterOption", []string{"Recursive"}},
		{"GetParametersByPath value", func() error {
			_, err := client.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/app"), ParameterFilters: filter("Type", "", "Text")})
			return err
		}, "InvalidFilterValue", []string{"Text"}},
		{"GetParametersByPath token", func() error {
			_, err := client.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/app"), NextToken: aws.String("garbage")})
			return err
		}, "InvalidNextToken", nil},
		{"DescribeParameters Label", func() error {
			_, err := client.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: filter("Label", "", "prod")})
			return err
		}, "InvalidFilterKey", nil},
		{"DescribeParameters key", func() error {
			_, err := client.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: filter("Owner", "", "me")})
			return err
		}, "ValidationException", []string{"parameterFilters.1.member.key"}},
		{"DescribeParameters values", func() error {
			_, err := client.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: filter("Type", "")})
			return err
		}, "InvalidFilterValue", []string{"missing"}},
		{"LabelParameterVersion 11 labels", func() error {
			_, err := client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/app/x"), Labels: eleven})
			return err
		}, "ValidationException", []string{"'labels'"}},
		{"LabelParameterVersion version", func() error {
			_, err := client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/app/x"), ParameterVersion: aws.Int64(3), Labels: []string{"a"}})
			return err
		}, "ParameterVersionNotFound", nil},
		{"UnlabelParameterVersion missing", func() error {
			_, err := client.UnlabelParameterVersion(ctx, &ssm.UnlabelParameterVersionInput{Name: aws.String("/nope"), ParameterVersion: aws.Int64(1), Labels: []string{"a"}})
			return err
		}, "ParameterNotFound", nil},
		{"GetParameterHistory missing", func() error {
			_, err := client.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/nope")})
			return err
		}, "ParameterNotFound", []string{"/nope"}},
		{"DeleteParameter missing", func() error {
			_, err := client.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String("/nope")})
			return err
		}, "ParameterNotFound", nil},
	}
	for _, tt := range tests {
		wantErr(t, tt.name, tt.call(), tt.code, tt.msgs...)
	}

	// Ten labels on a version, and no more.
	_, err = client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/app/x"), Labels: eleven[:10]})
	wantOK(t, "LabelParameterVersion(10 labels)", err)
	_, err = client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/app/x"), Labels: []string{"one-more"}})
	wantErr(t, "LabelParameterVersion(11th label)", err, "ParameterVersionLabelLimitExceeded")

	// The 101st version deletes the oldest, unless it has a label.
	for i := 2; i <= 100; i++ {
		if _, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/x"), Value: aws.String(fmt.Sprint(i)), Overwrite: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/x"), Value: aws.String("101"), Overwrite: aws.Bool(true)})
	wantErr(t, "PutParameter(101st, labeled oldest)", err, "ParameterMaxVersionLimitExceeded", "Version 1, the oldest version")
	for _, l := range eleven[:10] {
		if _, err := client.LabelParameterVersion(ctx, &ssm.LabelParameterVersionInput{Name: aws.String("/app/x"), Labels: []string{l}}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/x"), Value: aws.String("101"), Overwrite: aws.Bool(true)})
	if err != nil || out.Version != 101 {
		t.Fatalf("PutParameter(101st) = %+v, %v; want version 101", out, err)
	}
	_, err = client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/x:1")})
	wantErr(t, "GetParameter(dropped version)", err, "ParameterVersionNotFound")
}

// TestParamsAuthorization checks that operations are authorized on the
// parameters they name, GetParametersByPath on its path, and that
// parameter tags are condition keys.
func TestParamsAuthorization(t *testing.T) {
	k := startKanri(t)
	ctx := k.ctx
	admin := ssm.NewFromConfig(k.k.Config())
	for _, p := range []struct{ name, team string }{{"/app/x", ""}, {"/app/y", "web"}, {"/other/z", "web"}} {
		in := &ssm.PutParameterInput{Name: aws.String(p.name), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString}
		if p.team != "" {
			in.Tags = []ssmtypes.Tag{{Key: aws.String("team"), Value: aws.String(p.team)}}
		}
		if _, err := admin.PutParameter(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	prefix := "arn:aws:ssm:us-east-1:" + k.acct + ":parameter"
	app := k.newUser(t, "app-reader", policyDoc(
		allow("ssm:GetParameter,ssm:GetParameters", prefix+"/app/*"),
		allow("ssm:GetParametersByPath", prefix+"/app")))
	web := k.newUser(t, "web-reader", policyDoc(
		allow("ssm:GetParameter", "*", `{"StringEquals":{"ssm:resourceTag/team":"web"}}`)))
	appClient, webClient := ssm.NewFromConfig(app.cfg), ssm.NewFromConfig(web.cfg)

	_, err := appClient.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/x")})
	wantOK(t, "app-reader GetParameter(/app/x)", err)
	_, err = appClient.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/other/z:1")})
	wantErr(t, "app-reader GetParameter(/other/z:1)", err, "AccessDeniedException", "ssm:GetParameter", prefix+"/other/z")
	_, err = appClient.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/app/x", "/other/z"}})
	wantErr(t, "app-reader GetParameters(/app/x, /other/z)", err, "AccessDeniedException", prefix+"/other/z")
	byPath, err := appClient.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/app")})
	if err != nil || !slices.Equal(paramNames(byPath.Parameters), []string{"/app/x", "/app/y"}) {
		t.Errorf("app-reader GetParametersByPath(/app) = %v, %v", byPath, err)
	}
	_, err = appClient.GetParametersByPath(ctx, &ssm.GetParametersByPathInput{Path: aws.String("/other")})
	wantErr(t, "app-reader GetParametersByPath(/other)", err, "AccessDeniedException", prefix+"/other")
	_, err = appClient.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/app/x"), Value: aws.String("w"), Overwrite: aws.Bool(true)})
	wantErr(t, "app-reader PutParameter", err, "AccessDeniedException", "ssm:PutParameter")
	_, err = appClient.DescribeParameters(ctx, &ssm.DescribeParametersInput{})
	wantErr(t, "app-reader DescribeParameters", err, "AccessDeniedException", "ssm:DescribeParameters")

	_, err = webClient.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/other/z")})
	wantOK(t, "web-reader GetParameter(team=web)", err)
	_, err = webClient.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/x")})
	wantErr(t, "web-reader GetParameter(untagged)", err, "AccessDeniedException")

	// Creating a parameter with tags needs ssm:AddTagsToResource too.
	writer := ssm.NewFromConfig(k.newUser(t, "writer", policyDoc(allow("ssm:PutParameter", prefix+"/w/*"))).cfg)
	_, err = writer.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/w/a"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString,
		Tags: []ssmtypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})
	wantErr(t, "writer PutParameter(with tags)", err, "AccessDeniedException", "ssm:AddTagsToResource", prefix+"/w/a")
	_, err = writer.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/w/a"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString})
	wantOK(t, "writer PutParameter(without tags)", err)

	// Nothing was changed by the refused put.
	got, err := admin.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/x")})
	if err != nil || got.Parameter.Version != 1 || aws.ToString(got.Parameter.Value) != "v" {
		t.Errorf("GetParameter(/app/x) after a refused put = %+v, %v", got, err)
	}
}

// TestParamsConcurrentPuts puts one parameter from many clients at once,
// on each engine: one create wins, and overwrites get distinct versions
// or TooManyUpdates, never a lost or repeated version.
func TestParamsConcurrentPuts(t *testing.T) {
	engines(t, func(t *testing.T, opts kanritest.Options) {
		k := kanritest.Start(t, opts)
		ctx := context.Background()
		client := ssm.NewFromConfig(k.Config())
		const n = 8
		run := func(in func(i int) *ssm.PutParameterInput) (ok int, versions []int64, codes []string) {
			var mu sync.Mutex
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					out, err := client.PutParameter(ctx, in(i))
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						codes = append(codes, errCode(err))
						return
					}
					ok++
					versions = append(versions, out.Version)
				}()
			}
			wg.Wait()
			return ok, versions, codes
		}
		created, _, codes := run(func(i int) *ssm.PutParameterInput {
			return &ssm.PutParameterInput{Name: aws.String("/c"), Value: aws.String(fmt.Sprint(i)), Type: ssmtypes.ParameterTypeString}
		})
		if created != 1 || len(codes) != n-1 || slices.ContainsFunc(codes, func(c string) bool { return c != "ParameterAlreadyExists" }) {
			t.Errorf("%d concurrent creates: %d succeeded, errors %v; want 1 and ParameterAlreadyExists", n, created, codes)
		}
		updated, versions, codes := run(func(i int) *ssm.PutParameterInput {
			return &ssm.PutParameterInput{Name: aws.String("/c"), Value: aws.String(fmt.Sprint(i)), Overwrite: aws.Bool(true)}
		})
		if slices.ContainsFunc(codes, func(c string) bool { return c != "TooManyUpdates" }) || updated == 0 {
			t.Errorf("%d concurrent overwrites: %d succeeded, errors %v; want successes and at most TooManyUpdates", n, updated, codes)
		}
		slices.Sort(versions)
		hist, err := client.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/c")})
		if err != nil {
			t.Fatal(err)
		}
		var inHistory []int64
		for _, h := range hist.Parameters {
			inHistory = append(inHistory, h.Version)
		}
		if want := append([]int64{1}, versions...); !slices.Equal(inHistory, want) || versions[len(versions)-1] != int64(updated+1) {
			t.Errorf("history versions = %v, want 1 and the %d answered %v, contiguous", inHistory, updated, versions)
		}
	})
}
