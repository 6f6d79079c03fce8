// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"testing"

	"github.com/kanri-dev/kanri/internal/agent/collect"
	"github.com/kanri-dev/kanri/internal/agentproto"
)

// TestCollectorSet maps the aws:softwareInventory inputs the document
// enables to the collectors.
func TestCollectorSet(t *testing.T) {
	got := collectorSet(&agentproto.InventoryStep{
		Collectors: []string{"applications", "networkConfig", "services", "customInventory", "windowsUpdates"},
		Files:      `[{"Path":"/etc","Pattern":["*.conf"]}]`,
	})
	want := collect.Set{Applications: true, NetworkConfig: true, Services: true, CustomInventory: true, Files: true}
	if got != want {
		t.Errorf("collectorSet = %+v, want %+v", got, want)
	}
	if got := collectorSet(nil); got != (collect.Set{}) {
		t.Errorf("collectorSet(nil) = %+v, want none", got)
	}
}

// TestInventoryHashes keeps the hashes of what was sent across runs.
func TestInventoryHashes(t *testing.T) {
	r := &inventoryRunner{a: &Agent{dir: t.TempDir()}}
	m, err := r.loadHashes()
	if err != nil || len(m) != 0 {
		t.Fatalf("loadHashes before any run = %v, %v; want empty", m, err)
	}
	if err := r.saveHashes(map[string]string{"AWS:Application": "abc"}); err != nil {
		t.Fatal(err)
	}
	m, err = r.loadHashes()
	if err != nil || m["AWS:Application"] != "abc" || len(m) != 1 {
		t.Errorf("loadHashes = %v, %v", m, err)
	}
}
