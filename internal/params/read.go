// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package params

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/timestamp"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// defaultHistoryResults is the page size of GetParameterHistory without
// MaxResults.
const defaultHistoryResults = 50

// value returns the value of v that an answer shows: a SecureString's
// ciphertext (base64), or with decrypt its plaintext.
func (s *Service) value(ctx context.Context, name string, v *Version, decrypt bool) (string, error) {
	if v.Type != TypeSecureString || !decrypt {
		return v.Value, nil
	}
	return s.decrypt(ctx, s.ARN(name), v.Value)
}

// parameterShape returns p as GetParameter answers it; selector is the
// selector the request gave ("" for none).
func (s *Service) parameterShape(ctx context.Context, p *Parameter, selector string, decrypt bool) (*ssm.Parameter, error) {
	v := p.Version
	value, err := s.value(ctx, p.Name, v, decrypt)
	if err != nil {
		return nil, err
	}
	n := v.Number
	return &ssm.Parameter{Name: p.Name, Type: v.Type, Value: value, Version: &n, Selector: selector,
		LastModifiedDate: timestamp.Ptr(v.ModifiedAt), ARN: s.ARN(p.Name), DataType: v.DataType}, nil
}

// get returns the parameter and version r names. A missing parameter is
// awserr.NotFound, a missing version ErrVersionNotFound.
func (s *Service) get(ctx context.Context, r ref) (*Parameter, error) {
	return s.store.GetParameter(ctx, s.account, Key(r.name), r.sel)
}

// GetParameter returns a parameter: its latest version, or the one its
// name selects with ":version" or ":label". The name may be the
// parameter's ARN. WithDecryption decrypts a SecureString; without it,
// its Value is the ciphertext, base64-encoded.
func (s *Service) GetParameter(ctx context.Context, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
	r, err := s.parseRef(in.Name)
	if errors.Is(err, errForeign) {
		return nil, ssm.NewParameterNotFound("")
	}
	if err != nil {
		return nil, err
	}
	p, err := s.get(ctx, r)
	switch {
	case errors.Is(err, ErrVersionNotFound) && r.sel.Label == "":
		return nil, versionNotFound(r.name, strings.TrimPrefix(r.text, ":"))
	case errors.Is(err, ErrVersionNotFound), errors.Is(err, awserr.NotFound):
		return nil, ssm.NewParameterNotFound("") // AWS says no more
	case err != nil:
		return nil, err
	}
	sh, err := s.parameterShape(ctx, p, r.text, in.WithDecryption != nil && *in.WithDecryption)
	if err != nil {
		return nil, err
	}
	return &ssm.GetParameterOutput{Parameter: sh}, nil
}

// GetParameters returns up to 10 parameters, named as GetParameter names
// them, in alphabetical order. Names that are malformed or name no
// parameter or version are answered in InvalidParameters, as given.
func (s *Service) GetParameters(ctx context.Context, in *ssm.GetParametersInput) (*ssm.GetParametersOutput, error) {
	out := &ssm.GetParametersOutput{}
	decrypt := in.WithDecryption != nil && *in.WithDecryption
	seen := map[string]bool{}
	for _, raw := range in.Names {
		if seen[raw] {
			continue
		}
		seen[raw] = true
		r, err := s.parseRef(raw)
		if err != nil {
			out.InvalidParameters = append(out.InvalidParameters, raw)
			continue
		}
		p, err := s.get(ctx, r)
		switch {
		case errors.Is(err, ErrVersionNotFound), errors.Is(err, awserr.NotFound):
			out.InvalidParameters = append(out.InvalidParameters, raw)
			continue
		case err != nil:
			return nil, err
		}
		sh, err := s.parameterShape(ctx, p, r.text, decrypt)
		if err != nil {
			return nil, err
		}
		out.Parameters = append(out.Parameters, sh)
	}
	slices.SortStableFunc(out.Parameters, func(a, b *ssm.Parameter) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Selector, b.Selector)
	})
	return out, nil
}

// GetParameterHistory returns the versions of a parameter, oldest first,
// with their labels. The name may be the parameter's ARN.
func (s *Service) GetParameterHistory(ctx context.Context, in *ssm.GetParameterHistoryInput) (*ssm.GetParameterHistoryOutput, error) {
	r, err := s.parseRef(in.Name)
	switch {
	case errors.Is(err, errForeign):
		return nil, parameterNotFound(strings.TrimSpace(in.Name))
	case err != nil:
		return nil, err
	case r.text != "":
		return nil, ssm.NewValidationException("%s", msgInvalidName)
	}
	limit := defaultHistoryResults
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	var after int64
	if in.NextToken != "" {
		pos, err := decodeToken(tokenHistory, in.NextToken)
		if err != nil {
			return nil, err
		}
		if after, err = strconv.ParseInt(pos, 10, 64); err != nil || after < 1 {
			return nil, invalidToken()
		}
	}
	p, err := s.get(ctx, r)
	if errors.Is(err, awserr.NotFound) {
		return nil, parameterNotFound(r.name)
	}
	if err != nil {
		return nil, err
	}
	vs, err := s.store.ListParameterVersions(ctx, s.account, Key(r.name), after, limit+1)
	if err != nil && !errors.Is(err, awserr.NotFound) { // deleted since: nothing more
		return nil, err
	}
	out := &ssm.GetParameterHistoryOutput{}
	if len(vs) > limit {
		vs = vs[:limit]
		out.NextToken = encodeToken(tokenHistory, formatInt(vs[limit-1].Number))
	}
	decrypt := in.WithDecryption != nil && *in.WithDecryption
	for _, v := range vs {
		value, err := s.value(ctx, p.Name, v, decrypt)
		if err != nil {
			return nil, err
		}
		n := v.Number
		h := &ssm.ParameterHistory{Name: p.Name, Type: v.Type, LastModifiedDate: timestamp.Ptr(v.ModifiedAt), LastModifiedUser: v.ModifiedBy,
			Description: v.Description, Value: value, AllowedPattern: v.AllowedPattern, Version: &n, Labels: v.Labels, Tier: v.Tier,
			Policies: policyShapes(v.Policies), DataType: v.DataType}
		if v.Type == TypeSecureString {
			h.KeyId = v.KeyID
		}
		out.Parameters = append(out.Parameters, h)
	}
	return out, nil
}

// The kinds of NextToken, so that a token is only taken by the listing
// that made it.
const (
	tokenHistory  = "h"
	tokenByPath   = "p"
	tokenDescribe = "d"
)

// encodeToken returns the NextToken of a listing of kind that continues
// after pos.
func encodeToken(kind, pos string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + pos))
}

// decodeToken returns the position a NextToken of kind continues after;
// any other token is InvalidNextToken.
func decodeToken(kind, token string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	k, pos, ok := strings.Cut(string(b), "\x00")
	if err != nil || !ok || k != kind || pos == "" {
		return "", invalidToken()
	}
	return pos, nil
}

func invalidToken() error { return ssm.NewInvalidNextToken("The specified token isn't valid.") }
