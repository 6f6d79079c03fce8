// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package sigv4 authenticates requests signed with AWS Signature Version 4,
// in the Authorization header or in a presigned query string. It does not
// implement the signing algorithm itself: it rebuilds the request the
// client signed and signs it again with the AWS SDK's signer, then compares
// the signatures.
package sigv4

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/kanri-dev/kanri/internal/awserr"
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	amzDateFormat   = "20060102T150405Z"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	// MaxSkew is how far a header-signed request's time may be from the
	// server's, as AWS allows.
	MaxSkew = 15 * time.Minute
	// maxPresignExpiry is the longest X-Amz-Expires AWS accepts (7 days).
	maxPresignExpiry = 7 * 24 * time.Hour
)

// Signature is what a request says about how it was signed.
type Signature struct {
	AccessKeyID   string
	Date          string // yyyymmdd, from the credential scope
	Region        string
	Service       string
	SignedHeaders []string // lower-case, as listed by the client
	Signature     string   // hex
	Time          time.Time
	SessionToken  string
	Presigned     bool
	Expires       time.Duration // presigned only
}

// The errors of authentication, with the Query protocol's codes; the JSON
// codec renames them to the JSON services' codes.
var (
	ErrMissing = awserr.New(awserr.Unauthenticated, "MissingAuthenticationToken", "Request is missing Authentication Token")
	errNoMatch = awserr.New(awserr.Unauthenticated, "SignatureDoesNotMatch",
		"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
)

func incomplete(format string, args ...any) *awserr.Error {
	return awserr.Errorf(awserr.Invalid, "IncompleteSignature", format, args...)
}

// Parse reads the signature a request carries. It returns ErrMissing when
// the request is not signed at all and an IncompleteSignature error when
// the signature is malformed.
func Parse(r *http.Request) (*Signature, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		return parseHeader(r, auth)
	}
	q := r.URL.Query()
	if q.Get("X-Amz-Signature") != "" || q.Get("X-Amz-Credential") != "" {
		return parseQuery(q)
	}
	return nil, ErrMissing
}

func parseHeader(r *http.Request, auth string) (*Signature, error) {
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != algorithm {
		return nil, incomplete("Authorization header requires the %s algorithm, got '%s'", algorithm, alg)
	}
	s := &Signature{}
	var cred, signed string
	for part := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			signed = v
		case "Signature":
			s.Signature = v
		}
	}
	var missing []string
	if cred == "" {
		missing = append(missing, "'Credential'")
	}
	if signed == "" {
		missing = append(missing, "'SignedHeaders'")
	}
	if s.Signature == "" {
		missing = append(missing, "'Signature'")
	}
	date := r.Header.Get("X-Amz-Date")
	if date == "" {
		date = r.Header.Get("Date")
	}
	if date == "" {
		missing = append(missing, "'X-Amz-Date'")
	}
	if len(missing) > 0 {
		return nil, incomplete("Authorization header requires %s parameter(s). Authorization=%s", strings.Join(missing, ", "), redactAuth(auth))
	}
	if err := s.setCredential(cred); err != nil {
		return nil, err
	}
	s.SignedHeaders = strings.Split(signed, ";")
	if err := s.setTime(date); err != nil {
		return nil, err
	}
	s.SessionToken = r.Header.Get("X-Amz-Security-Token")
	return s, nil
}

func parseQuery(q url.Values) (*Signature, error) {
	s := &Signature{Presigned: true}
	if alg := q.Get("X-Amz-Algorithm"); alg != algorithm {
		return nil, incomplete("X-Amz-Algorithm must be %s, got '%s'", algorithm, alg)
	}
	for _, k := range []string{"X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Date"} {
		if q.Get(k) == "" {
			return nil, incomplete("AWS query-string parameters must include '%s'. Re-examine the query-string parameters.", k)
		}
	}
	if err := s.setCredential(q.Get("X-Amz-Credential")); err != nil {
		return nil, err
	}
	s.SignedHeaders = strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	s.Signature = q.Get("X-Amz-Signature")
	if err := s.setTime(q.Get("X-Amz-Date")); err != nil {
		return nil, err
	}
	s.Expires = maxPresignExpiry
	if e := q.Get("X-Amz-Expires"); e != "" {
		n, err := strconv.Atoi(e)
		if err != nil || n < 0 || time.Duration(n)*time.Second > maxPresignExpiry {
			return nil, awserr.Errorf(awserr.Invalid, "AuthorizationQueryParametersError",
				"X-Amz-Expires must be a number of seconds between 0 and 604800, got '%s'", e)
		}
		s.Expires = time.Duration(n) * time.Second
	}
	s.SessionToken = q.Get("X-Amz-Security-Token")
	return s, nil
}

// setCredential parses "AKID/20260101/us-east-1/sts/aws4_request".
func (s *Signature) setCredential(cred string) error {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" {
		return incomplete("Credential must have the form <access key>/<date>/<region>/<service>/aws4_request, got '%s'", redactCredential(cred))
	}
	s.AccessKeyID, s.Date, s.Region, s.Service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

func (s *Signature) setTime(date string) error {
	t, ok := parseAmzDate(date)
	if !ok {
		var err error
		if t, err = time.Parse(amzDateFormat, date); err != nil {
			if t, err = http.ParseTime(date); err != nil {
				return incomplete("Date must be in ISO-8601 basic format (yyyyMMdd'T'HHmmss'Z'), got '%s'", date)
			}
		}
	}
	s.Time = t.UTC()
	var day [8]byte
	if string(s.Time.AppendFormat(day[:0], "20060102")) != s.Date {
		return awserr.Errorf(awserr.Unauthenticated, "SignatureDoesNotMatch",
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			s.Date, s.Time.Format("20060102"), date)
	}
	return nil
}

// parseAmzDate parses the form every SDK sends, yyyyMMdd'T'HHmmss'Z',
// as time.Parse(amzDateFormat) does but a tenth of the cost; ok is false
// for anything else (out-of-range fields included), which time.Parse
// then judges.
func parseAmzDate(v string) (t time.Time, ok bool) {
	if len(v) != 16 || v[8] != 'T' || v[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(v[0:4]), num(v[4:6]), num(v[6:8])
	hour, minute, sec := num(v[9:11]), num(v[11:13]), num(v[13:15])
	if year < 0 || month < 1 || month > 12 || day < 1 || day > 28 || hour < 0 || hour > 23 ||
		minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false // days 29–31 are left to time.Parse, which knows each month's length
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
}

// redactAuth drops the signature from an Authorization header for messages.
func redactAuth(auth string) string {
	if i := strings.Index(auth, "Signature="); i >= 0 {
		return auth[:i] + "Signature=…"
	}
	return auth
}

func redactCredential(cred string) string {
	if len(cred) > 64 {
		return cred[:64] + "…"
	}
	return cred
}

// Verifier checks signatures. The zero value is not ready; use New. A
// Verifier is safe for concurrent use.
type Verifier struct {
	now    func() time.Time
	signer *v4.Signer
}

// New returns a Verifier using now as the clock (nil means time.Now).
func New(now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{now: now, signer: v4.NewSigner()}
}

// CheckTime refuses a signature made too long ago or in the future
// (header signing) or past its expiry (presigned). It is separate from
// Verify so that callers can refuse stale requests before looking up keys.
func (v *Verifier) CheckTime(s *Signature) error {
	now := v.now().UTC()
	if s.Presigned {
		if now.After(s.Time.Add(s.Expires)) {
			return awserr.Errorf(awserr.Unauthenticated, "AccessDenied",
				"Request has expired: X-Amz-Date %s plus X-Amz-Expires %d seconds is earlier than %s",
				s.Time.Format(amzDateFormat), int(s.Expires/time.Second), now.Format(amzDateFormat))
		}
		if s.Time.After(now.Add(MaxSkew)) {
			return notYetCurrent(s.Time, now)
		}
		return nil
	}
	if s.Time.Before(now.Add(-MaxSkew)) {
		return awserr.Errorf(awserr.Unauthenticated, "SignatureDoesNotMatch",
			"Signature expired: %s is now earlier than %s (%s - 15 min.)",
			s.Time.Format(amzDateFormat), now.Add(-MaxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
	}
	if s.Time.After(now.Add(MaxSkew)) {
		return notYetCurrent(s.Time, now)
	}
	return nil
}

func notYetCurrent(t, now time.Time) error {
	return awserr.Errorf(awserr.Unauthenticated, "SignatureDoesNotMatch",
		"Signature not yet current: %s is still later than %s (%s + 15 min.)",
		t.Format(amzDateFormat), now.Add(MaxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
}

// Verify checks that s is the signature of r (whose body is body) made
// with secret, and that it is current.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte, s *Signature, secret string) error {
	if err := v.CheckTime(s); err != nil {
		return err
	}
	creds := aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: secret, SessionToken: s.SessionToken}
	req, err := rebuild(r, s)
	if err != nil {
		return err
	}
	if s.Presigned {
		// Clients differ in the payload hash of presigned URLs: botocore
		// uses UNSIGNED-PAYLOAD, the Go SDK the hash of the (empty) body.
		for _, hash := range []string{unsignedPayload, payloadHash(r, body)} {
			uri, _, err := v.signer.PresignHTTP(ctx, creds, req, hash, s.Service, s.Region, s.Time)
			if err != nil {
				return fmt.Errorf("presign: %w", err)
			}
			u, err := url.Parse(uri)
			if err != nil {
				return fmt.Errorf("presign: %w", err)
			}
			if equal(u.Query().Get("X-Amz-Signature"), s.Signature) {
				return nil
			}
		}
		return errNoMatch
	}
	if err := v.signer.SignHTTP(ctx, creds, req, payloadHash(r, body), s.Service, s.Region, s.Time); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	_, got, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	if !equal(got, s.Signature) {
		return errNoMatch
	}
	return nil
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// payloadHash returns the hash the client signed: the X-Amz-Content-Sha256
// header when sent, else the SHA-256 of the body.
func payloadHash(r *http.Request, body []byte) string {
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		return h
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// rebuild returns a request holding exactly what the client signed: method,
// host, path, query (without the signature) and the signed headers.
func rebuild(r *http.Request, s *Signature) (*http.Request, error) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := &url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath}
	if r.URL.RawQuery != "" { // most requests carry none
		q := r.URL.Query()
		if s.Presigned {
			for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"} {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
	}
	req := &http.Request{Method: r.Method, URL: u, Host: r.Host, Header: make(http.Header, len(s.SignedHeaders))}
	for _, h := range s.SignedHeaders {
		switch h {
		case "host":
			continue
		case "content-length":
			req.ContentLength = r.ContentLength
			continue
		}
		vals := r.Header.Values(h)
		if len(vals) == 0 {
			return nil, awserr.Errorf(awserr.Unauthenticated, "SignatureDoesNotMatch",
				"The request signature lists signed header '%s', which the request does not carry.", h)
		}
		req.Header[textproto.CanonicalMIMEHeaderKey(h)] = vals
	}
	return req, nil
}
