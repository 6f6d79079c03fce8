// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/store"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
)

// slowWrites is a real store whose record of an access key's use waits
// until released, as a write waits for SQLite's single writer while the
// audit trail holds it.
type slowWrites struct {
	*store.DB
	release chan struct{}
}

func (s *slowWrites) TouchAccessKey(ctx context.Context, id string, at time.Time, service, region string) error {
	<-s.release
	return s.DB.TouchAccessKey(ctx, id, at, service, region)
}

// TestKeyUseIsRecordedOffTheRequestPath shows that authenticating with a
// key whose last use must be recorded does not wait for the store's
// write, that this server reports the use meanwhile, and that the use is
// stored once the write goes through.
func TestKeyUseIsRecordedOffTheRequestPath(t *testing.T) {
	e := newEnv(t)
	slow := &slowWrites{DB: e.db, release: make(chan struct{})}
	s := iam.New(iam.Config{Store: slow, Sealer: e.keyring, Account: account, Region: "eu-west-1", Now: e.clock.Now,
		Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "rin"}); err != nil {
		t.Fatal(err)
	}
	key, err := s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: "rin"})
	if err != nil {
		t.Fatal(err)
	}
	id := key.AccessKey.AccessKeyId

	done := make(chan error, 1)
	go func() {
		_, _, err := s.Credentials(ctx, id, "", "ssm")
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Credentials: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Credentials waited for the store to record the key's use")
	}

	stored, err := e.db.GetAccessKey(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !stored.LastUsed.IsZero() {
		t.Fatalf("the store has the use (%v) before its write was released", stored.LastUsed)
	}
	lu, err := s.GetAccessKeyLastUsed(ctx, &iamapi.GetAccessKeyLastUsedInput{AccessKeyId: id})
	if err != nil {
		t.Fatal(err)
	}
	if d := lu.AccessKeyLastUsed.LastUsedDate; d == nil || !d.Time().Equal(e.clock.Now()) ||
		lu.AccessKeyLastUsed.ServiceName != "ssm" || lu.AccessKeyLastUsed.Region != "eu-west-1" {
		t.Errorf("GetAccessKeyLastUsed while the write waits = %+v, want %v, ssm, eu-west-1", lu.AccessKeyLastUsed, e.clock.Now())
	}

	close(slow.release)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.WaitKeyUses(wctx); err != nil {
		t.Fatal(err)
	}
	stored, err = e.db.GetAccessKey(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !stored.LastUsed.Equal(e.clock.Now()) || stored.LastService != "ssm" || stored.LastRegion != "eu-west-1" {
		t.Errorf("stored use = %v %s %s, want %v ssm eu-west-1", stored.LastUsed, stored.LastService, stored.LastRegion, e.clock.Now())
	}
}
