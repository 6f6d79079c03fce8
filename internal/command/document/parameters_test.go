// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kanri-dev/kanri/internal/awserr"
)

const paramsDoc = `schemaVersion: "2.2"
parameters:
  name: {type: String, allowedPattern: "[a-z]+", minChars: 2, maxChars: 5}
  mode: {type: String, default: fast, allowedValues: [fast, slow]}
  count: {type: Integer, default: 1}
  flag: {type: Boolean, default: false}
  list: {type: StringList, default: [a], minItems: 1, maxItems: 2, maxChars: 3, allowedValues: [a, b, abc]}
  tags: {type: StringMap, default: {}}
  maps: {type: MapList, default: [], maxItems: 2}
mainSteps:
  - action: aws:runShellScript
    name: s
    inputs:
      runCommand: "echo {{name}} {{mode}} {{count}} {{flag}} {{list}} {{tags}} {{maps}}"
`

func mustParse(t testing.TB, content string) *Document {
	t.Helper()
	d, err := Parse(content, DetectFormat(content))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return d
}

func TestResolveParameters(t *testing.T) {
	doc := mustParse(t, paramsDoc)
	defaults := func(over map[string]Value) map[string]Value {
		m := map[string]Value{
			"name":  {Type: String, Strings: []string{"ab"}},
			"mode":  {Type: String, Strings: []string{"fast"}},
			"count": {Type: Integer, Strings: []string{"1"}},
			"flag":  {Type: Boolean, Strings: []string{"false"}},
			"list":  {Type: StringList, Strings: []string{"a"}},
			"tags":  {Type: StringMap, Strings: []string{"{}"}},
			"maps":  {Type: MapList, Strings: []string{"[]"}},
		}
		for k, v := range over {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name  string
		given map[string][]string
		want  map[string]Value
		msg   string // the InvalidParameters message when the call fails
	}{
		{name: "defaults", given: map[string][]string{"name": {"ab"}}, want: defaults(nil)},
		{name: "every type given", given: map[string][]string{
			"name": {"abcde"}, "mode": {"slow"}, "count": {"007"}, "flag": {"true"},
			"list": {"b", "abc"}, "tags": {`{ "z": "1", "a": {"b": 2} }`}, "maps": {`[{"k": "v"}, {}]`},
		}, want: defaults(map[string]Value{
			"name":  {Type: String, Strings: []string{"abcde"}},
			"mode":  {Type: String, Strings: []string{"slow"}},
			"count": {Type: Integer, Strings: []string{"7"}},
			"flag":  {Type: Boolean, Strings: []string{"true"}},
			"list":  {Type: StringList, Strings: []string{"b", "abc"}},
			"tags":  {Type: StringMap, Strings: []string{`{"a":{"b":2},"z":"1"}`}},
			"maps":  {Type: MapList, Strings: []string{`[{"k":"v"},{}]`}},
		})},
		{name: "MapList as one object per value", given: map[string][]string{"name": {"ab"}, "maps": {`{"a": 1}`, `{"b": "<&>"}`}},
			want: defaults(map[string]Value{"maps": {Type: MapList, Strings: []string{`[{"a":1},{"b":"<&>"}]`}}})},
		{name: "negative integer", given: map[string][]string{"name": {"ab"}, "count": {"-3"}},
			want: defaults(map[string]Value{"count": {Type: Integer, Strings: []string{"-3"}}})},
		{name: "Parameter Store reference checked later", given: map[string][]string{"name": {"{{ssm:/app/name}}"}, "count": {"{{ssm:count:2}}"}},
			want: defaults(map[string]Value{
				"name":  {Type: String, Strings: []string{"{{ssm:/app/name}}"}},
				"count": {Type: Integer, Strings: []string{"{{ssm:count:2}}"}},
			})},
		{name: "unknown parameter", given: map[string][]string{"name": {"ab"}, "nmae": {"x"}},
			msg: `parameter "nmae" is not defined in the document`},
		{name: "required missing", given: map[string][]string{"mode": {"slow"}},
			msg: `parameter "name" is required: it has no default value`},
		{name: "String with two values", given: map[string][]string{"name": {"ab", "cd"}},
			msg: `parameter "name": a String parameter takes exactly one value, got 2`},
		{name: "String with no value", given: map[string][]string{"name": {}},
			msg: `parameter "name": a String parameter takes exactly one value, got 0`},
		{name: "minChars", given: map[string][]string{"name": {"a"}},
			msg: `parameter "name": value has 1 characters; minChars is 2`},
		{name: "maxChars counts characters", given: map[string][]string{"name": {"abcdef"}},
			msg: `parameter "name": value has 6 characters; maxChars is 5`},
		{name: "allowedPattern matches the whole value", given: map[string][]string{"name": {"ab1"}},
			msg: `parameter "name": value does not match allowedPattern [a-z]+`},
		{name: "allowedValues", given: map[string][]string{"name": {"ab"}, "mode": {"medium"}},
			msg: `parameter "mode": value is not one of allowedValues [fast, slow]`},
		{name: "Integer", given: map[string][]string{"name": {"ab"}, "count": {"1.5"}},
			msg: `parameter "count": value must be an integer`},
		{name: "Boolean", given: map[string][]string{"name": {"ab"}, "flag": {"True"}},
			msg: `parameter "flag": value must be true or false`},
		{name: "minItems", given: map[string][]string{"name": {"ab"}, "list": {}},
			msg: `parameter "list": has 0 items; minItems is 1`},
		{name: "maxItems", given: map[string][]string{"name": {"ab"}, "list": {"a", "b", "a"}},
			msg: `parameter "list": has 3 items; maxItems is 2`},
		{name: "StringList element maxChars", given: map[string][]string{"name": {"ab"}, "list": {"a", "abcd"}},
			msg: `parameter "list": element 1 has 4 characters; maxChars is 3`},
		{name: "StringList element allowedValues", given: map[string][]string{"name": {"ab"}, "list": {"c"}},
			msg: `parameter "list": element 0 is not one of allowedValues [a, b, abc]`},
		{name: "StringMap not an object", given: map[string][]string{"name": {"ab"}, "tags": {`["a"]`}},
			msg: `parameter "tags": value must be a JSON object`},
		{name: "StringMap trailing data", given: map[string][]string{"name": {"ab"}, "tags": {`{} {}`}},
			msg: `parameter "tags": value must be a JSON object`},
		{name: "MapList not objects", given: map[string][]string{"name": {"ab"}, "maps": {`[1]`}},
			msg: `parameter "maps": value must be a JSON list of objects`},
		{name: "MapList element", given: map[string][]string{"name": {"ab"}, "maps": {`{}`, `x`}},
			msg: `parameter "maps": element 1 must be a JSON object`},
		{name: "MapList maxItems", given: map[string][]string{"name": {"ab"}, "maps": {`[{}, {}, {}]`}},
			msg: `parameter "maps": has 3 items; maxItems is 2`},
		{name: "Parameter Store reference still counted", given: map[string][]string{"name": {"{{ssm:a}}", "{{ssm:b}}"}},
			msg: `parameter "name": a String parameter takes exactly one value, got 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := doc.ResolveParameters(tt.given)
			if tt.msg != "" {
				e := awserr.As(err)
				if e == nil || e.Code != "InvalidParameters" || e.Message != tt.msg || !errors.Is(err, awserr.Invalid) {
					t.Fatalf("ResolveParameters(%v) = %v, %v; want InvalidParameters: %s", tt.given, got, err, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("ResolveParameters(%v) error: %v", tt.given, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ResolveParameters(%v) mismatch (-want +got):\n%s", tt.given, diff)
			}
		})
	}
}

func TestResolveParametersKeepsDefaults(t *testing.T) {
	doc := mustParse(t, paramsDoc)
	got, err := doc.ResolveParameters(map[string][]string{"name": {"ab"}})
	if err != nil {
		t.Fatal(err)
	}
	got["list"].Strings[0] = "changed"
	p, _ := doc.Parameter("list")
	if p.Default.Strings[0] != "a" {
		t.Errorf("default of list = %v after changing a resolved value, want [a]", p.Default.Strings)
	}
}

func TestValueText(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Value{Type: String, Strings: []string{"a b"}}, "a b"},
		{Value{Type: Integer, Strings: []string{"42"}}, "42"},
		{Value{Type: Boolean, Strings: []string{"true"}}, "true"},
		{Value{Type: StringList, Strings: []string{"echo <a>", `say "hi"`}}, `["echo <a>","say \"hi\""]`},
		{Value{Type: StringList}, "[]"},
		{Value{Type: StringMap, Strings: []string{`{"a":"b"}`}}, `{"a":"b"}`},
		{Value{Type: String}, ""},
	}
	for _, tt := range tests {
		if got := tt.v.Text(); got != tt.want {
			t.Errorf("%+v.Text() = %q, want %q", tt.v, got, tt.want)
		}
	}
}
