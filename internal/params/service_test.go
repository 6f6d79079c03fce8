// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package params_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/params"
	"github.com/kanri-dev/kanri/internal/store/storetest"
	"github.com/kanri-dev/kanri/internal/timestamp"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

func TestPutAndGet(t *testing.T) {
	e := setup(t, nil)
	in := &ssm.PutParameterInput{Name: "/hybrid/config/agent", Value: "interval=30", Type: params.TypeString, Description: "agent settings",
		AllowedPattern: `^[a-z]+=\d+$`, Tags: []*ssm.Tag{{Key: "team", Value: "ops"}}}
	out, err := e.s.PutParameter(e.ctx, in)
	if err != nil || *out.Version != 1 || out.Tier != params.TierStandard {
		t.Fatalf("PutParameter = %+v, %v; want version 1, Standard", out, err)
	}
	got, err := e.s.GetParameter(e.ctx, &ssm.GetParameterInput{Name: "/hybrid/config/agent"})
	if err != nil {
		t.Fatal(err)
	}
	want := &ssm.Parameter{Name: "/hybrid/config/agent", Type: "String", Value: "interval=30", Version: aws.Int64(1),
		LastModifiedDate: timestamp.Ptr(time.Date(2026, 5, 6, 7, 8, 10, 0, time.UTC)),
		ARN:              "arn:aws:ssm:us-east-1:123456789012:parameter/hybrid/config/agent", DataType: "text"}
	if diff := cmp.Diff(want, got.Parameter, cmp.Comparer(func(a, b timestamp.Time) bool { return a.Time().Equal(b.Time()) })); diff != "" {
		t.Errorf("GetParameter mismatch (-want +got):\n%s", diff)
	}

	_, err = e.s.PutParameter(e.ctx, &ssm.PutParameterInput{Name: "/hybrid/config/agent", Value: "interval=60", Type: params.TypeString})
	wantCode(t, "PutParameter(existing, no overwrite)", err, "ParameterAlreadyExists", "set the overwrite option in the request to true")
	// An overwrite keeps what it leaves out, and is checked against the
	// pattern it keeps.
	_, err = e.s.PutParameter(e.ctx, &ssm.PutParameterInput{Name: "/hybrid/config/agent", Value: "sixty", Overwrite: aws.Bool(true)})
	wantCode(t, "PutParameter(value against the kept pattern)", err, "ParameterPatternMismatchException", `^[a-z]+=\d+$`)
	if v := e.put(t, &ssm.PutParameterInput{Name: " /hybrid/config/agent ", Value: "interval=60", Overwrite: aws.Bool(true)}); v != 2 {
		t.Errorf("PutParameter(overwrite) = version %d, want 2", v)
	}
	desc, err := e.s.DescribeParameters(e.ctx, &ssm.DescribeParametersInput{})
	if err != nil || len(desc.Parameters) != 1 {
		t.Fatalf("DescribeParameters = %+v, %v", desc, err)
	}
	md := desc.Parameters[0]
	if md.Type != "String" || md.Description != "agent settings" || md.AllowedPattern != `^[a-z]+=\d+$` || *md.Version != 2 ||
		md.LastModifiedUser != alice || md.Tier != "Standard" || md.KeyId != "" {
		t.Errorf("DescribeParameters after an overwrite = %+v", md)
	}
	tags, err := e.s.ParameterTags(e.ctx, "/hybrid/config/agent")
	if err != nil || len(tags) != 1 || tags[0].Key != "team" {
		t.Errorf("tags after an overwrite = %v, %v; want team=ops", tags, err)
	}

	// "/token" and "token" are one parameter.
	e.put(t, &ssm.PutParameterInput{Name: "/token", Value: "t", Type: params.TypeString})
	_, err = e.s.PutParameter(e.ctx, &ssm.PutParameterInput{Name: "token", Value: "t", Type: params.TypeString})
	wantCode(t, "PutParameter(token after /token)", err, "ParameterAlreadyExists")
	if out, err := e.s.GetParameter(e.ctx, &ssm.GetParameterInput{Name: "token"}); err != nil || out.Parameter.Name != "/token" {
		t.Errorf("GetParameter(token) = %+v, %v; want /token", out, err)
	}

	long := strings.Repeat("x", params.MaxStandardValue+1)
	tests := []struct {
		name string
		in   *ssm.PutParameterInput
		code string
		msg  string
	}{
		{"no type", &ssm.PutParameterInput{Name: "/new", Value: "v"}, "ValidationException", "A parameter type is required when you create a parameter."},
		{"tags and overwrite", &ssm.PutParameterInput{Name: "/new", Value: "v", Type: "String", Overwrite: aws.Bool(true),
			Tags: []*ssm.Tag{{Key: "a", Value: "b"}}}, "ValidationException", "tags and overwrite can't be used together"},
		{"relative path", &ssm.PutParameterInput{Name: "app/db", Value: "v", Type: "String"}, "ValidationException", "fully qualified name"},
		{"16 levels", &ssm.PutParameterInput{Name: strings.Repeat("/l", 16), Value: "v", Type: "String"}, "HierarchyLevelLimitExceededException", "15 levels"},
		{"reserved path", &ssm.PutParameterInput{Name: "/aws/service/x", Value: "v", Type: "String"}, "AccessDeniedException", "reserved parameter name"},
		{"reserved name", &ssm.PutParameterInput{Name: "ssm-thing", Value: "v", Type: "String"}, "ValidationException", `"aws" or "ssm"`},
		{"an ARN", &ssm.PutParameterInput{Name: "arn:aws:ssm:us-east-1:123456789012:parameter/new", Value: "v", Type: "String"}, "ValidationException", "sub-paths"},
		{"space inside", &ssm.PutParameterInput{Name: "/my param", Value: "v", Type: "String"}, "ValidationException", "sub-paths"},
		{"AMI data type", &ssm.PutParameterInput{Name: "/ami", Value: "ami-12345678", Type: "String", DataType: "aws:ec2:image"}, "ValidationException", "aws:ec2:image"},
		{"unknown data type", &ssm.PutParameterInput{Name: "/ami", Value: "v", Type: "String", DataType: "Text"}, "ValidationException", "(Data type names are all lowercase.)"},
		{"nested reference", &ssm.PutParameterInput{Name: "/n", Value: "{{ssm:/token}}", Type: "String"}, "ValidationException", "can't nest another parameter"},
		{"large standard", &ssm.PutParameterInput{Name: "/big", Value: long, Type: "String"}, "ValidationException", "Standard tier parameters support a maximum parameter value of 4096"},
		{"bad pattern", &ssm.PutParameterInput{Name: "/p", Value: "v", Type: "String", AllowedPattern: "(?<=x)"}, "InvalidAllowedPatternException", "(?<=x)"},
		{"reserved tag", &ssm.PutParameterInput{Name: "/p", Value: "v", Type: "String", Tags: []*ssm.Tag{{Key: "aws:x", Value: "b"}}}, "InvalidTag", "aws:"},
		{"policies on Standard", &ssm.PutParameterInput{Name: "/p", Value: "v", Type: "String", Tier: "Standard",
			Policies: `[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"2","Unit":"Days"}}]`}, "ValidationException", "standard-parameter tier"},
	}
	for _, tt := range tests {
		_, err := e.s.PutParameter(e.ctx, tt.in)
		wantCode(t, "PutParameter("+tt.name+")", err, tt.code, tt.msg)
	}

	// Intelligent-Tiering picks Advanced for a large value; Advanced
	// stays.
	out, err = e.s.PutParameter(e.ctx, &ssm.PutParameterInput{Name: "/big", Value: long, Type: "String", Tier: params.TierIntelligent})
	if err != nil || out.Tier != params.TierAdvanced {
		t.Fatalf("PutParameter(large, Intelligent-Tiering) = %+v, %v; want Advanced", out, err)
	}
	out, err = e.s.PutParameter(e.ctx, &ssm.PutParameterInput{Name: "/big", Value: "small", Overwrite: aws.Bool(true),
		Policies: `[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00.000Z"}}]`})
	if err != nil || out.Tier != params.TierAdvanced || *out.Version != 2 {
		t.Errorf("PutParameter(small, tier unasked) = %+v, %v; want version 2, Advanced", out, err)
	}
	_, err = e.s.PutParameter(e.ctx, &ssm.PutParameterInput{Name: "/big", Value: "small", Tier: params.TierStandard, Overwrite: aws.Bool(true)})
	wantCode(t, "PutParameter(back to Standard)", err, "ValidationException", "can't downgrade")
	desc, err = e.s.DescribeParameters(e.ctx, &ssm.DescribeParametersInput{ParameterFilters: []*ssm.ParameterStringFilter{{Key: "Name", Values: []string{"/big"}}}})
	if err != nil || len(desc.Parameters) != 1 || len(desc.Parameters[0].Policies) != 1 || desc.Parameters[0].Policies[0].PolicyType != "Expiration" ||
		desc.Parameters[0].Tier != "Advanced" {
		t.Errorf("DescribeParameters(/big) = %+v, %v; want Advanced with an Expiration policy", desc, err)
	}
}

func TestSelectors(t *testing.T) {
	e := setup(t, nil)
	for i := 1; i <= 3; i++ {
		e.put(t, &ssm.PutParameterInput{Name: "/app/x", Value: fmt.Sprint("v", i), Type: "String", Overwrite: aws.Bool(i > 1)})
	}
	e.put(t, &ssm.PutParameterInput{Name: "/b", Value: "b", Type: "StringList"})
	if _, err := e.s.LabelParameterVersion(e.ctx, &ssm.LabelParameterVersionInput{Name: "/app/x", ParameterVersion: aws.Int64(2), Labels: []string{"prod"}}); err != nil {
		t.Fatal(err)
	}
	const xARN = "arn:aws:ssm:us-east-1:123456789012:parameter/app/x"
	tests := []struct {
		name, value, selector string
		version               int64
		code                  string
	}{
		{name: "/app/x", value: "v3", version: 3},
		{name: "  /app/x ", value: "v3", version: 3},
		{name: "/app/x:1", value: "v1", selector: ":1", version: 1},
		{name: "/app/x:prod", value: "v2", selector: ":prod", version: 2},
		{name: xARN, value: "v3", version: 3},
		{name: xARN + ":2", value: "v2", selector: ":2", version: 2},
		{name: "/app/x:9", code: "ParameterVersionNotFound"},
		{name: "/app/x:0", code: "ParameterVersionNotFound"},
		{name: "/app/x:qa", code: "ParameterNotFound"},
		{name: "/nope", code: "ParameterNotFound"},
		{name: "arn:aws:ssm:eu-west-1:123456789012:parameter/app/x", code: "ParameterNotFound"},
		{name: "app/x", code: "ValidationException"},
		{name: "/app/x:1:2", code: "ValidationException"},
	}
	for _, tt := range tests {
		out, err := e.s.GetParameter(e.ctx, &ssm.GetParameterInput{Name: tt.name})
		if tt.code != "" {
			wantCode(t, "GetParameter("+tt.name+")", err, tt.code)
			continue
		}
		if err != nil || out.Parameter.Value != tt.value || out.Parameter.Selector != tt.selector || *out.Parameter.Version != tt.version ||
			out.Parameter.Name != "/app/x" || out.Parameter.ARN != xARN {
			t.Errorf("GetParameter(%s) = %+v, %v; want %s, version %d, selector %q", tt.name, out, err, tt.value, tt.version, tt.selector)
		}
	}

	many, err := e.s.GetParameters(e.ctx, &ssm.GetParametersInput{Names: []string{"/app/x:prod", "/b", "/app/x", "/nope", "/app/x:9", "bad name", "/app/x"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range many.Parameters {
		got = append(got, p.Name+p.Selector+"="+p.Value)
	}
	if want := []string{"/app/x=v3", "/app/x:prod=v2", "/b=b"}; !slices.Equal(got, want) {
		t.Errorf("GetParameters = %v, want %v", got, want)
	}
	if want := []string{"/nope", "/app/x:9", "bad name"}; !slices.Equal(many.InvalidParameters, want) {
		t.Errorf("GetParameters InvalidParameters = %v, want %v", many.InvalidParameters, want)
	}
}

// historyVersions returns the versions and labels of a history page.
func historyVersions(hs []*ssm.ParameterHistory) []string {
	var out []string
	for _, h := range hs {
		out = append(out, fmt.Sprintf("%d%v", *h.Version, h.Labels))
	}
	return out
}

func TestHistoryAndLabels(t *testing.T) {
	e := setup(t, nil)
	for i := 1; i <= 5; i++ {
		e.put(t, &ssm.PutParameterInput{Name: "/h", Value: fmt.Sprint("v", i), Type: "String", Overwrite: aws.Bool(i > 1)})
	}
	lab, err := e.s.LabelParameterVersion(e.ctx, &ssm.LabelParameterVersionInput{Name: "/h", ParameterVersion: aws.Int64(2),
		Labels: []string{"prod", "1bad", "AWSx", "blue", "prod"}})
	if err != nil || *lab.ParameterVersion != 2 || !slices.Equal(lab.InvalidLabels, []string{"1bad", "AWSx"}) {
		t.Errorf("LabelParameterVersion(2) = %+v, %v; want version 2, invalid [1bad AWSx]", lab, err)
	}
	lab, err = e.s.LabelParameterVersion(e.ctx, &ssm.LabelParameterVersionInput{Name: "/h", Labels: []string{"latest"}})
	if err != nil || *lab.ParameterVersion != 5 || lab.InvalidLabels != nil {
		t.Errorf("LabelParameterVersion(latest) = %+v, %v; want version 5", lab, err)
	}
	// prod moves to version 3.
	if _, err := e.s.LabelParameterVersion(e.ctx, &ssm.LabelParameterVersionInput{Name: "/h", ParameterVersion: aws.Int64(3), Labels: []string{"prod"}}); err != nil {
		t.Fatal(err)
	}

	var pages [][]string
	token := ""
	for {
		out, err := e.s.GetParameterHistory(e.ctx, &ssm.GetParameterHistoryInput{Name: "/h", MaxResults: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, historyVersions(out.Parameters))
		if out.Parameters[0].LastModifiedUser != alice || out.Parameters[0].Name != "/h" {
			t.Errorf("history entry = %+v, want /h by %s", out.Parameters[0], alice)
		}
		if token = out.NextToken; token == "" {
			break
		}
	}
	if want := [][]string{{"1[]", "2[blue]"}, {"3[prod]", "4[]"}, {"5[latest]"}}; !cmp.Equal(pages, want) {
		t.Errorf("history pages = %v, want %v", pages, want)
	}
	_, err = e.s.GetParameterHistory(e.ctx, &ssm.GetParameterHistoryInput{Name: "/h", NextToken: "bm90IGEgdG9rZW4"})
	wantCode(t, "GetParameterHistory(bad token)", err, "InvalidNextToken")
	_, err = e.s.GetParameterHistory(e.ctx, &ssm.GetParameterHistoryInput{Name: "/nope"})
	wantCode(t, "GetParameterHistory(missing)", err, "ParameterNotFound", "/nope")
	_, err = e.s.GetParameterHistory(e.ctx, &ssm.GetParameterHistoryInput{Name: "/h:2"})
	wantCode(t, "GetParameterHistory(with a selector)", err, "ValidationException")

	// Ten labels on a version, no more.
	var ten []string
	for i := range 10 {
		ten = append(ten, fmt.Sprintf("l%d", i))
	}
	if _, err := e.s.LabelParameterVersion(e.ctx, &ssm.LabelParameterVersionInput{Name: "/h", ParameterVersion: aws.Int64(4), Labels: ten}); err != nil {
		t.Errorf("LabelParameterVersion(10 labels) = %v", err)
	}
	_, err = e.s.LabelParameterVersion(e.ctx, &ssm.LabelParameterVersionInput{Name: "/h", ParameterVersion: aws.Int64(4), Labels: []string{"eleventh"}})
	wantCode(t, "LabelParameterVersion(11th label)", err, "ParameterVersionLabelLimitExceeded", "maximum 10 labels")
	_, err = e.s.LabelParameterVersion(e.ctx, &ssm.LabelParameterVersionInput{Name: "/h", ParameterVersion: aws.Int64(9), Labels: []string{"x"}})
	wantCode(t, "LabelParameterVersion(version 9)", err, "ParameterVersionNotFound", "version 9 of /h")
	_, err = e.s.LabelParameterVersion(e.ctx, &ssm.LabelParameterVersionInput{Name: "/nope", Labels: []string{"x"}})
	wantCode(t, "LabelParameterVersion(missing)", err, "ParameterNotFound", "/nope")

	un, err := e.s.UnlabelParameterVersion(e.ctx, &ssm.UnlabelParameterVersionInput{Name: "/h", ParameterVersion: aws.Int64(3),
		Labels: []string{"prod", "blue", "9x"}})
	if err != nil || !slices.Equal(un.RemovedLabels, []string{"prod"}) || !slices.Equal(un.InvalidLabels, []string{"9x", "blue"}) {
		t.Errorf("UnlabelParameterVersion(3) = %+v, %v; want removed [prod], invalid [9x blue]", un, err)
	}
	_, err = e.s.GetParameter(e.ctx, &ssm.GetParameterInput{Name: "/h:prod"})
	wantCode(t, "GetParameter(/h:prod) after unlabeling", err, "ParameterNotFound")
	_, err = e.s.UnlabelParameterVersion(e.ctx, &ssm.UnlabelParameterVersionInput{Name: "/h", ParameterVersion: aws.Int64(8), Labels: []string{"x"}})
	wantCode(t, "UnlabelParameterVersion(version 8)", err, "ParameterVersionNotFound")
}

func TestVersionLimit(t *testing.T) {
	e := setup(t, nil)
	for i := 1; i <= params.MaxVersions; i++ {
		e.put(t, &ssm.PutParameterInput{Name: "/v", Value: fmt.Sprint(i), Type: "String", Overwrite: aws.Bool(true)})
	}
	if _, err := e.s.LabelParameterVersion(e.ctx, &ssm.LabelParameterVersionInput{Name: "/v", ParameterVersion: aws.Int64(1), Labels: []string{"keep"}}); err != nil {
		t.Fatal(err)
	}
	_, err := e.s.PutParameter(e.ctx, &ssm.PutParameterInput{Name: "/v", Value: "101", Overwrite: aws.Bool(true)})
	wantCode(t, "PutParameter(101st, oldest labeled)", err, "ParameterMaxVersionLimitExceeded", "Version 1, the oldest version, can't be deleted")
	if _, err := e.s.UnlabelParameterVersion(e.ctx, &ssm.UnlabelParameterVersionInput{Name: "/v", ParameterVersion: aws.Int64(1), Labels: []string{"keep"}}); err != nil {
		t.Fatal(err)
	}
	if v := e.put(t, &ssm.PutParameterInput{Name: "/v", Value: "101", Overwrite: aws.Bool(true)}); v != 101 {
		t.Errorf("PutParameter(101st) = version %d, want 101", v)
	}
	var versions []int64
	token := ""
	for {
		out, err := e.s.GetParameterHistory(e.ctx, &ssm.GetParameterHistoryInput{Name: "/v", NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range out.Parameters {
			versions = append(versions, *h.Version)
		}
		if token = out.NextToken; token == "" {
			break
		}
	}
	if len(versions) != params.MaxVersions || versions[0] != 2 || versions[len(versions)-1] != 101 {
		t.Errorf("history after 101 versions: %d versions from %d to %d, want 100 from 2 to 101", len(versions), versions[0], versions[len(versions)-1])
	}
	_, err = e.s.GetParameter(e.ctx, &ssm.GetParameterInput{Name: "/v:1"})
	wantCode(t, "GetParameter(dropped version 1)", err, "ParameterVersionNotFound")
}

// names returns the names of parameters.
func names(ps []*ssm.Parameter) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestGetParametersByPath(t *testing.T) {
	e := setup(t, nil)
	for _, p := range []struct{ name, typ string }{
		{"/hybrid/config/agent", "String"}, {"/hybrid/config/db", "StringList"}, {"/hybrid/top", "String"},
		{"/hybridx/y", "String"}, {"/other/x", "String"}, {"root", "String"}, {"/root2", "String"},
	} {
		e.put(t, &ssm.PutParameterInput{Name: p.name, Value: "value of " + p.name, Type: p.typ})
	}
	e.put(t, &ssm.PutParameterInput{Name: "/hybrid/config/agent", Value: "second", Overwrite: aws.Bool(true)})
	if _, err := e.s.LabelParameterVersion(e.ctx, &ssm.LabelParameterVersionInput{Name: "/hybrid/config/agent", ParameterVersion: aws.Int64(1),
		Labels: []string{"prod"}}); err != nil {
		t.Fatal(err)
	}
	byPath := func(in *ssm.GetParametersByPathInput) []string {
		t.Helper()
		out, err := e.s.GetParametersByPath(e.ctx, in)
		if err != nil {
			t.Fatalf("GetParametersByPath(%s): %v", in.Path, err)
		}
		return names(out.Parameters)
	}
	tests := []struct {
		name string
		in   *ssm.GetParametersByPathInput
		want []string
	}{
		{"one level", &ssm.GetParametersByPathInput{Path: "/hybrid"}, []string{"/hybrid/top"}},
		{"trailing slash", &ssm.GetParametersByPathInput{Path: "/hybrid/"}, []string{"/hybrid/top"}},
		{"recursive", &ssm.GetParametersByPathInput{Path: "/hybrid", Recursive: aws.Bool(true)},
			[]string{"/hybrid/config/agent", "/hybrid/config/db", "/hybrid/top"}},
		{"root", &ssm.GetParametersByPathInput{Path: "/"}, []string{"root", "/root2"}},
		{"a parameter is not its own path", &ssm.GetParametersByPathInput{Path: "/hybrid/top"}, nil},
		{"type", &ssm.GetParametersByPathInput{Path: "/hybrid", Recursive: aws.Bool(true),
			ParameterFilters: []*ssm.ParameterStringFilter{{Key: "Type", Values: []string{"StringList"}}}}, []string{"/hybrid/config/db"}},
	}
	for _, tt := range tests {
		if got := byPath(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("GetParametersByPath(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	// With a Label filter, the labeled version.
	out, err := e.s.GetParametersByPath(e.ctx, &ssm.GetParametersByPathInput{Path: "/", Recursive: aws.Bool(true),
		ParameterFilters: []*ssm.ParameterStringFilter{{Key: "Label", Values: []string{"prod"}}}})
	if err != nil || len(out.Parameters) != 1 || *out.Parameters[0].Version != 1 || out.Parameters[0].Value != "value of /hybrid/config/agent" {
		t.Errorf("GetParametersByPath(Label prod) = %+v, %v; want version 1 of /hybrid/config/agent", out, err)
	}
	// Pages of one.
	var all []string
	token := ""
	for i := 0; ; i++ {
		out, err := e.s.GetParametersByPath(e.ctx, &ssm.GetParametersByPathInput{Path: "/", Recursive: aws.Bool(true), MaxResults: aws.Int32(3), NextToken: token})
		if err != nil || len(out.Parameters) > 3 || i > 5 {
			t.Fatalf("GetParametersByPath page %d = %+v, %v", i, out, err)
		}
		all = append(all, names(out.Parameters)...)
		if token = out.NextToken; token == "" {
			break
		}
	}
	if want := []string{"/hybrid/config/agent", "/hybrid/config/db", "/hybrid/top", "/hybridx/y", "/other/x", "root", "/root2"}; !slices.Equal(all, want) {
		t.Errorf("GetParametersByPath pages = %v, want %v", all, want)
	}

	errTests := []struct {
		name string
		in   *ssm.GetParametersByPathInput
		code string
	}{
		{"relative path", &ssm.GetParametersByPathInput{Path: "hybrid"}, "ValidationException"},
		{"double slash", &ssm.GetParametersByPathInput{Path: "/hybrid//config"}, "ValidationException"},
		{"Name filter", &ssm.GetParametersByPathInput{Path: "/", ParameterFilters: []*ssm.ParameterStringFilter{{Key: "Name", Values: []string{"x"}}}}, "InvalidFilterKey"},
		{"Contains", &ssm.GetParametersByPathInput{Path: "/", ParameterFilters: []*ssm.ParameterStringFilter{{Key: "Type", Option: "Contains", Values: []string{"S"}}}}, "InvalidFilterOption"},
		{"bad type", &ssm.GetParametersByPathInput{Path: "/", ParameterFilters: []*ssm.ParameterStringFilter{{Key: "Type", Values: []string{"Secret"}}}}, "InvalidFilterValue"},
		{"bad token", &ssm.GetParametersByPathInput{Path: "/", NextToken: "???"}, "InvalidNextToken"},
	}
	for _, tt := range errTests {
		_, err := e.s.GetParametersByPath(e.ctx, tt.in)
		wantCode(t, "GetParametersByPath("+tt.name+")", err, tt.code)
	}
}

// metadataNames returns the names of parameters' metadata.
func metadataNames(ps []*ssm.ParameterMetadata) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestDescribeParameters(t *testing.T) {
	e := setup(t, nil)
	for _, p := range []struct{ name, typ, tier, team string }{
		{"/app/db/host", "String", "Standard", "db"}, {"/app/db/port", "StringList", "Advanced", "db"},
		{"/app/web", "String", "Standard", "web"}, {"/ops/x", "String", "Standard", ""}, {"token", "String", "Standard", ""},
	} {
		in := &ssm.PutParameterInput{Name: p.name, Value: "v", Type: p.typ, Tier: p.tier}
		if p.team != "" {
			in.Tags = []*ssm.Tag{{Key: "team", Value: p.team}}
		}
		e.put(t, in)
	}
	f := func(key, option string, values ...string) []*ssm.ParameterStringFilter {
		return []*ssm.ParameterStringFilter{{Key: key, Option: option, Values: values}}
	}
	tests := []struct {
		name string
		in   *ssm.DescribeParametersInput
		want []string
	}{
		{"all", &ssm.DescribeParametersInput{}, []string{"/app/db/host", "/app/db/port", "/app/web", "/ops/x", "token"}},
		{"Name Equals", &ssm.DescribeParametersInput{ParameterFilters: f("Name", "", "app/web", "/token")}, []string{"/app/web", "token"}},
		{"Name BeginsWith", &ssm.DescribeParametersInput{ParameterFilters: f("Name", "BeginsWith", "/app/d")}, []string{"/app/db/host", "/app/db/port"}},
		{"Name Contains", &ssm.DescribeParametersInput{ParameterFilters: f("Name", "Contains", "o")}, []string{"/app/db/host", "/app/db/port", "/ops/x", "token"}},
		{"Path OneLevel", &ssm.DescribeParametersInput{ParameterFilters: f("Path", "", "/app")}, []string{"/app/web"}},
		{"Path Recursive", &ssm.DescribeParametersInput{ParameterFilters: f("Path", "Recursive", "/app", "/ops")},
			[]string{"/app/db/host", "/app/db/port", "/app/web", "/ops/x"}},
		{"Type", &ssm.DescribeParametersInput{ParameterFilters: f("Type", "", "StringList")}, []string{"/app/db/port"}},
		{"Tier", &ssm.DescribeParametersInput{ParameterFilters: f("Tier", "", "Advanced")}, []string{"/app/db/port"}},
		{"DataType", &ssm.DescribeParametersInput{ParameterFilters: f("DataType", "", "text")}, []string{"/app/db/host", "/app/db/port", "/app/web", "/ops/x", "token"}},
		{"tag value", &ssm.DescribeParametersInput{ParameterFilters: f("tag:team", "", "db")}, []string{"/app/db/host", "/app/db/port"}},
		{"tag key", &ssm.DescribeParametersInput{ParameterFilters: f("tag:team", "")}, []string{"/app/db/host", "/app/db/port", "/app/web"}},
		{"legacy Name", &ssm.DescribeParametersInput{Filters: []*ssm.ParametersFilter{{Key: "Name", Values: []string{"/app"}}}},
			[]string{"/app/db/host", "/app/db/port", "/app/web"}},
		{"shared", &ssm.DescribeParametersInput{Shared: aws.Bool(true)}, nil},
	}
	for _, tt := range tests {
		out, err := e.s.DescribeParameters(e.ctx, tt.in)
		if got := metadataNames(out.Parameters); err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("DescribeParameters(%s) = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	out, err := e.s.DescribeParameters(e.ctx, &ssm.DescribeParametersInput{MaxResults: aws.Int32(2)})
	if err != nil || len(out.Parameters) != 2 || out.NextToken == "" {
		t.Fatalf("DescribeParameters(MaxResults 2) = %+v, %v; want 2 and a token", out, err)
	}
	rest, err := e.s.DescribeParameters(e.ctx, &ssm.DescribeParametersInput{NextToken: out.NextToken})
	if got := metadataNames(rest.Parameters); err != nil || !slices.Equal(got, []string{"/app/web", "/ops/x", "token"}) || rest.NextToken != "" {
		t.Errorf("DescribeParameters(next page) = %v, %q, %v", got, rest.NextToken, err)
	}
	_, err = e.s.DescribeParameters(e.ctx, &ssm.DescribeParametersInput{Filters: []*ssm.ParametersFilter{{Key: "Name", Values: []string{"x"}}},
		ParameterFilters: f("Type", "", "String")})
	wantCode(t, "DescribeParameters(both filters)", err, "ValidationException", "either Filters or ParameterFilters")
	_, err = e.s.DescribeParameters(e.ctx, &ssm.DescribeParametersInput{ParameterFilters: f("Label", "", "prod")})
	wantCode(t, "DescribeParameters(Label)", err, "InvalidFilterKey", "Label")
	byPathToken, err := e.s.GetParametersByPath(e.ctx, &ssm.GetParametersByPathInput{Path: "/", Recursive: aws.Bool(true), MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.s.DescribeParameters(e.ctx, &ssm.DescribeParametersInput{NextToken: byPathToken.NextToken})
	wantCode(t, "DescribeParameters(GetParametersByPath's token)", err, "InvalidNextToken")
}

func TestDelete(t *testing.T) {
	e := setup(t, nil)
	for _, n := range []string{"/a", "/b", "/c"} {
		e.put(t, &ssm.PutParameterInput{Name: n, Value: "v", Type: "String"})
	}
	if _, err := e.s.DeleteParameter(e.ctx, &ssm.DeleteParameterInput{Name: "a"}); err != nil {
		t.Fatalf("DeleteParameter(a) = %v", err)
	}
	_, err := e.s.GetParameter(e.ctx, &ssm.GetParameterInput{Name: "/a"})
	wantCode(t, "GetParameter(deleted)", err, "ParameterNotFound")
	_, err = e.s.DeleteParameter(e.ctx, &ssm.DeleteParameterInput{Name: "/a"})
	wantCode(t, "DeleteParameter(deleted)", err, "ParameterNotFound")
	_, err = e.s.DeleteParameter(e.ctx, &ssm.DeleteParameterInput{Name: "a b"})
	wantCode(t, "DeleteParameter(malformed)", err, "ValidationException")

	out, err := e.s.DeleteParameters(e.ctx, &ssm.DeleteParametersInput{Names: []string{"/b", "/nope", "bad name", "b", "/c"}})
	if err != nil || !slices.Equal(out.DeletedParameters, []string{"/b", "/c"}) || !slices.Equal(out.InvalidParameters, []string{"/nope", "bad name"}) {
		t.Errorf("DeleteParameters = %+v, %v; want deleted [/b /c], invalid [/nope, bad name]", out, err)
	}
	desc, err := e.s.DescribeParameters(e.ctx, &ssm.DescribeParametersInput{})
	if err != nil || len(desc.Parameters) != 0 {
		t.Errorf("DescribeParameters after deleting all = %+v, %v", desc, err)
	}
}

func TestTags(t *testing.T) {
	e := setup(t, nil)
	e.put(t, &ssm.PutParameterInput{Name: "/t", Value: "v", Type: "String", Tags: []*ssm.Tag{{Key: "a", Value: "1"}}})
	if err := e.s.AddParameterTags(e.ctx, "t", []*ssm.Tag{{Key: "b", Value: "2"}, {Key: "a", Value: "one"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.RemoveParameterTags(e.ctx, "arn:aws:ssm:us-east-1:123456789012:parameter/t", []string{"b", "nope"}); err != nil {
		t.Fatal(err)
	}
	tags, err := e.s.ParameterTags(e.ctx, "/t")
	if want := []*ssm.Tag{{Key: "a", Value: "one"}}; err != nil || !cmp.Equal(tags, want) {
		t.Errorf("ParameterTags = %v, %v; want %v", tags, err, want)
	}
	keys := e.s.ConditionKeys(e.ctx, "arn:aws:ssm:us-east-1:123456789012:parameter/t")
	if want := map[string][]string{"aws:ResourceTag/a": {"one"}, "ssm:resourceTag/a": {"one"}}; !cmp.Equal(keys, want) {
		t.Errorf("ConditionKeys = %v, want %v", keys, want)
	}
	if keys := e.s.ConditionKeys(e.ctx, "arn:aws:ssm:us-east-1:123456789012:document/t"); keys != nil {
		t.Errorf("ConditionKeys(a document) = %v, want none", keys)
	}

	var many []*ssm.Tag
	for i := range params.MaxTags {
		many = append(many, &ssm.Tag{Key: fmt.Sprint("k", i), Value: "v"})
	}
	err = e.s.AddParameterTags(e.ctx, "/t", many)
	wantCode(t, "AddParameterTags(51st tag)", err, "TooManyTagsError", "50 tags")
	err = e.s.AddParameterTags(e.ctx, "/t", []*ssm.Tag{{Key: "AWS:x", Value: "v"}})
	wantCode(t, "AddParameterTags(aws: key)", err, "InvalidTag")
	err = e.s.AddParameterTags(e.ctx, "/nope", []*ssm.Tag{{Key: "a", Value: "v"}})
	wantCode(t, "AddParameterTags(missing)", err, "InvalidResourceId", "/nope")
	_, err = e.s.ParameterTags(e.ctx, "bad name")
	wantCode(t, "ParameterTags(malformed)", err, "InvalidResourceId")
	if _, err = e.s.ParameterTags(e.ctx, "/t:1"); err == nil || !strings.Contains(err.Error(), "InvalidResourceId") {
		t.Errorf("ParameterTags(with a selector) = %v, want InvalidResourceId", err)
	}
}

func TestPutWithTagsNeedsTaggingPermission(t *testing.T) {
	db := storetest.Open(t, storetest.SQLite(t))
	var asked []string
	s := params.New(params.Config{Store: db, Account: acct, Region: region,
		Authorize: func(ctx context.Context, action string, resources []iam.Resource) error {
			asked = append(asked, action+" "+resources[0].ARN)
			return awserr.New(awserr.Denied, "AccessDenied", "not authorized to perform: "+action)
		}})
	ctx := context.Background()
	_, err := s.PutParameter(ctx, &ssm.PutParameterInput{Name: "/t", Value: "v", Type: "String", Tags: []*ssm.Tag{{Key: "a", Value: "b"}}})
	wantCode(t, "PutParameter(tags, not allowed to tag)", err, "AccessDenied", "ssm:AddTagsToResource")
	if want := []string{"ssm:AddTagsToResource arn:aws:ssm:us-east-1:123456789012:parameter/t"}; !slices.Equal(asked, want) {
		t.Errorf("authorized %v, want %v", asked, want)
	}
	if _, err := s.GetParameter(ctx, &ssm.GetParameterInput{Name: "/t"}); err == nil {
		t.Error("a refused PutParameter created the parameter")
	}
	if _, err := s.PutParameter(ctx, &ssm.PutParameterInput{Name: "/t", Value: "v", Type: "String"}); err != nil || len(asked) != 1 {
		t.Errorf("PutParameter(no tags) = %v after %d checks, want success without a check", err, len(asked))
	}
}
