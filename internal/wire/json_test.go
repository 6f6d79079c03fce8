// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package wire_test

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri-dev/kanri/internal/timestamp"
	"github.com/kanri-dev/kanri/internal/wire/kms"
	"github.com/kanri-dev/kanri/internal/wire/ssm"
)

// TestJSONOutput checks that encoding/json writes a generated output as
// the JSON 1.1 protocol does and aws-sdk-go-v2's deserializers read it:
// members by their AWS names, absent members left out, timestamps as epoch
// seconds in a JSON number, blobs in base64.
func TestJSONOutput(t *testing.T) {
	modified := time.UnixMilli(1700000000123).UTC()
	out := &ssm.GetParameterOutput{Parameter: &ssm.Parameter{
		Name:             "/app/db",
		Type:             ssm.ParameterTypeSecureString,
		Value:            "s3cret",
		Version:          ptr[int64](3),
		LastModifiedDate: timestamp.Ptr(modified),
		ARN:              "arn:aws:ssm:us-east-1:123456789012:parameter/app/db",
	}}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Parameter":{"Name":"/app/db","Type":"SecureString","Value":"s3cret","Version":3,` +
		`"LastModifiedDate":1700000000.123,"ARN":"arn:aws:ssm:us-east-1:123456789012:parameter/app/db"}}`
	if string(b) != want {
		t.Errorf("json.Marshal(GetParameterOutput) = %s, want %s", b, want)
	}

	// Read it back as the SDK does: the timestamp must be a JSON number of
	// epoch seconds, which it turns into a time with millisecond precision.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc map[string]map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	num, ok := doc["Parameter"]["LastModifiedDate"].(json.Number)
	if !ok {
		t.Fatalf("LastModifiedDate = %#v, want a JSON number", doc["Parameter"]["LastModifiedDate"])
	}
	f, err := num.Float64()
	if err != nil {
		t.Fatal(err)
	}
	if got := time.UnixMilli(int64(math.Round(f * 1e3))).UTC(); !got.Equal(modified) {
		t.Errorf("LastModifiedDate %s read as %v, want %v", num, got, modified)
	}
	if v, ok := doc["Parameter"]["Version"].(json.Number); !ok || v.String() != "3" {
		t.Errorf("Version = %#v, want the JSON number 3", doc["Parameter"]["Version"])
	}

	var back ssm.GetParameterOutput
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	eqTime := cmp.Comparer(func(a, b timestamp.Time) bool { return a.Time().Equal(b.Time()) })
	if diff := cmp.Diff(out, &back, eqTime); diff != "" {
		t.Errorf("GetParameterOutput round trip (-want +got):\n%s", diff)
	}
}

func TestJSONBlobAndBool(t *testing.T) {
	out := &kms.DecryptOutput{KeyId: "k", Plaintext: []byte{1, 2, 3}}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"KeyId":"k","Plaintext":"AQID"}`; string(b) != want {
		t.Errorf("json.Marshal(DecryptOutput) = %s, want %s", b, want)
	}
	// A false boolean is present; an absent one is left out.
	in := &ssm.GetParameterInput{Name: "/app/db", WithDecryption: ptr(false)}
	b, err = json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Name":"/app/db","WithDecryption":false}`; string(b) != want {
		t.Errorf("json.Marshal(GetParameterInput) = %s, want %s", b, want)
	}
}
