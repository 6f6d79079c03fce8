// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package kms

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"slices"

	"github.com/kanri-dev/kanri/internal/awserr"
	kmsapi "github.com/kanri-dev/kanri/internal/wire/kms"
)

// A ciphertext blob names the key and the version of its material that
// sealed it, so that any later material, and any server, opens it:
//
//	0x01 | len(keyID) | keyID | version (uint32, big endian) | nonce (12) | AES-256-GCM sealed plaintext and tag
//
// The header and the encryption context are the sealing's additional
// authenticated data: a blob opens only with the context it was made
// with.
const (
	blobFormat   = 0x01
	nonceSize    = 12
	minBlobSize  = 1 + 1 + 36 + 4 + nonceSize + 16
	maxBlobSize  = 6144
	dataKeyBytes = 32
)

// seal encrypts plaintext under the current material of k, bound to
// encCtx.
func (s *Service) seal(ctx context.Context, k *Key, plaintext []byte, encCtx map[string]string) ([]byte, error) {
	a, err := s.aead(ctx, k.ID, k.CurrentVersion)
	if err != nil {
		return nil, err
	}
	header := make([]byte, 0, minBlobSize+len(plaintext))
	header = append(header, blobFormat, byte(len(k.ID)))
	header = append(header, k.ID...)
	header = binary.BigEndian.AppendUint32(header, uint32(k.CurrentVersion))
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append(header, nonce...)
	return a.Seal(out, nonce, plaintext, contextAAD(header, encCtx)), nil
}

// parseBlob returns the key ID and material version a blob names.
func parseBlob(blob []byte) (keyID string, version int, rest []byte, header []byte, ok bool) {
	if len(blob) < minBlobSize || len(blob) > maxBlobSize || blob[0] != blobFormat {
		return "", 0, nil, nil, false
	}
	n := int(blob[1])
	if len(blob) < 2+n+4+nonceSize+16 {
		return "", 0, nil, nil, false
	}
	keyID = string(blob[2 : 2+n])
	version = int(binary.BigEndian.Uint32(blob[2+n:]))
	return keyID, version, blob[2+n+4:], blob[:2+n+4], keyIDPattern.MatchString(keyID) && version > 0
}

// open decrypts blob with encCtx and returns the plaintext and its key.
// keyID, when not "", must name the key that sealed it.
func (s *Service) open(ctx context.Context, blob []byte, encCtx map[string]string, keyID string) ([]byte, *Key, error) {
	id, version, rest, header, ok := parseBlob(blob)
	if !ok {
		return nil, nil, kmsapi.NewInvalidCiphertextException("The ciphertext is not valid.")
	}
	k, err := s.store.GetKey(ctx, id)
	if errors.Is(err, awserr.NotFound) || err == nil && k.Account != s.account {
		return nil, nil, kmsapi.NewInvalidCiphertextException("The ciphertext refers to a key that does not exist or that you cannot use.")
	}
	if err != nil {
		return nil, nil, err
	}
	if keyID != "" {
		want, err := s.resolve(ctx, keyID, false)
		if err != nil {
			return nil, nil, err
		}
		if want.ID != k.ID {
			return nil, nil, kmsapi.NewIncorrectKeyException("The key ID in the request does not identify a key that can perform this operation.")
		}
	}
	if err := s.usable(k); err != nil {
		return nil, nil, err
	}
	if version > k.CurrentVersion {
		return nil, nil, kmsapi.NewInvalidCiphertextException("The ciphertext is not valid.")
	}
	a, err := s.aead(ctx, k.ID, version)
	if err != nil {
		return nil, nil, err
	}
	nonce, sealed := rest[:nonceSize], rest[nonceSize:]
	plaintext, err := a.Open(nil, nonce, sealed, contextAAD(header, encCtx))
	if err != nil {
		// A wrong encryption context and a damaged blob look alike, as on
		// AWS.
		return nil, nil, kmsapi.NewInvalidCiphertextException("The ciphertext or its encryption context is not valid.")
	}
	return plaintext, k, nil
}

// contextAAD is a blob's header followed by its encryption context in a
// canonical form: pairs sorted by key, each string length-prefixed.
func contextAAD(header []byte, encCtx map[string]string) []byte {
	aad := slices.Clip(header)
	keys := make([]string, 0, len(encCtx))
	for k := range encCtx {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		aad = binary.BigEndian.AppendUint32(aad, uint32(len(k)))
		aad = append(aad, k...)
		aad = binary.BigEndian.AppendUint32(aad, uint32(len(encCtx[k])))
		aad = append(aad, encCtx[k]...)
	}
	return aad
}

// checkAlgorithm accepts the symmetric algorithm only.
func checkAlgorithm(alg string) error {
	if alg != "" && alg != AlgorithmSymmetric {
		return kmsapi.NewInvalidKeyUsageException("The encryption algorithm %s is not valid for a symmetric key; use %s.", alg, AlgorithmSymmetric)
	}
	return nil
}

// Encrypt encrypts up to 4 KB under a key.
func (s *Service) Encrypt(ctx context.Context, in *kmsapi.EncryptInput) (*kmsapi.EncryptOutput, error) {
	if err := checkAlgorithm(in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	if len(in.Plaintext) == 0 || len(in.Plaintext) > maxPlaintext {
		return nil, awserr.Validation("Plaintext", "***", "must be 1 to 4096 bytes")
	}
	k, err := s.resolve(ctx, in.KeyId, true)
	if err != nil {
		return nil, err
	}
	if err := s.usable(k); err != nil {
		return nil, err
	}
	if in.DryRun != nil && *in.DryRun {
		return nil, kmsapi.NewDryRunOperationException("The request would have succeeded.")
	}
	blob, err := s.seal(ctx, k, in.Plaintext, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	return &kmsapi.EncryptOutput{CiphertextBlob: blob, KeyId: s.ARN(k.ID), EncryptionAlgorithm: AlgorithmSymmetric}, nil
}

// Decrypt decrypts a blob that Encrypt or GenerateDataKey made, with the
// encryption context it was made with.
func (s *Service) Decrypt(ctx context.Context, in *kmsapi.DecryptInput) (*kmsapi.DecryptOutput, error) {
	if err := checkAlgorithm(in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	plaintext, k, err := s.open(ctx, in.CiphertextBlob, in.EncryptionContext, in.KeyId)
	if err != nil {
		return nil, err
	}
	if in.DryRun != nil && *in.DryRun {
		return nil, kmsapi.NewDryRunOperationException("The request would have succeeded.")
	}
	return &kmsapi.DecryptOutput{KeyId: s.ARN(k.ID), Plaintext: plaintext, EncryptionAlgorithm: AlgorithmSymmetric}, nil
}

// dataKeySize returns the size of a data key that KeySpec or
// NumberOfBytes asks for (exactly one of them).
func dataKeySize(spec string, n *int32) (int, error) {
	switch {
	case spec != "" && n != nil:
		return 0, awserr.Validation("KeySpec", spec, "cannot be given with NumberOfBytes")
	case spec == "AES_256":
		return 32, nil
	case spec == "AES_128":
		return 16, nil
	case spec != "":
		return 0, awserr.Validation("KeySpec", spec, "must be AES_256 or AES_128")
	case n == nil:
		return 0, awserr.Validation("KeySpec", "", "KeySpec or NumberOfBytes is required")
	case *n < 1 || *n > 1024:
		return 0, awserr.Validation("NumberOfBytes", *n, "must be 1 to 1024")
	}
	return int(*n), nil
}

// GenerateDataKey returns a fresh data key in plaintext and encrypted
// under a key.
func (s *Service) GenerateDataKey(ctx context.Context, in *kmsapi.GenerateDataKeyInput) (*kmsapi.GenerateDataKeyOutput, error) {
	plaintext, blob, k, err := s.generateDataKey(ctx, in.KeyId, in.KeySpec, in.NumberOfBytes, in.EncryptionContext, in.DryRun)
	if err != nil {
		return nil, err
	}
	return &kmsapi.GenerateDataKeyOutput{CiphertextBlob: blob, Plaintext: plaintext, KeyId: s.ARN(k.ID)}, nil
}

// GenerateDataKeyWithoutPlaintext returns a fresh data key encrypted
// under a key only.
func (s *Service) GenerateDataKeyWithoutPlaintext(ctx context.Context, in *kmsapi.GenerateDataKeyWithoutPlaintextInput) (*kmsapi.GenerateDataKeyWithoutPlaintextOutput, error) {
	plaintext, blob, k, err := s.generateDataKey(ctx, in.KeyId, in.KeySpec, in.NumberOfBytes, in.EncryptionContext, in.DryRun)
	if err != nil {
		return nil, err
	}
	clear(plaintext)
	return &kmsapi.GenerateDataKeyWithoutPlaintextOutput{CiphertextBlob: blob, KeyId: s.ARN(k.ID)}, nil
}

func (s *Service) generateDataKey(ctx context.Context, keyID, spec string, n *int32, encCtx map[string]string, dryRun *bool) ([]byte, []byte, *Key, error) {
	size, err := dataKeySize(spec, n)
	if err != nil {
		return nil, nil, nil, err
	}
	k, err := s.resolve(ctx, keyID, true)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := s.usable(k); err != nil {
		return nil, nil, nil, err
	}
	if dryRun != nil && *dryRun {
		return nil, nil, nil, kmsapi.NewDryRunOperationException("The request would have succeeded.")
	}
	plaintext := make([]byte, size)
	if _, err := rand.Read(plaintext); err != nil {
		return nil, nil, nil, err
	}
	blob, err := s.seal(ctx, k, plaintext, encCtx)
	if err != nil {
		return nil, nil, nil, err
	}
	return plaintext, blob, k, nil
}

// CiphertextKeyARN returns the ARN of the key a ciphertext blob names, for
// authorization; "" for a blob that names none.
func (s *Service) CiphertextKeyARN(blob []byte) string {
	keyID, _, _, _, ok := parseBlob(blob)
	if !ok {
		return ""
	}
	return s.ARN(keyID)
}
