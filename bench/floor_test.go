// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// floorAddrEnv, set in its environment, makes the bench test binary a
// floor server listening on that address instead of running benchmarks.
const floorAddrEnv = "KANRI_BENCH_FLOOR_ADDR"

// floorAnswer is what the floor server answers: GetCallerIdentity's
// response in the form and size kanri sends it (407 bytes).
const floorAnswer = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
	`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
	`<UserId>AIDAAAAAAAAAAAAAAAAAA</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/admin</Arn>` +
	`</GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>` +
	`</ResponseMetadata></GetCallerIdentityResponse>`

func TestMain(m *testing.M) {
	if addr := os.Getenv(floorAddrEnv); addr != "" {
		fmt.Fprintln(os.Stderr, serveFloor(addr))
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// serveFloor is a Go net/http server that reads each request and answers
// floorAnswer, and does nothing else: no signature, no audit, no store.
// Measured under the same load as kanri, on the same host in the same
// minute, it shows what the host, the kernel's loopback and Go's HTTP
// server and scheduler alone give, which on a shared VM varies from one
// minute to the next.
//
// Its /metrics serves the figures readCost reads under kanri's names, so
// that its cost per call is measured as kanri's is.
func serveFloor(addr string) error {
	reg := prometheus.NewRegistry()
	calls := prometheus.NewCounter(prometheus.CounterOpts{Name: "kanri_api_requests_total", Help: "Calls answered."})
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), calls)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		calls.Inc()
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("X-Amzn-Requestid", "01234567-89ab-cdef-0123-456789abcdef")
		w.Header().Set("Content-Length", strconv.Itoa(len(floorAnswer)))
		io.WriteString(w, floorAnswer)
	})
	return http.ListenAndServe(addr, mux)
}

// startFloor runs the test binary as a floor server (see serveFloor) in a
// process of its own, as kanri runs, until b ends, and returns its
// endpoint.
func startFloor(b *testing.B) string {
	b.Helper()
	addr := kanritest.FreeAddr(b)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), floorAddrEnv+"="+addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatalf("floor server: %v", err)
	}
	b.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			b.Fatalf("floor server: not listening on %s after 10 s: %v", addr, err)
		}
	}
}
