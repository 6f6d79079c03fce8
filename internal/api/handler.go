// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/api/awsjson"
	"github.com/kanri-dev/kanri/internal/api/awsquery"
	"github.com/kanri-dev/kanri/internal/api/awsrest"
	"github.com/kanri-dev/kanri/internal/api/sigv4"
	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
)

// Authenticator returns the secret of an access key and the principal it
// stands for. sessionToken is set for temporary credentials; service is
// the signing name of the request's credential scope ("iam", "ssm"), for
// recording where a key was last used.
type Authenticator interface {
	Credentials(ctx context.Context, accessKeyID, sessionToken, service string) (secret string, p iam.Principal, err error)
}

// Authorizer decides whether a caller may perform action on resources,
// with the request's own condition keys in reqCtx. It returns nil to
// allow, or an error (an AccessDenied *awserr.Error to deny).
type Authorizer interface {
	Authorize(ctx context.Context, caller *iam.Caller, action string, resources []string, reqCtx map[string][]string) error
}

// Recorder writes audit events durably.
type Recorder interface {
	Record(ctx context.Context, ev audit.Event) error
	Healthy() bool
}

// Config configures a Handler.
type Config struct {
	Services      []*Service
	Authenticator Authenticator
	Authorizer    Authorizer
	Audit         Recorder
	Account       string
	Region        string
	Logger        *slog.Logger
	Metrics       *Metrics // nil: no metrics
	// MaxBodyBytes bounds request bodies. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	Now          func() time.Time
}

// DefaultMaxBodyBytes is the largest request body accepted by default.
const DefaultMaxBodyBytes = 8 << 20

// Handler serves the AWS-compatible API. It is safe for concurrent use.
type Handler struct {
	cfg      Config
	log      *slog.Logger
	verifier *sigv4.Verifier
	byTarget map[string]route // "AmazonSSM.SendCommand" → route
	byQuery  map[string]route // "2011-06-15/GetCallerIdentity" → route
	byName   map[string]*Service
	rest     awsrest.Router[route] // REST services' operations by method and path
}

type route struct {
	svc    *Service
	op     *Operation
	status int // REST: the status of a successful answer (0: 200)
}

// New returns a Handler for cfg.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	h := &Handler{
		cfg:      cfg,
		log:      cfg.Logger,
		verifier: sigv4.New(cfg.Now),
		byTarget: map[string]route{},
		byQuery:  map[string]route{},
		byName:   map[string]*Service{},
	}
	for _, s := range cfg.Services {
		h.byName[s.Name] = s
		for _, op := range s.Operations {
			switch s.Protocol {
			case JSON:
				h.byTarget[s.TargetPrefix+"."+op.Name] = route{svc: s, op: op}
				// botocore sends the model's whole prefix
				// ("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"),
				// the Go SDK only its last part.
				if i := strings.LastIndexByte(s.TargetPrefix, '.'); i >= 0 {
					h.byTarget[s.TargetPrefix[i+1:]+"."+op.Name] = route{svc: s, op: op}
				}
			case Query:
				h.byQuery[s.Version+"/"+op.Name] = route{svc: s, op: op}
			case REST:
				b, ok := s.Bindings[op.Name]
				if !ok {
					h.log.Error("REST operation has no HTTP binding; it is not served", "service", s.Name, "operation", op.Name)
					continue
				}
				if err := h.rest.Add(b.HTTPMethod, b.RequestURI, route{svc: s, op: op, status: b.ResponseCode}); err != nil {
					h.log.Error("REST operation has a malformed HTTP binding; it is not served", "service", s.Name, "operation", op.Name, "err", err)
				}
			}
		}
	}
	return h
}

// protocolOf recognizes the protocol of a request: JSON 1.1 by its
// X-Amz-Target header; Query by a form-encoded body or an Action
// parameter, or a request to "/" (where Query services live, and which no
// REST operation kanri serves uses); REST-JSON, when a REST service is
// served, for the rest.
func (h *Handler) protocolOf(r *http.Request) Protocol {
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		return JSON
	case h.rest.Len() == 0 || r.URL.Path == "/" ||
		strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") ||
		r.URL.Query().Has("Action"):
		return Query
	}
	return REST
}

// call is the state of one request as it moves through the handler.
type call struct {
	start     time.Time
	requestID string
	protocol  Protocol
	svc       *Service
	op        *Operation
	form      url.Values        // Query requests
	params    map[string]string // REST requests: the path's labels
	status    int               // REST requests: the status of success
	body      []byte
	caller    *iam.Caller
	resources []string
	sig       *sigv4.Signature
}

// ServeHTTP answers one API request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{start: h.cfg.Now(), requestID: uuid.NewString(), protocol: h.protocolOf(r)}
	w.Header().Set("x-amzn-RequestId", c.requestID)

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.writeError(w, c, awserr.Errorf(awserr.Invalid, "RequestEntityTooLarge",
				"The request body exceeds the limit of %d bytes.", h.cfg.MaxBodyBytes).WithStatus(http.StatusRequestEntityTooLarge))
			return
		}
		h.writeError(w, c, awserr.New(awserr.Invalid, "SerializationException", "The request body could not be read."))
		return
	}
	c.body = body
	if err := h.route(r, c); err != nil {
		h.writeError(w, c, err)
		return
	}
	out, err := h.serve(r, c)
	h.finish(w, r, c, out, err)
}

// route finds the service and operation of a request.
func (h *Handler) route(r *http.Request, c *call) error {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		c.protocol = JSON
		rt, ok := h.byTarget[target]
		if !ok {
			return awserr.Errorf(awserr.Invalid, "UnknownOperationException", "Unknown operation %s", target)
		}
		if r.Method != http.MethodPost {
			return awserr.Errorf(awserr.Invalid, "UnknownOperationException", "JSON 1.1 operations must be sent with POST, not %s", r.Method)
		}
		c.svc, c.op = rt.svc, rt.op
		return nil
	}
	if c.protocol == REST {
		rt, params, err := h.rest.Match(r)
		if err != nil {
			return err
		}
		c.svc, c.op, c.params, c.status = rt.svc, rt.op, params, rt.status
		return nil
	}
	form := r.URL.Query()
	if r.Method == http.MethodPost {
		ct := r.Header.Get("Content-Type")
		if ct != "" && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			return awserr.Errorf(awserr.Invalid, "UnknownOperationException",
				"Requests must be JSON 1.1 (X-Amz-Target) or Query (form-encoded Action); got Content-Type %s", ct)
		}
		body, err := url.ParseQuery(string(c.body))
		if err != nil {
			return awserr.Errorf(awserr.Invalid, "MalformedQueryString", "The form-encoded request body is malformed: %v", err)
		}
		for k, v := range body {
			form[k] = append(form[k], v...)
		}
	}
	c.form = form
	action := form.Get("Action")
	if action == "" {
		return awserr.New(awserr.Invalid, "MissingAction", "The request must contain the parameter Action.")
	}
	version := form.Get("Version")
	rt, ok := h.byQuery[version+"/"+action]
	if !ok {
		// Name the service from the signature when the version is off, so
		// the error arrives in that service's namespace.
		if s, err := sigv4.Parse(r); err == nil {
			c.svc = h.byName[s.Service]
		}
		if version == "" {
			return awserr.New(awserr.Invalid, "MissingParameter", "The request must contain the parameter Version.")
		}
		return awserr.Errorf(awserr.Invalid, "InvalidAction", "Could not find operation %s for version %s", action, version)
	}
	c.svc, c.op = rt.svc, rt.op
	return nil
}

// serve authenticates, decodes, authorizes and performs the operation.
func (h *Handler) serve(r *http.Request, c *call) (any, error) {
	c.caller = &iam.Caller{
		RequestID:       c.requestID,
		SourceIP:        sourceIP(r),
		UserAgent:       r.Header.Get("User-Agent"),
		SecureTransport: r.TLS != nil,
		Time:            c.start,
	}
	if err := h.authenticate(r, c); err != nil {
		return nil, err
	}
	in := c.op.newInput()
	var err error
	switch c.protocol {
	case JSON:
		err = awsjson.Decode(c.body, in)
	case Query:
		if err = awsquery.CheckXMLSafe(c.form); err == nil {
			err = awsquery.Decode(c.form, in)
		}
	case REST:
		err = awsrest.Decode(r, c.params, c.body, in)
	}
	if err != nil {
		return nil, err
	}
	if v, ok := in.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	ctx := iam.WithCaller(r.Context(), c.caller)
	if c.op.resources != nil {
		c.resources = c.op.resources(ctx, in)
	}
	var reqCtx map[string][]string
	if c.op.context != nil {
		reqCtx = c.op.context(ctx, in)
	}
	if !c.op.Anonymous && !c.op.Unchecked {
		if err := h.cfg.Authorizer.Authorize(ctx, c.caller, c.svc.Name+":"+c.op.Name, c.resources, reqCtx); err != nil {
			return nil, err
		}
	}
	if !c.op.ReadOnly && !h.cfg.Audit.Healthy() {
		return nil, audit.ErrUnavailable
	}
	return c.op.call(ctx, in)
}

// authenticate checks the request's signature and sets the caller's
// principal. Anonymous operations may be unsigned.
func (h *Handler) authenticate(r *http.Request, c *call) error {
	sig, err := sigv4.Parse(r)
	if errors.Is(err, sigv4.ErrMissing) && c.op.Anonymous {
		return nil
	}
	if err != nil {
		return err
	}
	c.sig = sig
	c.caller.Principal.AccessKeyID = sig.AccessKeyID
	if err := h.verifier.CheckTime(sig); err != nil {
		return err
	}
	secret, p, err := h.cfg.Authenticator.Credentials(r.Context(), sig.AccessKeyID, sig.SessionToken, sig.Service)
	if err != nil {
		return err
	}
	if err := h.verifier.Verify(r.Context(), r, c.body, sig, secret); err != nil {
		return err
	}
	c.caller.Principal = p
	return nil
}

// finish records the request in the audit trail and answers it. The answer
// waits for the record to be stored.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, c *call, out any, err error) {
	ev := h.event(c, err)
	if aerr := h.cfg.Audit.Record(r.Context(), ev); aerr != nil {
		h.log.Error("audit record failed; refusing request", "request_id", c.requestID, "err", aerr)
		if err == nil {
			err = audit.ErrUnavailable
		}
	}
	if err != nil {
		h.writeError(w, c, err)
		return
	}
	var werr error
	switch c.protocol {
	case JSON:
		werr = awsjson.WriteResponse(w, out)
	case Query:
		werr = awsquery.WriteResponse(w, c.svc.XMLNamespace, c.op.Name, c.requestID, out)
	case REST:
		werr = awsrest.WriteResponse(w, c.status, out)
	}
	if werr != nil {
		h.log.Warn("write response", "request_id", c.requestID, "err", werr)
	}
	h.observe(c, "200")
}

// event builds the audit record of a request. It carries no input values.
func (h *Handler) event(c *call, err error) audit.Event {
	p := c.caller.Principal
	ev := audit.Event{
		ID:            audit.NewID(c.start),
		Time:          c.start,
		RequestID:     c.requestID,
		Account:       h.cfg.Account,
		Region:        h.cfg.Region,
		Source:        c.svc.Source(),
		Name:          c.op.Name,
		ReadOnly:      c.op.ReadOnly,
		PrincipalARN:  p.ARN,
		PrincipalID:   p.ID,
		PrincipalType: p.Type,
		UserName:      p.UserName,
		AccessKeyID:   p.AccessKeyID,
		SourceIP:      c.caller.SourceIP,
		UserAgent:     truncate(c.caller.UserAgent, 512),
		Outcome:       audit.Success,
	}
	for _, a := range c.resources {
		ev.Resources = append(ev.Resources, audit.Resource{ARN: a, Type: audit.ResourceType(a)})
	}
	if err != nil {
		e := awserr.As(err)
		if e == nil {
			e = awserr.InternalFailure()
		}
		ev.Outcome = audit.Failed
		if e.Kind == awserr.Denied {
			ev.Outcome = audit.Denied
		}
		ev.ErrorCode = c.code(e.Code)
		ev.ErrorMessage = truncate(e.Message, 1024)
	}
	return ev
}

// writeError answers with err in the request's protocol. An error without
// AWS meaning is logged in full and answered as InternalFailure.
func (h *Handler) writeError(w http.ResponseWriter, c *call, err error) {
	e := awserr.As(err)
	if e == nil || e.Kind == awserr.Other {
		h.log.Error("internal error", "request_id", c.requestID, "err", err)
		e = awserr.InternalFailure()
	}
	var werr error
	switch c.protocol {
	case JSON:
		werr = awsjson.WriteError(w, e)
	case REST:
		werr = awsrest.WriteError(w, e)
	default:
		ns := ""
		if c.svc != nil {
			ns = c.svc.XMLNamespace
		}
		werr = awsquery.WriteError(w, ns, c.requestID, e)
	}
	if werr != nil {
		h.log.Warn("write error response", "request_id", c.requestID, "err", werr)
	}
	h.observe(c, c.code(e.Code))
}

// code returns the request's protocol's spelling of an error code.
func (c *call) code(code string) string {
	switch c.protocol {
	case JSON:
		return awsjson.Code(code)
	case REST:
		return awsrest.Code(code)
	}
	return code
}

func (h *Handler) observe(c *call, code string) {
	if h.cfg.Metrics == nil {
		return
	}
	svc, op := "unknown", "unknown"
	if c.svc != nil {
		svc = c.svc.Name
	}
	if c.op != nil {
		op = c.op.Name
	}
	h.cfg.Metrics.observe(svc, op, code, h.cfg.Now().Sub(c.start))
}

// sourceIP returns the client's address without the port.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
