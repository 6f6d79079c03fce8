// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package kms

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestKeyringSealOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	kr, err := LoadKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("created key file mode = %v, want 0600", fi.Mode().Perm())
	}
	secret := []byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	blob, err := kr.Seal(secret, []byte("aad-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(blob, secret) {
		t.Fatal("sealed blob contains the plaintext")
	}
	blob2, _ := kr.Seal(secret, []byte("aad-1"))
	if bytes.Equal(blob, blob2) {
		t.Error("two seals of the same plaintext are equal (nonce reuse)")
	}
	if got, err := kr.Open(blob, []byte("aad-1")); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := kr.Open(blob, []byte("aad-2")); !errors.Is(err, ErrCannotOpen) {
		t.Errorf("Open with other aad = %v, want ErrCannotOpen", err)
	}
	tampered := append([]byte(nil), blob...)
	tampered[len(tampered)-1] ^= 1
	if _, err := kr.Open(tampered, []byte("aad-1")); !errors.Is(err, ErrCannotOpen) {
		t.Errorf("Open tampered = %v, want ErrCannotOpen", err)
	}
	if _, err := kr.Open([]byte{1}, nil); !errors.Is(err, ErrCannotOpen) {
		t.Errorf("Open short = %v, want ErrCannotOpen", err)
	}

	// Reloading the same file opens old blobs.
	kr2, err := LoadKeyring(path)
	if err != nil || kr2.PrimaryID() != kr.PrimaryID() {
		t.Fatalf("reload: %v, primary %s vs %s", err, kr2.PrimaryID(), kr.PrimaryID())
	}

	// A new primary key: new blobs use it, old blobs still open.
	id, err := RotateKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	kr3, err := LoadKeyring(path)
	if err != nil || kr3.PrimaryID() != id || id == kr.PrimaryID() {
		t.Fatalf("after rotation primary = %s (%v), want new %s", kr3.PrimaryID(), err, id)
	}
	if got, err := kr3.Open(blob, []byte("aad-1")); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("Open old blob after rotation = %q, %v", got, err)
	}
	newBlob, _ := kr3.Seal(secret, nil)
	if _, err := kr.Open(newBlob, nil); !errors.Is(err, ErrCannotOpen) {
		t.Errorf("old keyring opened a blob of the new key: %v", err)
	}
}

func TestKeyringRefusesReadableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	if _, err := LoadKeyring(path); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	if _, err := LoadKeyring(path); err == nil {
		t.Error("LoadKeyring(mode 0644) succeeded, want a refusal")
	}
}

func TestParseKeyringErrors(t *testing.T) {
	for _, s := range []string{"", "# only a comment\n", "k1 notbase64!\n", "k1 c2hvcnQ=\n",
		"k1 MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\nk1 MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"} {
		if _, err := parseKeyring([]byte(s)); err == nil {
			t.Errorf("parseKeyring(%q) succeeded, want an error", s)
		}
	}
}
