// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kanri-dev/kanri/internal/awserr"
)

func TestParseCustomInventory(t *testing.T) {
	tests := []struct {
		name, in         string
		wantType, wantV  string
		want             []map[string]string
		wantErrSubstring string
	}{
		{
			name:     "one entry",
			in:       `{"SchemaVersion":"1.0","TypeName":"Custom:RackInfo","Content":{"RackLocation":"Bay B"}}`,
			wantType: "Custom:RackInfo", wantV: "1.0",
			want: []map[string]string{{"RackLocation": "Bay B"}},
		},
		{
			name:     "entries, empty values kept",
			in:       `{"SchemaVersion":"12.345","TypeName":"Custom:Disks","Content":[{"Id":"a","Label":""},{"Id":"b"}]}`,
			wantType: "Custom:Disks", wantV: "12.345",
			want: []map[string]string{{"Id": "a", "Label": ""}, {"Id": "b"}},
		},
		{
			name:     "no entries",
			in:       `{"SchemaVersion":"1.0","TypeName":"Custom:Empty","Content":[]}`,
			wantType: "Custom:Empty", wantV: "1.0", want: []map[string]string{},
		},
		{name: "not JSON", in: `{"TypeName":`, wantErrSubstring: "not a custom inventory document"},
		{name: "no type", in: `{"SchemaVersion":"1.0","Content":{}}`, wantErrSubstring: "no TypeName"},
		{name: "AWS type", in: `{"SchemaVersion":"1.0","TypeName":"AWS:Application","Content":{}}`, wantErrSubstring: `does not start with "Custom:"`},
		{name: "long type", in: `{"SchemaVersion":"1.0","TypeName":"Custom:` + strings.Repeat("x", 94) + `","Content":{}}`, wantErrSubstring: "longer than 100"},
		{name: "no schema version", in: `{"TypeName":"Custom:A","Content":{}}`, wantErrSubstring: "SchemaVersion"},
		{name: "bad schema version", in: `{"SchemaVersion":"1","TypeName":"Custom:A","Content":{}}`, wantErrSubstring: "SchemaVersion"},
		{name: "too precise schema version", in: `{"SchemaVersion":"1.1234567","TypeName":"Custom:A","Content":{}}`, wantErrSubstring: "SchemaVersion"},
		{name: "no content", in: `{"SchemaVersion":"1.0","TypeName":"Custom:A"}`, wantErrSubstring: "no Content"},
		{name: "null content", in: `{"SchemaVersion":"1.0","TypeName":"Custom:A","Content":null}`, wantErrSubstring: "no Content"},
		{name: "string content", in: `{"SchemaVersion":"1.0","TypeName":"Custom:A","Content":"x"}`, wantErrSubstring: "neither an object"},
		{name: "array of strings", in: `{"SchemaVersion":"1.0","TypeName":"Custom:A","Content":["x"]}`, wantErrSubstring: "not an object"},
		{name: "number value", in: `{"SchemaVersion":"1.0","TypeName":"Custom:A","Content":{"Watts":350}}`, wantErrSubstring: "Watts is float64"},
		{name: "null value", in: `{"SchemaVersion":"1.0","TypeName":"Custom:A","Content":{"X":null}}`, wantErrSubstring: "not a string"},
		{name: "empty name", in: `{"SchemaVersion":"1.0","TypeName":"Custom:A","Content":{"":"x"}}`, wantErrSubstring: "attribute name"},
		{name: "long name", in: `{"SchemaVersion":"1.0","TypeName":"Custom:A","Content":{"` + strings.Repeat("n", 65) + `":"x"}}`, wantErrSubstring: "attribute name"},
		{name: "long value", in: `{"SchemaVersion":"1.0","TypeName":"Custom:A","Content":{"V":"` + strings.Repeat("v", 4097) + `"}}`, wantErrSubstring: "longer than 4096"},
		{name: "too many attributes", in: `{"SchemaVersion":"1.0","TypeName":"Custom:A","Content":{` + attrs(51) + `}}`, wantErrSubstring: "51 attributes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, v, got, err := parseCustomInventory([]byte(tt.in))
			if tt.wantErrSubstring != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSubstring) || !errors.Is(err, awserr.Invalid) {
					t.Errorf("parseCustomInventory() error = %v, want an Invalid error containing %q", err, tt.wantErrSubstring)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseCustomInventory() error = %v", err)
			}
			if typ != tt.wantType || v != tt.wantV {
				t.Errorf("parseCustomInventory() = %q, %q; want %q, %q", typ, v, tt.wantType, tt.wantV)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseCustomInventory() content mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// attrs returns n JSON attributes "a0":"x",...
func attrs(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf(`"a%d":"x"`, i))
	}
	return strings.Join(parts, ",")
}

func TestCustomInventoryDir(t *testing.T) {
	root := fixtureRoot(t)
	dir := "/var/lib/kanri/inventory/custom"
	items, err := Collect(t.Context(), Config{Root: root, CustomInventoryDir: dir, Hostname: "h"}, Set{CustomInventory: true})

	var got []Item
	for _, it := range items {
		if strings.HasPrefix(it.TypeName, "Custom:") {
			it.CaptureTime, it.ContentHash = "", ""
			got = append(got, it)
		}
	}
	want := []Item{
		{
			TypeName: "Custom:Licenses", SchemaVersion: "2.1",
			Content: []map[string]string{
				{"Product": "Oracle Database", "Edition": "Enterprise", "Seats": "16"},
				{"Product": "Veeam Backup", "Edition": "", "Seats": "4"},
			},
		},
		{
			TypeName: "Custom:RackInfo", SchemaVersion: "1.0",
			Content: []map[string]string{{"RackLocation": "Bay B/Row C/Rack D/Shelf E", "RackUnits": "2"}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("custom items mismatch (-want +got):\n%s", diff)
	}

	// Each bad file is reported, by path and kind, and the others still count.
	wantFails := map[string]error{
		filepath.Join(dir, "number.json"):       awserr.Invalid,
		filepath.Join(dir, "rack2.json"):        awserr.Exists,
		filepath.Join(dir, "truncated.json"):    awserr.Invalid,
		filepath.Join(dir, "wrong-prefix.json"): awserr.Invalid,
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Fatalf("Collect() error = %v, want the joined errors of bad files", err)
	}
	for _, e := range joined.Unwrap() {
		var ce *Error
		if !errors.As(e, &ce) {
			t.Errorf("error %v is not a *Error", e)
			continue
		}
		kind, ok := wantFails[ce.Path]
		if !ok || !errors.Is(ce, kind) || ce.TypeName != "Custom" {
			t.Errorf("unexpected error %v", ce)
		}
		delete(wantFails, ce.Path)
	}
	for p := range wantFails {
		t.Errorf("bad file %s was not reported", p)
	}
}

func TestCustomInventoryLimits(t *testing.T) {
	dir := t.TempDir()
	for i := range customFileLimit + 1 {
		doc := fmt.Sprintf(`{"SchemaVersion":"1.0","TypeName":"Custom:T%d","Content":{"A":"b"}}`, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("t%02d.json", i)), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	items, err := Collect(t.Context(), Config{CustomInventoryDir: dir, Hostname: "h"}, Set{CustomInventory: true})
	if !errors.Is(err, awserr.LimitExceeded) {
		t.Errorf("Collect() error = %v, want LimitExceeded", err)
	}
	for _, it := range items {
		if strings.HasPrefix(it.TypeName, "Custom:") {
			t.Errorf("Collect() read %s past the file limit", it.TypeName)
		}
	}

	// A missing directory is no custom inventory, and no error.
	items, err = Collect(t.Context(), Config{CustomInventoryDir: filepath.Join(dir, "none"), Hostname: "h"}, Set{CustomInventory: true})
	if err != nil || len(items) != 1 {
		t.Errorf("Collect() with no custom directory = %d items, %v; want only AWS:InstanceInformation", len(items), err)
	}
}
