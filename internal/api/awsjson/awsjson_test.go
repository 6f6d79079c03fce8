// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package awsjson

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kanri-dev/kanri/internal/awserr"
)

type in struct {
	Name  string   `json:"Name,omitempty"`
	Count *int32   `json:"Count,omitempty"`
	Tags  []string `json:"Tags,omitempty"`
}

func TestDecode(t *testing.T) {
	var v in
	if err := Decode([]byte(`{"Name":"x","Count":3,"Tags":["a"]}`), &v); err != nil || v.Name != "x" || *v.Count != 3 || v.Tags[0] != "a" {
		t.Errorf("Decode = %+v, %v", v, err)
	}
	if err := Decode(nil, &in{}); err != nil {
		t.Errorf("Decode(empty) = %v, want nil", err)
	}
	tests := []struct{ body, want string }{
		{"{\n\"Name\": \"x\",\n\"Count\": 3,\n}", "invalid JSON at line 4, column 1"},
		{`{"Name": "x"`, "unexpected end of input"},
		{`{"Nmae": "x"}`, `unknown member "Nmae"`},
		{`{"Count": "3"}`, "member Count: expected an integer, got string"},
		{`{"Count": 3.5}`, "member Count: expected an integer, got number 3.5"},
		{`{"Tags": "a"}`, "member Tags: expected a list, got string"},
		{`"x"`, "must be a JSON object"},
		{`{}{}`, "unexpected data after the top-level value"},
	}
	for _, tt := range tests {
		err := Decode([]byte(tt.body), &in{})
		e := awserr.As(err)
		if e == nil || e.Code != "SerializationException" || !strings.Contains(e.Message, tt.want) {
			t.Errorf("Decode(%q) = %v, want SerializationException containing %q", tt.body, err, tt.want)
		}
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		err        *awserr.Error
		wantStatus int
		wantType   string
	}{
		{awserr.New(awserr.Invalid, "InvalidInstanceId", "bad"), 400, "InvalidInstanceId"},
		{awserr.New(awserr.Unauthenticated, "SignatureDoesNotMatch", "no"), 400, "InvalidSignatureException"},
		{awserr.New(awserr.Unauthenticated, "MissingAuthenticationToken", "no"), 403, "MissingAuthenticationTokenException"},
		{awserr.New(awserr.Unauthenticated, "InvalidClientTokenId", "no"), 400, "UnrecognizedClientException"},
		{awserr.New(awserr.Denied, "AccessDenied", "no").WithStatus(403), 400, "AccessDeniedException"},
		{awserr.InternalFailure(), 500, "InternalFailure"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		if err := WriteError(w, tt.err); err != nil {
			t.Fatal(err)
		}
		var body struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != tt.wantStatus || body.Type != tt.wantType || body.Message != tt.err.Message || w.Header().Get("Content-Type") != ContentType {
			t.Errorf("WriteError(%s) = %d %+v, want %d %s", tt.err.Code, w.Code, body, tt.wantStatus, tt.wantType)
		}
	}
}

// TestWriteResponseLists writes an empty list as [] and leaves a nil one
// out, as AWS does: the wire shapes tag members omitzero, so that a
// listing with no results still names its list (the AWS CLI's queries,
// such as length(Commands), need it).
func TestWriteResponseLists(t *testing.T) {
	type out struct {
		Commands  []string          `json:"Commands,omitzero"`
		NextToken string            `json:"NextToken,omitzero"`
		Tags      map[string]string `json:"Tags,omitzero"`
		Missing   []string          `json:"Missing,omitzero"`
	}
	w := httptest.NewRecorder()
	if err := WriteResponse(w, &out{Commands: []string{}, Tags: map[string]string{}}); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(w.Body.String()); got != `{"Commands":[],"Tags":{}}` {
		t.Errorf("WriteResponse = %s, want {\"Commands\":[],\"Tags\":{}}", got)
	}
}
