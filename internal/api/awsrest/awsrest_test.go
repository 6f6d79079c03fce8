// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package awsrest

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/timestamp"
	"github.com/kanri-dev/kanri/internal/wire/resourcegroups"
)

func TestRouter(t *testing.T) {
	var rt Router[string]
	for _, r := range []struct{ method, uri string }{
		{"POST", "/groups"},
		{"POST", "/groups-list"},
		{"GET", "/resources/{Arn}/tags"},
		{"PUT", "/resources/{Arn}/tags"},
		{"PATCH", "/resources/{Arn}/tags"},
		{"GET", "/resources/special/tags"},
		{"GET", "/files/{Key+}"},
		{"GET", "/files/{Key+}?acl"},
		{"GET", "/"},
	} {
		if err := rt.Add(r.method, r.uri, r.method+" "+r.uri); err != nil {
			t.Fatal(err)
		}
	}
	arn := "arn:aws:resource-groups:us-east-1:123456789012:group/web"
	tests := []struct {
		method, target string
		want           string
		params         map[string]string
		code           string
		status         int
	}{
		{"POST", "/groups", "POST /groups", map[string]string{}, "", 0},
		{"POST", "/groups-list?maxResults=3", "POST /groups-list", map[string]string{}, "", 0},
		{"GET", "/resources/" + strings.ReplaceAll(strings.ReplaceAll(arn, ":", "%3A"), "/", "%2F") + "/tags", "GET /resources/{Arn}/tags", map[string]string{"Arn": arn}, "", 0},
		{"PATCH", "/resources/x%20y/tags", "PATCH /resources/{Arn}/tags", map[string]string{"Arn": "x y"}, "", 0},
		// A literal segment wins over a label.
		{"GET", "/resources/special/tags", "GET /resources/special/tags", map[string]string{}, "", 0},
		{"GET", "/files/a/b%2Fc/d", "GET /files/{Key+}", map[string]string{"Key": "a/b/c/d"}, "", 0},
		// A required query parameter makes a route more specific.
		{"GET", "/files/a?acl", "GET /files/{Key+}?acl", map[string]string{"Key": "a"}, "", 0},
		{"GET", "/", "GET /", map[string]string{}, "", 0},
		{"GET", "/groups", "", nil, "MethodNotAllowedException", 405},
		{"DELETE", "/resources/x/tags", "", nil, "MethodNotAllowedException", 405},
		{"POST", "/groups/", "", nil, "UnknownOperationException", 404},
		{"GET", "/resources//tags", "", nil, "UnknownOperationException", 404},
		{"GET", "/files/", "", nil, "UnknownOperationException", 404},
		{"POST", "/nope", "", nil, "UnknownOperationException", 404},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, tt.target, nil)
		got, params, err := rt.Match(r)
		if tt.code != "" {
			e := awserr.As(err)
			if e == nil || e.Code != tt.code || e.HTTPStatus() != tt.status {
				t.Errorf("Match(%s %s) = %q, %v, want %s (%d)", tt.method, tt.target, got, err, tt.code, tt.status)
			}
			continue
		}
		if err != nil || got != tt.want || !cmp.Equal(params, tt.params) {
			t.Errorf("Match(%s %s) = %q, %v, %v, want %q, %v", tt.method, tt.target, got, params, err, tt.want, tt.params)
		}
	}
	for _, uri := range []string{"groups", "/a/{}", "/a/{B", "/{Key+}/x"} {
		if err := rt.Add("GET", uri, ""); err == nil {
			t.Errorf("Add(GET, %q) = nil, want an error", uri)
		}
	}
}

// input binds a member to every location.
type input struct {
	ID      string            `json:"-" location:"uri" locationName:"Id"`
	Max     *int32            `json:"-" location:"querystring" locationName:"maxResults"`
	Only    []string          `json:"-" location:"querystring" locationName:"only"`
	Since   *timestamp.Time   `json:"-" location:"querystring" locationName:"since"`
	Trace   string            `json:"-" location:"header" locationName:"X-Trace"`
	Flag    *bool             `json:"-" location:"header" locationName:"X-Flag"`
	Items   []string          `json:"-" location:"header" locationName:"X-Items"`
	Changed *timestamp.Time   `json:"-" location:"header" locationName:"If-Modified-Since"`
	Meta    map[string]string `json:"-" location:"headers" locationName:"X-Meta-"`
	Name    string            `json:"Name,omitempty"`
}

func TestDecode(t *testing.T) {
	r := httptest.NewRequest("POST", "/things/t1?maxResults=5&only=a&only=b&since=2026-01-02T03:04:05Z&X-Amz-Date=20260101T000000Z", nil)
	r.Header.Set("X-Trace", "abc")
	r.Header.Set("X-Flag", "true")
	r.Header.Add("X-Items", "a, b")
	r.Header.Add("X-Items", "c")
	r.Header.Set("If-Modified-Since", "Fri, 02 Jan 2026 03:04:05 GMT")
	r.Header.Set("X-Meta-Color", "blue")
	var got input
	if err := Decode(r, map[string]string{"Id": "t1"}, []byte(`{"Name":"n"}`), &got); err != nil {
		t.Fatal(err)
	}
	when := timestamp.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	want := input{ID: "t1", Max: ptr[int32](5), Only: []string{"a", "b"}, Since: &when, Trace: "abc", Flag: ptr(true),
		Items: []string{"a", "b", "c"}, Changed: &when, Meta: map[string]string{"color": "blue"}, Name: "n"}
	eqTime := cmp.Comparer(func(a, b timestamp.Time) bool { return a.Time().Equal(b.Time()) })
	if diff := cmp.Diff(want, got, eqTime); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}

	// A generated input: ListGroups takes maxResults and nextToken in the
	// query string and Filters in the body.
	r = httptest.NewRequest("POST", "/groups-list?maxResults=2&nextToken=abc", strings.NewReader(""))
	var lg resourcegroups.ListGroupsInput
	body := []byte(`{"Filters":[{"Name":"resource-type","Values":["AWS::SSM::ManagedInstance"]}]}`)
	if err := Decode(r, nil, body, &lg); err != nil || *lg.MaxResults != 2 || lg.NextToken != "abc" || len(lg.Filters) != 1 {
		t.Errorf("Decode(ListGroupsInput) = %+v, %v", lg, err)
	}

	tests := []struct {
		target string
		header [2]string
		body   string
		want   string
	}{
		{"/x?maxResults=many", [2]string{}, "", `query parameter maxResults: expected an integer, got "many"`},
		{"/x?maxResults=1&maxResults=2", [2]string{}, "", "query parameter maxResults: expected one value, got 2"},
		{"/x?maxResults=99999999999", [2]string{}, "", "query parameter maxResults: expected an integer"},
		{"/x?since=yesterday", [2]string{}, "", "query parameter since: expected an ISO 8601 timestamp"},
		{"/x?maxresults=1&zz=2", [2]string{}, "", "unknown query parameter(s) maxresults, zz"},
		{"/x", [2]string{"X-Flag", "yes"}, "", `header X-Flag: expected true or false, got "yes"`},
		{"/x", [2]string{"If-Modified-Since", "2026-01-02"}, "", "header If-Modified-Since: expected an HTTP date"},
		// A member bound outside the body is not accepted in it.
		{"/x", [2]string{}, `{"Trace":"abc"}`, `unknown member "Trace"`},
		{"/x", [2]string{}, `{"Name":`, "unexpected end of input"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", tt.target, nil)
		if tt.header[0] != "" {
			r.Header.Set(tt.header[0], tt.header[1])
		}
		err := Decode(r, nil, []byte(tt.body), &input{})
		e := awserr.As(err)
		if e == nil || e.Code != "SerializationException" || !strings.Contains(e.Message, tt.want) {
			t.Errorf("Decode(%s %v %s) = %v, want SerializationException containing %q", tt.target, tt.header, tt.body, err, tt.want)
		}
	}
	var lg2 resourcegroups.ListGroupsInput
	if err := Decode(httptest.NewRequest("GET", "/x", nil), map[string]string{"Id": "x"}, nil, &lg2); err != nil {
		t.Errorf("Decode(no body) = %v, want nil", err)
	}
}

// output has members outside the body.
type output struct {
	Status *int32            `json:"-" location:"statusCode"`
	ETag   string            `json:"-" location:"header" locationName:"ETag"`
	Count  *int64            `json:"-" location:"header" locationName:"X-Count"`
	Meta   map[string]string `json:"-" location:"headers" locationName:"X-Meta-"`
	Name   string            `json:"Name,omitempty"`
}

func TestWriteResponse(t *testing.T) {
	tests := []struct {
		status     int
		v          any
		wantStatus int
		wantBody   string
		wantHeader map[string]string
	}{
		{0, &output{ETag: "e1", Count: ptr[int64](3), Meta: map[string]string{"color": "blue"}, Name: "n"}, 200, `{"Name":"n"}`,
			map[string]string{"ETag": "e1", "X-Count": "3", "X-Meta-Color": "blue"}},
		{202, &output{}, 202, `{}`, map[string]string{"ETag": "", "X-Count": ""}},
		{202, &output{Status: ptr[int32](201)}, 201, `{}`, nil},
		{0, nil, 200, `{}`, nil},
		{0, &resourcegroups.GetTagsOutput{Arn: "a", Tags: map[string]string{"k": "v"}}, 200, `{"Arn":"a","Tags":{"k":"v"}}`, nil},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		if err := WriteResponse(w, tt.status, tt.v); err != nil {
			t.Fatal(err)
		}
		if w.Code != tt.wantStatus || w.Body.String() != tt.wantBody || w.Header().Get("Content-Type") != ContentType {
			t.Errorf("WriteResponse(%d, %+v) = %d %s, want %d %s", tt.status, tt.v, w.Code, w.Body, tt.wantStatus, tt.wantBody)
		}
		for k, v := range tt.wantHeader {
			if got := w.Header().Get(k); got != v {
				t.Errorf("WriteResponse(%+v) header %s = %q, want %q", tt.v, k, got, v)
			}
		}
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		err        *awserr.Error
		wantStatus int
		wantType   string
	}{
		{resourcegroups.NewNotFoundException("Cannot find group web."), 404, "NotFoundException"},
		{resourcegroups.NewBadRequestException("bad"), 400, "BadRequestException"},
		{resourcegroups.NewTooManyRequestsException("slow down"), 429, "TooManyRequestsException"},
		{awserr.New(awserr.Unauthenticated, "SignatureDoesNotMatch", "no"), 403, "InvalidSignatureException"},
		{awserr.New(awserr.Unauthenticated, "MissingAuthenticationToken", "no"), 403, "MissingAuthenticationTokenException"},
		{awserr.New(awserr.Unauthenticated, "InvalidClientTokenId", "no"), 403, "UnrecognizedClientException"},
		{awserr.New(awserr.Denied, "AccessDenied", "no"), 403, "AccessDeniedException"},
		{awserr.New(awserr.Invalid, "RequestEntityTooLarge", "big").WithStatus(413), 413, "RequestEntityTooLargeException"},
		{awserr.InternalFailure(), 500, "InternalFailure"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		if err := WriteError(w, tt.err); err != nil {
			t.Fatal(err)
		}
		var body map[string]string
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("WriteError(%s) body %s: %v", tt.err.Code, w.Body, err)
		}
		want := map[string]string{"message": tt.err.Message}
		if w.Code != tt.wantStatus || w.Header().Get("X-Amzn-ErrorType") != tt.wantType || !cmp.Equal(body, want) ||
			w.Header().Get("Content-Type") != ContentType {
			t.Errorf("WriteError(%s) = %d %s %s, want %d %s %v", tt.err.Code, w.Code, w.Header().Get("X-Amzn-ErrorType"), w.Body,
				tt.wantStatus, tt.wantType, want)
		}
		if got := Code(tt.err.Code); got != tt.wantType {
			t.Errorf("Code(%s) = %s, want %s", tt.err.Code, got, tt.wantType)
		}
	}
}

func ptr[T any](v T) *T { return &v }
