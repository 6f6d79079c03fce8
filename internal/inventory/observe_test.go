// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package inventory_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/inventory"
	"github.com/kanri-dev/kanri/internal/store"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// recorder is an Observer that records what it is told.
type recorder struct{ calls []string }

func (r *recorder) InventoryChanged(ctx context.Context, instanceID string, typeNames []string) {
	for _, t := range typeNames {
		r.calls = append(r.calls, "changed "+instanceID+" "+t)
	}
}

func (r *recorder) InventoryDeleted(ctx context.Context, typeName string) {
	r.calls = append(r.calls, "deleted "+typeName)
}

// TestObserver checks that the observer hears of the items whose content a
// PutInventory replaced, and of deletions, after they are committed.
func TestObserver(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rec := &recorder{}
	s := inventory.New(inventory.Config{Store: db, Instances: instances{id(1): true}, Account: acct, Observer: rec,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }})
	apps := func(hash string, content []map[string]string) *ssm.InventoryItem {
		return &ssm.InventoryItem{TypeName: "AWS:Application", SchemaVersion: "1.1", CaptureTime: "2026-03-01T10:00:00Z", ContentHash: hash, Content: content}
	}
	rack := &ssm.InventoryItem{TypeName: "Custom:Rack", SchemaVersion: "1.0", CaptureTime: "2026-03-01T10:00:00Z", Content: []map[string]string{{"Rack": "R1"}}}
	steps := []struct {
		name  string
		items []*ssm.InventoryItem
		want  []string
	}{
		{"new items", []*ssm.InventoryItem{apps("h1", []map[string]string{{"Name": "bash"}}), rack},
			[]string{"changed " + id(1) + " AWS:Application", "changed " + id(1) + " Custom:Rack"}},
		{"same hash with content", []*ssm.InventoryItem{apps("h1", []map[string]string{{"Name": "bash"}})}, nil},
		{"same hash without content", []*ssm.InventoryItem{apps("h1", nil)}, nil},
		{"new hash", []*ssm.InventoryItem{apps("h2", []map[string]string{{"Name": "telnet"}})}, []string{"changed " + id(1) + " AWS:Application"}},
		{"no hash: always rewritten", []*ssm.InventoryItem{rack}, []string{"changed " + id(1) + " Custom:Rack"}},
	}
	for _, st := range steps {
		rec.calls = nil
		if _, err := s.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: id(1), Items: st.items}); err != nil {
			t.Fatalf("%s: PutInventory: %v", st.name, err)
		}
		if diff := cmp.Diff(st.want, rec.calls); diff != "" {
			t.Errorf("%s: observer calls mismatch (-want +got):\n%s", st.name, diff)
		}
	}
	// A refused write tells nothing.
	rec.calls = nil
	if _, err := s.PutInventory(ctx, &ssm.PutInventoryInput{InstanceId: id(1), Items: []*ssm.InventoryItem{apps("h9", nil)}}); err == nil {
		t.Fatal("PutInventory(mismatched hash without content) succeeded")
	}
	if len(rec.calls) != 0 {
		t.Errorf("observer calls after a refused write = %q, want none", rec.calls)
	}
	if _, err := s.DeleteInventory(ctx, &ssm.DeleteInventoryInput{TypeName: "Custom:Rack"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"deleted Custom:Rack"}, rec.calls); diff != "" {
		t.Errorf("observer calls after DeleteInventory mismatch (-want +got):\n%s", diff)
	}
}
