// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package params_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/params"
	"github.com/kanri-dev/kanri/internal/store"
	"github.com/kanri-dev/kanri/internal/store/storetest"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

const (
	acct   = "123456789012"
	region = "us-east-1"
	alice  = "arn:aws:iam::123456789012:user/alice"
)

// aesKeys is a Keys for tests: AES-256-GCM under in-memory keys, the
// encryption context as additional data, the key's ID in the blob. A
// context made by denyDecrypt is refused kms:Decrypt.
type aesKeys struct {
	keys    map[string]cipher.AEAD // by key ID
	aliases map[string]string      // alias name → key ID

	mu       sync.Mutex
	contexts []map[string]string // the encryption contexts of every call, guarded by mu
}

type denyKey struct{}

// denyDecrypt returns ctx for a caller who may not decrypt.
func denyDecrypt(ctx context.Context) context.Context { return context.WithValue(ctx, denyKey{}, true) }

func newAESKeys(t testing.TB) *aesKeys {
	k := &aesKeys{keys: map[string]cipher.AEAD{}, aliases: map[string]string{"alias/aws/ssm": "default-key", "alias/app": "app-key"}}
	for _, id := range []string{"default-key", "app-key"} {
		secret := make([]byte, 32)
		rand.Read(secret)
		block, err := aes.NewCipher(secret)
		if err != nil {
			t.Fatal(err)
		}
		if k.keys[id], err = cipher.NewGCM(block); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

func keyARN(id string) string { return "arn:aws:kms:" + region + ":" + acct + ":key/" + id }

// aad is the additional data that binds a ciphertext to encCtx.
func aad(encCtx map[string]string) []byte {
	var b bytes.Buffer
	for _, k := range slices.Sorted(maps.Keys(encCtx)) {
		b.WriteString(k + "=" + encCtx[k] + "\n")
	}
	return b.Bytes()
}

func (k *aesKeys) record(encCtx map[string]string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.contexts = append(k.contexts, maps.Clone(encCtx))
}

func (k *aesKeys) Encrypt(ctx context.Context, keyID string, plaintext []byte, encCtx map[string]string) ([]byte, string, error) {
	k.record(encCtx)
	if keyID == "" {
		keyID = "alias/aws/ssm"
	}
	keyID = strings.TrimPrefix(keyID, "arn:aws:kms:"+region+":"+acct+":key/")
	if id, ok := k.aliases[keyID]; ok {
		keyID = id
	}
	aead, ok := k.keys[keyID]
	if !ok {
		return nil, "", awserr.Errorf(awserr.NotFound, "NotFoundException", "Key '%s' does not exist", keyID)
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	blob := append([]byte{byte(len(keyID))}, keyID...)
	blob = append(blob, nonce...)
	return aead.Seal(blob, nonce, plaintext, aad(encCtx)), keyARN(keyID), nil
}

func (k *aesKeys) Decrypt(ctx context.Context, blob []byte, encCtx map[string]string) ([]byte, string, error) {
	k.record(encCtx)
	invalid := awserr.New(awserr.Invalid, "InvalidCiphertextException", "")
	if len(blob) < 1 || len(blob) < 1+int(blob[0]) {
		return nil, "", invalid
	}
	id, rest := string(blob[1:1+blob[0]]), blob[1+blob[0]:]
	aead, ok := k.keys[id]
	if !ok || len(rest) < aead.NonceSize() {
		return nil, "", invalid
	}
	if ctx.Value(denyKey{}) != nil {
		return nil, "", awserr.Errorf(awserr.Denied, "AccessDeniedException", "User is not authorized to perform: kms:Decrypt on resource: %s", keyARN(id))
	}
	plain, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], aad(encCtx))
	if err != nil {
		return nil, "", invalid
	}
	return plain, keyARN(id), nil
}

// env is a Service over a fresh SQLite store, its store, and its logs.
type env struct {
	s    *params.Service
	db   *store.DB
	logs *bytes.Buffer
	ctx  context.Context // a request of alice's
}

// setup returns an env whose service encrypts with keys (nil: none).
func setup(t testing.TB, keys params.Keys) *env {
	t.Helper()
	db := storetest.Open(t, storetest.SQLite(t))
	logs := &bytes.Buffer{}
	var cfg params.Config
	cfg.Store, cfg.Account, cfg.Region = db, acct, region
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	cfg.Now = func() time.Time { now = now.Add(time.Second); return now }
	if keys != nil {
		cfg.Keys = keys
	}
	ctx := iam.WithCaller(context.Background(), &iam.Caller{Principal: iam.Principal{ARN: alice, Account: acct}})
	return &env{s: params.New(cfg), db: db, logs: logs, ctx: ctx}
}

// put puts a parameter and returns its version.
func (e *env) put(t testing.TB, in *ssm.PutParameterInput) int64 {
	t.Helper()
	out, err := e.s.PutParameter(e.ctx, in)
	if err != nil {
		t.Fatalf("PutParameter(%s): %v", in.Name, err)
	}
	return *out.Version
}

// wantCode fails t unless err is an AWS error with code whose message
// contains every one of msgs.
func wantCode(t testing.TB, what string, err error, code string, msgs ...string) {
	t.Helper()
	ae := awserr.As(err)
	if ae == nil || ae.Code != code {
		t.Errorf("%s = %v, want %s", what, err, code)
		return
	}
	for _, m := range msgs {
		if !strings.Contains(ae.Message, m) {
			t.Errorf("%s message = %q, want it to contain %q", what, ae.Message, m)
		}
	}
}

func TestSecureString(t *testing.T) {
	keys := newAESKeys(t)
	e := setup(t, keys)
	const secret = "hunter2-very-secret"
	const name = "/app/db/password"
	const parameterARN = "arn:aws:ssm:us-east-1:123456789012:parameter/app/db/password"
	e.put(t, &ssm.PutParameterInput{Name: name, Value: secret, Type: params.TypeSecureString})

	// Stored: the ciphertext only, under the default key.
	stored, err := e.db.GetParameter(context.Background(), acct, "app/db/password", params.Selector{})
	if err != nil {
		t.Fatal(err)
	}
	blob, err := base64.StdEncoding.DecodeString(stored.Version.Value)
	if err != nil || bytes.Contains(blob, []byte(secret)) || strings.Contains(stored.Version.Value, secret) {
		t.Errorf("stored value %q (%v) is not a ciphertext of the value", stored.Version.Value, err)
	}
	if stored.Version.KeyID != params.DefaultKeyID {
		t.Errorf("stored KeyID = %q, want %s", stored.Version.KeyID, params.DefaultKeyID)
	}
	keys.mu.Lock()
	if len(keys.contexts) != 1 || keys.contexts[0]["PARAMETER_ARN"] != parameterARN || len(keys.contexts[0]) != 1 {
		t.Errorf("encryption contexts = %v, want {PARAMETER_ARN: %s}", keys.contexts, parameterARN)
	}
	keys.mu.Unlock()

	// Without decryption: the ciphertext, base64, as stored.
	out, err := e.s.GetParameter(e.ctx, &ssm.GetParameterInput{Name: name})
	if err != nil || out.Parameter.Value != stored.Version.Value || out.Parameter.Type != params.TypeSecureString {
		t.Errorf("GetParameter(no decryption) = %+v, %v; want the stored ciphertext", out, err)
	}
	out, err = e.s.GetParameter(e.ctx, &ssm.GetParameterInput{Name: name, WithDecryption: aws.Bool(true)})
	if err != nil || out.Parameter.Value != secret {
		t.Errorf("GetParameter(WithDecryption) = %+v, %v; want the value", out, err)
	}
	// Refused kms:Decrypt: the refusal, as it is.
	_, err = e.s.GetParameter(denyDecrypt(e.ctx), &ssm.GetParameterInput{Name: name, WithDecryption: aws.Bool(true)})
	wantCode(t, "GetParameter(WithDecryption, denied kms:Decrypt)", err, "AccessDeniedException", "kms:Decrypt")
	// A ciphertext is bound to its parameter's ARN.
	_, _, err = keys.Decrypt(e.ctx, blob, map[string]string{"PARAMETER_ARN": parameterARN + "x"})
	if err == nil {
		t.Error("Decrypt with another parameter's ARN succeeded")
	}

	// An overwrite without KeyId keeps the key; with one, changes it.
	e.put(t, &ssm.PutParameterInput{Name: name, Value: secret + "2", Type: params.TypeSecureString, KeyId: "alias/app", Overwrite: aws.Bool(true)})
	e.put(t, &ssm.PutParameterInput{Name: name, Value: secret + "3", Overwrite: aws.Bool(true)})
	hist, err := e.s.GetParameterHistory(e.ctx, &ssm.GetParameterHistoryInput{Name: name, WithDecryption: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hist.Parameters {
		got = append(got, h.KeyId+"="+h.Value)
	}
	if want := []string{"alias/aws/ssm=" + secret, "alias/app=" + secret + "2", "alias/app=" + secret + "3"}; !slices.Equal(got, want) {
		t.Errorf("history (decrypted) = %v, want %v", got, want)
	}
	hist, err = e.s.GetParameterHistory(e.ctx, &ssm.GetParameterHistoryInput{Name: name})
	if err != nil || len(hist.Parameters) != 3 || strings.Contains(hist.Parameters[0].Value, secret) {
		t.Errorf("history (not decrypted) = %+v, %v; want 3 ciphertexts", hist, err)
	}

	byPath, err := e.s.GetParametersByPath(e.ctx, &ssm.GetParametersByPathInput{Path: "/app", Recursive: aws.Bool(true), WithDecryption: aws.Bool(true)})
	if err != nil || len(byPath.Parameters) != 1 || byPath.Parameters[0].Value != secret+"3" {
		t.Errorf("GetParametersByPath(WithDecryption) = %+v, %v; want the value", byPath, err)
	}
	many, err := e.s.GetParameters(e.ctx, &ssm.GetParametersInput{Names: []string{name, name + ":1"}, WithDecryption: aws.Bool(true)})
	if err != nil || len(many.Parameters) != 2 || many.Parameters[0].Value != secret+"3" || many.Parameters[1].Value != secret {
		t.Errorf("GetParameters(WithDecryption) = %+v, %v; want versions 3 and 1 decrypted", many, err)
	}

	_, err = e.s.PutParameter(e.ctx, &ssm.PutParameterInput{Name: "/x", Value: "v", Type: params.TypeSecureString, KeyId: "alias/nope"})
	wantCode(t, "PutParameter(unknown key)", err, "InvalidKeyId", "does not exist")
	_, err = e.s.PutParameter(e.ctx, &ssm.PutParameterInput{Name: "/x", Value: "v", Type: params.TypeString, KeyId: "alias/app"})
	wantCode(t, "PutParameter(String with KeyId)", err, "ValidationException", "KeyId is required for SecureString type parameter only.")

	// DescribeParameters shows the key; no answer nor log shows the value.
	desc, err := e.s.DescribeParameters(e.ctx, &ssm.DescribeParametersInput{})
	if err != nil || len(desc.Parameters) != 1 || desc.Parameters[0].KeyId != "alias/app" {
		t.Errorf("DescribeParameters = %+v, %v; want the parameter with KeyId alias/app", desc, err)
	}
	if strings.Contains(e.logs.String(), secret) {
		t.Errorf("logs show the secret:\n%s", e.logs)
	}
}

func TestSecureStringWithoutKMS(t *testing.T) {
	e := setup(t, nil)
	_, err := e.s.PutParameter(e.ctx, &ssm.PutParameterInput{Name: "/s", Value: "v", Type: params.TypeSecureString})
	wantCode(t, "PutParameter(SecureString) without KMS", err, "InvalidKeyId", "KMS is not available")
	if _, err := e.db.GetParameter(context.Background(), acct, "s", params.Selector{}); !errors.Is(err, awserr.NotFound) {
		t.Errorf("a refused SecureString was stored: %v", err)
	}
	// Other types work.
	if v := e.put(t, &ssm.PutParameterInput{Name: "/plain", Value: "v", Type: params.TypeString}); v != 1 {
		t.Errorf("PutParameter(String) without KMS = version %d, want 1", v)
	}
}
