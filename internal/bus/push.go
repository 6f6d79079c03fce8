// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// claimsUpdateSubject is where servers with a full (or cache) resolver take
// account JWTs, each answering for itself.
const claimsUpdateSubject = "$SYS.REQ.CLAIMS.UPDATE"

// Timing of PushAccount.
const (
	// pushTimeout bounds the wait for the first answer when ctx has no
	// deadline.
	pushTimeout = 10 * time.Second
	// pushQuiet is how long PushAccount waits for one more server after the
	// last answer.
	pushQuiet = 250 * time.Millisecond
)

// PushAccount sends an account JWT (from Authority.AccountJWT) to every
// server of the cluster that nc, a connection with Authority.SystemCreds, is
// part of; each server stores it, closes the connections of newly revoked
// users and refuses them from then on.
//
// It returns once the servers have answered: after the first answer, it
// waits 250 ms for each further one. It fails if no server answers
// before ctx ends (10 s if ctx has no deadline), or if any server refuses
// the JWT. A server that did not answer gets the JWT from the others when
// the full resolvers next sync (see Authority.ServerConfig).
func PushAccount(ctx context.Context, nc *nats.Conn, accountJWT string) error {
	_, err := pushAccount(ctx, nc, accountJWT, pushQuiet)
	return err
}

// claimUpdateResponse is a server's answer on claimsUpdateSubject.
type claimUpdateResponse struct {
	Server struct {
		Name string `json:"name"`
		ID   string `json:"id"`
	} `json:"server"`
	Data *struct {
		Account string `json:"account"`
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"data"`
	Error *struct {
		Account     string `json:"account"`
		Code        int    `json:"code"`
		Description string `json:"description"`
	} `json:"error"`
}

// pushAccount is PushAccount returning the names of the servers that
// accepted the JWT.
func pushAccount(ctx context.Context, nc *nats.Conn, accountJWT string, quiet time.Duration) ([]string, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pushTimeout)
		defer cancel()
	}
	inbox := nc.NewInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		return nil, fmt.Errorf("push account: %w", err)
	}
	defer sub.Unsubscribe()
	if err := nc.PublishRequest(claimsUpdateSubject, inbox, []byte(accountJWT)); err != nil {
		return nil, fmt.Errorf("push account: %w", err)
	}

	var accepted []string
	var errs []error
	for {
		wait, cancel := ctx, context.CancelFunc(func() {})
		if len(accepted)+len(errs) > 0 {
			wait, cancel = context.WithTimeout(ctx, quiet)
		}
		msg, err := sub.NextMsgWithContext(wait)
		cancel()
		if err != nil {
			if len(accepted)+len(errs) > 0 && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
				break // all servers that were going to answer did
			}
			return nil, fmt.Errorf("push account: no answer: %w", err)
		}
		if msg.Header.Get("Status") == "503" {
			return nil, fmt.Errorf("push account: %w (connect with the system account's credentials to servers with a full resolver)", nats.ErrNoResponders)
		}
		var r claimUpdateResponse
		if err := json.Unmarshal(msg.Data, &r); err != nil {
			errs = append(errs, fmt.Errorf("push account: bad answer %q: %w", msg.Data, err))
			continue
		}
		server := r.Server.Name
		if server == "" {
			server = r.Server.ID
		}
		switch {
		case r.Error != nil:
			errs = append(errs, fmt.Errorf("push account: server %s refused: %s", server, r.Error.Description))
		case r.Data == nil || r.Data.Code != 200:
			errs = append(errs, fmt.Errorf("push account: server %s: unexpected answer %q", server, msg.Data))
		default:
			accepted = append(accepted, server)
		}
	}
	return accepted, errors.Join(errs...)
}
