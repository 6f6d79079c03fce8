// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package command

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/command/document"
)

// flatten lists a document's values in order, one "path tag value" line
// each, so that two documents compare equal only with the same keys in
// the same order and values of the same types.
func flatten(t *testing.T, content string) []string {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(content), &root); err != nil {
		t.Fatalf("parse %q: %v", content, err)
	}
	var out []string
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			out = append(out, path+" {}")
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], path+"."+n.Content[i].Value)
			}
		case yaml.SequenceNode:
			out = append(out, path+" []")
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		case yaml.ScalarNode:
			out = append(out, path+" "+n.ShortTag()+" "+n.Value)
		default:
			t.Fatalf("unexpected node kind %d at %s", n.Kind, path)
		}
	}
	walk(&root, "")
	return out
}

// TestConvertBuiltins converts every built-in document to the other
// format and back: keys keep their order and values their types, and a
// JSON document comes back as it was written.
func TestConvertBuiltins(t *testing.T) {
	for _, b := range document.Builtins() {
		t.Run(b.Name, func(t *testing.T) {
			other := document.YAML
			if b.Format == document.YAML {
				other = document.JSON
			}
			converted, err := convertContent(b.Content, b.Format, other)
			if err != nil {
				t.Fatalf("convertContent(%s → %s): %v", b.Format, other, err)
			}
			if document.DetectFormat(converted) != other {
				t.Errorf("convertContent(%s → %s) reads as %s:\n%s", b.Format, other, document.DetectFormat(converted), converted)
			}
			if diff := cmp.Diff(flatten(t, b.Content), flatten(t, converted)); diff != "" {
				t.Errorf("%s → %s changed the document (-original +converted):\n%s", b.Format, other, diff)
			}
			// The converted document is still a valid document of its type.
			doc, err := document.Parse(converted, other)
			if err != nil {
				t.Fatalf("Parse(converted %s): %v\n%s", other, err, converted)
			}
			if doc.Type != b.DocumentType {
				t.Errorf("converted document is a %s document, want %s", doc.Type, b.DocumentType)
			}
			back, err := convertContent(converted, other, b.Format)
			if err != nil {
				t.Fatalf("convertContent(%s → %s): %v", other, b.Format, err)
			}
			if diff := cmp.Diff(flatten(t, b.Content), flatten(t, back)); diff != "" {
				t.Errorf("round trip changed the document (-original +round trip):\n%s", diff)
			}
			if b.Format == document.JSON && back != strings.TrimSuffix(b.Content, "\n") {
				t.Errorf("JSON → YAML → JSON = \n%s\nwant the original\n%s", back, b.Content)
			}
			if b.Format == document.YAML {
				again, err := convertContent(back, document.YAML, document.JSON)
				if err != nil || again != converted {
					t.Errorf("YAML → JSON → YAML → JSON = %v\n%s\nwant the first JSON\n%s", err, again, converted)
				}
			}
		})
	}
}

// TestConvertTypes keeps strings that look like other types strings, and
// numbers, booleans and null what they are, in both directions.
func TestConvertTypes(t *testing.T) {
	const js = `{
  "schemaVersion": "2.2",
  "int": 42,
  "float": 1.5,
  "bool": true,
  "null": null,
  "strings": [
    "true",
    "42",
    "1.5",
    "null",
    "",
    "a: b",
    "line one\nline two"
  ],
  "empty": {},
  "none": []
}`
	const wantYAML = `schemaVersion: "2.2"
int: 42
float: 1.5
bool: true
"null": null
strings:
  - "true"
  - "42"
  - "1.5"
  - "null"
  - ""
  - 'a: b'
  - |-
    line one
    line two
empty: {}
none: []
`
	y, err := convertContent(js, document.JSON, document.YAML)
	if err != nil || y != wantYAML {
		t.Errorf("convertContent(JSON → YAML) = %v\n%s\nwant\n%s", err, y, wantYAML)
	}
	back, err := convertContent(y, document.YAML, document.JSON)
	if err != nil || back != js {
		t.Errorf("convertContent(YAML → JSON) = %v\n%s\nwant\n%s", err, back, js)
	}
}

// TestConvertErrors refuses formats other than JSON and YAML, and content
// that does not parse.
func TestConvertErrors(t *testing.T) {
	_, err := convertContent(`{"a": 1}`, document.JSON, "TEXT")
	if e := awserr.As(err); e == nil || e.Code != "ValidationException" || !strings.Contains(e.Message, "'TEXT' at 'DocumentFormat'") {
		t.Errorf("convertContent(→ TEXT) = %v, want a ValidationException naming DocumentFormat", err)
	}
	if _, err := convertContent("a: [", document.YAML, document.JSON); err == nil {
		t.Errorf("convertContent(bad YAML) = nil error, want one")
	}
}

// TestConvertQuotesYAML11Booleans checks that strings YAML 1.1 reads as
// booleans stay strings for such readers.
func TestConvertQuotesYAML11Booleans(t *testing.T) {
	in := `{"schemaVersion":"2.2","parameters":{"m":{"type":"String","default":"yes","allowedValues":["yes","No","OFF","maybe"]}},"mainSteps":[]}`
	out, err := convertContent(in, document.JSON, document.YAML)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`default: "yes"`, `- "yes"`, `- "No"`, `- "OFF"`, `- maybe`} {
		if !strings.Contains(out, want) {
			t.Errorf("YAML %q lacks %q", out, want)
		}
	}
}
