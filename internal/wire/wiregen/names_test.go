// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package wiregen

import (
	"regexp"
	"strings"
	"testing"
)

func TestEnumName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SecureString", "SecureString"},
		{"RSAES_OAEP_SHA_1", "RsaesOaepSha1"},
		{"AWS::EC2::Instance", "AwsEc2Instance"},
		{"Intelligent-Tiering", "IntelligentTiering"},
		{"text/csv", "TextCsv"},
		{"explicitDeny", "ExplicitDeny"},
	}
	for _, tt := range tests {
		if got := enumName(tt.in); got != tt.want {
			t.Errorf("enumName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFirstSentence(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>Runs commands on one or more managed nodes. Use targets ...</p>", "Runs commands on one or more managed nodes."},
		{"<p>The name of the <code>Tag</code>, e.g. <i>env</i>. More.</p>", "The name of the Tag, e.g. env."},
		{"<p>Sha256 or Sha1</p>", "Sha256 or Sha1."},
		{"<p>A &quot;quoted&quot; value</p>", `A "quoted" value.`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := firstSentence(tt.in); got != tt.want {
			t.Errorf("firstSentence(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct{ name, sentence, want string }{
		{"Key", "The name of the tag.", "Key is the name of the tag."},
		{"Force", "Specifies whether to force it.", "Force specifies whether to force it."},
		{"Enabled", "Whether the key is enabled.", "Enabled reports whether the key is enabled."},
		{"TimeoutSeconds", "If this time is reached, it stops.", "TimeoutSeconds: If this time is reached, it stops."},
		{"X", "", ""},
	}
	for _, tt := range tests {
		if got := describe(tt.name, tt.sentence); got != tt.want {
			t.Errorf("describe(%q, %q) = %q, want %q", tt.name, tt.sentence, got, tt.want)
		}
	}
}

func TestGoPattern(t *testing.T) {
	tests := []struct {
		java      string
		want      string
		match     []string
		dontMatch []string
	}{
		{`[\w+=,.@-]+`, `^(?:[\w+=,.@-]+)$`, []string{"app-role"}, []string{"bad role", ""}},
		{`(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`, `^(?:(\x{2F})|(\x{2F}[\x{21}-\x{7E}]+\x{2F}))$`, []string{"/", "/a/b/"}, []string{"a", "/a"}},
		// A surrogate pair is one supplementary code point.
		{`[\u0020-\uD7FF\uD800\uDC00-\uDBFF\uDFFF]*`, `^(?:[\x{20}-\x{D7FF}\x{10000}-\x{10FFFF}]*)$`, []string{"ok 😀"}, []string{"\x01"}},
		{`a\\u0041`, `^(?:a\\u0041)$`, []string{`a\u0041`}, nil},
	}
	for _, tt := range tests {
		got := goPattern(tt.java)
		if got != tt.want {
			t.Errorf("goPattern(%q) = %q, want %q", tt.java, got, tt.want)
			continue
		}
		re := regexp.MustCompile(got)
		for _, s := range tt.match {
			if !re.MatchString(s) {
				t.Errorf("%s does not match %q", got, s)
			}
		}
		for _, s := range tt.dontMatch {
			if re.MatchString(s) {
				t.Errorf("%s matches %q", got, s)
			}
		}
	}
}

func TestLoadKeepsMemberOrder(t *testing.T) {
	m, err := Load(strings.NewReader(`{"metadata": {"protocol": "json"}, "operations": {},
		"shapes": {"S": {"type": "structure", "members": {"Zeta": {"shape": "T"}, "Alpha": {"shape": "T"}}}, "T": {"type": "string"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mem := range m.Shapes["S"].Members {
		names = append(names, mem.Name)
	}
	if got := strings.Join(names, ","); got != "Zeta,Alpha" {
		t.Errorf("members = %s, want Zeta,Alpha", got)
	}
}
