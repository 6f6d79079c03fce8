// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/store"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
)

// gatedReads is a real store whose access-key and policy reads are
// counted and, while gated, wait until released: a read that is slow
// while the cache entries of every request in flight have just expired.
type gatedReads struct {
	*store.DB
	gated         atomic.Bool
	release       chan struct{}
	keyReads      atomic.Int32
	policiesReads atomic.Int32
}

func (g *gatedReads) GetAccessKey(ctx context.Context, id string) (*iam.AccessKey, error) {
	g.keyReads.Add(1)
	if g.gated.Load() {
		<-g.release
	}
	return g.DB.GetAccessKey(ctx, id)
}

func (g *gatedReads) PolicyDocuments(ctx context.Context, account, kind, owner string) ([]iam.PolicyDocument, error) {
	g.policiesReads.Add(1)
	if g.gated.Load() {
		<-g.release
	}
	return g.DB.PolicyDocuments(ctx, account, kind, owner)
}

// TestRequestsThatMissTogetherShareOneLookup shows that requests whose
// cached key and policies expired at the same moment read the store
// once between them, not once each, and all get the right answer; and
// that a key changed through the service is not answered from a lookup
// begun before the change.
func TestRequestsThatMissTogetherShareOneLookup(t *testing.T) {
	e := newEnv(t)
	g := &gatedReads{DB: e.db, release: make(chan struct{})}
	s := iam.New(iam.Config{Store: g, Sealer: e.keyring, Account: account, Now: e.clock.Now,
		Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "mei"}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*"}]}`
	if _, err := s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "mei", PolicyName: "read", PolicyDocument: doc}); err != nil {
		t.Fatal(err)
	}
	key, err := s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: "mei"})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey

	const requests = 20
	g.gated.Store(true)
	var started, done sync.WaitGroup
	errs := make(chan error, requests)
	for range requests {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			got, p, err := s.Credentials(ctx, id, "", "ssm")
			if err == nil && got != secret {
				err = errWrongSecret
			}
			if err == nil {
				err = s.Authorize(ctx, &iam.Caller{Principal: p, Time: e.clock.Now()}, "ssm:GetParameter", nil, nil)
			}
			errs <- err
		}()
	}
	started.Wait()
	time.Sleep(100 * time.Millisecond) // let every request reach the gated read
	close(g.release)
	done.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a request: %v", err)
		}
	}
	if n := g.keyReads.Load(); n != 1 {
		t.Errorf("%d requests missing the key cache together read the key %d times, want once", requests, n)
	}
	if n := g.policiesReads.Load(); n != 1 {
		t.Errorf("%d requests missing the policy cache together read the policies %d times, want once", requests, n)
	}

	// Deactivated through the service: the next request is refused, even
	// though the cache held the key a moment ago.
	if _, err := s.UpdateAccessKey(ctx, &iamapi.UpdateAccessKeyInput{UserName: "mei", AccessKeyId: id, Status: iamapi.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Credentials(ctx, id, "", "ssm"); err != iam.ErrUnknownKey {
		t.Errorf("Credentials of a key just deactivated = %v, want %v", err, iam.ErrUnknownKey)
	}
}

// errWrongSecret is a request's failure when it got another secret.
var errWrongSecret = errors.New("Credentials returned another secret than the key's")

// BenchmarkCacheMiss measures what one request pays when its access key
// and policies are not cached (every request in flight at an expiry did,
// before they shared one lookup): the key read and its secret opened, the
// policies read and parsed, and the decision.
func BenchmarkCacheMiss(b *testing.B) {
	e := newEnv(b)
	s := iam.New(iam.Config{Store: e.db, Sealer: e.keyring, Account: account, Now: e.clock.Now,
		KeyCacheTTL: time.Nanosecond, PolicyCacheTTL: time.Nanosecond, Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "mei"}); err != nil {
		b.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*"}]}`
	if _, err := s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "mei", PolicyName: "read", PolicyDocument: doc}); err != nil {
		b.Fatal(err)
	}
	key, err := s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: "mei"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		e.clock.Add(time.Second) // past both TTLs
		_, p, err := s.Credentials(ctx, key.AccessKey.AccessKeyId, "", "ssm")
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Authorize(ctx, &iam.Caller{Principal: p, Time: e.clock.Now()}, "ssm:GetParameter", nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
