// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package audit

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// parseSamples are events whose lines the fast path reads, and lines it
// leaves to json.Unmarshal.
func parseSamples() []Event {
	base := Event{
		ID: "01a25193-043f-7000-849d-fe39d77645b5", Time: time.Date(2026, 12, 7, 13, 4, 5, 123456789, time.UTC), RequestID: "r-1",
		Account: "123456789012", Region: "us-east-1", Source: "sts.amazonaws.com", Name: "GetCallerIdentity", ReadOnly: true,
		PrincipalARN: "arn:aws:iam::123456789012:user/admin", PrincipalID: "AIDA", PrincipalType: "IAMUser", UserName: "admin",
		AccessKeyID: "AKIA", SourceIP: "127.0.0.1", UserAgent: "aws-cli/2.0 Python/3", Outcome: "Success",
	}
	withResources := base
	withResources.ReadOnly, withResources.Outcome, withResources.ErrorCode, withResources.ErrorMessage = false, "Failed", "ValidationException", "bad value"
	withResources.Resources = []Resource{{ARN: "arn:aws:ssm:us-east-1:123456789012:document/AWS-RunShellScript", Type: "AWS::SSM::Document"}, {}}
	empty := base
	empty.Resources = []Resource{}
	escaped := base
	escaped.UserAgent, escaped.ErrorMessage = "agent \"quoted\" \u00e9 <x>", "line\nbreak \xff"
	zoned := base
	zoned.Time = time.Date(2026, 12, 7, 13, 4, 5, 0, time.FixedZone("", 9*3600))
	return []Event{base, withResources, empty, escaped, zoned, {}}
}

func TestParseEventAsEncodingJSON(t *testing.T) {
	fast := 0
	for _, e := range parseSamples() {
		line := e.AppendJSON(nil)
		var got, want Event
		if !parseEvent(line, &got) {
			t.Errorf("parseEvent(%s) failed", line)
			continue
		}
		if err := json.Unmarshal(line, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("parseEvent(%s)\n = %+v\nwant %+v", line, got, want)
		}
		if p := (eventParser{b: line, ok: true}); p.event(new(Event)) {
			fast++
		}
	}
	// Every line but the one with escapes (and non-ASCII) takes the fast
	// path.
	if fast != len(parseSamples())-1 {
		t.Errorf("the fast path read %d of %d lines, want all but the escaped one", fast, len(parseSamples()))
	}
	for _, line := range []string{`{"ID":"x"}`, `{"id":"x","Time":"2026-12-07T13:04:05Z"}`, `not json`, `{"ID":"x","Time":null}`} {
		var got, want Event
		ok := parseEvent([]byte(line), &got)
		err := json.Unmarshal([]byte(line), &want)
		if ok != (err == nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("parseEvent(%s) = %v, %+v; json.Unmarshal: %v, %+v", line, ok, got, err, want)
		}
	}
}

// FuzzParseEvent checks that parseEvent agrees with json.Unmarshal on any
// line.
func FuzzParseEvent(f *testing.F) {
	for _, e := range parseSamples() {
		f.Add(e.AppendJSON(nil))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var got, want Event
		ok := parseEvent(line, &got)
		err := json.Unmarshal(line, &want)
		if ok != (err == nil) {
			t.Fatalf("parseEvent(%q) = %v; json.Unmarshal: %v", line, ok, err)
		}
		if ok && !reflect.DeepEqual(got, want) {
			t.Fatalf("parseEvent(%q)\n = %+v\nwant %+v", line, got, want)
		}
	})
}

// BenchmarkParseEvent measures reading one journal line back, as the
// ingest process and the start after a stop do, against encoding/json.
func BenchmarkParseEvent(b *testing.B) {
	line := parseSamples()[0].AppendJSON(nil)
	for name, parse := range map[string]func([]byte, *Event) bool{
		"parseEvent":    parseEvent,
		"encoding-json": func(l []byte, ev *Event) bool { return json.Unmarshal(l, ev) == nil },
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var ev Event
				if !parse(line, &ev) {
					b.Fatal("not parsed")
				}
			}
		})
	}
}
