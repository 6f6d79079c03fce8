// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/kanri-dev/kanri/internal/awserr"
)

var (
	signTime = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	creds    = aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
)

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signed returns a server-side view of a request the SDK signed as a client.
func signed(t *testing.T, body string, mutate func(*http.Request), c aws.Credentials) (*http.Request, []byte) {
	t.Helper()
	r := httptest.NewRequest("POST", "http://127.0.0.1:8470/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AmazonSSM.DescribeInstanceInformation")
	if err := v4.NewSigner().SignHTTP(context.Background(), c, r, hashOf([]byte(body)), "ssm", "us-east-1", signTime); err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(r)
	}
	return r, []byte(body)
}

func verify(r *http.Request, body []byte, secret string, now time.Time) error {
	s, err := Parse(r)
	if err != nil {
		return err
	}
	return New(func() time.Time { return now }).Verify(context.Background(), r, body, s, secret)
}

func code(err error) string {
	if e := awserr.As(err); e != nil {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestVerifyHeader(t *testing.T) {
	tok := creds
	tok.AccessKeyID, tok.SessionToken = "ASIAIOSFODNN7EXAMPLE", "FwoGZXIvYXdzEXAMPLETOKEN"
	tests := []struct {
		name   string
		body   string
		mutate func(*http.Request)
		c      aws.Credentials
		secret string
		now    time.Time
		want   string // error code, "" for success
	}{
		{"valid", `{"MaxResults":5}`, nil, creds, creds.SecretAccessKey, signTime, ""},
		{"valid empty body", ``, nil, creds, creds.SecretAccessKey, signTime, ""},
		{"valid with session token", `{}`, nil, tok, tok.SecretAccessKey, signTime, ""},
		{"unsigned header added later is ignored", `{}`, func(r *http.Request) { r.Header.Set("User-Agent", "aws-cli/2") }, creds, creds.SecretAccessKey, signTime, ""},
		{"clock 14 minutes ahead", `{}`, nil, creds, creds.SecretAccessKey, signTime.Add(14 * time.Minute), ""},
		{"wrong secret", `{}`, nil, creds, "not-the-secret", signTime, "SignatureDoesNotMatch"},
		{"body altered", `{"MaxResults":5}`, func(r *http.Request) { r.Body = nil }, creds, creds.SecretAccessKey, signTime, "SignatureDoesNotMatch"},
		{"signed header altered", `{}`, func(r *http.Request) { r.Header.Set("X-Amz-Target", "AmazonSSM.SendCommand") }, creds, creds.SecretAccessKey, signTime, "SignatureDoesNotMatch"},
		{"host altered", `{}`, func(r *http.Request) { r.Host = "evil:8470" }, creds, creds.SecretAccessKey, signTime, "SignatureDoesNotMatch"},
		{"query added", `{}`, func(r *http.Request) { r.URL.RawQuery = "a=b" }, creds, creds.SecretAccessKey, signTime, "SignatureDoesNotMatch"},
		{"signed header removed", `{}`, func(r *http.Request) { r.Header.Del("X-Amz-Target") }, creds, creds.SecretAccessKey, signTime, "SignatureDoesNotMatch"},
		{"token altered", `{}`, func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", "other") }, tok, tok.SecretAccessKey, signTime, "SignatureDoesNotMatch"},
		{"signed 20 minutes ago", `{}`, nil, creds, creds.SecretAccessKey, signTime.Add(20 * time.Minute), "SignatureDoesNotMatch"},
		{"signed 20 minutes ahead", `{}`, nil, creds, creds.SecretAccessKey, signTime.Add(-20 * time.Minute), "SignatureDoesNotMatch"},
		{"no signature", `{}`, func(r *http.Request) { r.Header.Del("Authorization") }, creds, creds.SecretAccessKey, signTime, "MissingAuthenticationToken"},
		{"other algorithm", `{}`, func(r *http.Request) { r.Header.Set("Authorization", "AWS AKID:sig") }, creds, creds.SecretAccessKey, signTime, "IncompleteSignature"},
		{"no credential", `{}`, func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab")
		}, creds, creds.SecretAccessKey, signTime, "IncompleteSignature"},
		{"bad scope", `{}`, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/aws4_request", "/aws5", 1))
		}, creds, creds.SecretAccessKey, signTime, "IncompleteSignature"},
		{"scope date differs from X-Amz-Date", `{}`, func(r *http.Request) { r.Header.Set("X-Amz-Date", "20261124T120000Z") }, creds, creds.SecretAccessKey, signTime, "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := signed(t, tt.body, tt.mutate, tt.c)
			if r.Body == nil {
				body = []byte(`{"MaxResults":6}`)
			}
			err := verify(r, body, tt.secret, tt.now)
			if got := code(err); got != tt.want {
				t.Errorf("Verify = %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestVerifyExpiredMessage(t *testing.T) {
	r, body := signed(t, `{}`, nil, creds)
	err := verify(r, body, creds.SecretAccessKey, signTime.Add(20*time.Minute))
	want := "Signature expired: 20261123T120000Z is now earlier than 20261123T120500Z (20261123T122000Z - 15 min.)"
	if e := awserr.As(err); e == nil || e.Message != want || e.HTTPStatus() != 403 {
		t.Errorf("Verify(20 min late) = %v, want 403 %q", err, want)
	}
}

func TestVerifyContentLengthSigned(t *testing.T) {
	// Some clients sign content-length; the rebuilt request must carry it.
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	r := httptest.NewRequest("POST", "http://localhost:8470/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.ContentLength = int64(len(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hashOf([]byte(body)), "sts", "us-east-1", signTime); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Header.Get("Authorization"), "content-length") {
		t.Fatalf("test setup: content-length not signed: %s", r.Header.Get("Authorization"))
	}
	if err := verify(r, []byte(body), creds.SecretAccessKey, signTime); err != nil {
		t.Errorf("Verify = %v, want success", err)
	}
	r.ContentLength++
	if err := verify(r, []byte(body), creds.SecretAccessKey, signTime); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("Verify(other length) = %v, want SignatureDoesNotMatch", err)
	}
}

func presigned(t *testing.T, payload string, expires time.Duration, c aws.Credentials) *http.Request {
	t.Helper()
	q := url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}, "X-Amz-Expires": {"900"}}
	if expires > 0 {
		q.Set("X-Amz-Expires", strconv.Itoa(int(expires/time.Second)))
	}
	r := httptest.NewRequest("GET", "http://127.0.0.1:8470/?"+q.Encode(), nil)
	uri, _, err := v4.NewSigner().PresignHTTP(context.Background(), c, r, payload, "sts", "us-east-1", signTime)
	if err != nil {
		t.Fatal(err)
	}
	return httptest.NewRequest("GET", uri, nil)
}

func TestVerifyPresigned(t *testing.T) {
	tok := creds
	tok.SessionToken = "FwoGZXIvYXdzEXAMPLETOKEN"
	tests := []struct {
		name    string
		payload string
		expires time.Duration
		c       aws.Credentials
		secret  string
		now     time.Time
		alter   func(*http.Request)
		want    string
	}{
		{"unsigned payload (botocore)", unsignedPayload, 0, creds, creds.SecretAccessKey, signTime.Add(time.Minute), nil, ""},
		{"empty-body hash (Go SDK)", hashOf(nil), 0, creds, creds.SecretAccessKey, signTime.Add(time.Minute), nil, ""},
		{"with session token", unsignedPayload, 0, tok, tok.SecretAccessKey, signTime, nil, ""},
		{"wrong secret", unsignedPayload, 0, creds, "x", signTime, nil, "SignatureDoesNotMatch"},
		{"expired", unsignedPayload, 60 * time.Second, creds, creds.SecretAccessKey, signTime.Add(2 * time.Minute), nil, "AccessDenied"},
		{"action altered", unsignedPayload, 0, creds, creds.SecretAccessKey, signTime, func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "GetCallerIdentity", "GetSessionToken", 1)
		}, "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := presigned(t, tt.payload, tt.expires, tt.c)
			if tt.alter != nil {
				tt.alter(r)
			}
			err := verify(r, nil, tt.secret, tt.now)
			if got := code(err); got != tt.want {
				t.Errorf("Verify = %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	r, _ := signed(t, `{}`, nil, creds)
	s, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	if s.AccessKeyID != creds.AccessKeyID || s.Region != "us-east-1" || s.Service != "ssm" || s.Date != "20261123" || !s.Time.Equal(signTime) || s.Presigned {
		t.Errorf("Parse = %+v", s)
	}
	if strings.Join(s.SignedHeaders, ";") != "content-length;content-type;host;x-amz-date;x-amz-target" {
		t.Errorf("SignedHeaders = %v", s.SignedHeaders)
	}
	if _, err := Parse(httptest.NewRequest("GET", "/", nil)); !errors.Is(err, ErrMissing) {
		t.Errorf("Parse(unsigned) = %v, want ErrMissing", err)
	}
}

// FuzzParseAmzDate checks that the fast path of the date parser agrees
// with time.Parse on every input it accepts, and accepts the SDKs' form.
func FuzzParseAmzDate(f *testing.F) {
	for _, s := range []string{"20261123T120000Z", "20260229T000000Z", "20261231T235959Z", "20260101T240000Z",
		"20261301T000000Z", "20260100T000000Z", "2026112xT120000Z", "20261123 120000Z", "20261123T120000", "+0261123T120000Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseAmzDate(s)
		want, err := time.Parse(amzDateFormat, s)
		if ok && (err != nil || !got.Equal(want)) {
			t.Errorf("parseAmzDate(%q) = %v; time.Parse = %v, %v", s, got, want, err)
		}
	})
}

func TestParseAmzDate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"20261123T120000Z", time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), true},
		{"20260228T235959Z", time.Date(2026, 2, 28, 23, 59, 59, 0, time.UTC), true},
		{"20260131T000000Z", time.Time{}, false}, // left to time.Parse
		{"20261301T000000Z", time.Time{}, false},
		{"20261123T126000Z", time.Time{}, false},
		{"2026-11-23T12:00:00Z", time.Time{}, false},
	} {
		got, ok := parseAmzDate(tt.in)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseAmzDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	// Each form still parses, through the fast path or time.Parse.
	for date, scope := range map[string]string{
		"20260131T000000Z": "20260131", "20261123T120000Z": "20261123", "Mon, 23 Nov 2026 12:00:00 GMT": "20261123",
	} {
		s := &Signature{Date: scope}
		if err := s.setTime(date); err != nil {
			t.Errorf("setTime(%q) with scope %s = %v", date, scope, err)
		}
	}
	s := &Signature{Date: "20261122"}
	if err := s.setTime("20261123T120000Z"); err == nil || !strings.Contains(err.Error(), "'20261122' != '20261123'") {
		t.Errorf("setTime with another day's scope = %v, want SignatureDoesNotMatch naming both days", err)
	}
}

// BenchmarkVerify measures parsing and verifying the signature of a
// signed JSON request (what every authenticated request pays).
func BenchmarkVerify(b *testing.B) {
	body := `{"InstanceInformationFilterList":[]}`
	r := httptest.NewRequest("POST", "http://127.0.0.1:8470/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AmazonSSM.DescribeInstanceInformation")
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hashOf([]byte(body)), "ssm", "us-east-1", signTime); err != nil {
		b.Fatal(err)
	}
	v := New(func() time.Time { return signTime })
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse(r)
		if err != nil {
			b.Fatal(err)
		}
		if err := v.Verify(context.Background(), r, []byte(body), s, creds.SecretAccessKey); err != nil {
			b.Fatal(err)
		}
	}
}
