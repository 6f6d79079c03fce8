// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package kms_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/kms"
	"github.com/kanri-dev/kanri/internal/store/storetest"
	kmsapi "github.com/kanri-dev/kanri/internal/wire/kms"
)

// TestDueKeysAreDeletedAndRotatedAndAudited moves the clock past a key's
// waiting period and another's rotation date and lets two servers' Run
// find them: the first is gone, the second has new material once, and
// each action is in the audit trail once, as the service's own, with the
// key's ARN.
func TestDueKeysAreDeletedAndRotatedAndAudited(t *testing.T) {
	db := storetest.Open(t, storetest.SQLite(t))
	ring, err := kms.LoadKeyring(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var events []audit.Event
	cfg := kms.Config{Store: db, Sealer: ring, Account: "123456789012", Region: "us-east-1",
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		Audit: func(_ context.Context, ev audit.Event) error {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, ev)
			return nil
		}}
	s, other := kms.New(cfg), kms.New(cfg) // two servers on one database
	ctx := context.Background()
	create := func() string {
		out, err := s.CreateKey(ctx, &kmsapi.CreateKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		return out.KeyMetadata.KeyId
	}
	doomed, rotating, kept := create(), create(), create()
	if _, err := s.ScheduleKeyDeletion(ctx, &kmsapi.ScheduleKeyDeletionInput{KeyId: doomed, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnableKeyRotation(ctx, &kmsapi.EnableKeyRotationInput{KeyId: rotating, RotationPeriodInDays: aws.Int32(90)}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.AddDate(0, 0, 91)
	mu.Unlock()

	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, srv := range []*kms.Service{s, other} {
		wg.Go(func() { srv.Run(runCtx, 10*time.Millisecond) })
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(events)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // both servers have looked again
	cancel()
	wg.Wait()

	if _, err := s.DescribeKey(ctx, &kmsapi.DescribeKeyInput{KeyId: doomed}); err == nil {
		t.Error("the key past its waiting period is still there")
	}
	rot, err := s.ListKeyRotations(ctx, &kmsapi.ListKeyRotationsInput{KeyId: rotating})
	if err != nil || len(rot.Rotations) != 1 || rot.Rotations[0].RotationType != "AUTOMATIC" {
		t.Errorf("ListKeyRotations of the rotating key = %+v, %v; want one automatic rotation", rot, err)
	}
	want := map[string]string{"DeleteKey": s.ARN(doomed), "RotateKey": s.ARN(rotating)}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 2 {
		t.Fatalf("audit events = %+v, want a DeleteKey and a RotateKey", events)
	}
	for _, ev := range events {
		if ev.PrincipalType != audit.PrincipalService || ev.Source != "kms.amazonaws.com" || len(ev.Resources) != 1 ||
			ev.Resources[0].ARN != want[ev.Name] || ev.Resources[0].Type != "AWS::KMS::Key" || !ev.Time.Equal(now) {
			t.Errorf("audit event %+v, want the service's own %s of %s at %v", ev, ev.Name, want[ev.Name], now)
		}
		if ev.Resources[0].ARN == s.ARN(kept) {
			t.Error("the key with nothing due was acted on")
		}
	}
}
