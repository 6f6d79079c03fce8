// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/agentproto"
	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/fleet"
	"github.com/kanri-dev/kanri/internal/iam"
)

// agentEndpoints serves what agents and install scripts call over HTTPS:
// registration, role credentials, activation vending, install scripts and
// agent downloads. Every call is audited like an API call.
type agentEndpoints struct {
	fleet        *fleet.Service
	iam          *iam.Service
	trail        *audit.Trail
	account      string
	region       string
	downloadsDir string
	log          interface {
		Error(msg string, args ...any)
	}
	script func(kind, endpoint string) ([]byte, error)

	hashMu sync.Mutex
	hashes map[string]string // download path → SHA-256 hex; guarded by hashMu
}

// maxAgentBody bounds the agent endpoints' request bodies.
const maxAgentBody = 64 << 10

func (e *agentEndpoints) register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+agentproto.PathRegister, e.handleRegister)
	mux.HandleFunc("POST "+agentproto.PathCredentials, e.handleCredentials)
	mux.HandleFunc("GET "+agentproto.PathVend, e.handleVend)
	mux.HandleFunc("GET "+agentproto.PathInstallSh, e.handleScript("sh"))
	mux.HandleFunc("GET "+agentproto.PathInstallPs1, e.handleScript("ps1"))
	mux.HandleFunc("GET "+agentproto.PathDownload+"{file}", e.handleDownload)
}

// caller describes the (anonymous) requester of an agent endpoint.
func caller(r *http.Request, requestID string) *iam.Caller {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return &iam.Caller{RequestID: requestID, SourceIP: host, UserAgent: r.Header.Get("User-Agent"), SecureTransport: r.TLS != nil, Time: time.Now()}
}

// record writes an agent endpoint's call to the audit trail and answers
// it. An error answer is JSON agentproto.Error with the error's status.
func (e *agentEndpoints) answer(w http.ResponseWriter, r *http.Request, c *iam.Caller, name string, resources []string, out any, err error) {
	ev := audit.Event{
		ID: audit.NewID(c.Time), Time: c.Time, RequestID: c.RequestID, Account: e.account, Region: e.region,
		Source: "ssm.amazonaws.com", Name: name, PrincipalARN: c.Principal.ARN, PrincipalID: c.Principal.ID,
		PrincipalType: c.Principal.Type, UserName: c.Principal.UserName, AccessKeyID: c.Principal.AccessKeyID,
		SourceIP: c.SourceIP, UserAgent: c.UserAgent, Outcome: audit.Success,
	}
	for _, a := range resources {
		ev.Resources = append(ev.Resources, audit.Resource{ARN: a, Type: audit.ResourceType(a)})
	}
	ae := awserr.As(err)
	if err != nil {
		if ae == nil || ae.Kind == awserr.Other {
			e.log.Error("agent endpoint failed", "request_id", c.RequestID, "endpoint", name, "err", err)
			ae = awserr.InternalFailure()
		}
		ev.Outcome, ev.ErrorCode, ev.ErrorMessage = audit.Failed, ae.Code, ae.Message
		if ae.Kind == awserr.Denied {
			ev.Outcome = audit.Denied
		}
	}
	if rerr := e.trail.Record(r.Context(), ev); rerr != nil && err == nil {
		ae = awserr.As(rerr)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", c.RequestID)
	if ae != nil {
		w.WriteHeader(ae.HTTPStatus())
		json.NewEncoder(w).Encode(agentproto.Error{Code: ae.Code, Message: ae.Message})
		return
	}
	json.NewEncoder(w).Encode(out)
}

func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAgentBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return awserr.Errorf(awserr.Invalid, "SerializationException", "invalid request body: %v", err)
	}
	return nil
}

func (e *agentEndpoints) handleRegister(w http.ResponseWriter, r *http.Request) {
	c := caller(r, uuid.NewString())
	var req agentproto.RegisterRequest
	err := decodeBody(r, &req)
	var out *agentproto.RegisterResponse
	var res []string
	if err == nil {
		c.Principal.UserName = req.ActivationID // who registers: the activation's holder
		out, err = e.fleet.Register(r.Context(), &req)
		if out != nil {
			res = []string{e.fleet.ARN(fleet.InstanceID(out.InstanceID))}
		}
	}
	e.answer(w, r, c, "RegisterManagedInstance", res, out, err)
}

func (e *agentEndpoints) handleCredentials(w http.ResponseWriter, r *http.Request) {
	c := caller(r, uuid.NewString())
	var req agentproto.CredentialsRequest
	err := decodeBody(r, &req)
	var out *agentproto.CredentialsResponse
	var res []string
	if err == nil {
		c.Principal.UserName = req.InstanceID
		res = []string{e.fleet.ARN(fleet.InstanceID(req.InstanceID))}
		out, err = e.fleet.AgentCredentials(r.Context(), &req)
	}
	e.answer(w, r, c, "RequestManagedInstanceRoleToken", res, out, err)
}

func (e *agentEndpoints) handleVend(w http.ResponseWriter, r *http.Request) {
	c := caller(r, uuid.NewString())
	out, err := e.fleet.Vend(r.Context(), c, e.iam)
	e.answer(w, r, c, "VendActivation", nil, out, err)
}

// handleScript serves an install script with this server's endpoint.
func (e *agentEndpoints) handleScript(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		body, err := e.script(kind, scheme+"://"+r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(body)
	}
}

var downloadName = regexp.MustCompile(`^kanri-(linux|windows|darwin)-(amd64|arm64)(\.exe)?(\.sha256)?$`)

// handleDownload serves agent binaries: this server's own binary for its
// own platform, others from the downloads directory; with .sha256, the
// binary's SHA-256 as sha256sum prints it.
func (e *agentEndpoints) handleDownload(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	m := downloadName.FindStringSubmatch(file)
	if m == nil || (m[1] == "windows") != (m[3] == ".exe") {
		http.NotFound(w, r)
		return
	}
	bin := strings.TrimSuffix(file, ".sha256")
	path := filepath.Join(e.downloadsDir, bin)
	if e.downloadsDir == "" || !fileExists(path) {
		if m[1] != runtime.GOOS || m[2] != runtime.GOARCH {
			http.Error(w, fmt.Sprintf("%s is not available on this server: put it in the downloads directory", bin), http.StatusNotFound)
			return
		}
		exe, err := os.Executable()
		if err != nil {
			http.Error(w, "the server's own binary cannot be found", http.StatusInternalServerError)
			return
		}
		path = exe
	}
	if m[4] != "" {
		sum, err := e.sha256(path)
		if err != nil {
			http.Error(w, "cannot hash "+bin, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "%s  %s\n", sum, bin)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeFile(w, r, path)
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// sha256 returns a file's SHA-256, computed once per path.
func (e *agentEndpoints) sha256(path string) (string, error) {
	e.hashMu.Lock()
	defer e.hashMu.Unlock()
	if h, ok := e.hashes[path]; ok {
		return h, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if e.hashes == nil {
		e.hashes = map[string]string{}
	}
	e.hashes[path] = sum
	return sum, nil
}
