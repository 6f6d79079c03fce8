// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package kms

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// sealedVersion is the first byte of every sealed blob. It lets the blob
// format change without making old blobs unreadable.
const sealedVersion = 1

// Keyring holds the server's master keys. The first (primary) key seals;
// every key in the ring opens what it sealed, so a master-key change keeps
// old blobs readable. A Keyring is safe for concurrent use.
type Keyring struct {
	primary *masterKey
	keys    map[string]*masterKey
}

type masterKey struct {
	id   string
	aead cipher.AEAD
}

// LoadKeyring reads the master-key file at path, creating it with one new
// random key (mode 0600) when it does not exist. It refuses a file that
// other users may read.
//
// The file holds one key a line, "<id> <base64 of 32 bytes>", primary first;
// lines starting with # are comments.
func LoadKeyring(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKeyFile(path); err != nil {
			return nil, err
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("master key %s: mode %v lets other users read it; want 0600", path, fi.Mode().Perm())
	}
	return parseKeyring(b)
}

// RotateKeyring adds a new random primary key to the file at path, keeping
// the old keys for opening what they sealed, and returns the new key's ID.
func RotateKeyring(path string) (string, error) {
	old, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("master key: %w", err)
	}
	line, id, err := newKeyLine()
	if err != nil {
		return "", err
	}
	tmp := path + ".new"
	if err := os.WriteFile(tmp, append([]byte(line), old...), 0o600); err != nil {
		return "", fmt.Errorf("master key: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("master key: %w", err)
	}
	return id, nil
}

func newKeyLine() (line, id string, err error) {
	key := make([]byte, 32)
	idb := make([]byte, 4)
	if _, err := rand.Read(key); err != nil {
		return "", "", err
	}
	if _, err := rand.Read(idb); err != nil {
		return "", "", err
	}
	id = hex.EncodeToString(idb)
	return id + " " + base64.StdEncoding.EncodeToString(key) + "\n", id, nil
}

func createKeyFile(path string) error {
	line, _, err := newKeyLine()
	if err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	// O_EXCL: when two processes create the file at once, one wins and
	// the other reads the winner's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	_, err = f.WriteString("# kanri master keys: primary first. Keep this file secret and backed up.\n" + line)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	return nil
}

func parseKeyring(b []byte) (*Keyring, error) {
	kr := &Keyring{keys: map[string]*masterKey{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, enc, ok := strings.Cut(line, " ")
		if !ok || id == "" {
			return nil, fmt.Errorf("master key line %d: want \"<id> <base64 key>\"", n)
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("master key line %d: key must be 32 bytes in base64", n)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		if _, dup := kr.keys[id]; dup {
			return nil, fmt.Errorf("master key line %d: duplicate id %s", n, id)
		}
		mk := &masterKey{id: id, aead: aead}
		kr.keys[id] = mk
		if kr.primary == nil {
			kr.primary = mk
		}
	}
	if kr.primary == nil {
		return nil, errors.New("master key file holds no key")
	}
	return kr, nil
}

// PrimaryID returns the ID of the key that seals.
func (k *Keyring) PrimaryID() string { return k.primary.id }

// Seal encrypts plaintext with AES-256-GCM under the primary key, binding
// aad (which Open must be given again). The blob names the key that sealed
// it.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	id := k.primary.id
	out := make([]byte, 0, 2+len(id)+12+len(plaintext)+16)
	out = append(out, sealedVersion, byte(len(id)))
	out = append(out, id...)
	nonce := make([]byte, 12)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out = append(out, nonce...)
	return k.primary.aead.Seal(out, nonce, plaintext, aad), nil
}

// ErrCannotOpen is returned by Open for a blob that is damaged, was sealed
// with other aad, or under a key not in the ring.
var ErrCannotOpen = errors.New("sealed data cannot be opened")

// Open decrypts a blob made by Seal with the same aad.
func (k *Keyring) Open(blob, aad []byte) ([]byte, error) {
	if len(blob) < 2 || blob[0] != sealedVersion {
		return nil, ErrCannotOpen
	}
	n := int(blob[1])
	if len(blob) < 2+n+12+16 {
		return nil, ErrCannotOpen
	}
	mk, ok := k.keys[string(blob[2:2+n])]
	if !ok {
		return nil, fmt.Errorf("master key %s not in keyring: %w", blob[2:2+n], ErrCannotOpen)
	}
	nonce := blob[2+n : 2+n+12]
	pt, err := mk.aead.Open(nil, nonce, blob[2+n+12:], aad)
	if err != nil {
		return nil, ErrCannotOpen
	}
	return pt, nil
}
