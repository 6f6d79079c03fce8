// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package inventory

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/google/uuid"

	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// Page tokens are opaque to callers: "o:<offset>" continues a listing
// that is computed whole at a position, "k:<key>" continues one ordered
// by a key after that key.

func encodeOffset(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(n)))
}

func decodeOffset(token string) (int, error) {
	if token == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if s, ok := strings.CutPrefix(string(b), "o:"); err == nil && ok {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, invalidToken()
}

func encodeKey(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("k:" + key))
}

func decodeKey(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if s, ok := strings.CutPrefix(string(b), "k:"); err == nil && ok && s != "" {
		return s, nil
	}
	return "", invalidToken()
}

func invalidToken() error { return ssm.NewInvalidNextToken("The specified token is not valid.") }

func newUUID() string { return uuid.NewString() }
