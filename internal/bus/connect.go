// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bus

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
)

// Reconnect and liveness settings of Connect.
const (
	reconnectBase = 250 * time.Millisecond // delay after the first failed round
	reconnectMax  = 30 * time.Second       // cap of the delay
	pingInterval  = 30 * time.Second       // a dead peer is noticed in about 2 intervals
)

// Connect connects to the bus at urls (nats://, tls://, ws:// or wss://) as
// the user of userJWT, proving it holds seed. The connection is named after
// the JWT's name, reconnects forever with exponential backoff and jitter
// (capped at 30 s), and pings every 30 s. opts come last and so override
// these settings; agents add nats.CustomInboxPrefix(agentproto.InboxPrefix(id))
// so that their requests' replies stay under their subjects.
//
// ctx bounds the first connection only. The caller closes the connection.
// Authentication failures return nats.ErrAuthorization. As nats.go does by
// default, a connection closes for good once the server refuses its
// credentials twice in a row (for example after a revocation); pass
// nats.IgnoreAuthErrorAbort to keep trying.
func Connect(ctx context.Context, urls []string, userJWT string, seed []byte, opts ...nats.Option) (*nats.Conn, error) {
	if len(urls) == 0 {
		return nil, fmt.Errorf("connect: no urls")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	uc, err := jwt.DecodeUserClaims(userJWT)
	if err != nil {
		return nil, fmt.Errorf("connect: user jwt: %w", err)
	}
	name := uc.Name
	if name == "" {
		name = uc.Subject
	}
	o := []nats.Option{
		nats.Name(name),
		nats.UserJWTAndSeed(userJWT, string(seed)),
		nats.MaxReconnects(-1),
		nats.CustomReconnectDelay(reconnectDelay),
		nats.PingInterval(pingInterval),
		nats.MaxPingsOutstanding(2),
	}
	if d, ok := ctx.Deadline(); ok {
		o = append(o, nats.Timeout(time.Until(d)))
	}
	o = append(o, opts...)

	type result struct {
		nc  *nats.Conn
		err error
	}
	// nats.Connect takes no context; this goroutine ends when it returns,
	// bounded by the dial timeout per URL.
	done := make(chan result, 1)
	go func() {
		nc, err := nats.Connect(strings.Join(urls, ","), o...)
		done <- result{nc, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("connect %s: %w", name, r.err)
		}
		return r.nc, nil
	case <-ctx.Done():
		go func() {
			if r := <-done; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, fmt.Errorf("connect %s: %w", name, ctx.Err())
	}
}

// reconnectDelay is the wait after the attempts-th failed round over all
// servers: exponential from reconnectBase, capped at reconnectMax, with
// equal jitter (between half and all of it) so that agents cut off together
// do not return together.
func reconnectDelay(attempts int) time.Duration {
	d := reconnectMax
	if attempts < 16 {
		d = min(reconnectBase<<max(attempts-1, 0), reconnectMax)
	}
	return d/2 + rand.N(d/2+1)
}
