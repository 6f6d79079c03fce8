// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package server is the kanri control plane: it opens the store and the
// master key, wires the domains to the AWS-compatible front door, and
// serves HTTP (API, health, metrics) until its context ends.
package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nats-io/nats.go"

	"github.com/kanri-dev/kanri/internal/agent"
	"github.com/kanri-dev/kanri/internal/api"
	"github.com/kanri-dev/kanri/internal/arn"
	"github.com/kanri-dev/kanri/internal/association"
	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/blob"
	"github.com/kanri-dev/kanri/internal/buildinfo"
	"github.com/kanri-dev/kanri/internal/bus"
	"github.com/kanri-dev/kanri/internal/command"
	"github.com/kanri-dev/kanri/internal/compliance"
	"github.com/kanri-dev/kanri/internal/datasync"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/groups"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/inventory"
	"github.com/kanri-dev/kanri/internal/kms"
	"github.com/kanri-dev/kanri/internal/params"
	"github.com/kanri-dev/kanri/internal/sharedconfig"
	"github.com/kanri-dev/kanri/internal/store"
	"github.com/kanri-dev/kanri/internal/sts"
)

// Config configures a Server.
type Config struct {
	// DataDir holds the SQLite database (without DatabaseURL) and the
	// master key file (without MasterKeyFile). Required.
	DataDir string
	// DatabaseURL selects PostgreSQL ("postgres://…"); empty means SQLite.
	DatabaseURL string
	// MasterKeyFile is the master key file; empty means DataDir/master.key.
	// Replicas sharing a database must share it.
	MasterKeyFile string
	// HTTPAddr is the API listener's address, e.g. "127.0.0.1:8470".
	HTTPAddr string
	// Region is the region every resource belongs to; empty means us-east-1.
	Region string
	// TLSCertFile and TLSKeyFile, when both set, make the listener HTTPS.
	TLSCertFile, TLSKeyFile string
	// AuditRequired refuses requests whose audit record cannot be stored.
	AuditRequired bool
	// AuditIngestCommand, when set and the store is SQLite, returns the
	// command of the process that moves the audit journal into the
	// database ("kanri audit-ingest"), given the data directory; the
	// server starts it at a lower CPU priority (see audit.IngestProcess).
	// Nil: the server does that work itself.
	AuditIngestCommand func(dataDir string) *exec.Cmd
	// MaxBodyBytes bounds request bodies; zero means the default.
	MaxBodyBytes int64
	// BootstrapCredentialsFile, when set, makes the first administrator if
	// there is none and writes its access key to this file (an AWS shared
	// credentials file, mode 0600). Once an administrator exists it is
	// never written again.
	BootstrapCredentialsFile string
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger
	// HTTPClient makes the server's outbound calls (OpenID Connect
	// discovery and keys); nil means a client with a 10-second timeout.
	HTTPClient *http.Client
	// BusAddr is the embedded NATS server's address for agents, e.g.
	// "0.0.0.0:8471"; unused with NATSURLs.
	BusAddr string
	// BusWebSocketAddr, when set, also serves the embedded bus over
	// WebSocket, for agents on networks that only allow port 443.
	BusWebSocketAddr string
	// NATSURLs points at an external NATS cluster instead of the embedded
	// server; it must trust this installation (kanri server nats-config).
	NATSURLs []string
	// BusAdvertise are the bus URLs handed to agents; empty means the
	// embedded server's (or NATSURLs).
	BusAdvertise []string
	// Heartbeat is how often agents send heartbeats; zero means 30 s.
	Heartbeat time.Duration
	// Vending is the template of the activation vending endpoint; nil
	// disables it.
	Vending *fleet.VendingConfig
	// Blobs configures the object store, where the whole output of
	// commands is kept; zero means the directory DataDir/blobs.
	Blobs blob.Config
	// CommandOutputBucket holds the output of commands sent without an
	// output bucket; empty means command.DefaultOutputBucket.
	CommandOutputBucket string
	// Associations sets the State Manager scheduler's clock and pace;
	// zero means its defaults.
	Associations association.Timing
	// Compliance sets the inventory rules' clock and pace; zero means
	// their defaults.
	Compliance compliance.Timing
	// DownloadsDir holds agent binaries for other platforms
	// (kanri-<os>-<arch>[.exe]); the server's own platform is served from
	// its own binary.
	DownloadsDir string
}

// DefaultRegion is the region used when none is configured.
const DefaultRegion = "us-east-1"

// gcBallastBytes is the size of Server.gcBallast. A server's live heap
// is a few megabytes, and with GOGC's default the collector would run
// every few megabytes allocated: at 10,000 requests a second, 16 times a
// second, each time slowing the requests it overlaps. With 32 MB counted
// it runs about three times a second, and each cycle still marks only the
// few live megabytes (3–7 ms instead of 7–14 ms when the audit trail's
// queue of event values was the heap's bulk and was scanned every cycle).
const gcBallastBytes = 32 << 20

// Server is a running control plane. New binds its listener; Run serves;
// Close releases what New opened.
type Server struct {
	cfg      Config
	log      *slog.Logger
	db       *store.DB
	keyring  *kms.Keyring
	account  string
	IAM      *iam.Service
	sts      *sts.Service
	fleet    *fleet.Service
	groups   *groups.Service
	blobs    blob.Store
	commands *command.Service
	keys     *kms.Service
	trail    *audit.Trail
	journal  *audit.Journal // nil on PostgreSQL

	params *params.Service

	inventory *inventory.Service

	associations *association.Service

	dataSync *datasync.Service

	compliance *compliance.Service

	busAuth  *bus.Authority
	embedded *bus.Embedded // nil with an external NATS
	nc       *nats.Conn    // this server's bus connection
	sysnc    *nats.Conn    // the system account's, with an external NATS
	busURLs  []string
	listener net.Listener
	http     *http.Server
	registry *prometheus.Registry
	ready    atomic.Bool
	readyCh  chan struct{} // closed once Run serves

	// gcBallast is heap the garbage collector counts but never scans
	// (no pointers) and the process never touches (no resident memory):
	// it sets the heap goal, so that under load the collector runs every
	// few tens of megabytes allocated rather than every few, without
	// marking more. See gcBallastBytes.
	gcBallast []byte
}

// New opens the store and master key, makes sure the account exists, and
// binds the HTTP listener. It does not serve until Run.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("server: a data dir is required")
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MasterKeyFile == "" {
		cfg.MasterKeyFile = filepath.Join(cfg.DataDir, "master.key")
	}
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return nil, errors.New("server: TLS needs both a certificate and a key file")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("server: data dir: %w", err)
	}
	s := &Server{cfg: cfg, log: cfg.Logger, registry: prometheus.NewRegistry(), readyCh: make(chan struct{})}
	s.gcBallast = make([]byte, gcBallastBytes)
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	var err error
	if s.keyring, err = kms.LoadKeyring(cfg.MasterKeyFile); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if s.db, err = store.Open(ctx, store.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: s.log}); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if s.account, err = s.db.SetMetaIfAbsent(ctx, "account_id", newAccountID()); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("server: account: %w", err)
	}
	s.keys = s.newKeys()
	s.IAM = iam.New(iam.Config{Store: s.db, Sealer: s.keyring, Account: s.account, Region: cfg.Region, Logger: s.log,
		ResourceContext: s.resourceContext, ResourcePolicy: s.resourcePolicy})
	if err := s.IAM.SyncProviderPolicies(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("server: %w", err)
	}
	s.sts = sts.New(sts.Config{IAM: s.IAM, Sealer: s.keyring, Account: s.account, Logger: s.log, HTTPClient: cfg.HTTPClient})
	if err := s.startBus(ctx); err != nil {
		s.closeBus()
		s.db.Close()
		return nil, err
	}
	s.fleet = fleet.New(fleet.Config{
		Store: s.db, Roles: s.IAM, Creds: s.sts, Sealer: s.keyring, Bus: fleetBus{s}, Account: s.account, Region: cfg.Region,
		AgentVersion: buildinfo.Version(), Heartbeat: cfg.Heartbeat, Vending: cfg.Vending, Associations: fleetAssociations{s},
		Logger: s.log,
	})
	s.groups = s.newGroups()
	s.inventory = s.newInventory()
	s.params = s.newParams()
	if err := s.openCommands(ctx); err != nil {
		s.closeBus()
		s.db.Close()
		return nil, err
	}
	s.associations = s.newAssociations()
	s.dataSync = s.newDataSync()
	s.compliance = s.newCompliance()
	if err := s.fleet.PushRevocations(ctx); err != nil {
		s.closeBus()
		s.db.Close()
		return nil, fmt.Errorf("server: agent bus revocations: %w", err)
	}
	if err := s.subscribeBus(); err != nil {
		s.closeBus()
		s.db.Close()
		return nil, err
	}
	if cfg.BootstrapCredentialsFile != "" {
		if err := s.bootstrap(ctx, cfg.BootstrapCredentialsFile); err != nil {
			s.db.Close()
			return nil, err
		}
	}
	if err := s.openTrail(ctx); err != nil {
		s.closeBus()
		s.db.Close()
		return nil, err
	}

	handler := api.New(api.Config{
		Services:      s.services(),
		Authenticator: authenticator{iam: s.IAM, sts: s.sts},
		Authorizer:    s.IAM,
		Audit:         s.trail,
		Account:       s.account,
		Region:        cfg.Region,
		Logger:        s.log,
		Metrics:       api.NewMetrics(s.registry),
		MaxBodyBytes:  cfg.MaxBodyBytes,
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	agents := &agentEndpoints{fleet: s.fleet, iam: s.IAM, trail: s.trail, account: s.account, region: cfg.Region,
		downloadsDir: cfg.DownloadsDir, log: s.log, script: agent.InstallScript}
	agents.register(mux)
	mux.Handle("/", rootHandler(handler))
	s.http = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.listener, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
		s.closeTrail()
		s.closeBus()
		s.db.Close()
		return nil, fmt.Errorf("server: listen: %w", err)
	}
	if cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			s.listener.Close()
			s.closeTrail()
			s.closeBus()
			s.db.Close()
			return nil, fmt.Errorf("server: tls: %w", err)
		}
		s.listener = tls.NewListener(s.listener, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	return s, nil
}

// openTrail starts the audit trail. On SQLite, each request appends its
// record to a journal beside the database, which the database takes in
// large batches; replicas sharing PostgreSQL write to it directly, in
// group commits (see docs/design.md).
func (s *Server) openTrail(ctx context.Context) error {
	var st audit.Store = s.db
	linger := time.Duration(0) // the trail's default
	if s.db.Engine() == store.SQLite {
		jc := audit.JournalConfig{Dir: filepath.Join(s.cfg.DataDir, "audit-journal"), Store: s.db, Logger: s.log, Registerer: s.registry}
		if c := s.cfg.AuditIngestCommand; c != nil {
			dir := s.cfg.DataDir
			ingest := audit.NewIngestProcess(func() *exec.Cmd { return c(dir) }, s.log)
			jc.Ingester = ingest
			s.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "kanri_audit_ingest_process_cpu_seconds_total",
				Help: "CPU time used by the process that moves the audit journal into the database, as it last reported it.",
			}, ingest.CPUSeconds))
		}
		j, err := audit.OpenJournal(ctx, jc)
		if err != nil {
			return fmt.Errorf("server: %w", err)
		}
		s.journal, st = j, j
		// An append to the journal is one write: batches gather while it
		// runs, without waiting for more.
		linger = -1
	}
	s.trail = audit.New(audit.Config{Store: st, Logger: s.log, Registerer: s.registry, Required: s.cfg.AuditRequired, Linger: linger, Direct: s.journal != nil})
	return nil
}

// recordOwnAction writes to the audit trail an action a service took on
// its own (see audit.ServiceEvent). The services are made before the
// trail is opened, so the trail is looked up at each call.
func (s *Server) recordOwnAction(ctx context.Context, ev audit.Event) error {
	return s.trail.Record(ctx, ev)
}

// closeTrail closes the audit journal, if any, storing what it holds.
func (s *Server) closeTrail() {
	if s.journal != nil {
		if err := s.journal.Close(); err != nil {
			s.log.Error("audit journal close", "err", err)
		}
	}
}

// authenticator resolves long-term keys through IAM and temporary ones
// (ASIA…, with a session token) through STS.
type authenticator struct {
	iam *iam.Service
	sts *sts.Service
}

// Credentials returns the secret and principal of an access key.
func (a authenticator) Credentials(ctx context.Context, accessKeyID, sessionToken, service string) (string, iam.Principal, error) {
	if sessionToken != "" {
		return a.sts.Credentials(ctx, accessKeyID, sessionToken)
	}
	return a.iam.Credentials(ctx, accessKeyID, "", service)
}

// services lists the AWS-shaped services the front door serves.
func (s *Server) services() []*api.Service {
	return []*api.Service{
		stsService(s.sts),
		iamService(s.IAM),
		ssmService(s.fleet, s.commands, s.params, s.inventory, s.associations),
		groupsService(s.groups),
		cloudTrailService(s.trail),
		kmsService(s.keys),
		dataSyncService(s.dataSync),
		kanriService(s.compliance),
		complianceSSMService(s.compliance, func(id string) string { return s.fleet.ARN(fleet.InstanceID(id)) }),
	}
}

// rootHandler sends API requests to api and answers a plain GET / (a
// browser, a curious operator) with what this endpoint is.
func rootHandler(apiHandler http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/" && r.URL.RawQuery == "" && r.Header.Get("Authorization") == "" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprintf(w, "kanri %s: AWS-compatible API endpoint. Use the AWS CLI or an AWS SDK with --endpoint-url.\n", buildinfo.Version())
			return
		}
		apiHandler.ServeHTTP(w, r)
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// bootstrap makes the first administrator and writes its credentials.
func (s *Server) bootstrap(ctx context.Context, path string) error {
	creds, created, err := s.IAM.Bootstrap(ctx)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if !created {
		s.log.Info("administrator exists; bootstrap credentials not written", "file", path)
		return nil
	}
	if err := sharedconfig.WriteCredentials(path, sharedconfig.Profile{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}); err != nil {
		return fmt.Errorf("server: write bootstrap credentials: %w", err)
	}
	s.log.Info("administrator created", "user", iam.AdminName, "access_key_id", creds.AccessKeyID, "credentials_file", path)
	return nil
}

// Ready returns a channel closed once Run serves requests.
func (s *Server) Ready() <-chan struct{} { return s.readyCh }

// Account returns the account ID every resource belongs to.
func (s *Server) Account() string { return s.account }

// Region returns the configured region.
func (s *Server) Region() string { return s.cfg.Region }

// Addr returns the address the API listens on.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Endpoint returns the API's URL.
func (s *Server) Endpoint() string {
	scheme := "http"
	if s.cfg.TLSCertFile != "" {
		scheme = "https"
	}
	return scheme + "://" + s.Addr()
}

// ARN returns the ARN of a resource of this server's account and region.
func (s *Server) ARN(service, resource string) string {
	return arn.ARN{Partition: arn.DefaultPartition, Service: service, Region: s.cfg.Region, Account: s.account, Resource: resource}.String()
}

// Run serves until ctx ends, then shuts down gracefully: it stops taking
// requests, lets those in flight finish, and writes every queued audit
// record before returning.
func (s *Server) Run(ctx context.Context) error {
	trailDone := make(chan struct{})
	go func() {
		defer close(trailDone)
		s.trail.Run(ctx)
	}()
	if s.journal != nil {
		go s.journal.Run(ctx)
	}
	presenceDone := make(chan struct{})
	go func() {
		defer close(presenceDone)
		s.fleet.RunPresence(ctx, time.Second)
	}()
	keysDone := make(chan struct{})
	go func() {
		defer close(keysDone)
		s.keys.Run(ctx, time.Minute)
	}()
	paramsDone := make(chan struct{})
	go func() {
		defer close(paramsDone)
		s.params.Run(ctx, params.ExpiryInterval)
	}()
	commandsDone := make(chan struct{})
	go func() {
		defer close(commandsDone)
		if err := s.commands.Run(ctx, s.nc); err != nil {
			s.log.Error("command dispatcher stopped", "err", err)
		}
	}()
	associationsDone := make(chan struct{})
	go func() {
		defer close(associationsDone)
		s.associations.Run(ctx)
	}()
	dataSyncDone := make(chan struct{})
	go func() {
		defer close(dataSyncDone)
		s.dataSync.Run(ctx)
	}()
	complianceDone := make(chan struct{})
	go func() {
		defer close(complianceDone)
		s.compliance.Run(ctx)
	}()
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.http.Serve(s.listener) }()
	s.ready.Store(true)
	close(s.readyCh)
	s.log.Info("server started", "endpoint", s.Endpoint(), "account", s.account, "region", s.cfg.Region,
		"database", string(s.db.Engine()), "version", buildinfo.Version())

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("serve: %w", err)
	}
	s.ready.Store(false)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if serr := s.http.Shutdown(shutdownCtx); serr != nil && err == nil {
		err = fmt.Errorf("shutdown: %w", serr)
	}
	<-presenceDone
	<-keysDone
	<-paramsDone
	<-commandsDone
	<-associationsDone
	<-dataSyncDone
	<-complianceDone
	s.trail.Close()
	<-trailDone
	s.closeTrail()
	s.log.Info("server stopped")
	return err
}

// Close releases the bus and the store. Call it after Run returns (or
// instead of Run).
func (s *Server) Close() error {
	s.listener.Close()
	s.closeTrail()
	s.closeBus()
	// Access keys' last use is written in the background: let it finish.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.IAM.WaitKeyUses(ctx); err != nil {
		s.log.Warn("access keys' last use not all recorded before stopping", "err", err)
	}
	return s.db.Close()
}

// Fleet returns the fleet service.
func (s *Server) Fleet() *fleet.Service { return s.fleet }

// BusURLs returns the bus URLs handed to agents.
func (s *Server) BusURLs() []string { return s.busURLs }

// resourceContext returns the condition keys of a resource that is not
// IAM's: the tags of a managed instance or a parameter.
func (s *Server) resourceContext(ctx context.Context, resourceARN string) map[string][]string {
	if s.fleet == nil {
		return nil
	}
	if strings.Contains(resourceARN, ":parameter/") && s.params != nil {
		return s.params.ConditionKeys(ctx, resourceARN)
	}
	_, id, ok := strings.Cut(resourceARN, ":managed-instance/")
	if !ok {
		return nil
	}
	inst, err := s.fleet.Instance(ctx, fleet.InstanceID(id))
	if err != nil {
		return nil
	}
	return fleet.ConditionKeys(inst)
}

// newAccountID returns a random 12-digit account ID that does not start
// with 0, so that tools that read it as a number keep every digit.
func newAccountID() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9e11))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return fmt.Sprintf("%012d", n.Int64()+1e11)
}
