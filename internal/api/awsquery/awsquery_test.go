// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package awsquery

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/timestamp"
)

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type input struct {
	RoleName    string            `json:"RoleName,omitempty"`
	MaxSession  *int32            `json:"MaxSessionDuration,omitempty"`
	Enabled     *bool             `json:"Enabled,omitempty"`
	Tags        []*tag            `json:"Tags,omitempty"`
	Names       []string          `json:"Names,omitempty"`
	Context     map[string]string `json:"Context,omitempty"`
	Nested      *tag              `json:"Nested,omitempty"`
	When        *timestamp.Time   `json:"When,omitempty"`
	Blob        []byte            `json:"Blob,omitempty"`
	Untouched   string            `json:"Untouched,omitempty"`
	Probability *float64          `json:"Probability,omitempty"`
}

func TestDecode(t *testing.T) {
	form, _ := url.ParseQuery("Action=CreateRole&Version=2010-05-08&RoleName=ops&MaxSessionDuration=3600&Enabled=true" +
		"&Tags.member.1.Key=env&Tags.member.1.Value=dev&Tags.member.2.Key=team&Tags.member.2.Value=" +
		"&Names=&Context.entry.1.key=a&Context.entry.1.value=1&Context.entry.2.key=b&Context.entry.2.value=2" +
		"&Nested.Key=k&When=2026-11-23T12%3A00%3A00Z&Blob=aGk%3D&Probability=0.5&X-Amz-Date=20261123T120000Z")
	var got input
	if err := Decode(form, &got); err != nil {
		t.Fatal(err)
	}
	i, b, f := int32(3600), true, 0.5
	when := timestamp.New(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	want := input{
		RoleName: "ops", MaxSession: &i, Enabled: &b,
		Tags:    []*tag{{"env", "dev"}, {"team", ""}},
		Names:   []string{},
		Context: map[string]string{"a": "1", "b": "2"},
		Nested:  &tag{Key: "k"}, When: &when, Blob: []byte("hi"), Probability: &f,
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b timestamp.Time) bool { return a.Time().Equal(b.Time()) })); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		query string
		want  string
	}{
		{"RoleName=x&Colour=red", "Unknown parameter(s) in the request: Colour"},
		{"Tags.member.1.Key=a&Tags.member.1.Colour=b", "Tags.member.1.Colour"},
		{"MaxSessionDuration=long", "Value 'long' at 'maxSessionDuration' failed to satisfy constraint: Member must be an integer"},
		{"MaxSessionDuration=99999999999", "must be an integer"},
		{"Enabled=yes please", "must be true or false"},
		{"When=yesterday", "ISO 8601"},
		{"Blob=***", "base64"},
	}
	for _, tt := range tests {
		form, _ := url.ParseQuery(tt.query)
		err := Decode(form, &input{})
		e := awserr.As(err)
		if e == nil || e.Code != "ValidationError" || !strings.Contains(e.Message, tt.want) {
			t.Errorf("Decode(%s) = %v, want ValidationError containing %q", tt.query, err, tt.want)
		}
	}
}

func TestCheckXMLSafe(t *testing.T) {
	for _, s := range []string{"plain", "tab\tnew\nline", "日本語", "emoji 🙂"} {
		if err := CheckXMLSafe(url.Values{"A": {s}}); err != nil {
			t.Errorf("CheckXMLSafe(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range []string{"nul\x00", "bell\x07", "\xff\xfe", "\uFFFE"} {
		if err := CheckXMLSafe(url.Values{"A": {s}}); err == nil {
			t.Errorf("CheckXMLSafe(%q) = nil, want an error", s)
		}
	}
}

type output struct {
	User      *outUser          `json:"User,omitempty"`
	Names     []string          `json:"Names,omitempty"`
	Empty     []string          `json:"Empty,omitempty"`
	Missing   []string          `json:"Missing,omitempty"`
	Attrs     map[string]string `json:"Attrs,omitempty"`
	Truncated *bool             `json:"IsTruncated,omitempty"`
	Count     *int32            `json:"Count,omitempty"`
}

type outUser struct {
	UserName   string          `json:"UserName,omitempty"`
	CreateDate *timestamp.Time `json:"CreateDate,omitempty"`
	Path       string          `json:"Path,omitempty"`
}

func TestWriteResponse(t *testing.T) {
	created := timestamp.New(time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC))
	f, n := false, int32(2)
	out := &output{
		User:  &outUser{UserName: "a<b&c", CreateDate: &created},
		Names: []string{"x", "y"}, Empty: []string{},
		Attrs: map[string]string{"z": "1", "a": "2"}, Truncated: &f, Count: &n,
	}
	w := httptest.NewRecorder()
	if err := WriteResponse(w, "https://iam.amazonaws.com/doc/2010-05-08/", "GetUser", "req-1", out); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult>` +
		`<User><UserName>a&lt;b&amp;c</UserName><CreateDate>2026-01-02T03:04:05.006Z</CreateDate></User>` +
		`<Names><member>x</member><member>y</member></Names><Empty></Empty>` +
		`<Attrs><entry><key>a</key><value>2</value></entry><entry><key>z</key><value>1</value></entry></Attrs>` +
		`<IsTruncated>false</IsTruncated><Count>2</Count>` +
		`</GetUserResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetUserResponse>`
	if got := w.Body.String(); got != want {
		t.Errorf("WriteResponse =\n%s\nwant\n%s", got, want)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type = %q, want text/xml", ct)
	}
}

func TestWriteError(t *testing.T) {
	w := httptest.NewRecorder()
	e := awserr.New(awserr.NotFound, "NoSuchEntity", "The user with name <x> cannot be found.").WithStatus(404)
	if err := WriteError(w, "https://iam.amazonaws.com/doc/2010-05-08/", "req-2", e); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>` +
		`<Message>The user with name &lt;x&gt; cannot be found.</Message></Error><RequestId>req-2</RequestId></ErrorResponse>`
	if w.Code != 404 || w.Body.String() != want {
		t.Errorf("WriteError = %d %s, want 404 %s", w.Code, w.Body.String(), want)
	}
}
