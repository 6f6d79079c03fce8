// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"strconv"
	"strings"
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
	call := getCallerIdentity(b)
	before := readCost(b, call.Endpoint)
	Load(b, 64, max(b.N, 20000), call)
	reportCost(b, before, readCost(b, call.Endpoint))
}

// BenchmarkGetCallerIdentityAtRate is BenchmarkGetCallerIdentity with the
// 64 clients sending on a schedule: KANRI_BENCH_RATE calls per second in
// all (default 10,000, the front door's throughput target), latency
// counted from when each call was due (see RunAtRate). It measures how
// quickly the server answers at the load it must carry, where the closed
// loop measures how much it can carry. Before kanri, the same load runs
// against a floor server (see serveFloor), reported as floor-p50-ms and
// floor-p99-ms: the part of the figures the host gave that minute. Both
// servers' CPU time per call is reported too (server-cpu-µs/call,
// floor-cpu-µs/call), with kanri's allocation per call: what kanri adds
// to a bare Go HTTP server, in figures the host's minute moves less.
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
	floorBefore := readCost(b, floor.Endpoint)
	f := RunAtRate(b, 64, n, rate, floor)
	floorAfter := readCost(b, floor.Endpoint)
	before := readCost(b, call.Endpoint)
	LoadAtRate(b, 64, n, rate, call)
	reportCost(b, before, readCost(b, call.Endpoint))
	b.ReportMetric(f.P50, "floor-p50-ms")
	b.ReportMetric(f.P99, "floor-p99-ms")
	reportStalls(b, f.Stalls, "floor-")
	b.ReportMetric(perCall(b, floorBefore, floorAfter).cpuSeconds*1e6, "floor-cpu-µs/call")
}

// cost is what a server has spent so far, from its /metrics: CPU time
// (user and system, its audit ingest process's included), bytes
// allocated, and API requests answered.
type cost struct {
	cpuSeconds, allocBytes, requests float64
}

// readCost reads the server's cost so far.
func readCost(b *testing.B, endpoint string) cost {
	b.Helper()
	resp, err := http.Get(endpoint + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var c cost
	found := 0 // of the two process metrics; a fresh process may show 0 CPU seconds
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		switch {
		case name == "process_cpu_seconds_total":
			c.cpuSeconds += v
			found++
		case name == "kanri_audit_ingest_process_cpu_seconds_total":
			c.cpuSeconds += v // the server's child, at a lower priority
		case name == "go_memstats_alloc_bytes_total":
			c.allocBytes = v
			found++
		case name == "kanri_api_requests_total" || strings.HasPrefix(name, "kanri_api_requests_total{"):
			c.requests += v
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	if found != 2 {
		b.Fatalf("%s/metrics: no process_cpu_seconds_total or go_memstats_alloc_bytes_total", endpoint)
	}
	return c
}

// reportCost reports the server's CPU time and allocation per request
// between before and after: what one request costs the server, counting
// everything it does meanwhile (the audit trail's background work too),
// and less at the mercy of the host's minute than latency is.
func reportCost(b *testing.B, before, after cost) {
	c := perCall(b, before, after)
	b.ReportMetric(c.cpuSeconds*1e6, "server-cpu-µs/call")
	b.ReportMetric(c.allocBytes, "server-B/call")
}

// perCall returns the cost of one request between before and after.
func perCall(b *testing.B, before, after cost) cost {
	n := after.requests - before.requests
	if n <= 0 {
		b.Fatalf("the server counted no requests (%v before, %v after)", before.requests, after.requests)
	}
	return cost{cpuSeconds: (after.cpuSeconds - before.cpuSeconds) / n, allocBytes: (after.allocBytes - before.allocBytes) / n, requests: 1}
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
