// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package blob_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/blob"
)

// openDir opens a local blob.Store in dir.
func openDir(t testing.TB, dir string) blob.Store {
	t.Helper()
	s, err := blob.Open(context.Background(), blob.Config{Dir: dir})
	if err != nil {
		t.Fatalf("Open(%s) = %v", dir, err)
	}
	return s
}

func TestLocal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	testStore(t, openDir(t, dir), "kanri-test", storeOpts{})
	// No temporary file outlives its Put, failed or not.
	if ents, err := os.ReadDir(filepath.Join(dir, blob.TmpDir)); err != nil || len(ents) != 0 {
		t.Errorf("%s after the tests: %d entries, %v; want none", blob.TmpDir, len(ents), err)
	}
}

func TestLocalFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "blobs")
	s := openDir(t, dir)
	put(t, s, "kanri-test", "cmd/i-1/stdout", "out")

	tests := []struct {
		path string
		mode fs.FileMode
	}{
		{"", fs.ModeDir | 0o700},
		{"kanri-test", fs.ModeDir | 0o700},
		{"kanri-test/cmd", fs.ModeDir | 0o700},
		{"kanri-test/cmd/i-1", fs.ModeDir | 0o700},
		{"kanri-test/cmd/i-1/stdout", 0o600},
	}
	for _, tt := range tests {
		fi, err := os.Stat(filepath.Join(dir, tt.path))
		if err != nil {
			t.Errorf("Stat(%s) = %v", tt.path, err)
			continue
		}
		if fi.Mode() != tt.mode {
			t.Errorf("mode of %q = %v, want %v", tt.path, fi.Mode(), tt.mode)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "kanri-test", "cmd", "i-1", "stdout")); err != nil || string(b) != "out" {
		t.Errorf("object file holds %q, %v; want %q", b, err, "out")
	}

	// Delete removes the directories it leaves empty, up to the bucket.
	del(t, s, "kanri-test", "cmd/i-1/stdout")
	if _, err := os.Stat(filepath.Join(dir, "kanri-test", "cmd")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(kanri-test/cmd) after Delete = %v, want not exist", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "kanri-test")); err != nil {
		t.Errorf("Stat(kanri-test) after Delete = %v, want the bucket kept", err)
	}
}

// TestLocalEscape checks that no name and no symbolic link under the
// directory makes the store touch a file outside it.
func TestLocalEscape(t *testing.T) {
	top := t.TempDir()
	dir := filepath.Join(top, "blobs")
	outside := filepath.Join(top, "outside")
	if err := os.Mkdir(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := openDir(t, dir)
	put(t, s, "kanri-test", "k", "v")
	// Links to outside: a bucket, and a directory within a bucket.
	if err := os.Symlink(outside, filepath.Join(dir, "evil-bucket")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "kanri-test", "link")); err != nil {
		t.Fatal(err)
	}

	ctx := t.Context()
	names := []struct{ bucket, key string }{
		{"kanri-test", "../outside/new"},
		{"kanri-test", "../../outside/new"},
		{"kanri-test", "/" + filepath.Join(outside, "new")},
		{"..", "outside/new"},
		{"kanri-test/../..", "outside/new"},
		{"evil-bucket", "new"},
		{"evil-bucket", "secret"},
		{"kanri-test", "link/new"},
		{"kanri-test", "link/secret"},
	}
	for _, n := range names {
		if err := s.Put(ctx, n.bucket, n.key, strings.NewReader("escaped"), -1, ""); err == nil {
			t.Errorf("Put(%s, %s) succeeded, want an error", n.bucket, n.key)
		}
		if rc, err := s.Get(ctx, n.bucket, n.key); err == nil {
			rc.Close()
			t.Errorf("Get(%s, %s) succeeded, want an error", n.bucket, n.key)
		}
		// Delete may succeed (as for a missing object); the files
		// outside must stay, which is checked below.
		s.Delete(ctx, n.bucket, n.key)
	}
	for _, b := range []string{"evil-bucket", "kanri-test"} {
		if objs, err := s.List(ctx, b, ""); err == nil {
			for _, o := range objs {
				if o.Key != "k" {
					t.Errorf("List(%s) = %+v, includes a file outside the directory", b, o)
				}
			}
		}
	}

	ents, err := os.ReadDir(outside)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != "secret" {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("outside directory holds %q, want only the secret", names)
	}
	if b, err := os.ReadFile(filepath.Join(outside, "secret")); err != nil || string(b) != "secret" {
		t.Errorf("outside secret = %q, %v; want it unchanged", b, err)
	}
	if ents, err := os.ReadDir(top); err != nil || len(ents) != 2 {
		t.Errorf("%s holds %d entries (%v), want blobs and outside only", top, len(ents), err)
	}
}

// TestLocalConflict checks the one limit of a directory over S3: a key
// cannot be both an object and a prefix of one.
func TestLocalConflict(t *testing.T) {
	s := openDir(t, t.TempDir())
	put(t, s, "kanri-test", "c/d", "1")
	for _, key := range []string{"c", "c/d/e"} {
		err := s.Put(t.Context(), "kanri-test", key, strings.NewReader("2"), 1, "")
		if !errors.Is(err, awserr.Conflict) {
			t.Errorf("Put(%s) = %v, want kind Conflict", key, err)
		}
	}
	if got := get(t, s, "kanri-test", "c/d"); got != "1" {
		t.Errorf("Get(c/d) = %q, want %q", got, "1")
	}
	if objs := list(t, s, "kanri-test", ""); len(objs) != 1 {
		t.Errorf("List = %+v, want c/d only", objs)
	}
}

func TestLocalURL(t *testing.T) {
	s := openDir(t, t.TempDir())
	tests := []struct{ bucket, key, want string }{
		{"kanri-output", "cmd-1/mi-0123/awsrunShellScript/0.awsrunShellScript/stdout",
			"kanri://kanri-output/cmd-1/mi-0123/awsrunShellScript/0.awsrunShellScript/stdout"},
		{"my.bucket", "a b/c?d#e%f", "kanri://my.bucket/a%20b/c%3Fd%23e%25f"},
		{"b-1", "ファイル", "kanri://b-1/%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB"},
	}
	for _, tt := range tests {
		if got := s.URL(tt.bucket, tt.key); got != tt.want {
			t.Errorf("URL(%s, %s) = %s, want %s", tt.bucket, tt.key, got, tt.want)
		}
	}
}

func TestOpenLocalErrors(t *testing.T) {
	if s, err := blob.Open(t.Context(), blob.Config{}); !errors.Is(err, awserr.Invalid) || s != nil {
		t.Errorf("Open(Config{}) = %v, %v; want nil, kind Invalid", s, err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := blob.Open(t.Context(), blob.Config{Dir: file}); err == nil {
		t.Errorf("Open(Dir: a regular file) succeeded, want an error")
	}
}
