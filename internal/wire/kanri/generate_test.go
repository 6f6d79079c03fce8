// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package kanri_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kanri-dev/kanri/internal/wire/wiregen"
)

//go:generate go test -run TestGenerated -update

var update = flag.Bool("update", false, "rewrite the generated files from service-2.json")

// TestGenerated generates the package from its model, service-2.json, and
// fails if the committed files differ; with -update it rewrites them.
func TestGenerated(t *testing.T) {
	f, err := os.Open("service-2.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := wiregen.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := wiregen.Generate(m, wiregen.Config{Package: "kanri", Module: "github.com/kanri-dev/kanri", Source: "internal/wire/kanri/service-2.json"})
	if err != nil {
		t.Fatal(err)
	}
	stale, err := filepath.Glob("*_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, f := range res.Files {
		want[f.Name] = true
		if *update {
			if err := os.WriteFile(f.Name, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(f.Name)
		if err != nil {
			t.Errorf("%v; run go generate ./internal/wire/kanri", err)
			continue
		}
		if !bytes.Equal(got, f.Data) {
			t.Errorf("%s differs from what service-2.json generates; run go generate ./internal/wire/kanri", f.Name)
		}
	}
	for _, name := range stale {
		switch {
		case want[name]:
		case *update:
			if err := os.Remove(name); err != nil {
				t.Fatal(err)
			}
		default:
			t.Errorf("%s is not generated any more; run go generate ./internal/wire/kanri", name)
		}
	}
}
