// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/kms"
	"github.com/kanri-dev/kanri/internal/store"
)

// testKMS runs the KMS store tests, each on a fresh database.
func testKMS(t *testing.T, fresh func(t testing.TB) store.Config) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"Keys", testKMSKeys},
		{"Rotate", testKMSRotate},
		{"RotateConcurrent", testKMSRotateConcurrent},
		{"ManagedKeyConcurrent", testKMSManagedKeyConcurrent},
		{"Aliases", testKMSAliases},
		{"Due", testKMSDue},
		{"DeleteDueKeyRaces", testKMSDeleteDueKeyRaces},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, Open(t, fresh(t))) })
	}
}

var kmsT0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// newKMSKey returns an enabled key of acct with ID id (a UUID) and its
// first material.
func newKMSKey(id string) (*kms.Key, *kms.Material) {
	k := &kms.Key{ID: id, Account: acct, Description: "d", Usage: kms.UsageEncryptDecrypt, Spec: kms.SpecSymmetric, Origin: kms.OriginKMS,
		Manager: kms.ManagerCustomer, State: kms.StateEnabled, Policy: "{}", Tags: map[string]string{"team": "a"}, CreatedAt: kmsT0, CurrentVersion: 1}
	return k, &kms.Material{KeyID: id, Version: 1, Sealed: []byte("sealed-1"), CreatedAt: kmsT0}
}

func kmsID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func testKMSKeys(t *testing.T, db *store.DB) {
	ctx := context.Background()
	k, m := newKMSKey(kmsID(1))
	if err := db.CreateKey(ctx, k, m); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateKey(ctx, k, m); !errors.Is(err, awserr.Exists) {
		t.Errorf("CreateKey twice = %v, want Exists", err)
	}
	got, err := db.GetKey(ctx, k.ID)
	if err != nil || got.Description != "d" || got.State != kms.StateEnabled || got.Tags["team"] != "a" || !got.CreatedAt.Equal(kmsT0) ||
		got.CurrentVersion != 1 || !got.DeletionAt.IsZero() {
		t.Errorf("GetKey = %+v, %v", got, err)
	}
	if _, err := db.GetKey(ctx, kmsID(9)); !errors.Is(err, awserr.NotFound) {
		t.Errorf("GetKey(missing) = %v, want NotFound", err)
	}
	state, at, days := kms.StatePendingDeletion, kmsT0.Add(7*24*time.Hour), 7
	got, err = db.UpdateKey(ctx, k.ID, kms.KeyUpdate{State: &state, DeletionAt: &at, PendingWindowDays: &days})
	if err != nil || got.State != state || !got.DeletionAt.Equal(at) || got.PendingWindowDays != 7 || got.Description != "d" {
		t.Errorf("UpdateKey = %+v, %v", got, err)
	}
	if _, err := db.UpdateKey(ctx, kmsID(9), kms.KeyUpdate{State: &state}); !errors.Is(err, awserr.NotFound) {
		t.Errorf("UpdateKey(missing) = %v, want NotFound", err)
	}
	tags, err := db.TagKey(ctx, k.ID, map[string]string{"env": "prod"}, []string{"team"}, 2)
	if err != nil || len(tags) != 1 || tags["env"] != "prod" {
		t.Errorf("TagKey = %v, %v", tags, err)
	}
	if _, err := db.TagKey(ctx, k.ID, map[string]string{"a": "1", "b": "2"}, nil, 2); !errors.Is(err, awserr.LimitExceeded) {
		t.Errorf("TagKey past the limit = %v, want LimitExceeded", err)
	}
	k2, m2 := newKMSKey(kmsID(2))
	k2.Account = "210987654321"
	if err := db.CreateKey(ctx, k2, m2); err != nil {
		t.Fatal(err)
	}
	keys, err := db.ListKeys(ctx, acct, "", 0)
	if err != nil || len(keys) != 1 || keys[0].ID != k.ID {
		t.Errorf("ListKeys = %d keys, %v; want the account's one", len(keys), err)
	}
	mat, err := db.GetMaterial(ctx, k.ID, 1)
	if err != nil || !bytes.Equal(mat.Sealed, []byte("sealed-1")) {
		t.Errorf("GetMaterial = %+v, %v", mat, err)
	}
	// Only a key whose waiting period has ended is deleted: k is pending
	// deletion at at (above), k2 enabled.
	if ok, err := db.DeleteDueKey(ctx, k2.ID, at.AddDate(1, 0, 0)); err != nil || ok {
		t.Errorf("DeleteDueKey of an enabled key = %v, %v; want false", ok, err)
	}
	if ok, err := db.DeleteDueKey(ctx, k.ID, at.Add(-time.Millisecond)); err != nil || ok {
		t.Errorf("DeleteDueKey before the end of the waiting period = %v, %v; want false", ok, err)
	}
	if ok, err := db.DeleteDueKey(ctx, k.ID, at); err != nil || !ok {
		t.Fatalf("DeleteDueKey at the end of the waiting period = %v, %v; want true", ok, err)
	}
	if _, err := db.GetMaterial(ctx, k.ID, 1); !errors.Is(err, awserr.NotFound) {
		t.Errorf("GetMaterial after DeleteDueKey = %v, want NotFound", err)
	}
	if ok, err := db.DeleteDueKey(ctx, k.ID, at); err != nil || ok {
		t.Errorf("DeleteDueKey twice = %v, %v; want false", ok, err)
	}
}

// testKMSDeleteDueKeyRaces deletes a due key from several goroutines at
// once, as several servers would (exactly one deletes it), and a key whose
// deletion is cancelled after it was listed as due (none does).
func testKMSDeleteDueKeyRaces(t *testing.T, db *store.DB) {
	ctx := context.Background()
	at := kmsT0.Add(7 * 24 * time.Hour)
	for i := 1; i <= 2; i++ {
		k, m := newKMSKey(kmsID(i))
		k.State, k.DeletionAt = kms.StatePendingDeletion, at
		if err := db.CreateKey(ctx, k, m); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var deleted atomic.Int32
	for range 4 {
		wg.Go(func() {
			ok, err := db.DeleteDueKey(ctx, kmsID(1), at)
			if err != nil {
				t.Errorf("DeleteDueKey: %v", err)
			}
			if ok {
				deleted.Add(1)
			}
		})
	}
	wg.Wait()
	if n := deleted.Load(); n != 1 {
		t.Errorf("%d of 4 concurrent DeleteDueKey deleted the key, want 1", n)
	}

	deletions, _, err := db.DueKeys(ctx, at)
	if err != nil || len(deletions) != 1 || deletions[0] != kmsID(2) {
		t.Fatalf("DueKeys = %v, %v; want key 2", deletions, err)
	}
	state, none := kms.StateDisabled, time.Time{} // CancelKeyDeletion, after the listing
	if _, err := db.UpdateKey(ctx, kmsID(2), kms.KeyUpdate{State: &state, DeletionAt: &none}); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.DeleteDueKey(ctx, kmsID(2), at); err != nil || ok {
		t.Errorf("DeleteDueKey of a key whose deletion was cancelled = %v, %v; want false", ok, err)
	}
	if _, err := db.GetMaterial(ctx, kmsID(2), 1); err != nil {
		t.Errorf("the cancelled key's material: %v", err)
	}
}

func testKMSRotate(t *testing.T, db *store.DB) {
	ctx := context.Background()
	k, m := newKMSKey(kmsID(1))
	if err := db.CreateKey(ctx, k, m); err != nil {
		t.Fatal(err)
	}
	next := kmsT0.AddDate(0, 0, 90)
	got, err := db.RotateKey(ctx, &kms.Material{KeyID: k.ID, Version: 2, Sealed: []byte("sealed-2"), RotationType: kms.RotationOnDemand, CreatedAt: kmsT0}, time.Time{}, next)
	if err != nil || got == nil || got.CurrentVersion != 2 || !got.NextRotationAt.Equal(next) {
		t.Fatalf("RotateKey = %+v, %v; want version 2", got, err)
	}
	// Version 2 again: another rotation made it meanwhile.
	got, err = db.RotateKey(ctx, &kms.Material{KeyID: k.ID, Version: 2, Sealed: []byte("other"), CreatedAt: kmsT0}, time.Time{}, time.Time{})
	if err != nil || got != nil {
		t.Errorf("RotateKey to a version made = %+v, %v; want nil, nil", got, err)
	}
	// A due rotation that is no longer due does nothing.
	got, err = db.RotateKey(ctx, &kms.Material{KeyID: k.ID, Version: 3, Sealed: []byte("x"), CreatedAt: kmsT0}, kmsT0, next)
	if err != nil || got != nil {
		t.Errorf("RotateKey not due = %+v, %v; want nil, nil", got, err)
	}
	ms, err := db.ListMaterial(ctx, k.ID)
	if err != nil || len(ms) != 2 || ms[1].Version != 2 || string(ms[1].Sealed) != "sealed-2" || ms[1].RotationType != kms.RotationOnDemand {
		t.Errorf("ListMaterial = %+v, %v", ms, err)
	}
}

// testKMSRotateConcurrent rotates one key from 8 goroutines at once, each
// as the same due rotation: exactly one makes version 2.
func testKMSRotateConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	k, m := newKMSKey(kmsID(1))
	k.RotationPeriodDays, k.NextRotationAt = 90, kmsT0
	if err := db.CreateKey(ctx, k, m); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	made := 0
	for i := range 8 {
		wg.Go(func() {
			got, err := db.RotateKey(ctx, &kms.Material{KeyID: k.ID, Version: 2, Sealed: fmt.Appendf(nil, "s%d", i), RotationType: kms.RotationAutomatic,
				CreatedAt: kmsT0}, kmsT0, kmsT0.AddDate(0, 0, 90))
			if err != nil {
				t.Error(err)
			}
			if got != nil {
				mu.Lock()
				made++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	ms, err := db.ListMaterial(ctx, k.ID)
	if made != 1 || err != nil || len(ms) != 2 {
		t.Errorf("%d rotations made, %d versions (%v); want 1 and 2", made, len(ms), err)
	}
}

// testKMSManagedKeyConcurrent makes the AWS managed key from 8 goroutines
// at once: all get the same key.
func testKMSManagedKeyConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			k, m := newKMSKey(kmsID(i + 1))
			k.Manager = kms.ManagerAWS
			got, err := db.CreateManagedKey(ctx, k, m, "alias/aws/ssm")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = got.ID
		})
	}
	wg.Wait()
	keys, err := db.ListKeys(ctx, acct, "", 0)
	if err != nil || len(keys) != 1 {
		t.Fatalf("ListKeys = %d keys, %v; want 1", len(keys), err)
	}
	for i, id := range ids {
		if id != keys[0].ID {
			t.Errorf("CreateManagedKey %d = key %s, want %s", i, id, keys[0].ID)
		}
	}
}

func testKMSAliases(t *testing.T, db *store.DB) {
	ctx := context.Background()
	for i := 1; i <= 2; i++ {
		k, m := newKMSKey(kmsID(i))
		if err := db.CreateKey(ctx, k, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []kms.Alias{{Name: "alias/b", KeyID: kmsID(1)}, {Name: "alias/a", KeyID: kmsID(2)}, {Name: "alias/c", KeyID: kmsID(1)}} {
		a.Account, a.CreatedAt, a.UpdatedAt = acct, kmsT0, kmsT0
		if err := db.CreateAlias(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateAlias(ctx, &kms.Alias{Account: acct, Name: "alias/a", KeyID: kmsID(1), CreatedAt: kmsT0, UpdatedAt: kmsT0}); !errors.Is(err, awserr.Exists) {
		t.Errorf("CreateAlias twice = %v, want Exists", err)
	}
	names := func(as []*kms.Alias) (out []string) {
		for _, a := range as {
			out = append(out, a.Name+">"+a.KeyID[len(a.KeyID)-1:])
		}
		return out
	}
	all, err := db.ListAliases(ctx, acct, "", "", 0)
	if got := fmt.Sprint(names(all)); err != nil || got != "[alias/a>2 alias/b>1 alias/c>1]" {
		t.Errorf("ListAliases = %s, %v", got, err)
	}
	of1, err := db.ListAliases(ctx, acct, kmsID(1), "alias/b", 1)
	if got := fmt.Sprint(names(of1)); err != nil || got != "[alias/c>1]" {
		t.Errorf("ListAliases(key 1, after alias/b, 1) = %s, %v", got, err)
	}
	later := kmsT0.Add(time.Hour)
	if err := db.UpdateAlias(ctx, acct, "alias/a", kmsID(1), later); err != nil {
		t.Fatal(err)
	}
	a, err := db.GetAlias(ctx, acct, "alias/a")
	if err != nil || a.KeyID != kmsID(1) || !a.UpdatedAt.Equal(later) || !a.CreatedAt.Equal(kmsT0) {
		t.Errorf("GetAlias after UpdateAlias = %+v, %v", a, err)
	}
	if err := db.UpdateAlias(ctx, acct, "alias/none", kmsID(1), later); !errors.Is(err, awserr.NotFound) {
		t.Errorf("UpdateAlias(missing) = %v, want NotFound", err)
	}
	if err := db.DeleteAlias(ctx, acct, "alias/b"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAlias(ctx, acct, "alias/b"); !errors.Is(err, awserr.NotFound) {
		t.Errorf("DeleteAlias twice = %v, want NotFound", err)
	}
	// Deleting a key deletes its aliases.
	state, at := kms.StatePendingDeletion, kmsT0
	if _, err := db.UpdateKey(ctx, kmsID(1), kms.KeyUpdate{State: &state, DeletionAt: &at}); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.DeleteDueKey(ctx, kmsID(1), at); err != nil || !ok {
		t.Fatalf("DeleteDueKey = %v, %v", ok, err)
	}
	all, err = db.ListAliases(ctx, acct, "", "", 0)
	if err != nil || len(all) != 0 {
		t.Errorf("ListAliases after DeleteKey = %s, %v; want none", names(all), err)
	}
}

func testKMSDue(t *testing.T, db *store.DB) {
	ctx := context.Background()
	now := kmsT0.Add(24 * time.Hour)
	keys := []func(k *kms.Key){
		func(k *kms.Key) { k.State, k.DeletionAt = kms.StatePendingDeletion, now },                        // 1: deletion due
		func(k *kms.Key) { k.State, k.DeletionAt = kms.StatePendingDeletion, now.Add(time.Second) },       // 2: not yet
		func(k *kms.Key) { k.RotationPeriodDays, k.NextRotationAt = 90, now.Add(-time.Second) },           // 3: rotation due
		func(k *kms.Key) { k.RotationPeriodDays, k.NextRotationAt = 90, now.Add(time.Second) },            // 4: not yet
		func(k *kms.Key) { k.State, k.RotationPeriodDays, k.NextRotationAt = kms.StateDisabled, 90, now }, // 5: disabled
	}
	for i, set := range keys {
		k, m := newKMSKey(kmsID(i + 1))
		set(k)
		if err := db.CreateKey(ctx, k, m); err != nil {
			t.Fatal(err)
		}
	}
	deletions, rotations, err := db.DueKeys(ctx, now)
	if err != nil || fmt.Sprint(deletions) != fmt.Sprint([]string{kmsID(1)}) || fmt.Sprint(rotations) != fmt.Sprint([]string{kmsID(3)}) {
		t.Errorf("DueKeys = %v, %v, %v; want deletion of key 1 and rotation of key 3", deletions, rotations, err)
	}
}
