// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// BenchmarkGetCallerIdentityInProcess is BenchmarkGetCallerIdentity with
// the server in the benchmark's own process, for CPU profiles of client
// and server together (-cpuprofile). It also logs the audit trail's mean
// batch size.
func BenchmarkGetCallerIdentityInProcess(b *testing.B) {
	k := kanritest.Start(b, kanritest.Options{})
	creds := aws.Credentials{AccessKeyID: k.AccessKeyID(), SecretAccessKey: k.SecretAccessKey()}
	const body = "Action=GetCallerIdentity&Version=2011-06-15"
	sum := sha256.Sum256([]byte(body))
	hash := hex.EncodeToString(sum[:])
	signer := v4.NewSigner()
	n := max(b.N, 20000)
	Load(b, 64, n, func(c Doer) bool {
		req, _ := http.NewRequest("POST", k.Endpoint+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		if err := signer.SignHTTP(context.Background(), creds, req, hash, "sts", "us-east-1", time.Now()); err != nil {
			return false
		}
		resp, err := c.Do(req)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == 200
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
