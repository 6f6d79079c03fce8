// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/sharedconfig"
)

// BenchmarkGetParameter measures signed SSM GetParameter calls over
// loopback from 64 concurrent clients — a String parameter, and a
// SecureString with decryption — against the kanri binary (kanri dev:
// SQLite, audit on, KMS envelope decryption) and, in the same run, against
// moto_server (a Python AWS emulator) on the same calls, and reports both
// and their ratio. Every request is signed with the SDK's signer (see Run).
//
//	go test -run x -bench GetParameter -benchtime 20000x ./bench/
func BenchmarkGetParameter(b *testing.B) {
	ctx := context.Background()
	p := kanritest.StartDev(b, "", "--no-agent", "--log-level", "warn")
	prof, err := sharedconfig.ReadCredentials(p.CredentialsFile(), "default")
	if err != nil {
		b.Fatal(err)
	}
	// moto answers a few hundred requests a second: it gets fewer.
	targets := []struct {
		name     string
		endpoint string
		creds    aws.Credentials
		n        int
	}{
		{"kanri", p.Endpoint, aws.Credentials{AccessKeyID: prof.AccessKeyID, SecretAccessKey: prof.SecretAccessKey}, max(b.N, 5000)},
		{"moto", kanritest.StartMoto(b), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, 2000},
	}
	for _, t := range targets {
		c := ssm.New(ssm.Options{Region: "us-east-1", BaseEndpoint: aws.String(t.endpoint),
			Credentials: credentials.StaticCredentialsProvider{Value: t.creds}})
		for _, in := range []*ssm.PutParameterInput{
			{Name: aws.String("/bench/string"), Value: aws.String("interval=30"), Type: ssmtypes.ParameterTypeString},
			{Name: aws.String("/bench/secure"), Value: aws.String("s3cr3t-value"), Type: ssmtypes.ParameterTypeSecureString},
		} {
			if _, err := c.PutParameter(ctx, in); err != nil {
				b.Fatalf("%s: PutParameter: %v", t.name, err)
			}
		}
	}
	b.ResetTimer()
	rates := map[string]float64{}
	for _, call := range []struct{ name, body, want string }{
		{"string", `{"Name":"/bench/string"}`, "interval=30"},
		{"secure", `{"Name":"/bench/secure","WithDecryption":true}`, "s3cr3t-value"},
	} {
		for _, t := range targets {
			r := Run(b, 64, t.n, Call{
				Endpoint: t.endpoint,
				Header:   http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AmazonSSM.GetParameter"}},
				Body:     call.body,
				Service:  "ssm", Region: "us-east-1",
				Creds: t.creds,
				Want:  func(_ int, body []byte) bool { return bytes.Contains(body, []byte(call.want)) },
			})
			rates[t.name+"-"+call.name] = r.Rate
			b.ReportMetric(r.Rate, fmt.Sprintf("%s-%s-req/s", t.name, call.name))
			b.ReportMetric(r.P99, fmt.Sprintf("%s-%s-p99-ms", t.name, call.name))
		}
		b.ReportMetric(rates["kanri-"+call.name]/rates["moto-"+call.name], call.name+"-kanri/moto")
	}
	b.ReportMetric(0, "ns/op")
	b.StopTimer()
}
