// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package datasync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/inventory"
)

// The columns each exported line has besides the entry's attributes, as
// AWS's exports name them: the instance, and the capture time and schema
// version of its item. They take precedence over attributes of the same
// name.
const (
	columnResourceID    = "resourceId"
	columnCaptureTime   = "captureTime"
	columnSchemaVersion = "schemaVersion"
)

const (
	// refreshBatch is how many items one refresh reads and writes at a
	// time, and instancePage how many instances' items a full export
	// takes at a time.
	refreshBatch = 100
	instancePage = 50
	// maxAttempts bounds how often a refresh writes items that keep
	// changing while it writes them; the change that outran it is
	// exported by its own PutInventory.
	maxAttempts = 5
	// dueBatch bounds how many due full exports one pass takes.
	dueBatch = 10
	// exportTimeout bounds an export made for a PutInventory or a
	// DeleteInventory.
	exportTimeout = 5 * time.Minute
)

// errLostLease stops a full export whose lease another server took over
// (or whose sync was deleted).
var errLostLease = errors.New("resource data sync export lease lost")

// itemKey names an instance's item of a type, and so an object in each
// sync's destination.
type itemKey struct{ instance, typeName string }

// object is what an item's object must hold: the item's entries as JSON
// lines, or nothing at all when the item does not exist (ok false).
type object struct {
	body []byte
	ok   bool
}

func (o object) equal(p object) bool { return o.ok == p.ok && bytes.Equal(o.body, p.body) }

// keyBase returns a destination prefix as the beginning of keys: without
// leading or trailing slashes.
func keyBase(prefix string) string { return strings.Trim(prefix, "/") }

// basePrefix returns the prefix of every key of sy's objects.
func basePrefix(sy *Sync) string {
	if base := keyBase(sy.Destination.Prefix); base != "" {
		return base + "/"
	}
	return ""
}

// typePrefix returns the prefix of sy's objects of a type: its partition
// of this account and region.
func (s *Service) typePrefix(sy *Sync, typeName string) string {
	return basePrefix(sy) + typeName + "/accountid=" + s.account + "/region=" + s.region + "/resourcetype=" + ResourceType + "/"
}

// objectKey returns the key of an item's object in sy's destination.
func (s *Service) objectKey(sy *Sync, k itemKey) string {
	return s.typePrefix(sy, k.typeName) + k.instance + ".json"
}

// parseKey returns the item whose object key is in sy's destination, if
// key is in the layout of exports, of this account and region.
func (s *Service) parseKey(sy *Sync, key string) (itemKey, bool) {
	rest, ok := strings.CutPrefix(key, basePrefix(sy))
	if !ok {
		return itemKey{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 5 || parts[1] != "accountid="+s.account || parts[2] != "region="+s.region || parts[3] != "resourcetype="+ResourceType ||
		!strings.HasPrefix(parts[0], "AWS:") && !strings.HasPrefix(parts[0], "Custom:") {
		return itemKey{}, false
	}
	id, ok := strings.CutSuffix(parts[4], ".json")
	if !ok || id == "" {
		return itemKey{}, false
	}
	return itemKey{instance: id, typeName: parts[0]}, true
}

// render returns an item's object: a line per entry, in the item's order,
// each a JSON object of the entry's attributes and the resource columns.
func render(it *inventory.Item) object {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, e := range it.Content {
		row := make(map[string]string, len(e)+3)
		maps.Copy(row, e)
		row[columnResourceID] = it.InstanceID
		row[columnCaptureTime] = it.CaptureTime
		row[columnSchemaVersion] = it.SchemaVersion
		enc.Encode(row) // a map of strings always encodes
	}
	return object{body: buf.Bytes(), ok: true}
}

// read returns the objects of keys as the database's items make them now.
func (s *Service) read(ctx context.Context, keys []itemKey) (map[itemKey]object, error) {
	out := make(map[itemKey]object, len(keys))
	instances, types := map[string]bool{}, map[string]bool{}
	for _, k := range keys {
		out[k] = object{}
		instances[k.instance], types[k.typeName] = true, true
	}
	items, err := s.inv.InventoryItems(ctx, s.account, slices.Sorted(maps.Keys(instances)), slices.Sorted(maps.Keys(types)), true)
	if err != nil {
		return nil, fmt.Errorf("read inventory to export: %w", err)
	}
	for _, it := range items {
		k := itemKey{instance: it.InstanceID, typeName: it.TypeName}
		if _, ok := out[k]; ok {
			out[k] = render(it)
		}
	}
	return out, nil
}

// write makes an item's object in sy's destination o: puts it, or
// deletes it.
func (s *Service) write(ctx context.Context, sy *Sync, k itemKey, o object) error {
	bucket, key := sy.Destination.BucketName, s.objectKey(sy, k)
	var err error
	if o.ok {
		err = s.objects.Put(ctx, bucket, key, bytes.NewReader(o.body), int64(len(o.body)), "application/json")
	} else {
		err = s.objects.Delete(ctx, bucket, key)
	}
	if err != nil {
		return fmt.Errorf("export %s/%s: %w", bucket, key, err)
	}
	return nil
}

// refresh makes the objects of the items keys name, in each sync's
// destination, what the database holds: the item's entries, or no object
// when there is no such item. It writes what it read, then reads the
// items again and writes again those that changed meanwhile, until what
// it wrote is what the database still holds. So of two exports of an
// item, on any servers, the one that read older data and wrote last sees
// the newer data when it reads again, and writes it: a stale export never
// stays. It returns, for each sync that failed, why.
func (s *Service) refresh(ctx context.Context, syncs []*Sync, keys []itemKey) map[*Sync]error {
	failed := map[*Sync]error{}
	for batch := range slices.Chunk(keys, refreshBatch) {
		if len(failed) == len(syncs) {
			break
		}
		if err := s.refreshBatch(ctx, syncs, batch, failed); err != nil {
			for _, sy := range syncs {
				if failed[sy] == nil {
					failed[sy] = err
				}
			}
		}
	}
	return failed
}

// refreshBatch is refresh of at most refreshBatch items; it adds to
// failed the syncs it could not write to, and returns the error that
// stopped it for all.
func (s *Service) refreshBatch(ctx context.Context, syncs []*Sync, keys []itemKey, failed map[*Sync]error) error {
	objs, err := s.read(ctx, keys)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		for _, sy := range syncs {
			for _, k := range keys {
				if failed[sy] != nil {
					break
				}
				if err := s.write(ctx, sy, k, objs[k]); err != nil {
					failed[sy] = err
				}
			}
		}
		if len(failed) == len(syncs) {
			return nil
		}
		now, err := s.read(ctx, keys)
		if err != nil {
			return err
		}
		var changed []itemKey
		for _, k := range keys {
			if !now[k].equal(objs[k]) {
				changed = append(changed, k)
			}
		}
		if len(changed) == 0 {
			return nil
		}
		if attempt == maxAttempts {
			return fmt.Errorf("%d inventory items changed %d times while they were exported", len(changed), maxAttempts)
		}
		keys, objs = changed, now
	}
}

// InventoryChanged exports an instance's items of typeNames, which
// PutInventory has just written, to every sync, and records how it went.
// An export that fails makes a full export of its sync due a while later.
func (s *Service) InventoryChanged(ctx context.Context, instanceID string, typeNames []string) {
	want := make([]PendingExport, len(typeNames))
	for i, t := range typeNames {
		want[i] = PendingExport{InstanceID: instanceID, TypeName: t}
	}
	// What PutInventory marked, read before the export reads the items,
	// so that clearing it afterwards cannot clear a later change.
	pending, err := s.store.PendingExports(ctx, s.account, want, time.Time{}, len(want))
	if err != nil {
		s.log.Error("read pending exports", "instance_id", instanceID, "err", err)
		pending = nil
	}
	s.exportPending(ctx, want, pending)
}

// exportPending exports items to every sync and, if every export
// succeeded, clears pending, the marks of those items' changes it read
// before it began.
func (s *Service) exportPending(ctx context.Context, items, pending []PendingExport) {
	keys := make([]itemKey, len(items))
	for i, p := range items {
		keys[i] = itemKey{instance: p.InstanceID, typeName: p.TypeName}
	}
	if !s.exportItems(ctx, func(context.Context, *Sync) ([]itemKey, error) { return keys, nil }) || len(pending) == 0 {
		return
	}
	if err := s.store.ClearPendingExports(context.WithoutCancel(ctx), s.account, pending); err != nil {
		s.log.Error("clear pending exports", "err", err)
	}
}

// exportStale exports the items whose change no export has written for
// Timing.Pending: the server that made the change stopped before its
// export, or the export failed.
func (s *Service) exportStale(ctx context.Context) {
	pending, err := s.store.PendingExports(ctx, s.account, nil, s.now().UTC().Add(-s.timing.Pending), staleBatch)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("list pending exports", "err", err)
		}
		return
	}
	if len(pending) == 0 {
		return
	}
	s.log.Warn("exporting inventory items no export has written since they changed", "items", len(pending))
	s.exportPending(ctx, pending, pending)
}

// InventoryDeleted deletes a custom type's objects from every sync's
// destination once DeleteInventory deleted its data (or writes instead
// the items of the type put since), and records how it went.
func (s *Service) InventoryDeleted(ctx context.Context, typeName string) {
	s.exportItems(ctx, func(ctx context.Context, sy *Sync) ([]itemKey, error) {
		keys, err := s.objects.Keys(ctx, sy.Destination.BucketName, s.typePrefix(sy, typeName))
		if err != nil {
			return nil, fmt.Errorf("list exports of %s in %s: %w", typeName, sy.Destination.BucketName, err)
		}
		var out []itemKey
		for _, key := range keys {
			if k, ok := s.parseKey(sy, key); ok && k.typeName == typeName {
				out = append(out, k)
			}
		}
		return out, nil
	})
}

// exportItems refreshes, in every sync's destination, the items that
// keysOf names for it, and records each sync's outcome. It reports whether
// every sync's export succeeded (true when there is no sync).
func (s *Service) exportItems(ctx context.Context, keysOf func(context.Context, *Sync) ([]itemKey, error)) bool {
	// The export outlives the request that caused it: a client that goes
	// away does not cut it short.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), exportTimeout)
	defer cancel()
	start := s.now().UTC()
	syncs, err := s.store.ResourceDataSyncs(ctx, s.account, TypeToDestination, "", 0)
	if err != nil {
		s.log.Error("list resource data syncs to export to", "err", err)
		return false
	}
	if len(syncs) == 0 {
		return true
	}
	failed := map[*Sync]error{}
	seen := map[itemKey]bool{}
	var keys []itemKey
	var ok []*Sync
	for _, sy := range syncs {
		ks, err := keysOf(ctx, sy)
		if err != nil {
			failed[sy] = err
			continue
		}
		ok = append(ok, sy)
		for _, k := range ks {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	maps.Copy(failed, s.refresh(ctx, ok, keys))
	for _, sy := range syncs {
		o := Outcome{At: start}
		if err := failed[sy]; err != nil {
			o.Err, o.RetryAt = s.failure(sy, err), s.now().UTC().Add(s.timing.Retry)
		}
		if err := s.store.RecordResourceDataSync(ctx, sy.Account, sy.Name, o); err != nil {
			s.log.Error("record resource data sync export", "sync_name", sy.Name, "err", err)
		}
	}
	return len(failed) == 0
}

// failure logs why an export to sy failed and returns what the sync's
// status says: the object store's error code and message, or that the
// log has the details (which may name the server's files).
func (s *Service) failure(sy *Sync, err error) string {
	s.log.Error("resource data sync export failed", "sync_name", sy.Name, "bucket", sy.Destination.BucketName, "err", err)
	if ae, ok := errors.AsType[*awserr.Error](err); ok {
		return ae.Code + ": " + ae.Message
	}
	return "The export to bucket " + sy.Destination.BucketName + " failed: the server's log has the details."
}

// Run runs the full exports of the account's syncs until ctx ends: that
// of each sync made (at once when made on this server), and that of each
// sync whose export failed, a while later. Every server runs it; each
// full export is claimed by one, which keeps a lease on it as it goes, so
// that another takes it over if that server stops.
func (s *Service) Run(ctx context.Context) {
	tick := time.NewTicker(s.timing.Poll)
	defer tick.Stop()
	for {
		s.exportDue(ctx)
		s.exportStale(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.kick:
		}
	}
}

// wake makes this server's Run look for due exports now.
func (s *Service) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// exportDue claims and runs the full exports that are due.
func (s *Service) exportDue(ctx context.Context) {
	now := s.now().UTC()
	due, err := s.store.DueResourceDataSyncs(ctx, s.account, now, dueBatch)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("list due resource data syncs", "err", err)
		}
		return
	}
	for _, sy := range due {
		lease := now.Add(s.timing.Lease)
		ok, err := s.store.ClaimResourceDataSync(ctx, sy.Account, sy.Name, sy.FullDue, lease, now)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("claim resource data sync export", "sync_name", sy.Name, "err", err)
			}
			continue
		}
		if ok {
			s.exportAll(ctx, sy, lease)
		}
	}
}

// exportAll runs a claimed full export of sy and records how it went.
func (s *Service) exportAll(ctx context.Context, sy *Sync, lease time.Time) {
	start := s.now()
	err := s.copyAll(ctx, sy, &lease)
	switch {
	case errors.Is(err, errLostLease):
		s.log.Info("resource data sync export taken over or deleted", "sync_name", sy.Name)
		return
	case ctx.Err() != nil:
		return // stopping: another server takes the export over once the lease ends
	}
	o := Outcome{At: s.now().UTC()}
	o.RetryAt = o.At.Add(s.timing.Retry)
	if err != nil {
		o.Err = s.failure(sy, err)
	}
	ok, err := s.store.FinishResourceDataSync(ctx, sy.Account, sy.Name, lease, o)
	switch {
	case err != nil:
		s.log.Error("record resource data sync export", "sync_name", sy.Name, "err", err)
	case ok && o.Err == "":
		s.log.Info("resource data sync exported", "sync_name", sy.Name, "duration", s.now().Sub(start))
	}
}

// copyAll writes every item of the inventory to sy's destination and
// deletes the objects there of items that no longer exist, renewing the
// lease as it goes.
func (s *Service) copyAll(ctx context.Context, sy *Sync, lease *time.Time) error {
	keys, err := s.objects.Keys(ctx, sy.Destination.BucketName, basePrefix(sy))
	if err != nil {
		return fmt.Errorf("list exports in %s: %w", sy.Destination.BucketName, err)
	}
	gone := map[itemKey]bool{}
	for _, key := range keys {
		if k, ok := s.parseKey(sy, key); ok {
			gone[k] = true
		}
	}
	for after := ""; ; {
		ids, err := s.inv.InventoryInstances(ctx, s.account, "", after, instancePage)
		if err != nil {
			return fmt.Errorf("list instances to export: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		items, err := s.inv.InventoryItems(ctx, s.account, ids, nil, false)
		if err != nil {
			return fmt.Errorf("list items to export: %w", err)
		}
		keys := make([]itemKey, len(items))
		for i, it := range items {
			keys[i] = itemKey{instance: it.InstanceID, typeName: it.TypeName}
			delete(gone, keys[i])
		}
		if err := s.refresh(ctx, []*Sync{sy}, keys)[sy]; err != nil {
			return err
		}
		if err := s.renew(ctx, sy, lease); err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
	rest := slices.SortedFunc(maps.Keys(gone), func(a, b itemKey) int {
		return strings.Compare(a.instance+"/"+a.typeName, b.instance+"/"+b.typeName)
	})
	return s.refresh(ctx, []*Sync{sy}, rest)[sy]
}

// renew extends the lease of sy's full export.
func (s *Service) renew(ctx context.Context, sy *Sync, lease *time.Time) error {
	until := s.now().UTC().Add(s.timing.Lease)
	ok, err := s.store.RenewResourceDataSync(ctx, sy.Account, sy.Name, *lease, until)
	if err != nil {
		return fmt.Errorf("renew resource data sync export lease: %w", err)
	}
	if !ok {
		return errLostLease
	}
	*lease = until
	return nil
}
