// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// send signs and sends a raw request to k as the administrator.
func send(t *testing.T, k *kanritest.Kanri, method, target, contentType, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, k.Endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	service := "sts"
	if target != "" {
		service = "cloudtrail"
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: k.AccessKeyID(), SecretAccessKey: k.SecretAccessKey()}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

const (
	jsonCT  = "application/x-amz-json-1.1"
	formCT  = "application/x-www-form-urlencoded; charset=utf-8"
	lookup  = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
	unknown = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DeleteEverything"
)

func TestFrontDoorErrors(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{})
	tests := []struct {
		name        string
		target, ct  string
		body        string
		wantStatus  int
		wantCode    string // JSON __type or Query <Code>
		wantMessage string // a part of the message
	}{
		{"unknown JSON operation", unknown, jsonCT, `{}`, 400, "UnknownOperationException", "DeleteEverything"},
		{"malformed JSON names line and column", lookup, jsonCT, "{\n  \"MaxResults\": 5,\n}", 400, "SerializationException", "line 3, column 1"},
		{"unknown member is not dropped", lookup, jsonCT, `{"MaxResult": 5}`, 400, "SerializationException", `"MaxResult"`},
		{"wrong member type", lookup, jsonCT, `{"MaxResults": "five"}`, 400, "SerializationException", "MaxResults: expected an integer, got string"},
		{"body not an object", lookup, jsonCT, `[1,2]`, 400, "SerializationException", "JSON object"},
		{"trailing data", lookup, jsonCT, `{} {}`, 400, "SerializationException", "after the top-level value"},
		{"model validation", lookup, jsonCT, `{"LookupAttributes":[{"AttributeKey":"Color","AttributeValue":"x"}]}`, 400, "ValidationException", "enum value set"},
		{"model range", lookup, jsonCT, `{"MaxResults": 51}`, 400, "ValidationException", "Value '51' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50"},
		{"two attributes", lookup, jsonCT, `{"LookupAttributes":[{"AttributeKey":"Username","AttributeValue":"a"},{"AttributeKey":"EventName","AttributeValue":"b"}]}`, 400, "InvalidLookupAttributesException", "only one"},
		{"bad page token", lookup, jsonCT, `{"NextToken": "garbage"}`, 400, "InvalidNextTokenException", "NextToken"},
		{"unknown Query action", "", formCT, "Action=GetEverything&Version=2011-06-15", 400, "InvalidAction", "GetEverything"},
		{"Query without action", "", formCT, "Version=2011-06-15", 400, "MissingAction", "Action"},
		{"Query without version", "", formCT, "Action=GetCallerIdentity", 400, "MissingParameter", "Version"},
		{"unknown Query parameter", "", formCT, "Action=GetCallerIdentity&Version=2011-06-15&Color=red", 400, "ValidationError", "Color"},
		{"XML-unsafe Query value", "", formCT, "Action=GetCallerIdentity&Version=2011-06-15&Color=%01", 400, "ValidationError", "U+0001"},
		{"malformed form", "", formCT, "Action=GetCallerIdentity&Version=2011-06-15&%zz", 400, "MalformedQueryString", "malformed"},
		{"neither protocol", "", "text/plain", "hello", 400, "UnknownOperationException", "Content-Type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := send(t, k, "POST", tt.target, tt.ct, tt.body)
			if h.Get("x-amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId")
			}
			code, msg := parseError(t, tt.target != "", body)
			if status != tt.wantStatus || code != tt.wantCode || !strings.Contains(msg, tt.wantMessage) {
				t.Errorf("answer = %d %s %q, want %d %s containing %q", status, code, msg, tt.wantStatus, tt.wantCode, tt.wantMessage)
			}
		})
	}
}

// parseError reads a JSON or Query error body.
func parseError(t *testing.T, isJSON bool, body string) (code, message string) {
	t.Helper()
	if isJSON {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("JSON error body %q: %v", body, err)
		}
		return e.Type, e.Message
	}
	if !strings.HasPrefix(body, "<?xml") || !strings.Contains(body, "<ErrorResponse") || !strings.Contains(body, "<RequestId>") {
		t.Fatalf("Query error body is not an ErrorResponse: %s", body)
	}
	between := func(a, b string) string {
		_, rest, _ := strings.Cut(body, a)
		v, _, _ := strings.Cut(rest, b)
		return v
	}
	return between("<Code>", "</Code>"), between("<Message>", "</Message>")
}

func TestBodyLimit(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{})
	big := `{"NextToken":"` + strings.Repeat("x", 9<<20) + `"}`
	status, _, body := send(t, k, "POST", lookup, jsonCT, big)
	code, msg := parseError(t, true, body)
	if status != 413 || code != "RequestEntityTooLargeException" || !strings.Contains(msg, "8388608 bytes") {
		t.Errorf("9 MiB body: %d %s %q, want 413 RequestEntityTooLargeException naming the limit", status, code, msg)
	}
}

func TestSDKReadsAnswers(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{})
	cfg := k.Config()
	ctx := context.Background()
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:iam::" + k.Server.Account() + ":user/admin"; aws.ToString(id.Arn) != want {
		t.Errorf("GetCallerIdentity Arn = %s, want %s", aws.ToString(id.Arn), want)
	}
	for i := 0; i < 6; i++ {
		if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatal(err)
		}
	}
	// Paging with NextToken visits every event once, newest first, with
	// timestamps the SDK parsed.
	ct := cloudtrail.NewFromConfig(cfg)
	var seen []string
	var last time.Time
	p := cloudtrail.NewLookupEventsPaginator(ct, &cloudtrail.LookupEventsInput{
		MaxResults:       aws.Int32(2),
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventSource, AttributeValue: aws.String("sts.amazonaws.com")}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) > 2 {
			t.Fatalf("page of %d events, want at most 2", len(page.Events))
		}
		for _, e := range page.Events {
			et := aws.ToTime(e.EventTime)
			if et.IsZero() || time.Since(et) > time.Minute || (!last.IsZero() && et.After(last)) {
				t.Errorf("event time %v: want recent and not after the previous %v", et, last)
			}
			last = et
			seen = append(seen, aws.ToString(e.EventId))
			if aws.ToString(e.EventName) != "GetCallerIdentity" || aws.ToString(e.Username) != "admin" || aws.ToString(e.ReadOnly) != "true" {
				t.Errorf("event = %s by %s readOnly %s", aws.ToString(e.EventName), aws.ToString(e.Username), aws.ToString(e.ReadOnly))
			}
		}
	}
	if len(seen) != 7 {
		t.Errorf("paged through %d events, want 7", len(seen))
	}
	uniq := map[string]bool{}
	for _, id := range seen {
		uniq[id] = true
	}
	if len(uniq) != len(seen) {
		t.Errorf("events repeat across pages: %v", seen)
	}

	// The SDK's error deserializer reads kanri's JSON errors.
	_, err = ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{NextToken: aws.String("garbage")})
	var ime *cttypes.InvalidNextTokenException
	if !errors.As(err, &ime) {
		t.Errorf("LookupEvents(bad token) error = %v, want InvalidNextTokenException", err)
	}
	start, end := time.Now(), time.Now().Add(-time.Hour)
	_, err = ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{StartTime: &start, EndTime: &end})
	var ite *cttypes.InvalidTimeRangeException
	if !errors.As(err, &ite) {
		t.Errorf("LookupEvents(start after end) error = %v, want InvalidTimeRangeException", err)
	}
}

func TestPresignedGetCallerIdentity(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{})
	ps := sts.NewPresignClient(sts.NewFromConfig(k.Config()))
	req, err := ps.PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	hreq, err := http.NewRequest(req.Method, req.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for h, vs := range req.SignedHeader {
		for _, v := range vs {
			hreq.Header.Add(h, v)
		}
	}
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("<Arn>arn:aws:iam::"+k.Server.Account()+":user/admin</Arn>")) {
		t.Errorf("presigned %s: %d %s", req.Method, resp.StatusCode, body)
	}
	// The same URL with the action changed no longer matches.
	hreq.URL.RawQuery = strings.Replace(hreq.URL.RawQuery, "GetCallerIdentity", "GetSessionToken", 1)
	resp, err = http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Error("altered presigned URL accepted")
	}
}

func TestUnknownKey(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{})
	_, err := sts.NewFromConfig(k.ConfigFor("AKIAAAAAAAAAAAAAAAAA", "secret", "")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidClientTokenId" {
		t.Errorf("unknown key: %v, want InvalidClientTokenId", err)
	}
	_, err = cloudtrail.NewFromConfig(k.ConfigFor("AKIAAAAAAAAAAAAAAAAA", "secret", "")).LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnrecognizedClientException" {
		t.Errorf("unknown key, JSON service: %v, want UnrecognizedClientException", err)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	k := kanritest.Start(t, kanritest.Options{})
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(k.Endpoint + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s = %d, want 200", path, resp.StatusCode)
		}
	}
	if _, err := sts.NewFromConfig(k.Config()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(k.Endpoint + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`kanri_api_requests_total{code="200",operation="GetCallerIdentity",service="sts"} 1`,
		`kanri_api_request_duration_seconds_count{operation="GetCallerIdentity",service="sts"} 1`,
		`kanri_audit_events_written_total 1`,
		`kanri_audit_backlog 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
