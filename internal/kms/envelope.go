// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package kms

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"

	kmsapi "github.com/kanri-dev/kanri/internal/wire/kms"
)

// ServiceKeys encrypts values for another service (Parameter Store's
// SecureString values) under KMS keys, on behalf of the caller in the
// context: the caller must be allowed kms:GenerateDataKey on the key to
// encrypt and kms:Decrypt to decrypt, with kms:ViaService naming the
// service, so that the AWS managed key alias/aws/ssm serves any principal
// of the account through that service only.
//
// Values are envelopes: a fresh AES-256 data key encrypts the value
// (AES-256-GCM) and the KMS key encrypts the data key, both bound to the
// encryption context.
//
//	0x02 | wrapped data key length (uint16) | wrapped data key (a KMS ciphertext blob) | nonce (12) | sealed value and tag
type ServiceKeys struct {
	kms        *Service
	viaService string
	defaultKey string
}

// envelopeFormat is the first byte of an envelope.
const envelopeFormat = 0x02

// For returns the keys of service (e.g. "ssm"), whose default key is its
// AWS managed key (alias/aws/ssm).
func (s *Service) For(service string) *ServiceKeys {
	return &ServiceKeys{kms: s, viaService: service + "." + s.region + ".amazonaws.com", defaultKey: "alias/aws/" + service}
}

// reqCtx returns the condition keys of a use of a key through the
// service.
func (k *ServiceKeys) reqCtx(encCtx map[string]string) map[string][]string {
	c := EncryptionContextKeys(encCtx)
	c["kms:ViaService"] = []string{k.viaService}
	return c
}

// EncryptionContextKeys returns the condition keys of an encryption
// context: kms:EncryptionContext:<key> for each pair and
// kms:EncryptionContextKeys (a new map, never nil).
func EncryptionContextKeys(encCtx map[string]string) map[string][]string {
	c := map[string][]string{}
	var keys []string
	for key, v := range encCtx {
		c["kms:EncryptionContext:"+key] = []string{v}
		keys = append(keys, key)
	}
	if len(keys) > 0 {
		c["kms:EncryptionContextKeys"] = keys
	}
	return c
}

// Encrypt encrypts plaintext under keyID ("" for the service's default
// key) with encCtx; it returns the envelope and the key's ARN.
func (k *ServiceKeys) Encrypt(ctx context.Context, keyID string, plaintext []byte, encCtx map[string]string) ([]byte, string, error) {
	if keyID == "" {
		keyID = k.defaultKey
	}
	key, err := k.kms.resolve(ctx, keyID, true)
	if err != nil {
		return nil, "", err
	}
	arn := k.kms.ARN(key.ID)
	if err := k.kms.check(ctx, "kms:GenerateDataKey", arn, k.reqCtx(encCtx)); err != nil {
		return nil, "", err
	}
	if err := k.kms.usable(key); err != nil {
		return nil, "", err
	}
	dataKey := make([]byte, dataKeyBytes)
	if _, err := rand.Read(dataKey); err != nil {
		return nil, "", err
	}
	defer clear(dataKey)
	wrapped, err := k.kms.seal(ctx, key, dataKey, encCtx)
	if err != nil {
		return nil, "", err
	}
	a, err := dataKeyAEAD(dataKey)
	if err != nil {
		return nil, "", err
	}
	out := make([]byte, 0, 3+len(wrapped)+nonceSize+len(plaintext)+16)
	out = append(out, envelopeFormat)
	out = binary.BigEndian.AppendUint16(out, uint16(len(wrapped)))
	out = append(out, wrapped...)
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, "", err
	}
	out = append(out, nonce...)
	return a.Seal(out, nonce, plaintext, contextAAD([]byte{envelopeFormat}, encCtx)), arn, nil
}

// Decrypt decrypts an envelope that Encrypt made with the same encCtx; it
// returns the plaintext and the ARN of the key.
func (k *ServiceKeys) Decrypt(ctx context.Context, envelope []byte, encCtx map[string]string) ([]byte, string, error) {
	invalid := kmsapi.NewInvalidCiphertextException("The ciphertext is not valid.")
	if len(envelope) < 3 || envelope[0] != envelopeFormat {
		return nil, "", invalid
	}
	n := int(binary.BigEndian.Uint16(envelope[1:]))
	if len(envelope) < 3+n+nonceSize+16 {
		return nil, "", invalid
	}
	wrapped, rest := envelope[3:3+n], envelope[3+n:]
	keyID, _, _, _, ok := parseBlob(wrapped)
	if !ok {
		return nil, "", invalid
	}
	arn := k.kms.ARN(keyID)
	if err := k.kms.check(ctx, "kms:Decrypt", arn, k.reqCtx(encCtx)); err != nil {
		return nil, "", err
	}
	dataKey, _, err := k.kms.open(ctx, wrapped, encCtx, "")
	if err != nil {
		return nil, "", err
	}
	defer clear(dataKey)
	a, err := dataKeyAEAD(dataKey)
	if err != nil {
		return nil, "", err
	}
	plaintext, err := a.Open(nil, rest[:nonceSize], rest[nonceSize:], contextAAD([]byte{envelopeFormat}, encCtx))
	if err != nil {
		return nil, "", invalid
	}
	return plaintext, arn, nil
}

// dataKeyAEAD returns the AES-256-GCM cipher of a data key.
func dataKeyAEAD(dataKey []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(dataKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
