// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Call is the request a load run sends over and over: a POST of Body to
// Endpoint with Header, signed with SigV4 by the AWS SDK's signer for
// Service in Region. Want checks an answer; nil accepts any 200.
type Call struct {
	Endpoint string // http://host:port
	Header   http.Header
	Body     string
	Service  string
	Region   string
	Creds    aws.Credentials
	Want     func(status int, body []byte) bool
}

// Load runs n calls from clients concurrent workers and reports throughput
// and latency percentiles on b.
func Load(b *testing.B, clients, n int, c Call) {
	b.Helper()
	b.ResetTimer()
	report(b, Run(b, clients, n, c))
}

// LoadAtRate is Load with the calls sent at rate calls per second (see
// RunAtRate).
func LoadAtRate(b *testing.B, clients, n int, rate float64, c Call) {
	b.Helper()
	b.ResetTimer()
	report(b, RunAtRate(b, clients, n, rate, c))
}

// report reports r on b.
func report(b *testing.B, r Result) {
	b.StopTimer()
	b.ReportMetric(r.Rate, "req/s")
	b.ReportMetric(r.P50, "p50-ms")
	b.ReportMetric(r.P99, "p99-ms")
	b.ReportMetric(r.P999, "p99.9-ms")
	reportStalls(b, r.Stalls, "")
	b.ReportMetric(0, "ns/op") // wall time per op is meaningless for a fixed-concurrency load
}

// reportStalls reports the host's stalls of a run, if it was watched,
// as host-stalls, host-stall-ms (their overruns added up) and
// host-stall-max-ms behind prefix.
func reportStalls(b *testing.B, s HostStalls, prefix string) {
	if !s.Watched {
		return
	}
	b.ReportMetric(float64(s.Count), prefix+"host-stalls")
	b.ReportMetric(float64(s.Total.Microseconds())/1000, prefix+"host-stall-ms")
	b.ReportMetric(float64(s.Max.Microseconds())/1000, prefix+"host-stall-max-ms")
}

// Result is what a load run measured: requests per second, latency
// percentiles in milliseconds, and (runs on a schedule, on Linux) the
// host's stalls meanwhile.
type Result struct {
	Rate, P50, P99, P999 float64
	Stalls               HostStalls
}

// HostStalls counts the times the host took the machine's CPUs away
// during a run (see watchStalls): a latency no program on the machine
// could have avoided. Watched is false where the watch could not run.
type HostStalls struct {
	Watched bool
	Count   int           // sleeps that overran by stallThreshold or more, on any CPU
	Total   time.Duration // their overruns added up
	Max     time.Duration // the longest overrun
}

// stallThreshold is how much longer than asked a watcher's sleep must take
// to count as a stall of the host.
const stallThreshold = 2 * time.Millisecond

// note counts a watcher's sleep that overran by over.
func (s *HostStalls) note(over time.Duration) {
	if over < stallThreshold {
		return
	}
	s.Count++
	s.Total += over
	s.Max = max(s.Max, over)
}

// Run runs n calls from clients concurrent workers and returns what it
// measured; a failed call fails b. It leaves the benchmark timer alone
// (resetting it would drop the metrics reported so far).
//
// Each worker has its own keep-alive HTTP/1.1 connection and sends its
// next request when it has read the answer to the last one (a closed
// loop, as wrk does). The workers share the machine's two cores with the
// server, so they are kept lean, as wrk is: a request is written straight
// to the worker's connection, and a worker signs its request with the
// SDK's signer once per second. A SigV4 signature covers X-Amz-Date, whose
// resolution is a second, so within one second the SDK would sign every
// request to the same bytes; the server verifies each one from scratch.
func Run(b *testing.B, clients, n int, c Call) Result {
	b.Helper()
	u, err := url.Parse(c.Endpoint)
	if err != nil || u.Scheme != "http" {
		b.Fatalf("bench: endpoint %q: want http://host:port", c.Endpoint)
	}
	lat := make([]time.Duration, n)
	var next, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{call: &c, host: u.Host, req: newSignedRequest(&c)}
			defer w.close()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				t0 := time.Now()
				if err := w.do(t0); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d requests failed; the first: %v", f, n, firstErr.Load())
	}
	return summarize(lat, elapsed)
}

// RunAtRate is Run with the calls sent on a schedule instead of in a
// closed loop: rate calls per second in all, spread evenly over the
// clients' connections (an open loop, as wrk2 does; see scheduled). A
// call's latency is counted from the moment it was due, not from when its
// connection was free to send it, so a slow answer charges the wait to
// the calls it delayed (no coordinated omission). The measured rate falls
// short of rate when the server cannot keep up. The n counted calls follow
// a warm-up of two seconds at the same rate, whose calls are not counted:
// a fresh server's first second (new connections, caches, goroutine
// stacks growing) says nothing about how it serves afterwards.
func RunAtRate(b *testing.B, clients, n int, rate float64, c Call) Result {
	b.Helper()
	if rate <= 0 {
		b.Fatalf("bench: rate %v: want a positive number of calls per second", rate)
	}
	scheduled(b, clients, int(2*rate), rate, c)
	return scheduled(b, clients, n, rate, c)
}

// summarize returns the rate and latency percentiles of calls that took
// lat, all done within elapsed.
func summarize(lat []time.Duration, elapsed time.Duration) Result {
	n := len(lat)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(n-1))].Microseconds()) / 1000 }
	return Result{Rate: float64(n) / elapsed.Seconds(), P50: pct(0.50), P99: pct(0.99), P999: pct(0.999)}
}

// worker is one client of a load run: a keep-alive connection, dialled on
// first use and again after the server closes it, and the request it
// signed last.
type worker struct {
	call *Call
	host string
	req  *signedRequest

	conn   net.Conn
	r      *bufio.Reader
	answer bytes.Buffer
}

// do sends the call once and reads and checks its answer.
func (w *worker) do(now time.Time) error {
	msg, err := w.req.bytes(now)
	if err != nil {
		return err
	}
	if w.conn == nil {
		c, err := net.Dial("tcp", w.host)
		if err != nil {
			return err
		}
		w.conn, w.r = c, bufio.NewReader(c)
	}
	if _, err := w.conn.Write(msg); err != nil {
		w.close()
		return err
	}
	resp, err := http.ReadResponse(w.r, nil)
	if err != nil {
		w.close()
		return err
	}
	w.answer.Reset()
	_, err = w.answer.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		w.close()
	}
	if err != nil {
		return err
	}
	return w.call.check(resp.StatusCode, w.answer.Bytes())
}

// check checks an answer to the call: a 200 that Want accepts.
func (c *Call) check(status int, body []byte) error {
	if status != http.StatusOK || (c.Want != nil && !c.Want(status, body)) {
		return fmt.Errorf("HTTP %d: %.300s", status, body)
	}
	return nil
}

// signedRequest is a call's request as sent, signed again each second
// with the SDK's signer (a SigV4 signature covers X-Amz-Date, whose
// resolution is a second, so within one second the SDK would sign every
// request to the same bytes; the server verifies each one from scratch).
type signedRequest struct {
	call   *Call
	signer *v4.Signer
	hash   string // of the body
	second int64  // unix second of signed
	signed []byte
}

// newSignedRequest returns c's request, not yet signed.
func newSignedRequest(c *Call) *signedRequest {
	sum := sha256.Sum256([]byte(c.Body))
	return &signedRequest{call: c, signer: v4.NewSigner(), hash: hex.EncodeToString(sum[:])}
}

// bytes returns the request signed for now's second.
func (r *signedRequest) bytes(now time.Time) ([]byte, error) {
	if r.signed != nil && now.Unix() == r.second {
		return r.signed, nil
	}
	req, err := http.NewRequest(http.MethodPost, r.call.Endpoint+"/", strings.NewReader(r.call.Body))
	if err != nil {
		return nil, err
	}
	for k, v := range r.call.Header {
		req.Header[k] = v
	}
	if err := r.signer.SignHTTP(context.Background(), r.call.Creds, req, r.hash, r.call.Service, r.call.Region, now); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		return nil, err
	}
	r.signed, r.second = buf.Bytes(), now.Unix()
	return r.signed, nil
}

// close drops the connection.
func (w *worker) close() {
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}
