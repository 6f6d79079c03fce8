// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Load runs n requests from clients concurrent workers, each calling do,
// and reports throughput and latency percentiles on b. do returns false
// for a failed request.
func Load(b *testing.B, clients, n int, do func(c *http.Client) bool) {
	b.Helper()
	b.ResetTimer()
	r := Run(b, clients, n, do)
	b.StopTimer()
	b.ReportMetric(r.Rate, "req/s")
	b.ReportMetric(r.P50, "p50-ms")
	b.ReportMetric(r.P99, "p99-ms")
	b.ReportMetric(r.P999, "p99.9-ms")
	b.ReportMetric(0, "ns/op") // wall time per op is meaningless for a fixed-concurrency load
}

// Result is what a load run measured: requests per second and latency
// percentiles in milliseconds.
type Result struct {
	Rate, P50, P99, P999 float64
}

// Run runs n requests from clients concurrent workers, each calling do,
// and returns what it measured; a failed request (do returns false)
// fails b. It leaves the benchmark timer alone (resetting it would drop
// the metrics reported so far).
func Run(b *testing.B, clients, n int, do func(c *http.Client) bool) Result {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	lat := make([]time.Duration, n)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				t0 := time.Now()
				if !do(client) {
					failed.Add(1)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d requests failed", f, n)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(n-1))].Microseconds()) / 1000 }
	return Result{Rate: float64(n) / elapsed.Seconds(), P50: pct(0.50), P99: pct(0.99), P999: pct(0.999)}
}
