// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// BenchmarkGetCallerIdentityInProcess is BenchmarkGetCallerIdentity with
// the server in the benchmark's own process, for CPU profiles of client
// and server together (-cpuprofile). It also logs the audit trail's mean
// batch size.
func BenchmarkGetCallerIdentityInProcess(b *testing.B) {
	k := kanritest.Start(b, kanritest.Options{})
	n := max(b.N, 20000)
	Load(b, 64, n, Call{
		Endpoint: k.Endpoint,
		Header:   http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}},
		Body:     "Action=GetCallerIdentity&Version=2011-06-15",
		Service:  "sts", Region: "us-east-1",
		Creds: aws.Credentials{AccessKeyID: k.AccessKeyID(), SecretAccessKey: k.SecretAccessKey()},
	})
	resp, err := http.Get(k.Endpoint + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, l := range strings.Split(string(m), "\n") {
		if strings.HasPrefix(l, "kanri_audit_batch_size_sum") || strings.HasPrefix(l, "kanri_audit_batch_size_count") {
			b.Log(l)
		}
	}
}
