// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package params

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/awserr"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// code returns the AWS code of err, "" for nil.
func code(err error) string {
	if err == nil {
		return ""
	}
	if ae := awserr.As(err); ae != nil {
		return ae.Code
	}
	return "not an AWS error: " + err.Error()
}

func testService() *Service { return New(Config{Account: "123456789012", Region: "us-east-1"}) }

func TestNewNameRules(t *testing.T) {
	s := testService()
	deep := strings.Repeat("/l", MaxLevels)
	// The ARN prefix arn:aws:ssm:us-east-1:123456789012:parameter/ has 45
	// characters, so the longest name has 1011-45 = 966.
	longest := "/" + strings.Repeat("n", 966)
	tests := []struct {
		name, code, msg string
	}{
		{"token", "", ""},
		{"/app/db/host", "", ""},
		{"/App_1/db.primary-x/HOST", "", ""},
		{deep, "", ""},
		{longest, "", ""},
		{longest + "n", "ValidationException", "too long"},
		{deep + "/x", "HierarchyLevelLimitExceededException", "maximum of 15 levels"},
		{"app/db", "ValidationException", "fully qualified"},
		{"/app//db", "ValidationException", "sub-paths divided by slash"},
		{"/app/", "ValidationException", "sub-paths divided by slash"},
		{"/", "ValidationException", "sub-paths divided by slash"},
		{"/app/my key", "ValidationException", "3 symbols .-_"},
		{"/app/key:1", "ValidationException", "3 symbols .-_"},
		{"/app/ключ", "ValidationException", "3 symbols .-_"},
		{"aws-thing", "ValidationException", `prefixed with "aws" or "ssm" (case-insensitive).`},
		{"SSMthing", "ValidationException", `prefixed with "aws" or "ssm" (case-insensitive).`},
		{"/awsthing", "ValidationException", `prefixed with "aws" or "ssm"`},
		{"/AWS/service/x", "AccessDeniedException", "No access to reserved parameter name: /AWS/service/x."},
		{"/Ssm/x", "ValidationException", `prefixed with "ssm" (case-insensitive). If formed as a path`},
		{"/a/aws/x", "", ""}, // only the first level is reserved
	}
	for _, tt := range tests {
		err := s.checkNewName(tt.name)
		if code(err) != tt.code || err != nil && !strings.Contains(awserr.As(err).Message, tt.msg) {
			t.Errorf("checkNewName(%.40q) = %v, want %s containing %q", tt.name, err, tt.code, tt.msg)
		}
	}
}

func TestKeyAndARN(t *testing.T) {
	s := testService()
	for _, tt := range []struct{ name, key, arn string }{
		{"/hybrid/x", "hybrid/x", "arn:aws:ssm:us-east-1:123456789012:parameter/hybrid/x"},
		{"token", "token", "arn:aws:ssm:us-east-1:123456789012:parameter/token"},
		{"/token", "token", "arn:aws:ssm:us-east-1:123456789012:parameter/token"},
	} {
		if got := Key(tt.name); got != tt.key {
			t.Errorf("Key(%s) = %s, want %s", tt.name, got, tt.key)
		}
		if got := s.ARN(tt.name); got != tt.arn {
			t.Errorf("ARN(%s) = %s, want %s", tt.name, got, tt.arn)
		}
	}
	for in, want := range map[string]string{
		"/app/x:3":    "arn:aws:ssm:us-east-1:123456789012:parameter/app/x",
		" token:prod": "arn:aws:ssm:us-east-1:123456789012:parameter/token",
		"arn:aws:ssm:us-east-1:123456789012:parameter/app/x:prod": "arn:aws:ssm:us-east-1:123456789012:parameter/app/x",
		"arn:aws:ssm:us-east-1:123456789012:parameter/app/x":      "arn:aws:ssm:us-east-1:123456789012:parameter/app/x",
	} {
		if got := s.ARNOf(in); got != want {
			t.Errorf("ARNOf(%q) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"/":        "arn:aws:ssm:us-east-1:123456789012:parameter/",
		"/hybrid/": "arn:aws:ssm:us-east-1:123456789012:parameter/hybrid",
		"/hybrid":  "arn:aws:ssm:us-east-1:123456789012:parameter/hybrid",
	} {
		if got := s.PathARN(in); got != want {
			t.Errorf("PathARN(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParseRef(t *testing.T) {
	s := testService()
	tests := []struct {
		in   string
		want ref
		code string
	}{
		{in: "/app/x", want: ref{name: "/app/x"}},
		{in: "  /app/x  ", want: ref{name: "/app/x"}},
		{in: "/app/x:3", want: ref{name: "/app/x", sel: Selector{Version: 3}, text: ":3"}},
		{in: "/app/x:prod", want: ref{name: "/app/x", sel: Selector{Label: "prod"}, text: ":prod"}},
		{in: "token:0", want: ref{name: "token", sel: Selector{Version: -1}, text: ":0"}},
		{in: "token:99999999999999999999", want: ref{name: "token", sel: Selector{Version: -1}, text: ":99999999999999999999"}},
		{in: "arn:aws:ssm:us-east-1:123456789012:parameter/app/x", want: ref{name: "/app/x"}},
		{in: "arn:aws:ssm:us-east-1:123456789012:parameter/token:2", want: ref{name: "/token", sel: Selector{Version: 2}, text: ":2"}},
		{in: "arn:aws:ssm:eu-west-1:123456789012:parameter/app/x", code: "foreign"},
		{in: "arn:aws:ssm:us-east-1:210987654321:parameter/app/x", code: "foreign"},
		{in: "arn:aws:ssm:us-east-1:123456789012:document/x", code: "ValidationException"},
		{in: "arn:aws", code: "ValidationException"},
		{in: "/app/x:", code: "ValidationException"},
		{in: "/app/x:1:2", code: "ValidationException"},
		{in: "app/x", code: "ValidationException"},
		{in: "/app x", code: "ValidationException"},
	}
	for _, tt := range tests {
		got, err := s.parseRef(tt.in)
		c := code(err)
		if err == errForeign {
			c = "foreign"
		}
		if c != tt.code || got != tt.want {
			t.Errorf("parseRef(%q) = %+v, %v; want %+v, %s", tt.in, got, err, tt.want, tt.code)
		}
	}
}

func TestValidLabel(t *testing.T) {
	for label, want := range map[string]bool{
		"prod":                         true,
		"Release-1.2_b":                true,
		"a" + strings.Repeat("b", 99):  true,
		"a" + strings.Repeat("b", 100): false,
		"":                             false,
		"1st":                          false,
		"awsome":                       false,
		"SSM-x":                        false,
		"has space":                    false,
		"a/b":                          false,
		"a:b":                          false,
	} {
		if got := ValidLabel(label); got != want {
			t.Errorf("ValidLabel(%.20q) = %v, want %v", label, got, want)
		}
	}
	valid, invalid := splitLabels([]string{"prod", "1x", "prod", "blue", "aws"})
	if !cmp.Equal(valid, []string{"prod", "blue"}) || !cmp.Equal(invalid, []string{"1x", "aws"}) {
		t.Errorf("splitLabels = %v, %v; want [prod blue], [1x aws]", valid, invalid)
	}
}

func TestTier(t *testing.T) {
	standard := &Parameter{Version: &Version{Tier: TierStandard}}
	advanced := &Parameter{Version: &Version{Tier: TierAdvanced}}
	tests := []struct {
		name     string
		asked    string
		cur      *Parameter
		size     int
		policies bool
		want     string
		msg      string
	}{
		{"default", "", nil, 10, false, TierStandard, ""},
		{"4096 bytes fit Standard", TierStandard, nil, MaxStandardValue, false, TierStandard, ""},
		{"4097 bytes do not", TierStandard, nil, MaxStandardValue + 1, false, "", "maximum parameter value of 4096"},
		{"nor by default", "", standard, MaxStandardValue + 1, false, "", "maximum parameter value of 4096"},
		{"Advanced holds 8192", TierAdvanced, nil, MaxAdvancedValue, false, TierAdvanced, ""},
		{"not 8193", TierAdvanced, nil, MaxAdvancedValue + 1, false, "", "maximum parameter value of 8192"},
		{"intelligent, small", TierIntelligent, nil, 100, false, TierStandard, ""},
		{"intelligent, large", TierIntelligent, nil, MaxStandardValue + 1, false, TierAdvanced, ""},
		{"intelligent, policies", TierIntelligent, nil, 1, true, TierAdvanced, ""},
		{"intelligent, was advanced", TierIntelligent, advanced, 1, false, TierAdvanced, ""},
		{"unasked keeps Advanced", "", advanced, 1, false, TierAdvanced, ""},
		{"no downgrade", TierStandard, advanced, 1, false, "", "can't downgrade"},
		{"policies need Advanced", TierStandard, nil, 1, true, "", "standard-parameter tier"},
		{"policies by default", "", nil, 1, true, "", "standard-parameter tier"},
	}
	for _, tt := range tests {
		got, err := tier(tt.asked, tt.cur, tt.size, tt.policies)
		if got != tt.want || (err == nil) != (tt.msg == "") || err != nil && !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("tier(%s) = %q, %v; want %q, error containing %q", tt.name, got, err, tt.want, tt.msg)
		}
		if err != nil && code(err) != "ValidationException" {
			t.Errorf("tier(%s) error code = %s, want ValidationException", tt.name, code(err))
		}
	}
}

func TestCheckValue(t *testing.T) {
	tests := []struct {
		value, pattern, code string
	}{
		{"12345", `^\d+$`, ""},
		{"12a45", `^\d+$`, "ParameterPatternMismatchException"},
		{"abc", `[a-z]+`, ""},
		{"abc1", `[a-z]+`, "ParameterPatternMismatchException"}, // the whole value must match
		{"qqq", `(?<=a)b`, "InvalidAllowedPatternException"},
		{"see {{ssm:/other}}", "", "ValidationException"},
		{"braces {{ alone", "", ""},
		{"}} then {{", "", ""},
	}
	for _, tt := range tests {
		err := checkValue(tt.value, tt.pattern)
		if code(err) != tt.code {
			t.Errorf("checkValue(%q, %q) = %v, want %s", tt.value, tt.pattern, err, tt.code)
		}
		if err != nil && strings.Contains(err.Error(), tt.value) {
			t.Errorf("checkValue(%q) error %q shows the value", tt.value, err)
		}
	}
}

func TestPolicies(t *testing.T) {
	const exp = `{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-12-02T21:34:33.000Z"}}`
	const notify = `{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"15","Unit":"Days"}}`
	tests := []struct {
		text, code string
	}{
		{"[" + exp + "," + notify + "]", ""},
		{"[]", ""},
		{`[{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"2","Unit":"Hours"}}]`, ""},
		{"not json", "InvalidPolicyAttributeException"},
		{`[{"Type":"Rotate","Version":"1.0","Attributes":{}}]`, "InvalidPolicyTypeException"},
		{"[" + exp + "," + exp + "]", "IncompatiblePolicyException"},
		{`[{"Type":"Expiration","Version":"2.0","Attributes":{"Timestamp":"2030-12-02T21:34:33.000Z"}}]`, "InvalidPolicyAttributeException"},
		{`[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"tomorrow"}}]`, "InvalidPolicyAttributeException"},
		{`[{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"15","Unit":"Weeks"}}]`, "InvalidPolicyAttributeException"},
		{"[" + strings.Repeat(notify+",", 10) + notify + "]", "PoliciesLimitExceededException"},
	}
	for _, tt := range tests {
		if _, err := parsePolicies(tt.text); code(err) != tt.code {
			t.Errorf("parsePolicies(%.60s) = %v, want %s", tt.text, err, tt.code)
		}
	}
	shapes := policyShapes("[" + exp + "]")
	want := []*ssm.ParameterInlinePolicy{{PolicyText: exp, PolicyType: "Expiration", PolicyStatus: "Pending"}}
	if diff := cmp.Diff(want, shapes); diff != "" {
		t.Errorf("policyShapes mismatch (-want +got):\n%s", diff)
	}
}

func TestCompileFilters(t *testing.T) {
	f := func(key, option string, values ...string) *ssm.ParameterStringFilter {
		return &ssm.ParameterStringFilter{Key: key, Option: option, Values: values}
	}
	tests := []struct {
		name   string
		in     []*ssm.ParameterStringFilter
		byPath bool
		code   string
		msg    string
	}{
		{"defaults", []*ssm.ParameterStringFilter{f("Path", "", "/a"), f("Name", "Contains", "db"), f("tag:env", "")}, false, "", ""},
		{"Label in DescribeParameters", []*ssm.ParameterStringFilter{f("Label", "", "prod")}, false, "InvalidFilterKey", "Label"},
		{"Name by path", []*ssm.ParameterStringFilter{f("Name", "", "x")}, true, "InvalidFilterKey", "Valid filter keys include: [Type, KeyId, Label]"},
		{"tag by path", []*ssm.ParameterStringFilter{f("tag:env", "", "x")}, true, "InvalidFilterKey", "tag:env"},
		{"duplicate", []*ssm.ParameterStringFilter{f("Type", "", "String"), f("Type", "", "SecureString")}, false, "InvalidFilterKey", "duplicated"},
		{"no values", []*ssm.ParameterStringFilter{f("Type", "")}, false, "InvalidFilterValue", "missing"},
		{"bad type", []*ssm.ParameterStringFilter{f("Type", "", "Secret")}, false, "InvalidFilterValue", "Secret"},
		{"bad tier", []*ssm.ParameterStringFilter{f("Tier", "", "Gold")}, false, "InvalidFilterValue", "Gold"},
		{"Contains on Type", []*ssm.ParameterStringFilter{f("Type", "Contains", "S")}, false, "InvalidFilterOption", "[Equals, BeginsWith]"},
		{"Equals on Path", []*ssm.ParameterStringFilter{f("Path", "Equals", "/a")}, false, "InvalidFilterOption", "[OneLevel, Recursive]"},
		{"BeginsWith on Label", []*ssm.ParameterStringFilter{f("Label", "BeginsWith", "p")}, true, "InvalidFilterOption", "[Equals]"},
		{"relative path", []*ssm.ParameterStringFilter{f("Path", "", "a/b")}, false, "ValidationException", "must begin with a forward slash"},
		{"reserved path", []*ssm.ParameterStringFilter{f("Path", "", "/aws/service")}, false, "ValidationException", "common parameters"},
	}
	for _, tt := range tests {
		_, err := compileFilters(tt.in, tt.byPath)
		if code(err) != tt.code || err != nil && !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("compileFilters(%s) = %v, want %s containing %q", tt.name, err, tt.code, tt.msg)
		}
	}
	fs, err := compileFilters([]*ssm.ParameterStringFilter{f("Path", "", "/a"), f("Type", "", "String")}, false)
	if err != nil || fs[0].option != optOneLevel || fs[1].option != optEquals {
		t.Errorf("compileFilters default options = %+v, %v; want OneLevel and Equals", fs, err)
	}
}

func TestFilterMatch(t *testing.T) {
	p := &Parameter{Name: "/app/db/password", Tags: map[string]string{"env": "prod", "team": ""},
		Version: &Version{Type: TypeSecureString, KeyID: "alias/app", Tier: TierAdvanced, DataType: DataTypeText}}
	plain := &Parameter{Name: "token", Version: &Version{Type: TypeString, Tier: TierStandard, DataType: DataTypeText}}
	tests := []struct {
		f           filter
		p, notPlain bool // want for p, and for plain
	}{
		{filter{keyName, optEquals, []string{"app/db/password"}}, true, false},
		{filter{keyName, optEquals, []string{"/token"}}, false, true},
		{filter{keyName, optBeginsWith, []string{"/app/d"}}, true, false},
		{filter{keyName, optContains, []string{"db/pass"}}, true, false},
		{filter{keyName, optContains, []string{"/tok"}}, false, true},
		{filter{keyType, optEquals, []string{"String", "SecureString"}}, true, true},
		{filter{keyType, optBeginsWith, []string{"Secure"}}, true, false},
		{filter{keyKeyID, optEquals, []string{"alias/app"}}, true, false},
		{filter{keyKeyID, optEquals, []string{""}}, false, false},
		{filter{keyTier, optEquals, []string{"Standard"}}, false, true},
		{filter{keyDataType, optEquals, []string{"text"}}, true, true},
		{filter{"tag:env", optEquals, []string{"prod"}}, true, false},
		{filter{"tag:env", optBeginsWith, []string{"pr"}}, true, false},
		{filter{"tag:env", optEquals, []string{"dev"}}, false, false},
		{filter{"tag:team", optEquals, nil}, true, false},
	}
	for _, tt := range tests {
		if got := tt.f.match(p); got != tt.p {
			t.Errorf("%+v.match(%s) = %v, want %v", tt.f, p.Name, got, tt.p)
		}
		if got := tt.f.match(plain); got != tt.notPlain {
			t.Errorf("%+v.match(%s) = %v, want %v", tt.f, plain.Name, got, tt.notPlain)
		}
	}
}

func TestTokens(t *testing.T) {
	tok := encodeToken(tokenByPath, "app/db")
	if pos, err := decodeToken(tokenByPath, tok); pos != "app/db" || err != nil {
		t.Errorf("decodeToken(encodeToken(app/db)) = %q, %v", pos, err)
	}
	for _, bad := range []string{"!!!", encodeToken(tokenDescribe, "app/db"), "YWJj"} {
		if _, err := decodeToken(tokenByPath, bad); code(err) != "InvalidNextToken" {
			t.Errorf("decodeToken(%q) = %v, want InvalidNextToken", bad, err)
		}
	}
}
