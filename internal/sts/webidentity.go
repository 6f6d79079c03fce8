// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package sts

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/timestamp"
	stsapi "github.com/kanri-dev/kanri/internal/wire/sts"
)

// tokenSkew is how far a token's times may be off the server's clock.
const tokenSkew = 2 * time.Minute

// providerTTL is how long a discovered provider (its discovery document;
// its keys refresh by themselves on an unknown key ID) is reused.
const providerTTL = time.Hour

type cachedProvider struct {
	provider *oidc.Provider
	expires  time.Time
}

// discover returns the OpenID Connect provider of an issuer, discovered
// once an hour.
func (s *Service) discover(ctx context.Context, issuer string) (*oidc.Provider, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.providers[issuer]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.provider, nil
	}
	// The provider outlives this request: its key set refreshes with the
	// context it was made with.
	pctx := oidc.ClientContext(context.WithoutCancel(ctx), s.http)
	p, err := oidc.NewProvider(pctx, issuer)
	if err != nil {
		return nil, stsapi.NewIDPCommunicationErrorException("Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements")
	}
	s.mu.Lock()
	s.providers[issuer] = cachedProvider{provider: p, expires: now.Add(providerTTL)}
	s.mu.Unlock()
	return p, nil
}

// claims are the token claims kanri reads.
type claims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience audience `json:"aud"`
	Expiry   *float64 `json:"exp"`
	NotBef   *float64 `json:"nbf"`
	IssuedAt *float64 `json:"iat"`
	AMR      []string `json:"amr"`
	AZP      string   `json:"azp"`
}

// audience reads "aud" as a string or a list.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*a = many
	return nil
}

func invalidToken(format string, args ...any) error {
	return stsapi.NewInvalidIdentityTokenException(format, args...)
}

// verify checks a web identity token: its issuer is a registered provider,
// its signature is the issuer's, its audience is one of the provider's
// client IDs, and it is current. It returns the provider and the claims.
func (s *Service) verify(ctx context.Context, raw string) (*iam.OIDCProvider, *claims, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, nil, invalidToken("Couldn't parse the web identity token: it is not a JWT")
	}
	var unverified claims
	if payload, err := decodeSegment(parts[1]); err != nil || json.Unmarshal(payload, &unverified) != nil || unverified.Issuer == "" {
		return nil, nil, invalidToken("Couldn't parse the web identity token's claims")
	}
	prov, err := s.iam.OIDCProviderByIssuer(ctx, unverified.Issuer)
	if err != nil {
		return nil, nil, invalidToken("No OpenIDConnect provider found in your account for %s", unverified.Issuer)
	}
	p, err := s.discover(ctx, unverified.Issuer)
	if err != nil {
		return nil, nil, err
	}
	v := p.VerifierContext(oidc.ClientContext(ctx, s.http), &oidc.Config{SkipClientIDCheck: true, SkipExpiryCheck: true, Now: s.now})
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		var mismatch *oidc.TokenExpiredError
		if errors.As(err, &mismatch) {
			return nil, nil, stsapi.NewExpiredTokenException("Token expired: current date/time %s must be before the expiration date/time %s", s.now().UTC().Format(time.RFC3339), mismatch.Expiry.UTC().Format(time.RFC3339))
		}
		return nil, nil, invalidToken("The web identity token could not be verified: %s", strings.TrimPrefix(err.Error(), "oidc: "))
	}
	var c claims
	if err := tok.Claims(&c); err != nil {
		return nil, nil, invalidToken("Couldn't parse the web identity token's claims")
	}
	now := s.now()
	if c.Expiry == nil {
		return nil, nil, invalidToken("The web identity token has no expiration (exp)")
	}
	if exp := unix(*c.Expiry); !now.Before(exp.Add(tokenSkew)) {
		return nil, nil, stsapi.NewExpiredTokenException("Token expired: current date/time %s must be before the expiration date/time %s", now.UTC().Format(time.RFC3339), exp.UTC().Format(time.RFC3339))
	}
	if c.NotBef != nil && now.Add(tokenSkew).Before(unix(*c.NotBef)) {
		return nil, nil, invalidToken("The web identity token is not valid yet (nbf)")
	}
	if c.IssuedAt != nil && now.Add(tokenSkew).Before(unix(*c.IssuedAt)) {
		return nil, nil, invalidToken("The web identity token was issued in the future (iat)")
	}
	ok := false
	for _, a := range c.Audience {
		if slices.Contains(prov.ClientIDs, a) {
			ok = true
		}
	}
	if !ok {
		return nil, nil, invalidToken("Incorrect token audience")
	}
	if c.Subject == "" {
		return nil, nil, stsapi.NewIDPRejectedClaimException("The web identity token has no subject (sub)")
	}
	return prov, &c, nil
}

func unix(f float64) time.Time { return time.Unix(int64(f), 0) }

// decodeSegment decodes a JWT segment (base64url, padding optional).
func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// AssumeRoleWithWebIdentity exchanges a token of a registered OpenID
// Connect provider (a Kubernetes service account token, say) for
// temporary credentials of a role that trusts it. The request is unsigned.
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, in *stsapi.AssumeRoleWithWebIdentityInput) (*stsapi.AssumeRoleWithWebIdentityOutput, error) {
	if !sessionNamePattern.MatchString(in.RoleSessionName) {
		return nil, validation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", in.RoleSessionName)
	}
	prov, c, err := s.verify(ctx, in.WebIdentityToken)
	if err != nil {
		return nil, err
	}
	denied := awserr.New(awserr.Denied, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity").WithStatus(403)
	role, err := s.iam.RoleByARN(ctx, in.RoleArn)
	if err != nil {
		if errors.Is(err, awserr.NotFound) {
			return nil, denied
		}
		return nil, err
	}
	d := defaultDuration
	if in.DurationSeconds != nil {
		d = time.Duration(*in.DurationSeconds) * time.Second
	}
	if d < minDuration || d > time.Duration(role.MaxSessionDuration)*time.Second {
		return nil, validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	docs, arns, packed, err := s.sessionPolicies(ctx, in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	keys := map[string][]string{
		prov.URL + ":sub": {c.Subject},
		prov.URL + ":aud": c.Audience,
		prov.URL + ":iss": {c.Issuer},
	}
	if len(c.AMR) > 0 {
		keys[prov.URL+":amr"] = c.AMR
	}
	if c.AZP != "" {
		keys[prov.URL+":azp"] = []string{c.AZP}
	}
	keys["sts:rolesessionname"] = []string{in.RoleSessionName}
	caller := iam.CallerFrom(ctx)
	if caller == nil {
		caller = &iam.Caller{Time: s.now()}
	}
	if err := s.iam.AuthorizeWebIdentity(ctx, caller, role, prov.ARN, keys); err != nil {
		return nil, err
	}
	issued, expires := s.expiration(d)
	p := rolePrincipal(role, in.RoleSessionName, iam.Session{
		Kind: iam.SessionWebIdentity, IssuedAt: issued, Expiration: expires, Policies: docs, PolicyARNs: arns,
		Provider: prov.ARN, Subject: c.Subject, Audience: c.Audience[0],
	})
	// The caller was anonymous; the audit trail names the new session.
	caller.Principal = p
	ak, secret, token, err := s.issue(p)
	if err != nil {
		return nil, err
	}
	s.iam.TouchRole(ctx, role)
	return &stsapi.AssumeRoleWithWebIdentityOutput{
		Credentials:                 &stsapi.Credentials{AccessKeyId: ak, SecretAccessKey: secret, SessionToken: token, Expiration: timestamp.Ptr(expires)},
		SubjectFromWebIdentityToken: c.Subject,
		AssumedRoleUser:             &stsapi.AssumedRoleUser{AssumedRoleId: p.ID, Arn: p.ARN},
		PackedPolicySize:            packed,
		Provider:                    prov.ARN,
		Audience:                    c.Audience[0],
	}, nil
}
