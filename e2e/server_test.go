// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/kanri-dev/kanri/internal/kanritest"
	"github.com/kanri-dev/kanri/internal/sdkhttp"
	"github.com/kanri-dev/kanri/internal/sharedconfig"
)

// selfSigned writes a certificate and key for 127.0.0.1 and returns their
// paths and a pool trusting the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kanri test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	kb, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestServerBootstrapAndTLS runs `kanri server` as an operator would: the
// first start writes the administrator's credentials once, over HTTPS.
func TestServerBootstrapAndTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t)
	credsFile := filepath.Join(t.TempDir(), "admin.credentials")
	start := func() *kanritest.Process {
		addr := kanritest.FreeAddr(t)
		return kanritest.StartProcess(t, "https://"+addr, "server", "--data-dir", dir, "--http-addr", addr,
			"--tls-cert", certFile, "--tls-key", keyFile, "--bootstrap-credentials", credsFile, "--log-format", "json")
	}
	p := start()
	fi, err := os.Stat(credsFile)
	if err != nil {
		t.Fatalf("bootstrap credentials not written: %v\n%s", err, p.Output())
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode = %v, want 0600", fi.Mode().Perm())
	}
	prof, err := sharedconfig.ReadCredentials(credsFile, "default")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.Output(), prof.SecretAccessKey) {
		t.Error("the server log contains the administrator's secret key")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	cfg := aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(p.Endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(prof.AccessKeyID, prof.SecretAccessKey, ""),
		HTTPClient:  sdkhttp.Wrap(client),
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity over TLS: %v", err)
	}
	if !strings.HasSuffix(aws.ToString(id.Arn), ":user/admin") {
		t.Errorf("Arn = %s, want the administrator", aws.ToString(id.Arn))
	}
	// Plain HTTP to the TLS port is not served.
	if resp, err := http.Get("http://" + strings.TrimPrefix(p.Endpoint, "https://") + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP answered 200 on the TLS listener")
		}
	}
	if err := p.Stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}

	// A second start never rewrites the file; the old key keeps working.
	before, _ := os.ReadFile(credsFile)
	p2 := start()
	after, _ := os.ReadFile(credsFile)
	if string(before) != string(after) {
		t.Error("bootstrap credentials rewritten on the second start")
	}
	if !strings.Contains(p2.Output(), "administrator exists") {
		t.Errorf("second start does not say the administrator exists:\n%s", p2.Output())
	}
	cfg.BaseEndpoint = aws.String(p2.Endpoint)
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("the bootstrap key after restart: %v", err)
	}
}
