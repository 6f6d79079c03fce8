// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Doer sends one HTTP request and returns its response, as http.Client.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Load runs n requests from clients concurrent workers, each calling do,
// and reports throughput and latency percentiles on b. do returns false
// for a failed request.
func Load(b *testing.B, clients, n int, do func(c Doer) bool) {
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
//
// Each worker has its own keep-alive HTTP/1.1 connection and sends its
// next request when it has read the answer to the last one (a closed
// loop, as wrk does). The workers share the machine's two cores with the
// server, so they are kept lean: a request is written straight to the
// worker's connection and its response parsed from it, without the
// goroutine hand-offs of http.Client's transport.
func Run(b *testing.B, clients, n int, do func(c Doer) bool) Result {
	b.Helper()
	lat := make([]time.Duration, n)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &conn{}
			defer c.close()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				t0 := time.Now()
				if !do(c) {
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

// conn is one worker's keep-alive HTTP/1.1 connection (plain http only).
// It dials on first use and again after the server closes it.
type conn struct {
	host string
	c    net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	last *http.Response // its body must be read before the next request
}

// Do writes req on the connection and reads its response. The caller
// reads and closes the body before the next Do.
func (c *conn) Do(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return nil, fmt.Errorf("bench: %s: only http URLs", req.URL)
	}
	if c.last != nil {
		io.Copy(io.Discard, c.last.Body)
		if c.last.Close {
			c.close()
		}
		c.last = nil
	}
	if c.c == nil || c.host != req.URL.Host {
		c.close()
		nc, err := net.Dial("tcp", req.URL.Host)
		if err != nil {
			return nil, &url.Error{Op: req.Method, URL: req.URL.String(), Err: err}
		}
		c.host, c.c, c.r, c.w = req.URL.Host, nc, bufio.NewReader(nc), bufio.NewWriter(nc)
	}
	if err := req.Write(c.w); err != nil {
		c.close()
		return nil, err
	}
	if err := c.w.Flush(); err != nil {
		c.close()
		return nil, err
	}
	resp, err := http.ReadResponse(c.r, req)
	if err != nil {
		c.close()
		return nil, err
	}
	c.last = resp
	return resp, nil
}

// close drops the connection.
func (c *conn) close() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}
