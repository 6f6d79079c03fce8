// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/awserr"
)

// refreshFraction is the part of credentials' lifetime after which they
// are refreshed.
const refreshFraction = 0.8

// credentialsSource is the aws.Credentials.Source of the agent's
// credentials.
const credentialsSource = "KanriAgent"

// identity returns the registration and key, loading them on first use.
func (a *Agent) identity() (*State, nkeys.KeyPair, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.st != nil {
		return a.st, a.kp, nil
	}
	st, err := loadState(a.dir)
	if err != nil {
		return nil, nil, err
	}
	kp, err := loadKey(a.dir, st)
	if err != nil {
		return nil, nil, err
	}
	a.st, a.kp = st, kp
	return st, kp, nil
}

// busJWT returns the current bus JWT, for (re)connecting to the bus.
func (a *Agent) busJWT() (string, error) {
	// A State is never changed once loaded: a new bus JWT comes in a new
	// one.
	st, _, err := a.identity()
	if err != nil {
		return "", err
	}
	return st.BusJWT, nil
}

// Credentials returns a provider of the temporary credentials of the
// instance's IAM role, for aws.Config.Credentials. Like an
// aws.CredentialsCache it is safe for concurrent use, asks the server once
// however many callers wait, and hands out cached credentials until
// refreshFraction of their lifetime has passed (measured with Config.Now);
// if a refresh fails while the cached ones are still valid, those are
// returned. A deregistered instance gets an error wrapping ErrDeregistered.
func (a *Agent) Credentials() aws.CredentialsProvider { return credentialsProvider{a} }

type credentialsProvider struct{ a *Agent }

// Retrieve returns the role's credentials.
func (p credentialsProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, _, err := p.a.credentials(ctx, false)
	return c, err
}

// credentials returns the cached credentials, or fetches new ones when
// they are due for refresh or force is set. jwtChanged reports whether the
// fetch brought a new bus JWT.
func (a *Agent) credentials(ctx context.Context, force bool) (c aws.Credentials, jwtChanged bool, err error) {
	select {
	case a.credSem <- struct{}{}:
	case <-ctx.Done():
		return aws.Credentials{}, false, ctx.Err()
	}
	defer func() { <-a.credSem }()

	now := a.now()
	a.mu.Lock()
	cached, ok, refreshAt := a.cred, a.credOK, a.credRefreshAt
	a.mu.Unlock()
	if ok && !force && now.Before(refreshAt) {
		return cached, false, nil
	}
	c, refreshAt, jwtChanged, err = a.fetchCredentials(ctx, now)
	if err != nil {
		if ok && now.Before(cached.Expires) && !errors.Is(err, ErrDeregistered) && ctx.Err() == nil {
			a.log.Warn("refresh credentials; using the cached ones", "expires", cached.Expires, "err", err)
			return cached, false, nil
		}
		return aws.Credentials{}, false, err
	}
	a.mu.Lock()
	a.cred, a.credOK, a.credRefreshAt = c, true, refreshAt
	a.mu.Unlock()
	return c, jwtChanged, nil
}

// fetchCredentials asks the server for credentials, signed with the agent
// key, and stores a new bus JWT if the answer has one.
func (a *Agent) fetchCredentials(ctx context.Context, now time.Time) (c aws.Credentials, refreshAt time.Time, jwtChanged bool, err error) {
	st, kp, err := a.identity()
	if err != nil {
		return c, refreshAt, false, err
	}
	t := now.UTC().Truncate(time.Second)
	sig, err := kp.Sign([]byte(agentproto.SignedString(st.InstanceID, t)))
	if err != nil {
		return c, refreshAt, false, fmt.Errorf("sign credentials request: %w", err)
	}
	req := agentproto.CredentialsRequest{
		InstanceID: st.InstanceID,
		Time:       t,
		Signature:  base64.RawURLEncoding.EncodeToString(sig),
	}
	var resp agentproto.CredentialsResponse
	if err := a.post(ctx, st.Endpoint+agentproto.PathCredentials, &req, &resp); err != nil {
		if e := awserr.As(err); e != nil && e.Code == agentproto.CodeInstanceNotRegistered {
			return c, refreshAt, false, fmt.Errorf("credentials of %s: %w: %w", st.InstanceID, ErrDeregistered, err)
		}
		return c, refreshAt, false, fmt.Errorf("credentials of %s from %s: %w", st.InstanceID, st.Endpoint, err)
	}
	if resp.AccessKeyID == "" || resp.SecretAccessKey == "" || resp.Expiration.IsZero() {
		return c, refreshAt, false, fmt.Errorf("credentials of %s from %s: incomplete answer", st.InstanceID, st.Endpoint)
	}
	c = aws.Credentials{
		AccessKeyID:     resp.AccessKeyID,
		SecretAccessKey: resp.SecretAccessKey,
		SessionToken:    resp.SessionToken,
		Source:          credentialsSource,
		CanExpire:       true,
		Expires:         resp.Expiration,
		AccountID:       st.Account,
	}
	refreshAt = now.Add(time.Duration(float64(resp.Expiration.Sub(now)) * refreshFraction))
	if resp.BusJWT != "" {
		a.mu.Lock()
		if resp.BusJWT != st.BusJWT {
			next := *st
			next.BusJWT = resp.BusJWT
			if err := saveState(a.dir, &next); err != nil {
				// Keep using it in this process; the stored one still
				// works until it expires.
				a.log.Warn("store the new bus JWT", "err", err)
			}
			a.st = &next
			jwtChanged = true
		}
		a.mu.Unlock()
	}
	return c, refreshAt, jwtChanged, nil
}
