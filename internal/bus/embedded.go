// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bus

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
)

// readyTimeout bounds the wait for the embedded server to accept clients
// when StartEmbedded's ctx has no deadline.
const readyTimeout = 10 * time.Second

// EmbeddedConfig configures an embedded NATS server.
type EmbeddedConfig struct {
	// Addr is the host:port NATS clients connect to; port 0 picks a free
	// one (see Embedded.ClientURL).
	Addr string
	// WebSocketAddr, if set, is a host:port for NATS over WebSocket, for
	// agents on networks that only allow port 443. Port 0 picks a free one.
	WebSocketAddr string
	// WebSocketTLS serves WebSocket over TLS; if nil, it is plain (TLS
	// terminated by a proxy in front, or tests).
	WebSocketTLS *tls.Config
	// StoreDir holds the server's state: JetStream under "jetstream", the
	// account JWTs under "accounts". Required.
	StoreDir string
	// Authority issues the bus's credentials. Required.
	Authority *Authority
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
}

// Embedded is a NATS server running in-process in operator mode, with
// JetStream, trusting an Authority. Its methods are safe for concurrent use.
type Embedded struct {
	srv       *server.Server
	resolver  *server.DirAccResolver
	auth      *Authority
	websocket bool // whether a WebSocket listener runs
}

// StartEmbedded starts an embedded NATS server and waits until it accepts
// clients, for as long as ctx allows (10 s if ctx has no deadline). Signal
// handling is off; the server logs to cfg.Logger. Both accounts are
// preloaded: the KANRI account as AccountJWT(nil), unless StoreDir already
// holds a newer one from an earlier UpdateAccount. The caller must Close it.
func StartEmbedded(ctx context.Context, cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.Authority == nil {
		return nil, errors.New("start embedded nats: no authority")
	}
	if cfg.StoreDir == "" {
		return nil, errors.New("start embedded nats: no store dir")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := cfg.Authority

	opts := &server.Options{
		ServerName:             "kanri",
		NoSigs:                 true,
		JetStream:              true,
		StoreDir:               cfg.StoreDir,
		DisableJetStreamBanner: true,
		SystemAccount:          a.systemPub,
	}
	var err error
	if opts.Host, opts.Port, err = hostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("start embedded nats: addr: %w", err)
	}
	if cfg.WebSocketAddr != "" {
		if opts.Websocket.Host, opts.Websocket.Port, err = hostPort(cfg.WebSocketAddr); err != nil {
			return nil, fmt.Errorf("start embedded nats: websocket addr: %w", err)
		}
		opts.Websocket.TLSConfig = cfg.WebSocketTLS
		opts.Websocket.NoTLS = cfg.WebSocketTLS == nil
	}

	opJWT, err := a.OperatorJWT()
	if err != nil {
		return nil, err
	}
	oc, err := jwt.DecodeOperatorClaims(opJWT)
	if err != nil {
		return nil, fmt.Errorf("start embedded nats: operator jwt: %w", err)
	}
	opts.TrustedOperators = []*jwt.OperatorClaims{oc}

	// The full resolver, as for external servers (ServerConfig): it keeps
	// updates across restarts and answers PushAccount too.
	dir := filepath.Join(cfg.StoreDir, "accounts")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("start embedded nats: %w", err)
	}
	// Alone, the server has no peers to ask for an unknown account: refuse
	// its users at once rather than after the default 1.9 s.
	res, err := server.NewDirAccResolver(dir, 0, time.Minute, server.NoDelete, server.FetchTimeout(100*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("start embedded nats: account resolver: %w", err)
	}
	if err := preload(a, res); err != nil {
		res.Close()
		return nil, fmt.Errorf("start embedded nats: %w", err)
	}
	opts.AccountResolver = res

	srv, err := server.NewServer(opts)
	if err != nil {
		res.Close()
		return nil, fmt.Errorf("start embedded nats: %w", err)
	}
	fatal := make(chan string, 1)
	srv.SetLoggerV2(slogAdapter{logger, fatal}, logger.Enabled(ctx, slog.LevelDebug), false, false)
	srv.Start()

	deadline := time.Now().Add(readyTimeout)
	if d, ok := ctx.Deadline(); ok {
		deadline = d
	}
	// A listener that fails (say, the port is taken) is logged as fatal;
	// the server does not stop, so stop waiting on that.
	for !srv.ReadyForConnections(50 * time.Millisecond) {
		var err error
		select {
		case msg := <-fatal:
			err = errors.New(msg)
		default:
			if time.Now().After(deadline) {
				err = errors.New("not ready for connections in time")
			} else if ctx.Err() != nil {
				err = ctx.Err()
			}
		}
		if err != nil {
			srv.Shutdown()
			srv.WaitForShutdown()
			return nil, fmt.Errorf("start embedded nats: %w", err)
		}
	}
	return &Embedded{srv: srv, resolver: res, auth: a, websocket: cfg.WebSocketAddr != ""}, nil
}

// preload stores the system and KANRI account JWTs unless res holds newer
// ones.
func preload(a *Authority, res *server.DirAccResolver) error {
	sys, err := a.SystemAccountJWT()
	if err != nil {
		return err
	}
	acc, err := a.AccountJWT(nil)
	if err != nil {
		return err
	}
	if err := res.Store(a.systemPub, sys); err != nil {
		return fmt.Errorf("preload system account: %w", err)
	}
	if err := res.Store(a.accountPub, acc); err != nil {
		return fmt.Errorf("preload account: %w", err)
	}
	return nil
}

// hostPort splits host:port, mapping port 0 to nats-server's "random port".
func hostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	return host, port, nil
}

// ClientURL returns the nats:// URL clients connect to.
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// WebSocketURL returns the ws:// (or wss://) URL of the WebSocket listener,
// or "" if there is none.
func (e *Embedded) WebSocketURL() string {
	if !e.websocket {
		return ""
	}
	return e.srv.WebsocketURL()
}

// UpdateAccount applies an account JWT from the Authority (usually
// AccountJWT with new revocations) as PushAccount does on external servers:
// it is stored, replacing the current one even if older, and newly revoked
// users are disconnected before UpdateAccount returns. It refuses JWTs not
// signed by the Authority's operator or for other accounts.
func (e *Embedded) UpdateAccount(accountJWT string) error {
	ac, err := jwt.DecodeAccountClaims(accountJWT)
	if err != nil {
		return fmt.Errorf("update account: %w", err)
	}
	if ac.Issuer != e.auth.operatorPub {
		return fmt.Errorf("update account %s: issuer %s is not the operator", ac.Subject, ac.Issuer)
	}
	if ac.Subject != e.auth.accountPub && ac.Subject != e.auth.systemPub {
		return fmt.Errorf("update account %s: not an account of the authority", ac.Subject)
	}
	vr := jwt.CreateValidationResults()
	ac.Validate(vr)
	if vr.IsBlocking(true) {
		return fmt.Errorf("update account %s: %w", ac.Subject, errors.Join(vr.Errors()...))
	}
	// SaveAcc, unlike Store, also replaces a newer JWT, like a push; it
	// calls the resolver's change hook, which updates the loaded account.
	if err := e.resolver.SaveAcc(ac.Subject, accountJWT); err != nil {
		return fmt.Errorf("update account %s: %w", ac.Subject, err)
	}
	return nil
}

// Close shuts the server down and waits until it has.
func (e *Embedded) Close() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// slogAdapter is a server.Logger writing to a slog.Logger: a constant
// message with the server's text as an attribute. It also sends the first
// fatal message to fatal, if that has room.
type slogAdapter struct {
	l     *slog.Logger
	fatal chan<- string
}

// levelTrace is below slog's Debug, for nats-server's protocol traces.
const levelTrace = slog.LevelDebug - 4

func (a slogAdapter) Noticef(format string, v ...any) { a.log(slog.LevelInfo, format, v) }
func (a slogAdapter) Warnf(format string, v ...any)   { a.log(slog.LevelWarn, format, v) }
func (a slogAdapter) Errorf(format string, v ...any)  { a.log(slog.LevelError, format, v) }
func (a slogAdapter) Debugf(format string, v ...any)  { a.log(slog.LevelDebug, format, v) }
func (a slogAdapter) Tracef(format string, v ...any)  { a.log(levelTrace, format, v) }

func (a slogAdapter) Fatalf(format string, v ...any) {
	a.log(slog.LevelError, format, v)
	select {
	case a.fatal <- fmt.Sprintf(format, v...):
	default:
	}
}
func (a slogAdapter) log(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if !a.l.Enabled(ctx, level) {
		return
	}
	a.l.LogAttrs(ctx, level, "nats server", slog.String("text", fmt.Sprintf(format, v...)))
}
