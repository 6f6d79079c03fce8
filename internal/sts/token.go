// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package sts

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
)

// tokenVersion prefixes every session token, so the format can change.
const tokenVersion = "KS1"

// session is what a session token carries, sealed.
type session struct {
	AccessKeyID string        `json:"k"`
	Secret      string        `json:"s"`
	Principal   iam.Principal `json:"p"`
}

// errBadToken is the error of a token that does not open.
var errBadToken = awserr.New(awserr.Unauthenticated, "InvalidClientTokenId", "The security token included in the request is invalid.")

// errExpiredToken is the error of a token past its expiration.
var errExpiredToken = awserr.New(awserr.Unauthenticated, "ExpiredToken", "The security token included in the request is expired")

func tokenAAD(accessKeyID string) []byte { return []byte("sts:session-token:" + accessKeyID) }

// issue makes temporary credentials for p, valid until p.Session.Expiration.
func (s *Service) issue(p iam.Principal) (accessKeyID, secret, token string, err error) {
	accessKeyID, secret = iam.NewID("ASIA"), iam.NewSecret()
	p.AccessKeyID = accessKeyID
	b, err := json.Marshal(session{AccessKeyID: accessKeyID, Secret: secret, Principal: p})
	if err != nil {
		return "", "", "", err
	}
	sealed, err := s.sealer.Seal(b, tokenAAD(accessKeyID))
	if err != nil {
		return "", "", "", err
	}
	return accessKeyID, secret, tokenVersion + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Credentials returns the secret and principal of temporary credentials.
// The token is opened and checked (bound to the access key ID, not
// expired); the session's role is checked when the request is authorized.
func (s *Service) Credentials(ctx context.Context, accessKeyID, token string) (string, iam.Principal, error) {
	rest, ok := strings.CutPrefix(token, tokenVersion)
	if !ok || !strings.HasPrefix(accessKeyID, "ASIA") {
		return "", iam.Principal{}, errBadToken
	}
	sealed, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	if err != nil {
		return "", iam.Principal{}, errBadToken
	}
	b, err := s.sealer.Open(sealed, tokenAAD(accessKeyID))
	if err != nil {
		return "", iam.Principal{}, errBadToken
	}
	var ses session
	if err := json.Unmarshal(b, &ses); err != nil || ses.AccessKeyID != accessKeyID {
		return "", iam.Principal{}, errBadToken
	}
	if !s.now().Before(ses.Principal.Session.Expiration) {
		return "", iam.Principal{}, errExpiredToken
	}
	return ses.Secret, ses.Principal, nil
}

// expiration returns the end of a session of d starting now.
func (s *Service) expiration(d time.Duration) (issued, expires time.Time) {
	issued = s.now().UTC().Truncate(time.Second)
	return issued, issued.Add(d)
}
