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
	"github.com/kanri-dev/kanri/internal/sharedconfig"
)

// BenchmarkGetCallerIdentity measures signed STS GetCallerIdentity calls
// against the kanri binary (kanri dev: SQLite, audit on) from 64
// concurrent clients over loopback. Every request is signed afresh with
// the SDK's signer, verified by the server, and audited before it is
// answered.
func BenchmarkGetCallerIdentity(b *testing.B) {
	p := kanritest.StartDev(b, "")
	prof, err := sharedconfig.ReadCredentials(p.CredentialsFile(), "default")
	if err != nil {
		b.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: prof.AccessKeyID, SecretAccessKey: prof.SecretAccessKey}
	const body = "Action=GetCallerIdentity&Version=2011-06-15"
	sum := sha256.Sum256([]byte(body))
	hash := hex.EncodeToString(sum[:])
	signer := v4.NewSigner()
	n := max(b.N, 20000)
	Load(b, 64, n, func(c Doer) bool {
		req, _ := http.NewRequest("POST", p.Endpoint+"/", strings.NewReader(body))
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
}
