// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// BenchmarkGetCallerIdentityWrk is BenchmarkGetCallerIdentity with wrk
// (Debian's package) as the load generator: a C event loop that takes a
// few µs of CPU per request, so that nearly all of the two cores go to
// the server, and whose measurement does not share Go's scheduler with
// it. The request is signed once with the SDK's signer (a signature holds
// for 15 minutes; the server verifies every request from scratch). It
// runs for KANRI_BENCH_SECONDS (default 10) whatever -benchtime says;
// KANRI_BENCH_WRK_PREFIX runs wrk under a command, such as "nice -n 10"
// or "taskset -c 1". It is skipped where wrk is not installed.
func BenchmarkGetCallerIdentityWrk(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk is not installed (apt-get install wrk)")
	}
	seconds := 10
	if v := os.Getenv("KANRI_BENCH_SECONDS"); v != "" {
		if seconds, err = strconv.Atoi(v); err != nil || seconds < 1 {
			b.Fatalf("KANRI_BENCH_SECONDS=%q: want a whole number of seconds", v)
		}
	}
	call := getCallerIdentity(b)
	body := call.Body
	req, err := http.NewRequest(http.MethodPost, call.Endpoint+"/", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header = call.Header.Clone()
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), call.Creds, req, hex.EncodeToString(sum[:]), call.Service, call.Region, time.Now()); err != nil {
		b.Fatal(err)
	}

	// The script sends the signed request and prints what wrk measured
	// on one line: requests, microseconds, errors, then latency
	// percentiles 50, 99 and 99.9 in microseconds.
	var script strings.Builder
	fmt.Fprintf(&script, "wrk.method = \"POST\"\nwrk.body = %q\n", body)
	for _, h := range []string{"Content-Type", "X-Amz-Date", "Authorization"} {
		fmt.Fprintf(&script, "wrk.headers[%q] = %q\n", h, req.Header.Get(h))
	}
	script.WriteString(`done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("kanri-bench %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
`)
	path := filepath.Join(b.TempDir(), "request.lua")
	if err := os.WriteFile(path, []byte(script.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	args := append(strings.Fields(os.Getenv("KANRI_BENCH_WRK_PREFIX")), wrk, "-t2", "-c64", "-d"+strconv.Itoa(seconds)+"s", "-s", path, call.Endpoint+"/")
	b.ResetTimer()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	b.StopTimer()
	if err != nil {
		b.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	_, line, ok := strings.Cut(string(out), "kanri-bench ")
	var n [6]int64
	if ok {
		_, err = fmt.Sscan(line, &n[0], &n[1], &n[2], &n[3], &n[4], &n[5])
	}
	if !ok || err != nil {
		b.Fatalf("wrk printed no result: %v\n%s", err, out)
	}
	if n[2] != 0 || n[0] == 0 {
		b.Fatalf("wrk: %d of %d requests failed (non-2xx answers or socket errors)\n%s", n[2], n[0], out)
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	b.ReportMetric(float64(n[0])/(float64(n[1])/1e6), "req/s")
	b.ReportMetric(ms(n[3]), "p50-ms")
	b.ReportMetric(ms(n[4]), "p99-ms")
	b.ReportMetric(ms(n[5]), "p99.9-ms")
	b.ReportMetric(0, "ns/op")
}
