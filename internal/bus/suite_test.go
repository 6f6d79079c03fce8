// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bus

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// waitFor bounds every wait of the tests for something that should happen.
const waitFor = 10 * time.Second

// Instance IDs of the two agents of the suites.
const (
	idA = "mi-0000000000000000a"
	idB = "mi-0000000000000000b"
)

func newAuthority(t testing.TB) *Authority {
	t.Helper()
	k, err := NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAuthority(k)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func newUserKey(t testing.TB) string {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// client is a connection whose asynchronous errors and closing the test
// can observe.
type client struct {
	nc     *nats.Conn
	pub    string     // user public key
	jwt    string     // user JWT
	seed   []byte     // user seed
	errs   chan error // asynchronous errors, in order
	closed chan struct{}
}

func connect(t testing.TB, urls []string, userJWT string, seed []byte, opts ...nats.Option) *client {
	t.Helper()
	uc, err := jwt.DecodeUserClaims(userJWT)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{pub: uc.Subject, jwt: userJWT, seed: seed, errs: make(chan error, 100), closed: make(chan struct{})}
	opts = append(opts,
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case c.errs <- err:
			default:
			}
		}),
		nats.ClosedHandler(func(*nats.Conn) { close(c.closed) }),
	)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	c.nc, err = Connect(ctx, urls, userJWT, seed, opts...)
	if err != nil {
		t.Fatalf("Connect(%s) = %v", uc.Name, err)
	}
	t.Cleanup(c.nc.Close)
	return c
}

func newServerClient(t testing.TB, a *Authority, urls []string) *client {
	t.Helper()
	j, seed, err := a.ServerCreds()
	if err != nil {
		t.Fatal(err)
	}
	return connect(t, urls, j, seed)
}

func newSystemClient(t testing.TB, a *Authority, urls []string) *client {
	t.Helper()
	j, seed, err := a.SystemCreds()
	if err != nil {
		t.Fatal(err)
	}
	return connect(t, urls, j, seed)
}

// agentCreds returns a fresh agent key and its JWT.
func agentCreds(t testing.TB, a *Authority, id string) (userJWT string, seed []byte) {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	seed, err = kp.Seed()
	if err != nil {
		t.Fatal(err)
	}
	userJWT, err = a.AgentJWT(id, pub, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return userJWT, seed
}

// newAgent connects as agent id the way agents do: with their own inbox
// prefix.
func newAgent(t testing.TB, a *Authority, urls []string, id string) *client {
	t.Helper()
	j, seed := agentCreds(t, a, id)
	return connect(t, urls, j, seed,
		nats.CustomInboxPrefix(agentproto.InboxPrefix(id)),
		nats.PermissionErrOnSubscribe(true))
}

func flush(t testing.TB, c *client) {
	t.Helper()
	if err := c.nc.FlushTimeout(waitFor); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

func chanSubscribe(t testing.TB, c *client, subject string) chan *nats.Msg {
	t.Helper()
	ch := make(chan *nats.Msg, 64)
	if _, err := c.nc.ChanSubscribe(subject, ch); err != nil {
		t.Fatalf("subscribe %s: %v", subject, err)
	}
	flush(t, c)
	return ch
}

func publish(t testing.TB, c *client, subject, data string) {
	t.Helper()
	if err := c.nc.Publish(subject, []byte(data)); err != nil {
		t.Fatalf("publish %s: %v", subject, err)
	}
}

// receive returns the next message on ch and checks its subject and data.
func receive(t testing.TB, ch <-chan *nats.Msg, wantSubject, wantData string) {
	t.Helper()
	select {
	case m := <-ch:
		if m.Subject != wantSubject || string(m.Data) != wantData {
			t.Fatalf("received %s %q, want %s %q", m.Subject, m.Data, wantSubject, wantData)
		}
	case <-time.After(waitFor):
		t.Fatalf("received nothing, want %s %q", wantSubject, wantData)
	}
}

// wantPermissionError waits for c's asynchronous permissions violation
// naming subject.
func wantPermissionError(t testing.TB, c *client, kind, subject string) {
	t.Helper()
	want := `Permissions Violation for ` + kind + ` to "` + subject + `"`
	deadline := time.After(waitFor)
	for {
		select {
		case err := <-c.errs:
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), want) {
				return
			}
			t.Logf("other error: %v", err)
		case <-deadline:
			t.Fatalf("no error %q", want)
		}
	}
}

// wantClosed waits until c's connection is closed for good.
func wantClosed(t testing.TB, c *client) {
	t.Helper()
	select {
	case <-c.closed:
	case <-time.After(waitFor):
		t.Fatalf("connection of %s still %v", c.pub, c.nc.Status())
	}
}

// testPermissions checks what agents may do on the bus at urls: everything
// under their own subjects, request/reply both ways, and nothing else.
func testPermissions(t *testing.T, a *Authority, urls []string) {
	srv := newServerClient(t, a, urls)
	agentA := newAgent(t, a, urls, idA)
	agentB := newAgent(t, a, urls, idB)

	gotA := chanSubscribe(t, agentA, agentproto.SubjectPrefix+idA+".>")
	gotB := chanSubscribe(t, agentB, agentproto.SubjectPrefix+idB+".>")
	heartbeats := chanSubscribe(t, srv, agentproto.SubjectPrefix+"*."+agentproto.SubjectHeartbeat)

	t.Run("own subjects", func(t *testing.T) {
		publish(t, srv, agentproto.Subject(idA, agentproto.SubjectCommand), "run A")
		receive(t, gotA, agentproto.Subject(idA, agentproto.SubjectCommand), "run A")
		publish(t, agentA, agentproto.Subject(idA, agentproto.SubjectHeartbeat), "A alive")
		receive(t, heartbeats, agentproto.Subject(idA, agentproto.SubjectHeartbeat), "A alive")
		receive(t, gotA, agentproto.Subject(idA, agentproto.SubjectHeartbeat), "A alive") // its own echo
	})

	t.Run("other subscriptions", func(t *testing.T) {
		for _, subject := range []string{
			agentproto.SubjectPrefix + idB + ".>",
			agentproto.Subject(idB, agentproto.SubjectCommand),
			">",
			agentproto.SubjectPrefix + "*." + agentproto.SubjectCommand,
			"kanri.>",
			"_INBOX.>",
			"$JS.API.>",
		} {
			if _, err := agentA.nc.ChanSubscribe(subject, gotA); err != nil {
				t.Fatal(err)
			}
			wantPermissionError(t, agentA, "Subscription", subject)
		}
		// A synchronous subscription reports the refusal itself.
		sub, err := agentA.nc.SubscribeSync(agentproto.Subject(idB, agentproto.SubjectControl))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sub.NextMsg(waitFor); !errors.Is(err, nats.ErrPermissionViolation) {
			t.Errorf("NextMsg() = %v, want %v", err, nats.ErrPermissionViolation)
		}
		wantPermissionError(t, agentA, "Subscription", agentproto.Subject(idB, agentproto.SubjectControl))
		// A message for B reaches B but not A: the server sends A a marker
		// after it, on the same connection, so it would come first.
		publish(t, srv, agentproto.Subject(idB, agentproto.SubjectCommand), "run B")
		publish(t, srv, agentproto.Subject(idB, agentproto.SubjectControl), "ctl B")
		publish(t, srv, agentproto.Subject(idA, "marker"), "marker")
		flush(t, srv)
		receive(t, gotB, agentproto.Subject(idB, agentproto.SubjectCommand), "run B")
		receive(t, gotB, agentproto.Subject(idB, agentproto.SubjectControl), "ctl B")
		receive(t, gotA, agentproto.Subject(idA, "marker"), "marker")
	})

	t.Run("other publications", func(t *testing.T) {
		for _, subject := range []string{
			agentproto.Subject(idB, agentproto.SubjectCommand),
			"kanri.server.anything",
			"_INBOX.abc",
			"$JS.API.INFO",
		} {
			publish(t, agentA, subject, "forged")
			wantPermissionError(t, agentA, "Publish", subject)
		}
		// A's dropped message would reach B before the server's marker:
		// A's flush returns after the server handled its publications.
		flush(t, agentA)
		publish(t, srv, agentproto.Subject(idB, "marker"), "marker")
		receive(t, gotB, agentproto.Subject(idB, "marker"), "marker")
	})

	t.Run("server asks agent", func(t *testing.T) {
		_, err := agentA.nc.Subscribe(agentproto.Subject(idA, agentproto.SubjectSession), func(m *nats.Msg) {
			m.Respond([]byte("pong " + string(m.Data)))
		})
		if err != nil {
			t.Fatal(err)
		}
		flush(t, agentA)
		reply, err := srv.nc.Request(agentproto.Subject(idA, agentproto.SubjectSession), []byte("ping"), waitFor)
		if err != nil {
			t.Fatalf("Request() = %v", err)
		}
		if got, want := string(reply.Data), "pong ping"; got != want {
			t.Errorf("reply = %q, want %q", got, want)
		}
	})

	t.Run("agent asks server", func(t *testing.T) {
		replySubjects := make(chan string, 1)
		_, err := srv.nc.Subscribe(agentproto.SubjectPrefix+"*.ask", func(m *nats.Msg) {
			replySubjects <- m.Reply
			id, _ := agentproto.InstanceOf(m.Subject)
			m.Respond([]byte("hello " + id))
		})
		if err != nil {
			t.Fatal(err)
		}
		flush(t, srv)
		reply, err := agentA.nc.Request(agentproto.Subject(idA, "ask"), []byte("?"), waitFor)
		if err != nil {
			t.Fatalf("Request() = %v", err)
		}
		if got, want := string(reply.Data), "hello "+idA; got != want {
			t.Errorf("reply = %q, want %q", got, want)
		}
		if got := <-replySubjects; !strings.HasPrefix(got, agentproto.InboxPrefix(idA)+".") {
			t.Errorf("reply subject = %q, want under %q", got, agentproto.InboxPrefix(idA))
		}
	})
}

// testRefused checks that the bus at urls refuses credentials that are not
// the Authority's. It uses nats.Connect, as Connect checks the JWT itself.
func testRefused(t *testing.T, a *Authority, urls []string) {
	good, goodSeed := agentCreds(t, a, idA)
	_, otherSeed := agentCreds(t, a, idA)

	otherAccount, err := nkeys.CreateAccount()
	if err != nil {
		t.Fatal(err)
	}
	foreign := jwt.NewUserClaims(pubOf(t, goodSeed))
	foreign.Name = idA
	foreignJWT, err := foreign.Encode(otherAccount)
	if err != nil {
		t.Fatal(err)
	}

	// The same claims, but allowed everything, under the good signature.
	parts := strings.Split(good, ".")
	uc, err := jwt.DecodeUserClaims(good)
	if err != nil {
		t.Fatal(err)
	}
	uc.Permissions = jwt.Permissions{Pub: jwt.Permission{Allow: jwt.StringList{">"}}, Sub: jwt.Permission{Allow: jwt.StringList{">"}}}
	payload, err := json.Marshal(uc)
	if err != nil {
		t.Fatal(err)
	}
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]

	pubA := pubOf(t, goodSeed)
	expired, err := a.AgentJWT(idA, pubA, time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	otherAuthority := newAuthority(t)
	strangerJWT, err := otherAuthority.AgentJWT(idA, pubA, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		jwt     string
		seed    []byte
		wantErr bool
	}{
		{"good", good, goodSeed, false},
		{"other account", foreignJWT, goodSeed, true},
		{"other operator", strangerJWT, goodSeed, true},
		{"forged", forged, goodSeed, true},
		{"wrong seed", good, otherSeed, true},
		{"expired", expired, goodSeed, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, err := nats.Connect(strings.Join(urls, ","),
				nats.UserJWTAndSeed(tt.jwt, string(tt.seed)), nats.NoReconnect(), nats.Timeout(waitFor))
			if err == nil {
				nc.Close()
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Connect() = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, nats.ErrAuthorization) && !errors.Is(err, nats.ErrAuthExpired) {
				t.Errorf("Connect() = %v, want %v", err, nats.ErrAuthorization)
			}
		})
	}
}

func pubOf(t testing.TB, seed []byte) string {
	t.Helper()
	kp, err := nkeys.FromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// testRevocation revokes agent A on the bus at urls with apply: A's
// connection closes and A cannot connect again, while B carries on.
func testRevocation(t *testing.T, a *Authority, urls []string, apply func(t *testing.T, accountJWT string)) {
	srv := newServerClient(t, a, urls)
	agentA := newAgent(t, a, urls, idA)
	agentB := newAgent(t, a, urls, idB)
	gotB := chanSubscribe(t, agentB, agentproto.SubjectPrefix+idB+".>")

	accountJWT, err := a.AccountJWT(map[string]time.Time{agentA.pub: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	apply(t, accountJWT)

	wantClosed(t, agentA)
	sawRevoked := false
	for len(agentA.errs) > 0 {
		if err := <-agentA.errs; errors.Is(err, nats.ErrAuthRevoked) {
			sawRevoked = true
		}
	}
	if !sawRevoked {
		t.Errorf("agent A closed (last error %v), but was not told it was revoked", agentA.nc.LastError())
	}

	nc, err := nats.Connect(strings.Join(urls, ","),
		nats.UserJWTAndSeed(agentA.jwt, string(agentA.seed)), nats.NoReconnect(), nats.Timeout(waitFor))
	if err == nil {
		nc.Close()
	}
	if !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("reconnect of revoked agent: Connect() = %v, want %v", err, nats.ErrAuthorization)
	}

	// B is unaffected.
	publish(t, srv, agentproto.Subject(idB, agentproto.SubjectCommand), "still here")
	receive(t, gotB, agentproto.Subject(idB, agentproto.SubjectCommand), "still here")
	if s := agentB.nc.Status(); s != nats.CONNECTED {
		t.Errorf("agent B status = %v, want CONNECTED", s)
	}
}
