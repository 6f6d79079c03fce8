// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// issuer is a test OpenID Connect issuer shaped like a Kubernetes cluster's
// service-account issuer: discovery document and JWKS over HTTPS, RS256
// tokens.
type issuer struct {
	srv    *httptest.Server
	URL    string // the issuer: https://127.0.0.1:port/oidc/ostoy
	key    *rsa.PrivateKey
	kid    string
	CAFile string // PEM of the server's certificate, for SSL_CERT_FILE
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key, kid: "test-key-1"}
	mux := http.NewServeMux()
	mux.HandleFunc("/oidc/ostoy/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": is.URL, "jwks_uri": is.URL + "/keys",
			"response_types_supported": []string{"id_token"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/oidc/ostoy/keys", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "alg": "RS256", "use": "sig", "kid": is.kid,
			"n": b64(key.PublicKey.N.Bytes()), "e": b64(big.NewInt(int64(key.PublicKey.E)).Bytes()),
		}}})
	})
	is.srv = httptest.NewTLSServer(mux)
	t.Cleanup(is.srv.Close)
	is.URL = is.srv.URL + "/oidc/ostoy"
	is.CAFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(is.CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: is.srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return is
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// token mints a projected service-account token for sa in namespace ns.
// mutate may change the claims before signing.
func (is *issuer) token(t *testing.T, ns, sa string, mutate func(claims map[string]any)) string {
	t.Helper()
	return is.sign(t, is.key, ns, sa, mutate)
}

// sign mints a token signed with key (another key makes a bad signature).
func (is *issuer) sign(t *testing.T, key *rsa.PrivateKey, ns, sa string, mutate func(claims map[string]any)) string {
	t.Helper()
	now := time.Now()
	claims := map[string]any{
		"iss": is.URL, "sub": "system:serviceaccount:" + ns + ":" + sa, "aud": []string{"sts.amazonaws.com"},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"kubernetes.io": map[string]any{"namespace": ns, "serviceaccount": map[string]string{"name": sa, "uid": "0c0e4e3a-0000-4000-8000-000000000001"}},
	}
	if mutate != nil {
		mutate(claims)
	}
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": is.kid, "typ": "JWT"})
	payload, _ := json.Marshal(claims)
	signing := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + b64(sig)
}

// rsaKey returns a fresh RSA key.
func rsaKey(t *testing.T) (*rsa.PrivateKey, error) {
	t.Helper()
	return rsa.GenerateKey(rand.Reader, 2048)
}
