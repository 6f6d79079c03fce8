// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/awserr"
)

// RegisterOptions says where and with which activation to register.
type RegisterOptions struct {
	// URL is the kanri server's URL (https://kanri.example.com:8470).
	URL            string
	ActivationID   string
	ActivationCode string
	// Name and Tags are the instance's name and tags; the activation's
	// defaults apply when they are empty.
	Name string
	Tags map[string]string
	// Force registers again, with a new key, when the state dir already
	// holds a registration.
	Force bool
}

// Register registers this server as a managed instance: it makes a new key
// pair, sends its public half, the activation and the server's facts to
// URL + agentproto.PathRegister, and stores the key and the registration in
// the state dir (mode 0600, the dir 0700), where Run finds them. The key's
// seed is written to the state dir only and never sent.
//
// Register fails with ErrAlreadyRegistered when the state dir already holds
// a registration, unless o.Force. An error of the server carries its AWS
// code (InvalidActivation, InvalidActivationId, ValidationException, …):
// awserr.As(err).Code.
func (a *Agent) Register(ctx context.Context, o RegisterOptions) (*State, error) {
	endpoint, err := normalizeURL(o.URL)
	if err != nil {
		return nil, err
	}
	if o.ActivationID == "" || o.ActivationCode == "" {
		return nil, errors.New("register: the activation ID and code are required")
	}
	if !o.Force {
		st, err := loadState(a.dir)
		if err == nil {
			return nil, fmt.Errorf("register: %w as %s in %s", ErrAlreadyRegistered, st.InstanceID, a.dir)
		}
		if !errors.Is(err, ErrNotRegistered) {
			return nil, fmt.Errorf("register: %w", err)
		}
	}
	if u, _ := url.Parse(endpoint); u.Scheme == "http" && !isLoopback(u.Hostname()) {
		a.log.Warn("registering over plain HTTP: the activation code and credentials travel unencrypted", "url", endpoint)
	}

	kp, err := nkeys.CreateUser()
	if err != nil {
		return nil, fmt.Errorf("register: create key: %w", err)
	}
	defer kp.Wipe()
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	facts, err := a.facts(ctx)
	if err != nil {
		// Facts are informative: register with what there is.
		a.log.Warn("collect facts", "err", err)
	}
	req := agentproto.RegisterRequest{
		ActivationID:   o.ActivationID,
		ActivationCode: o.ActivationCode,
		PublicKey:      pub,
		Name:           o.Name,
		Tags:           o.Tags,
		Facts:          facts,
	}
	var resp agentproto.RegisterResponse
	if err := a.post(ctx, endpoint+agentproto.PathRegister, &req, &resp); err != nil {
		return nil, fmt.Errorf("register with %s: %w", endpoint, err)
	}
	st := &State{
		InstanceID:       resp.InstanceID,
		Account:          resp.Account,
		Region:           resp.Region,
		Endpoint:         endpoint,
		BusURLs:          resp.BusURLs,
		BusJWT:           resp.BusJWT,
		HeartbeatSeconds: resp.HeartbeatSeconds,
		PublicKey:        pub,
		RegisteredAt:     a.now().UTC(),
	}
	if err := st.check(); err != nil {
		return nil, fmt.Errorf("register with %s: unusable answer: %w", endpoint, err)
	}
	seed, err := kp.Seed()
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	err = saveRegistration(a.dir, seed, st)
	clear(seed)
	if err != nil {
		return nil, fmt.Errorf("register: %w (the server registered %s; register again with --force)", err, st.InstanceID)
	}
	a.mu.Lock()
	a.st, a.kp = nil, nil // loaded again by identity
	a.credOK = false
	a.mu.Unlock()
	a.log.Info("registered", "instance", st)
	c := *st
	return &c, nil
}

// normalizeURL checks a server URL and drops a trailing slash.
func normalizeURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("register: server URL %q: want http(s)://host[:port]", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("register: server URL %q: want no query or fragment", s)
	}
	return strings.TrimRight(s, "/"), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// maxAnswer bounds the body of an answer of a kanri server.
const maxAnswer = 1 << 20

// post sends in as JSON to url and decodes the answer into out. An error
// answer becomes an *awserr.Error with the server's code and message.
func (a *Agent) post(ctx context.Context, url string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return answerError(resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// answerError turns an error answer into an *awserr.Error.
func answerError(status int, body []byte) error {
	var e agentproto.Error
	if json.Unmarshal(body, &e) != nil || e.Code == "" {
		e = agentproto.Error{Code: strings.ReplaceAll(http.StatusText(status), " ", ""), Message: fmt.Sprintf("HTTP %d", status)}
		if e.Code == "" {
			e.Code = "UnknownError"
		}
	}
	// The __type of AWS JSON errors may carry a namespace: "ns#Code".
	if _, code, ok := strings.Cut(e.Code, "#"); ok {
		e.Code = code
	}
	return &awserr.Error{Kind: statusKind(status), Code: e.Code, Message: e.Message, Status: status}
}

// statusKind classifies an HTTP error status.
func statusKind(status int) awserr.Kind {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return awserr.Unauthenticated
	case status == http.StatusNotFound:
		return awserr.NotFound
	case status == http.StatusTooManyRequests:
		return awserr.Throttled
	case status == http.StatusServiceUnavailable:
		return awserr.Unavailable
	case status >= 500:
		return awserr.Internal
	default:
		return awserr.Invalid
	}
}
