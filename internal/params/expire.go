// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package params

import (
	"context"
	"time"

	"github.com/kanri-dev/kanri/internal/audit"
)

// ExpiryInterval is how often Run looks for parameters whose Expiration
// policy is due. AWS enforces the policies by periodic scans too.
const ExpiryInterval = 10 * time.Second

// expireBatch is how many due parameters one look deletes at most; the
// rest wait for the next.
const expireBatch = 500

// Run deletes the parameters whose Expiration policy is due, every
// interval, until ctx ends. Any number of servers may run it: each
// parameter is deleted once, and not if a put moved its expiration on
// meanwhile.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.ExpireDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("delete expired parameters", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ExpireDue deletes the account's parameters whose Expiration policy's
// time has come, with all their versions and labels, and returns the
// names of those it deleted (at most expireBatch at a time). Each
// deletion is logged and recorded in the audit trail as the service's
// own DeleteParameter.
func (s *Service) ExpireDue(ctx context.Context) ([]string, error) {
	now := s.now()
	names, err := s.store.ExpiredParameters(ctx, s.account, now, expireBatch)
	if err != nil {
		return nil, err
	}
	var deleted []string
	for _, name := range names {
		ok, err := s.store.ExpireParameter(ctx, s.account, Key(name), now)
		if err != nil {
			return deleted, err
		}
		if ok {
			s.log.Info("parameter deleted by its Expiration policy", "name", name)
			ev := audit.ServiceEvent(now, s.account, s.region, "ssm.amazonaws.com", "DeleteParameter", s.ARN(name))
			if err := s.audit(ctx, ev); err != nil {
				s.log.Error("audit record of an expired parameter's deletion not written", "name", name, "err", err)
			}
			deleted = append(deleted, name)
		}
	}
	return deleted, nil
}
