// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/inventory"
	"github.com/kanri-dev/kanri/internal/store"
)

// testInventory runs the inventory store tests, each on a fresh database.
func testInventory(t *testing.T, fresh func(t testing.TB) store.Config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"Items", testInventoryItems},
		{"Queries", testInventoryQueries},
		{"CustomTypes", testInventoryCustomTypes},
		{"CustomTypesConcurrent", testInventoryCustomTypesConcurrent},
		{"Deletions", testInventoryDeletions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, Open(t, fresh(t))) })
	}
}

var invLimits = inventory.Limits{CustomTypes: 3, Attributes: 4}

func apps(kv ...string) []map[string]string {
	var out []map[string]string
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, map[string]string{"Name": kv[i], "Version": kv[i+1]})
	}
	return out
}

// putItems puts an instance's items and returns the types whose content
// the put replaced.
func putItems(t *testing.T, db *store.DB, instance string, items ...*inventory.Item) []string {
	t.Helper()
	changed, err := db.PutInventoryItems(context.Background(), acct, instance, items, invLimits, at(1, 0, 0, 0))
	must(t, err)
	return changed
}

func testInventoryItems(t *testing.T, db *store.DB) {
	ctx := context.Background()
	app := &inventory.Item{TypeName: "AWS:Application", SchemaVersion: "1.1", CaptureTime: "2026-01-01T00:00:00Z", ContentHash: "h1",
		Content: apps("openjdk-17", "17.0.2", "bash", "5.1")}
	info := &inventory.Item{TypeName: "AWS:InstanceInformation", SchemaVersion: "1.0", CaptureTime: "2026-01-01T00:00:00Z", ContentHash: "i1",
		Content: []map[string]string{{"PlatformType": "Linux"}}}
	if changed := putItems(t, db, "mi-1", app, info); !slices.Equal(changed, []string{"AWS:Application", "AWS:InstanceInformation"}) {
		t.Errorf("changed by the first put = %v, want both types", changed)
	}

	got, err := db.InventoryItems(ctx, acct, []string{"mi-1"}, nil, true)
	must(t, err)
	want := []*inventory.Item{
		{InstanceID: "mi-1", TypeName: "AWS:Application", SchemaVersion: "1.1", CaptureTime: "2026-01-01T00:00:00Z", ContentHash: "h1",
			Content: apps("openjdk-17", "17.0.2", "bash", "5.1"), Entries: 2, UpdatedAt: at(1, 0, 0, 0)},
		{InstanceID: "mi-1", TypeName: "AWS:InstanceInformation", SchemaVersion: "1.0", CaptureTime: "2026-01-01T00:00:00Z", ContentHash: "i1",
			Content: []map[string]string{{"PlatformType": "Linux"}}, Entries: 1, UpdatedAt: at(1, 0, 0, 0)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("InventoryItems mismatch (-want +got):\n%s", diff)
	}

	// The same hash with new content is acknowledged without rewriting:
	// only the capture time changes.
	if changed := putItems(t, db, "mi-1", &inventory.Item{TypeName: "AWS:Application", SchemaVersion: "1.1", CaptureTime: "2026-01-02T00:00:00Z",
		ContentHash: "h1", Content: apps("other", "1")}); len(changed) != 0 {
		t.Errorf("changed by a put of the stored hash = %v, want none", changed)
	}
	// Without content, the same hash is acknowledged; another is a mismatch.
	if changed := putItems(t, db, "mi-1", &inventory.Item{TypeName: "AWS:InstanceInformation", SchemaVersion: "1.0", CaptureTime: "2026-01-03T00:00:00Z",
		ContentHash: "i1"}); len(changed) != 0 {
		t.Errorf("changed by a put without content = %v, want none", changed)
	}
	_, err = db.PutInventoryItems(ctx, acct, "mi-1", []*inventory.Item{
		{TypeName: "AWS:Network", SchemaVersion: "1.0", CaptureTime: "2026-01-03T00:00:00Z", Content: []map[string]string{{"Name": "eth0"}}},
		{TypeName: "AWS:Application", SchemaVersion: "1.1", CaptureTime: "2026-01-03T00:00:00Z", ContentHash: "h2"},
	}, invLimits, at(1, 0, 0, 0))
	var mismatch *inventory.ContentMismatchError
	if !errors.As(err, &mismatch) || mismatch.TypeName != "AWS:Application" {
		t.Errorf("PutInventoryItems(no content, other hash) = %v, want a ContentMismatchError of AWS:Application", err)
	}
	got, err = db.InventoryItems(ctx, acct, []string{"mi-1"}, nil, true)
	must(t, err)
	if len(got) != 2 || got[0].CaptureTime != "2026-01-02T00:00:00Z" || !cmp.Equal(got[0].Content, apps("openjdk-17", "17.0.2", "bash", "5.1")) ||
		got[1].CaptureTime != "2026-01-03T00:00:00Z" || got[1].Entries != 1 {
		t.Errorf("InventoryItems after unchanged puts and a failed one = %+v", got)
	}

	// A new hash replaces the content; an empty entry and an empty name
	// are kept as they are.
	if changed := putItems(t, db, "mi-1", &inventory.Item{TypeName: "AWS:Application", SchemaVersion: "1.1", CaptureTime: "2026-01-04T00:00:00Z",
		ContentHash: "h3", Content: []map[string]string{{"Name": ""}, {}}}); !slices.Equal(changed, []string{"AWS:Application"}) {
		t.Errorf("changed by a put of a new hash = %v, want AWS:Application", changed)
	}
	got, err = db.InventoryItems(ctx, acct, []string{"mi-1"}, []string{"AWS:Application"}, true)
	must(t, err)
	if len(got) != 1 || !cmp.Equal(got[0].Content, []map[string]string{{"Name": ""}, {}}) || got[0].ContentHash != "h3" {
		t.Errorf("InventoryItems after replacement = %+v", got)
	}
	n, err := db.CountInventoryEntries(ctx, inventory.EntryQuery{Account: acct, TypeName: "AWS:Application"}, inventory.ColumnName)
	must(t, err)
	if !cmp.Equal(n, map[string]int{"": 1}) {
		t.Errorf("CountInventoryEntries(names) = %v, want one empty name", n)
	}
	// Metadata only, and other accounts see nothing.
	got, err = db.InventoryItems(ctx, acct, []string{"mi-1", "mi-2"}, []string{"AWS:InstanceInformation"}, false)
	must(t, err)
	if len(got) != 1 || got[0].Content != nil || got[0].Entries != 1 {
		t.Errorf("InventoryItems(metadata) = %+v", got)
	}
	if got, err := db.InventoryItems(ctx, "210987654321", []string{"mi-1"}, nil, true); err != nil || len(got) != 0 {
		t.Errorf("InventoryItems(other account) = %+v, %v", got, err)
	}
}

func testInventoryQueries(t *testing.T, db *store.DB) {
	ctx := context.Background()
	item := func(content []map[string]string) *inventory.Item {
		return &inventory.Item{TypeName: "AWS:Application", SchemaVersion: "1.1", CaptureTime: "2026-01-01T00:00:00Z", Content: content}
	}
	putItems(t, db, "mi-1", item(apps("openjdk-17-jre", "17.0.2", "openjdk-11-jre", "11.0.20", "bash", "5.1")))
	putItems(t, db, "mi-2", item(apps("openjdk-17-jdk", "17.0.2", "java-common", "0.72")))
	putItems(t, db, "mi-3", item(apps("bash", "5.2", "openjdl", "1", "openjdk", "9")))
	putItems(t, db, "mi-4", &inventory.Item{TypeName: "AWS:Network", SchemaVersion: "1.0", CaptureTime: "2026-01-01T00:00:00Z",
		Content: []map[string]string{{"Name": "openjdk-eth"}}})
	putItems(t, db, "mi-5", item(apps("\xff\xffz", "1")))

	q := func(conds ...inventory.Cond) inventory.EntryQuery {
		return inventory.EntryQuery{Account: acct, TypeName: "AWS:Application", Conds: conds}
	}
	prefix := func(vs ...string) inventory.Cond {
		return inventory.Cond{Column: inventory.ColumnName, Prefix: true, Values: vs}
	}
	for _, tt := range []struct {
		q    inventory.EntryQuery
		ids  []string
		vers map[string]int
	}{
		{q(prefix("openjdk-")), []string{"mi-1", "mi-2"}, map[string]int{"17.0.2": 2, "11.0.20": 1}},
		{q(prefix("openjdk")), []string{"mi-1", "mi-2", "mi-3"}, map[string]int{"17.0.2": 2, "11.0.20": 1, "9": 1}},
		{q(prefix("java", "bash")), []string{"mi-1", "mi-2", "mi-3"}, map[string]int{"0.72": 1, "5.1": 1, "5.2": 1}},
		{q(prefix("\xff\xff")), []string{"mi-5"}, map[string]int{"1": 1}},
		{q(prefix("")), []string{"mi-1", "mi-2", "mi-3", "mi-5"}, nil},
		{q(inventory.Cond{Column: inventory.ColumnName, Values: []string{"bash"}}), []string{"mi-1", "mi-3"}, map[string]int{"5.1": 1, "5.2": 1}},
		{q(prefix("openjdk"), inventory.Cond{Column: inventory.ColumnVersion, Values: []string{"17.0.2"}}), []string{"mi-1", "mi-2"},
			map[string]int{"17.0.2": 2}},
		{q(prefix("OpenJDK")), nil, map[string]int{}},
	} {
		ids, err := db.InventoryEntryInstances(ctx, tt.q)
		must(t, err)
		if !slices.Equal(ids, tt.ids) {
			t.Errorf("InventoryEntryInstances(%+v) = %v, want %v", tt.q.Conds, ids, tt.ids)
		}
		if tt.vers == nil {
			continue
		}
		vers, err := db.CountInventoryEntries(ctx, tt.q, inventory.ColumnVersion)
		must(t, err)
		if !cmp.Equal(vers, tt.vers) {
			t.Errorf("CountInventoryEntries(%+v, Version) = %v, want %v", tt.q.Conds, vers, tt.vers)
		}
	}
	entries, err := db.InventoryEntries(ctx, q(prefix("openjdk-1")))
	must(t, err)
	want := []*inventory.Entry{
		{InstanceID: "mi-1", Seq: 0, Content: map[string]string{"Name": "openjdk-17-jre", "Version": "17.0.2"}},
		{InstanceID: "mi-1", Seq: 1, Content: map[string]string{"Name": "openjdk-11-jre", "Version": "11.0.20"}},
		{InstanceID: "mi-2", Seq: 0, Content: map[string]string{"Name": "openjdk-17-jdk", "Version": "17.0.2"}},
	}
	if diff := cmp.Diff(want, entries); diff != "" {
		t.Errorf("InventoryEntries mismatch (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		typeName, after string
		n               int
		want            []string
	}{
		{"", "", 0, []string{"mi-1", "mi-2", "mi-3", "mi-4", "mi-5"}},
		{"", "mi-2", 2, []string{"mi-3", "mi-4"}},
		{"AWS:Network", "", 0, []string{"mi-4"}},
		{"AWS:Application", "mi-3", 0, []string{"mi-5"}},
	} {
		got, err := db.InventoryInstances(ctx, acct, tt.typeName, tt.after, tt.n)
		must(t, err)
		if !slices.Equal(got, tt.want) {
			t.Errorf("InventoryInstances(%q, %q, %d) = %v, want %v", tt.typeName, tt.after, tt.n, got, tt.want)
		}
	}
}

func testInventoryCustomTypes(t *testing.T, db *store.DB) {
	ctx := context.Background()
	custom := func(name, version string, attrs ...string) *inventory.Item {
		e := map[string]string{}
		for _, a := range attrs {
			e[a] = "v"
		}
		return &inventory.Item{TypeName: name, SchemaVersion: version, CaptureTime: "2026-01-01T00:00:00Z", Content: []map[string]string{e}}
	}
	putItems(t, db, "mi-1", custom("Custom:Rack", "1.0", "Rack", "Row"), custom("Custom:Owner", "1.0", "Team"))
	putItems(t, db, "mi-2", custom("Custom:Rack", "1.1", "Slot"))
	types, err := db.CustomInventoryTypes(ctx, acct)
	must(t, err)
	want := []*inventory.CustomType{
		{Account: acct, TypeName: "Custom:Owner", SchemaVersion: "1.0", Attributes: []string{"Team"}, CreatedAt: at(1, 0, 0, 0)},
		{Account: acct, TypeName: "Custom:Rack", SchemaVersion: "1.1", Attributes: []string{"Rack", "Row", "Slot"}, CreatedAt: at(1, 0, 0, 0)},
	}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("CustomInventoryTypes mismatch (-want +got):\n%s", diff)
	}
	// Limits: a fifth attribute, a fourth type; nothing of the failed
	// request is written.
	_, err = db.PutInventoryItems(ctx, acct, "mi-3", []*inventory.Item{custom("Custom:Rack", "1.1", "A", "B")}, invLimits, at(1, 0, 0, 0))
	if !errors.Is(err, awserr.Invalid) {
		t.Errorf("PutInventoryItems(5 attributes) = %v, want Invalid", err)
	}
	putItems(t, db, "mi-3", custom("Custom:Third", "1.0"))
	_, err = db.PutInventoryItems(ctx, acct, "mi-3", []*inventory.Item{custom("Custom:Fresh", "1.0", "X"), custom("Custom:Fourth", "1.0")}, invLimits,
		at(1, 0, 0, 0))
	if !errors.Is(err, awserr.LimitExceeded) {
		t.Errorf("PutInventoryItems(a fourth custom type) = %v, want LimitExceeded", err)
	}
	if ids, err := db.InventoryInstances(ctx, acct, "", "", 0); err != nil || !slices.Equal(ids, []string{"mi-1", "mi-2", "mi-3"}) {
		t.Errorf("InventoryInstances = %v, %v", ids, err)
	}
	if got, _ := db.InventoryItems(ctx, acct, []string{"mi-3"}, nil, false); len(got) != 1 {
		t.Errorf("mi-3 items after failed puts = %+v, want Custom:Third only", got)
	}
}

// testInventoryCustomTypesConcurrent adds custom types from many
// transactions at once: the limit holds.
func testInventoryCustomTypesConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			it := &inventory.Item{TypeName: fmt.Sprintf("Custom:T%d", i), SchemaVersion: "1.0", CaptureTime: "2026-01-01T00:00:00Z",
				Content: []map[string]string{{"A": "1"}}}
			_, errs[i] = db.PutInventoryItems(ctx, acct, fmt.Sprintf("mi-%d", i), []*inventory.Item{it}, invLimits, time.Now())
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, awserr.LimitExceeded):
			t.Errorf("PutInventoryItems = %v", err)
		}
	}
	types, err := db.CustomInventoryTypes(ctx, acct)
	must(t, err)
	if ok != invLimits.CustomTypes || len(types) != invLimits.CustomTypes {
		t.Errorf("%d puts succeeded, %d custom types, want %d of each", ok, len(types), invLimits.CustomTypes)
	}
}

func testInventoryDeletions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	rack := func(version string) *inventory.Item {
		return &inventory.Item{TypeName: "Custom:Rack", SchemaVersion: version, CaptureTime: "2026-01-01T00:00:00Z",
			Content: []map[string]string{{"Rack": "r1"}}}
	}
	putItems(t, db, "mi-1", rack("1.0"))
	putItems(t, db, "mi-2", rack("1.0"))
	putItems(t, db, "mi-3", rack("2.0"))
	counts, err := db.InventoryVersionCounts(ctx, acct, "Custom:Rack")
	must(t, err)
	if want := []inventory.VersionCount{{Version: "1.0", Count: 2}, {Version: "2.0", Count: 1}}; !cmp.Equal(counts, want) {
		t.Errorf("InventoryVersionCounts = %v, want %v", counts, want)
	}

	d := &inventory.Deletion{ID: "d1", Account: acct, TypeName: "Custom:Rack", ClientToken: "tok", Option: "DisableSchema", StartedAt: at(1, 0, 0, 0)}
	must(t, db.DeleteInventoryType(ctx, d))
	if want := []inventory.VersionCount{{Version: "1.0", Count: 2}, {Version: "2.0", Count: 1}}; !cmp.Equal(d.Summary, want) {
		t.Errorf("deletion summary = %v, want %v", d.Summary, want)
	}
	if ids, err := db.InventoryInstances(ctx, acct, "", "", 0); err != nil || len(ids) != 0 {
		t.Errorf("InventoryInstances after deletion = %v, %v", ids, err)
	}
	types, err := db.CustomInventoryTypes(ctx, acct)
	must(t, err)
	if len(types) != 1 || types[0].DisabledVersion != "2.0" {
		t.Errorf("custom types after DisableSchema = %+v", types)
	}
	// A later version enables it again.
	putItems(t, db, "mi-1", rack("2.1"))
	if types, _ := db.CustomInventoryTypes(ctx, acct); len(types) != 1 || types[0].DisabledVersion != "" || types[0].SchemaVersion != "2.1" {
		t.Errorf("custom types after a later version = %+v", types)
	}

	err = db.DeleteInventoryType(ctx, &inventory.Deletion{ID: "d2", Account: acct, TypeName: "Custom:Rack", ClientToken: "tok", StartedAt: at(2, 0, 0, 0)})
	if !errors.Is(err, awserr.Exists) {
		t.Errorf("DeleteInventoryType(same token) = %v, want Exists", err)
	}
	must(t, db.DeleteInventoryType(ctx, &inventory.Deletion{ID: "d3", Account: acct, TypeName: "Custom:Rack", Option: "DeleteSchema",
		StartedAt: at(3, 0, 0, 0)}))
	if types, _ := db.CustomInventoryTypes(ctx, acct); len(types) != 0 {
		t.Errorf("custom types after DeleteSchema = %+v", types)
	}
	err = db.DeleteInventoryType(ctx, &inventory.Deletion{ID: "d4", Account: acct, TypeName: "Custom:Rack", StartedAt: at(4, 0, 0, 0)})
	if !errors.Is(err, awserr.NotFound) {
		t.Errorf("DeleteInventoryType(deleted type) = %v, want NotFound", err)
	}

	ds, err := db.InventoryDeletions(ctx, acct, "", 1)
	must(t, err)
	if len(ds) != 1 || ds[0].ID != "d3" || len(ds[0].Summary) != 1 || ds[0].Summary[0] != (inventory.VersionCount{Version: "2.1", Count: 1}) {
		t.Errorf("InventoryDeletions(first) = %+v", ds)
	}
	ds, err = db.InventoryDeletions(ctx, acct, "d3", 0)
	must(t, err)
	if len(ds) != 1 || ds[0].ID != "d1" || ds[0].ClientToken != "tok" || ds[0].Option != "DisableSchema" || !ds[0].StartedAt.Equal(at(1, 0, 0, 0)) {
		t.Errorf("InventoryDeletions(after d3) = %+v", ds)
	}
	if got, err := db.InventoryDeletion(ctx, acct, "tok", true); err != nil || got.ID != "d1" {
		t.Errorf("InventoryDeletion(by token) = %+v, %v", got, err)
	}
	if _, err := db.InventoryDeletion(ctx, acct, "d9", false); !errors.Is(err, awserr.NotFound) {
		t.Errorf("InventoryDeletion(d9) = %v, want NotFound", err)
	}
}
