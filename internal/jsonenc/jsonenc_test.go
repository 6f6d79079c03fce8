// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package jsonenc

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// marshal is encoding/json's output for v, HTML escaping off, without the
// newline Encode adds.
func marshal(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestStringAsEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr\bbs\fff", "\x00\x01\x1f\x7f",
		"<html> & 'x'", "日本語のテキスト", "line\u2028para\u2029end", "bad \xff utf8 \xc3", "emoji 🎉",
	} {
		if got, want := String(nil, s), marshal(t, s); !bytes.Equal(got, want) {
			t.Errorf("String(%q) = %s, encoding/json writes %s", s, got, want)
		}
	}
}

func TestTimeAsEncodingJSON(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 12, 7, 13, 4, 5, 120000000, time.UTC),
		time.Date(2026, 12, 7, 13, 4, 5, 0, time.FixedZone("", 9*3600)),
		time.Date(1999, 1, 2, 3, 4, 5, 123456789, time.Local),
	} {
		if got, want := Time(nil, tm), marshal(t, tm); !bytes.Equal(got, want) {
			t.Errorf("Time(%v) = %s, encoding/json writes %s", tm, got, want)
		}
	}
}

func TestObject(t *testing.T) {
	b := append([]byte(nil), '{')
	b = Field(b, "a", "x\"y")
	b = Key(b, "b")
	b = Bool(b, true)
	b = Key(b, "c")
	b = append(b, '[', '{')
	b = Field(b, "d", "")
	b = append(b, '}', ']', '}')
	want := `{"a":"x\"y","b":true,"c":[{"d":""}]}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	if !json.Valid(b) {
		t.Errorf("%s is not valid JSON", b)
	}
}

func FuzzStringAsEncodingJSON(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff\xfe", "\u2028", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := String(nil, s), marshal(t, s); !bytes.Equal(got, want) {
			t.Fatalf("String(%q) = %s, encoding/json writes %s", s, got, want)
		}
	})
}
