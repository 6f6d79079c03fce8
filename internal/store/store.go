// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package store is kanri's SQL storage: one DB type over two engines,
// SQLite (the embedded default) and PostgreSQL (for several replicas), with
// embedded migrations. It implements the storage interfaces that the domain
// packages declare; no domain imports it. Every query is written once in SQL
// that both engines accept, with "?" placeholders.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// Engine names a SQL engine.
type Engine string

// The engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Config says which database to open.
type Config struct {
	// URL is a PostgreSQL URL ("postgres://…"). When empty, a SQLite file
	// kanri.db in DataDir is used.
	URL string
	// DataDir holds the SQLite file. Ignored with a PostgreSQL URL.
	DataDir string
	// Logger receives migration progress. Nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DB is an open, migrated database. It is safe for concurrent use. The
// caller closes it with Close.
type DB struct {
	sql    *sql.DB
	engine Engine
	log    *slog.Logger
	now    func() time.Time

	rebound sync.Map // query text with "?" → engine's placeholder form
	// stmts holds prepared statements by query text, on SQLite only: its
	// driver otherwise parses every query anew, which costs more than
	// running a simple one. At most maxStmts are kept; PostgreSQL's
	// driver caches statements itself.
	stmts  sync.Map
	nstmts atomic.Int64
	// params caches GetParameter on SQLite; nil on PostgreSQL.
	params *paramCache
}

// maxStmts bounds the prepared statement cache: the store's queries are
// a fixed set, but some are built with a variable number of conditions.
const maxStmts = 2000

// Open opens the database described by cfg and applies any migrations it
// lacks. It is safe to call from several processes at once on the same
// database.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	db := &DB{log: cfg.Logger, now: cfg.Now}
	if db.log == nil {
		db.log = slog.Default()
	}
	if db.now == nil {
		db.now = time.Now
	}
	var err error
	switch {
	case strings.HasPrefix(cfg.URL, "postgres://"), strings.HasPrefix(cfg.URL, "postgresql://"):
		db.engine = Postgres
		db.sql, err = sql.Open("pgx", cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.sql.SetMaxOpenConns(32)
		db.sql.SetMaxIdleConns(32)
		db.sql.SetConnMaxIdleTime(5 * time.Minute)
	case cfg.URL == "":
		if cfg.DataDir == "" {
			return nil, errors.New("open sqlite: no data dir")
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		db.engine = SQLite
		path := filepath.Join(cfg.DataDir, "kanri.db")
		// WAL lets readers run beside the one writer; synchronous=NORMAL in
		// WAL mode keeps every commit safe from a process crash (kill -9),
		// syncing at checkpoints rather than on every commit. Write
		// transactions take the lock up front so they never fail upgrading.
		dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
			"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"
		db.sql, err = sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		db.sql.SetMaxOpenConns(8)
		db.sql.SetMaxIdleConns(8)
		db.params = &paramCache{}
	default:
		return nil, fmt.Errorf("open: unsupported database URL scheme in %q (want postgres://)", redactURL(cfg.URL))
	}
	if err := db.ping(ctx); err != nil {
		db.sql.Close()
		return nil, fmt.Errorf("open %s: %w", db.engine, err)
	}
	if db.engine == SQLite {
		if err := os.Chmod(filepath.Join(cfg.DataDir, "kanri.db"), 0o600); err != nil {
			db.sql.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
	}
	if err := db.migrate(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}
	return db, nil
}

// ping checks the first connection, retrying while the database is busy:
// SQLite's switch to WAL mode is not covered by the busy timeout, so
// processes opening one database at once can collide there.
func (db *DB) ping(ctx context.Context) error {
	var err error
	for i := 0; i < 50; i++ {
		if err = db.sql.PingContext(ctx); err == nil || !db.retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(10+rand.N(20)) * time.Millisecond):
		}
	}
	return err
}

// redactURL drops the password from a database URL for messages.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	cred := u[scheme+3 : at]
	if i := strings.Index(cred, ":"); i >= 0 {
		cred = cred[:i] + ":xxxxx"
	}
	return u[:scheme+3] + cred + u[at:]
}

// Engine reports which engine db runs on.
func (db *DB) Engine() Engine { return db.engine }

// Close closes the database.
func (db *DB) Close() error {
	db.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return db.sql.Close()
}

// cachedStmt returns the prepared statement of query if one is cached. A
// transaction uses only those: preparing takes a connection from the pool,
// which may be the one the transaction holds.
func (db *DB) cachedStmt(query string) *sql.Stmt {
	if v, ok := db.stmts.Load(query); ok {
		return v.(*sql.Stmt)
	}
	return nil
}

// stmt returns the prepared statement of query (in the engine's syntax),
// or nil when statements are not cached (PostgreSQL, a full cache, or a
// query that does not prepare: running it reports why).
func (db *DB) stmt(ctx context.Context, query string) *sql.Stmt {
	if db.engine == Postgres {
		return nil
	}
	if v, ok := db.stmts.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if db.nstmts.Load() >= maxStmts {
		return nil
	}
	st, err := db.sql.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if v, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	db.nstmts.Add(1)
	return st
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// q returns query in the engine's placeholder syntax.
func (db *DB) q(query string) string {
	if db.engine != Postgres {
		return query
	}
	if v, ok := db.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	inString := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inString = !inString
			b.WriteByte(c)
		case c == '?' && !inString:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	db.rebound.Store(query, out)
	return out
}

// queryer is what both *sql.DB and *sql.Tx provide.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a transaction. Its methods take "?" placeholders.
type Tx struct {
	db *DB
	tx *sql.Tx
}

func (t *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q := t.db.q(query)
	if st := t.db.cachedStmt(q); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

func (t *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := t.db.q(query)
	if st := t.db.cachedStmt(q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

func (t *Tx) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, t.db.q(query))
}

func (t *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	q := t.db.q(query)
	if st := t.db.cachedStmt(q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q := db.q(query)
	if st := db.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return db.sql.ExecContext(ctx, q, args...)
}

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := db.q(query)
	if st := db.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.sql.QueryContext(ctx, q, args...)
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	q := db.q(query)
	if st := db.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.sql.QueryRowContext(ctx, q, args...)
}

// inTx runs fn in a transaction and commits it, retrying the whole
// transaction when the engine reports a serialization conflict. fn must not
// have effects outside the transaction.
func (db *DB) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	const attempts = 8
	var err error
	for i := 0; i < attempts; i++ {
		err = db.tryTx(ctx, fn)
		if err == nil || !db.retryable(err) {
			return err
		}
		// Back off a little, with jitter, before trying again.
		d := time.Duration(1<<i)*time.Millisecond + time.Duration(rand.N(int64(time.Millisecond)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
	return err
}

func (db *DB) tryTx(ctx context.Context, fn func(tx *Tx) error) error {
	stx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&Tx{db: db, tx: stx}); err != nil {
		stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// retryable reports whether err is a transient conflict between concurrent
// transactions that is worth retrying.
func (db *DB) retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}

// isUniqueViolation reports whether err is a unique-constraint violation.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// notFound wraps awserr.NotFound with what was missing.
func notFound(what string) error { return fmt.Errorf("%s: %w", what, awserr.NotFound) }

// exists wraps awserr.Exists with what already existed.
func exists(what string) error { return fmt.Errorf("%s: %w", what, awserr.Exists) }

// millis converts t to the unix milliseconds stored in *_at columns.
func millis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis converts stored unix milliseconds to a UTC time.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
