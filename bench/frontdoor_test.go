// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"bytes"
	"net/http"
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
	p := kanritest.StartDev(b, "")
	prof, err := sharedconfig.ReadCredentials(p.CredentialsFile(), "default")
	if err != nil {
		b.Fatal(err)
	}
	n := max(b.N, 20000)
	Load(b, 64, n, Call{
		Endpoint: p.Endpoint,
		Header:   http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}},
		Body:     "Action=GetCallerIdentity&Version=2011-06-15",
		Service:  "sts", Region: "us-east-1",
		Creds: aws.Credentials{AccessKeyID: prof.AccessKeyID, SecretAccessKey: prof.SecretAccessKey},
		Want:  func(_ int, body []byte) bool { return bytes.Contains(body, []byte("<Account>"+p.Account+"</Account>")) },
	})
}
