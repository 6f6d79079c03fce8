// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// testBus is a real NATS server in operator (JWT) mode, as the kanri
// server runs its agent bus: an operator, a system account and the agents'
// account, whose JWTs live in a memory resolver that outlives restarts.
type testBus struct {
	t        testing.TB
	operator nkeys.KeyPair
	opClaims *jwt.OperatorClaims
	sysPub   string
	account  nkeys.KeyPair
	accPub   string
	resolver *server.MemAccResolver
	port     int

	mu       sync.Mutex
	accClaim *jwt.AccountClaims // guarded by mu
	srv      *server.Server     // guarded by mu; nil while stopped
}

// must(f())(t) is f's value, or fails t with f's error.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// startBus starts a bus on a free port; it is shut down when t ends.
func startBus(t testing.TB) *testBus {
	t.Helper()
	b := &testBus{t: t, resolver: &server.MemAccResolver{}}
	b.operator = must(nkeys.CreateOperator())(t)
	opPub := must(b.operator.PublicKey())(t)
	sys := must(nkeys.CreateAccount())(t)
	b.sysPub = must(sys.PublicKey())(t)
	b.account = must(nkeys.CreateAccount())(t)
	b.accPub = must(b.account.PublicKey())(t)

	oc := jwt.NewOperatorClaims(opPub)
	oc.Name = "kanri-test"
	oc.SystemAccount = b.sysPub
	b.opClaims = must(jwt.DecodeOperatorClaims(must(oc.Encode(b.operator))(t)))(t)
	sc := jwt.NewAccountClaims(b.sysPub)
	sc.Name = "SYS"
	b.resolver.Store(b.sysPub, must(sc.Encode(b.operator))(t))
	b.accClaim = jwt.NewAccountClaims(b.accPub)
	b.accClaim.Name = "agents"
	b.resolver.Store(b.accPub, must(b.accClaim.Encode(b.operator))(t))

	b.port = -1
	b.start()
	t.Cleanup(b.stop)
	return b
}

// start starts the server, on the port of the first start.
func (b *testBus) start() {
	b.t.Helper()
	opts := &server.Options{
		Host:             "127.0.0.1",
		Port:             b.port,
		NoLog:            true,
		NoSigs:           true,
		TrustedOperators: []*jwt.OperatorClaims{b.opClaims},
		AccountResolver:  b.resolver,
		SystemAccount:    b.sysPub,
	}
	s := must(server.NewServer(opts))(b.t)
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		b.t.Fatal("test bus not ready")
	}
	b.port = s.Addr().(*net.TCPAddr).Port
	b.mu.Lock()
	b.srv = s
	b.mu.Unlock()
}

// stop shuts the server down and waits until it is gone.
func (b *testBus) stop() {
	b.mu.Lock()
	s := b.srv
	b.srv = nil
	b.mu.Unlock()
	if s != nil {
		s.Shutdown()
		s.WaitForShutdown()
	}
}

func (b *testBus) server() *server.Server {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.srv
}

func (b *testBus) url() string { return "nats://127.0.0.1:" + strconv.Itoa(b.port) }

// userJWT signs a user JWT named name for pub allowed to publish and
// subscribe on subject only, and to answer requests as the kanri server
// lets agents (all subjects when it is "").
func (b *testBus) userJWT(name, pub, subject string) string {
	b.t.Helper()
	uc := jwt.NewUserClaims(pub)
	uc.Name = name
	if subject != "" {
		uc.Pub.Allow.Add(subject)
		uc.Sub.Allow.Add(subject)
		uc.Resp = &jwt.ResponsePermission{MaxMsgs: -1, Expires: time.Minute}
	}
	return must(uc.Encode(b.account))(b.t)
}

// revoke revokes pub in the account's JWT and pushes the JWT to the
// running server.
func (b *testBus) revoke(pub string) {
	b.t.Helper()
	b.mu.Lock()
	// Revocations cover JWTs issued up to the given second.
	b.accClaim.RevokeAt(pub, time.Now().Add(time.Second))
	accJWT := must(b.accClaim.Encode(b.operator))(b.t)
	s := b.srv
	b.mu.Unlock()
	b.resolver.Store(b.accPub, accJWT)
	claims := must(jwt.DecodeAccountClaims(accJWT))(b.t)
	acc := must(s.LookupAccount(b.accPub))(b.t)
	s.UpdateAccountClaims(acc, claims)
}

// kick closes the server's connections of clients named name.
func (b *testBus) kick(name string) int {
	b.t.Helper()
	s := b.server()
	cz := must(s.Connz(&server.ConnzOptions{}))(b.t)
	n := 0
	for _, c := range cz.Conns {
		if c.Name == name {
			if err := s.DisconnectClientByID(c.Cid); err != nil {
				b.t.Fatal(err)
			}
			n++
		}
	}
	return n
}

// connect connects to the bus as a user named name with every
// permission, as a kanri server does, reconnecting quickly.
func (b *testBus) connect(name string) *nats.Conn {
	b.t.Helper()
	kp := must(nkeys.CreateUser())(b.t)
	seed := must(kp.Seed())(b.t)
	nc := must(nats.Connect(b.url(),
		nats.UserJWTAndSeed(b.userJWT(name, must(kp.PublicKey())(b.t), ""), string(seed)),
		nats.MaxReconnects(-1), nats.ReconnectWait(10*time.Millisecond), nats.IgnoreAuthErrorAbort()))(b.t)
	b.t.Cleanup(nc.Close)
	return nc
}

// observer connects to the bus with every permission, reconnecting
// quickly, and delivers the heartbeats of every agent.
func (b *testBus) observer() (*nats.Conn, <-chan agentproto.Heartbeat) {
	b.t.Helper()
	nc := b.connect("observer")
	ch := make(chan agentproto.Heartbeat, 1000)
	_, err := nc.Subscribe(agentproto.SubjectPrefix+"*."+agentproto.SubjectHeartbeat, func(m *nats.Msg) {
		var hb agentproto.Heartbeat
		if err := json.Unmarshal(m.Data, &hb); err != nil {
			b.t.Errorf("heartbeat %q: %v", m.Data, err)
			return
		}
		if id, _ := agentproto.InstanceOf(m.Subject); id != hb.InstanceID {
			b.t.Errorf("heartbeat of %s on %s", hb.InstanceID, m.Subject)
		}
		ch <- hb
	})
	if err != nil {
		b.t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		b.t.Fatal(err)
	}
	return nc, ch
}

// activation is an activation the test server knows.
type activation struct {
	code    string
	expired bool
	limit   int
	used    int
}

// testServer stands in for the kanri server's agent endpoints, as
// agentproto describes them.
type testServer struct {
	t   testing.TB
	bus *testBus // nil: bus credentials are placeholders
	srv *httptest.Server
	mux *http.ServeMux // tests may add handlers
	url string
	now func() time.Time

	heartbeatSeconds int
	credLifetime     time.Duration

	mu            sync.Mutex
	activations   map[string]*activation
	instances     map[string]string // instance ID → public key
	deregistered  map[string]bool
	registerCalls [][]byte // request bodies
	credCalls     int
	verified      int // credentials requests with a valid signature
	credTimes     []time.Time
	unavailable   bool // the credentials endpoint answers 503
}

func newTestServer(t testing.TB, bus *testBus) *testServer {
	ts := &testServer{
		t: t, bus: bus, now: time.Now, heartbeatSeconds: 1, credLifetime: time.Hour,
		activations:  map[string]*activation{"act-1": {code: "code-1", limit: 100}},
		instances:    map[string]string{},
		deregistered: map[string]bool{},
	}
	ts.mux = http.NewServeMux()
	ts.mux.HandleFunc("POST "+agentproto.PathRegister, ts.register)
	ts.mux.HandleFunc("POST "+agentproto.PathCredentials, ts.credentials)
	ts.srv = httptest.NewServer(ts.mux)
	t.Cleanup(ts.srv.Close)
	ts.url = ts.srv.URL
	return ts
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(agentproto.Error{Code: code, Message: msg})
}

func (ts *testServer) register(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.registerCalls = append(ts.registerCalls, body)
	var req agentproto.RegisterRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, 400, "ValidationException", err.Error())
		return
	}
	a, ok := ts.activations[req.ActivationID]
	switch {
	case !nkeys.IsValidPublicUserKey(req.PublicKey):
		writeError(w, 400, "ValidationException", "PublicKey must be an NKEY user public key")
		return
	case !ok:
		writeError(w, 400, "InvalidActivationId", "The activation ID "+req.ActivationID+" is not valid.")
		return
	case a.code != req.ActivationCode:
		writeError(w, 400, "InvalidActivation", "The activation code is not valid.")
		return
	case a.expired:
		writeError(w, 400, "ActivationExpired", "The activation has expired.")
		return
	case a.used >= a.limit:
		writeError(w, 400, "RegistrationLimitExceeded", "The activation has reached its registration limit.")
		return
	}
	a.used++
	id := fmt.Sprintf("mi-%017x", len(ts.instances)+1)
	ts.instances[id] = req.PublicKey
	resp := agentproto.RegisterResponse{
		InstanceID: id, Account: "123456789012", Region: "eu-west-1",
		BusURLs: []string{"nats://127.0.0.1:1"}, BusJWT: "placeholder-jwt", HeartbeatSeconds: ts.heartbeatSeconds,
	}
	if ts.bus != nil {
		resp.BusURLs = []string{ts.bus.url()}
		resp.BusJWT = ts.bus.userJWT(id, req.PublicKey, agentproto.SubjectPrefix+id+".>")
	}
	json.NewEncoder(w).Encode(&resp)
}

func (ts *testServer) credentials(w http.ResponseWriter, r *http.Request) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.credCalls++
	if ts.unavailable {
		writeError(w, 503, "ServiceUnavailable", "Try again.")
		return
	}
	var req agentproto.CredentialsRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, 400, "ValidationException", err.Error())
		return
	}
	pub, ok := ts.instances[req.InstanceID]
	if !ok || ts.deregistered[req.InstanceID] {
		writeError(w, 403, agentproto.CodeInstanceNotRegistered, "The instance is not registered.")
		return
	}
	now := ts.now()
	if d := now.Sub(req.Time); d > 5*time.Minute || d < -5*time.Minute {
		writeError(w, 403, agentproto.CodeRequestExpired, "The signed time is too far off.")
		return
	}
	sig, err := base64.RawURLEncoding.DecodeString(req.Signature)
	kp, kerr := nkeys.FromPublicKey(pub)
	if err != nil || kerr != nil || kp.Verify([]byte(agentproto.SignedString(req.InstanceID, req.Time)), sig) != nil {
		writeError(w, 403, agentproto.CodeInvalidSignature, "The signature does not match the instance's key.")
		return
	}
	ts.verified++
	ts.credTimes = append(ts.credTimes, req.Time)
	resp := agentproto.CredentialsResponse{
		AccessKeyID:     fmt.Sprintf("ASIATEST%08d", ts.verified),
		SecretAccessKey: fmt.Sprintf("secret-%d", ts.verified),
		SessionToken:    fmt.Sprintf("token-%d", ts.verified),
		Expiration:      now.Add(ts.credLifetime).UTC(),
	}
	if ts.bus != nil {
		resp.BusJWT = ts.bus.userJWT(fmt.Sprintf("%s-%d", req.InstanceID, ts.verified), pub, agentproto.SubjectPrefix+req.InstanceID+".>")
	}
	json.NewEncoder(w).Encode(&resp)
}

// deregister makes the credentials endpoint refuse the instance.
func (ts *testServer) deregister(id string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.deregistered[id] = true
}

func (ts *testServer) counts() (credCalls, verified int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.credCalls, ts.verified
}

// eventually polls cond until it holds or 20 s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
