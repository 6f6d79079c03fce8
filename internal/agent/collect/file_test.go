// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package collect

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kanri-dev/kanri/internal/awserr"
)

func TestParseFileSpecs(t *testing.T) {
	five := 5
	tests := []struct {
		name, in string
		want     []FileSpec
		wantErr  bool
	}{
		{
			name: "as AWS-GatherSoftwareInventory takes it",
			in:   `[{"Path":"/etc","Pattern":["*.conf"],"Recursive":false},{"Path":"/opt/app","Pattern":["*.jar","*.war"],"Recursive":true,"DirScanLimit":5}]`,
			want: []FileSpec{
				{Path: "/etc", Pattern: []string{"*.conf"}},
				{Path: "/opt/app", Pattern: []string{"*.jar", "*.war"}, Recursive: true, DirScanLimit: &five},
			},
		},
		{
			name: "unescaped Windows path",
			in:   `[{"Path":"%ProgramFiles%\App","Pattern":["*.exe"],"Recursive":true}]`,
			want: []FileSpec{{Path: "%ProgramFiles%/App", Pattern: []string{"*.exe"}, Recursive: true}},
		},
		{name: "not JSON", in: `{"Path":`, wantErr: true},
		{name: "an object, not an array", in: `{"Path":"/etc"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFileSpecs(tt.in)
			if tt.wantErr {
				if err == nil || !errors.Is(err, awserr.Invalid) {
					t.Errorf("ParseFileSpecs(%q) = %v, %v; want an Invalid error", tt.in, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFileSpecs(%q) error = %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseFileSpecs() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExpandEnv(t *testing.T) {
	env := map[string]string{"HOME": "/home/ops", "ProgramFiles": `C:\Program Files`}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		in      string
		windows bool
		want    string
	}{
		{"$HOME/app", false, "/home/ops/app"},
		{"${HOME}/app", false, "/home/ops/app"},
		{"/opt/%HOME%", false, "/opt/%HOME%"},
		{`%ProgramFiles%\App`, true, `C:\Program Files\App`},
		{`C:\100%`, true, `C:\100%`},
		{`%Unset%\x`, true, `\x`},
	}
	for _, tt := range tests {
		if got := expandEnv(tt.in, getenv, tt.windows); got != tt.want {
			t.Errorf("expandEnv(%q, windows=%v) = %q, want %q", tt.in, tt.windows, got, tt.want)
		}
	}
}

func TestFiles(t *testing.T) {
	root := fixtureRoot(t)
	mod := fixtureTime.Format(time.RFC3339)
	f := func(dir, name, size string) map[string]string {
		return map[string]string{"Name": name, "Size": size, "ModificationTime": mod, "InstalledDir": dir}
	}
	tests := []struct {
		name      string
		specs     []FileSpec
		want      []map[string]string
		wantFails []string // paths reported as left out
	}{
		{
			name:  "one directory",
			specs: []FileSpec{{Path: "/etc/app", Pattern: []string{"*.conf"}}},
			want:  []map[string]string{f("/etc/app", "a.conf", "10"), f("/etc/app", "b.conf", "19")},
		},
		{
			name:  "recursive, several patterns, and the same file twice",
			specs: []FileSpec{{Path: "/etc/app", Pattern: []string{"*.conf", "notes.*"}, Recursive: true}, {Path: "/etc/app", Pattern: []string{"a.*"}}},
			want: []map[string]string{
				f("/etc/app", "a.conf", "10"), f("/etc/app", "b.conf", "19"), f("/etc/app", "notes.txt", "13"),
				f("/etc/app/sub", "c.conf", "4"), f("/etc/app/sub/deeper", "d.conf", "5"),
			},
		},
		{
			name:  "environment variables",
			specs: []FileSpec{{Path: "$APPDIR/sub", Pattern: []string{"*"}}},
			want:  []map[string]string{f("/etc/app/sub", "c.conf", "4")},
		},
		{
			name:      "missing and relative paths are left out",
			specs:     []FileSpec{{Path: "/nonexistent", Pattern: []string{"*"}}, {Path: "etc/app", Pattern: []string{"*"}}, {Path: "/etc/app", Pattern: []string{"b.conf"}}},
			want:      []map[string]string{f("/etc/app", "b.conf", "19")},
			wantFails: []string{"/nonexistent", "etc/app"},
		},
		{
			name:  "no pattern, no files",
			specs: []FileSpec{{Path: "/etc/app"}},
			want:  []map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCollector(Config{Root: root, FilePaths: tt.specs, Getenv: func(k string) string {
				return map[string]string{"APPDIR": "/etc/app"}[k]
			}})
			got, err := c.files(t.Context())
			if err != nil {
				t.Fatalf("files() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("files() mismatch (-want +got):\n%s", diff)
			}
			var fails []string
			for _, e := range c.errs {
				var ce *Error
				if !errors.As(e, &ce) || ce.TypeName != TypeFile {
					t.Errorf("reported %v, want a *Error of %s", e, TypeFile)
					continue
				}
				fails = append(fails, ce.Path)
			}
			if diff := cmp.Diff(tt.wantFails, fails); diff != "" {
				t.Errorf("paths reported (-want +got):\n%s", diff)
			}
		})
	}
}
