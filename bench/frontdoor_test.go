// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"bytes"
	"net/http"
	"os"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/sharedconfig"
)

// BenchmarkGetCallerIdentity measures signed STS GetCallerIdentity calls
// against the kanri binary (kanri dev: SQLite, audit on) from 64
// concurrent clients over loopback. Every request is signed with the
// SDK's signer (see Run), verified by the server, and audited before it is
// answered.
func BenchmarkGetCallerIdentity(b *testing.B) {
	Load(b, 64, max(b.N, 20000), getCallerIdentity(b))
}

// BenchmarkGetCallerIdentityAtRate is BenchmarkGetCallerIdentity with the
// 64 clients sending on a schedule: KANRI_BENCH_RATE calls per second in
// all (default 10,000, the front door's throughput target), latency
// counted from when each call was due (see RunAtRate). It measures how
// quickly the server answers at the load it must carry, where the closed
// loop measures how much it can carry. Before kanri, the same load runs
// against a floor server (see serveFloor), reported as floor-p50-ms and
// floor-p99-ms: the part of the figures the host gave that minute.
func BenchmarkGetCallerIdentityAtRate(b *testing.B) {
	rate := 10000.0
	if v := os.Getenv("KANRI_BENCH_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			b.Fatalf("KANRI_BENCH_RATE=%q: want a positive number of calls per second", v)
		}
		rate = r
	}
	n := max(b.N, 20000)
	call := getCallerIdentity(b)
	floor := call
	floor.Endpoint, floor.Want = startFloor(b), nil
	f := RunAtRate(b, 64, n, rate, floor)
	LoadAtRate(b, 64, n, rate, call)
	b.ReportMetric(f.P50, "floor-p50-ms")
	b.ReportMetric(f.P99, "floor-p99-ms")
}

// getCallerIdentity starts kanri dev without its local agent, whose
// software inventory ten seconds after start is work of its own, and
// returns the signed GetCallerIdentity call of its administrator, checked
// for the account in every answer.
func getCallerIdentity(b *testing.B) Call {
	b.Helper()
	p := kanritest.StartDev(b, "", "--no-agent")
	prof, err := sharedconfig.ReadCredentials(p.CredentialsFile(), "default")
	if err != nil {
		b.Fatal(err)
	}
	return Call{
		Endpoint: p.Endpoint,
		Header:   http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}},
		Body:     "Action=GetCallerIdentity&Version=2011-06-15",
		Service:  "sts", Region: "us-east-1",
		Creds: aws.Credentials{AccessKeyID: prof.AccessKeyID, SecretAccessKey: prof.SecretAccessKey},
		Want:  func(_ int, body []byte) bool { return bytes.Contains(body, []byte("<Account>"+p.Account+"</Account>")) },
	}
}
