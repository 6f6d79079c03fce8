// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kanri-dev/kanri/internal/kanritest"
)

// TestKMSWithAWSCLI drives KMS with the real AWS CLI, seed 002's step 2:
// a symmetric customer key for Parameter Store, an alias, an encrypt and
// decrypt round trip with an encryption context, and a SecureString
// parameter under the key. The plaintext is in neither the database nor
// the logs. Then the master key is rotated and the server restarted: what
// was encrypted before still decrypts (the ciphertext and the parameter),
// also after the key itself rotates, and what is encrypted after too.
func TestKMSWithAWSCLI(t *testing.T) {
	dataDir := t.TempDir()
	p := kanritest.StartDev(t, dataDir, "--no-agent")
	keyID := strings.TrimSpace(cli(t, p, "kms", "create-key", "--description", "Parameter Store", "--query", "KeyMetadata.KeyId", "--output", "text"))
	if len(keyID) != 36 {
		t.Fatalf("create-key KeyId = %q", keyID)
	}
	cli(t, p, "kms", "create-alias", "--alias-name", "alias/hybrid-activation", "--target-key-id", keyID)
	if out := cli(t, p, "kms", "list-aliases", "--key-id", keyID, "--query", "Aliases[].AliasName", "--output", "text"); strings.TrimSpace(out) != "alias/hybrid-activation" {
		t.Errorf("list-aliases --key-id = %q", out)
	}

	secret := make([]byte, 24)
	rand.Read(secret)
	marker := "kanri-secret-" + hex.EncodeToString(secret)
	plainFile := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(plainFile, []byte(marker), 0o600); err != nil {
		t.Fatal(err)
	}
	blobB64 := strings.TrimSpace(cli(t, p, "kms", "encrypt", "--key-id", "alias/hybrid-activation", "--plaintext", "fileb://"+plainFile,
		"--encryption-context", "purpose=activation", "--query", "CiphertextBlob", "--output", "text"))
	blob, err := base64.StdEncoding.DecodeString(blobB64)
	if err != nil {
		t.Fatalf("encrypt CiphertextBlob %q: %v", blobB64, err)
	}
	blobFile := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(blobFile, blob, 0o600); err != nil {
		t.Fatal(err)
	}
	decrypt := func(p *kanritest.Process) string {
		t.Helper()
		out := cli(t, p, "kms", "decrypt", "--ciphertext-blob", "fileb://"+blobFile, "--encryption-context", "purpose=activation",
			"--query", "Plaintext", "--output", "text")
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out))
		if err != nil {
			t.Fatalf("decrypt Plaintext %q: %v", out, err)
		}
		return string(b)
	}
	if got := decrypt(p); got != marker {
		t.Errorf("decrypt = %q, want %q", got, marker)
	}
	_, stderr, code := awsCLI(t, p, p.CredentialsFile(), "kms", "decrypt", "--ciphertext-blob", "fileb://"+blobFile, "--encryption-context", "purpose=other")
	if code == 0 || !strings.Contains(stderr, "InvalidCiphertextException") {
		t.Errorf("decrypt with another context: exit %d, %s; want InvalidCiphertextException", code, stderr)
	}
	cli(t, p, "kms", "enable-key-rotation", "--key-id", keyID)
	if out := cli(t, p, "kms", "get-key-rotation-status", "--key-id", keyID, "--query", "KeyRotationEnabled"); strings.TrimSpace(out) != "true" {
		t.Errorf("get-key-rotation-status = %s", out)
	}

	cli(t, p, "ssm", "put-parameter", "--name", "/hybrid/activation/code", "--type", "SecureString", "--key-id", "alias/hybrid-activation", "--value", marker)

	if err := p.Stop(t, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// At rest: the plaintext is in no file of the data dir, nor the logs.
	filepath.WalkDir(dataDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(marker)) {
			t.Errorf("%s contains the plaintext", path)
		}
		return nil
	})
	if strings.Contains(p.Output(), marker) {
		t.Error("the server's log contains the plaintext")
	}

	// A new master key; the server restarts with both.
	out, err := exec.Command(kanritest.Binary(t), "server", "rotate-master-key", "--data-dir", dataDir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "new primary master key") {
		t.Fatalf("kanri server rotate-master-key: %v\n%s", err, out)
	}
	keyFile, err := os.ReadFile(filepath.Join(dataDir, "master.key"))
	if err != nil || len(strings.Fields(string(keyFile))) < 2 {
		t.Fatalf("master.key after rotation: %v, %d fields", err, len(strings.Fields(string(keyFile))))
	}
	p2 := kanritest.StartDev(t, dataDir, "--no-agent")
	if got := decrypt(p2); got != marker {
		t.Errorf("decrypt after the master key rotation = %q, want %q", got, marker)
	}
	param := func() string {
		return strings.TrimSpace(cli(t, p2, "ssm", "get-parameter", "--name", "/hybrid/activation/code", "--with-decryption",
			"--query", "Parameter.Value", "--output", "text"))
	}
	if got := param(); got != marker {
		t.Errorf("SecureString after the master key rotation = %q, want %q", got, marker)
	}
	cli(t, p2, "kms", "rotate-key-on-demand", "--key-id", keyID)
	if got := param(); got != marker {
		t.Errorf("SecureString after the key's rotation = %q, want %q", got, marker)
	}
	if got := decrypt(p2); got != marker {
		t.Errorf("decrypt after the key's rotation = %q, want %q", got, marker)
	}
	newKey := strings.TrimSpace(cli(t, p2, "kms", "create-key", "--query", "KeyMetadata.KeyId", "--output", "text"))
	enc := strings.TrimSpace(cli(t, p2, "kms", "encrypt", "--key-id", newKey, "--plaintext", "fileb://"+plainFile, "--query", "CiphertextBlob", "--output", "text"))
	if enc == "" || enc == blobB64 {
		t.Errorf("encrypt under a key made after the master key rotation = %q", enc)
	}
}
