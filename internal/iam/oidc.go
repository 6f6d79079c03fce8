// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package iam

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
	iamapi "github.com/kanri-dev/kanri/internal/wire/iam"
)

// providerURL checks an OIDC provider URL and returns it without scheme,
// as IAM keeps it ("oidc.example.com/id").
func providerURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", iamapi.NewInvalidInputException("The URL %s is not valid: it must begin with https:// and hold no query, fragment or user.", raw)
	}
	return u.Host + strings.TrimSuffix(u.Path, "/"), nil
}

func oidcShape(p *OIDCProvider) *iamapi.GetOpenIDConnectProviderOutput {
	return &iamapi.GetOpenIDConnectProviderOutput{Url: p.URL, ClientIDList: p.ClientIDs, ThumbprintList: p.Thumbprints,
		CreateDate: ts(p.CreateDate), Tags: toWireTags(p.Tags)}
}

// CreateOpenIDConnectProvider registers an OpenID Connect identity provider.
func (s *Service) CreateOpenIDConnectProvider(ctx context.Context, in *iamapi.CreateOpenIDConnectProviderInput) (*iamapi.CreateOpenIDConnectProviderOutput, error) {
	host, err := providerURL(in.Url)
	if err != nil {
		return nil, err
	}
	tags := fromWireTags(in.Tags)
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	p := &OIDCProvider{ARN: s.arnPrefix() + "oidc-provider/" + host, Account: s.account, URL: host,
		ClientIDs: dedupe(in.ClientIDList), Thumbprints: dedupe(in.ThumbprintList), Tags: tags, CreateDate: s.ctxNow(ctx)}
	if err := s.store.CreateOIDCProvider(ctx, p); err != nil {
		if errors.Is(err, awserr.Exists) {
			return nil, iamapi.NewEntityAlreadyExistsException("Provider with url %s already exists.", in.Url)
		}
		return nil, err
	}
	return &iamapi.CreateOpenIDConnectProviderOutput{OpenIDConnectProviderArn: p.ARN, Tags: toWireTags(tags)}, nil
}

func dedupe(in []string) []string {
	out := []string{}
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// OIDCProvider returns a registered provider by ARN.
func (s *Service) OIDCProvider(ctx context.Context, providerARN string) (*OIDCProvider, error) {
	p, err := s.store.GetOIDCProvider(ctx, providerARN)
	if err != nil || p.Account != s.account {
		return nil, iamapi.NewNoSuchEntityException("OpenIDConnect Provider not found for arn %s", providerARN)
	}
	return p, nil
}

// OIDCProviderByIssuer returns the registered provider whose URL is the
// issuer (an https URL, as a token's iss claim carries it).
func (s *Service) OIDCProviderByIssuer(ctx context.Context, issuer string) (*OIDCProvider, error) {
	host, err := providerURL(issuer)
	if err != nil {
		return nil, err
	}
	return s.OIDCProvider(ctx, s.arnPrefix()+"oidc-provider/"+host)
}

// GetOpenIDConnectProvider returns a provider.
func (s *Service) GetOpenIDConnectProvider(ctx context.Context, in *iamapi.GetOpenIDConnectProviderInput) (*iamapi.GetOpenIDConnectProviderOutput, error) {
	p, err := s.OIDCProvider(ctx, in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	return oidcShape(p), nil
}

// ListOpenIDConnectProviders lists the account's providers.
func (s *Service) ListOpenIDConnectProviders(ctx context.Context, in *iamapi.ListOpenIDConnectProvidersInput) (*iamapi.ListOpenIDConnectProvidersOutput, error) {
	ps, err := s.store.ListOIDCProviders(ctx, s.account)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListOpenIDConnectProvidersOutput{OpenIDConnectProviderList: []*iamapi.OpenIDConnectProviderListEntry{}}
	for _, p := range ps {
		out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, &iamapi.OpenIDConnectProviderListEntry{Arn: p.ARN})
	}
	return out, nil
}

// updateProvider applies change to a provider and stores it.
func (s *Service) updateProvider(ctx context.Context, providerARN string, change func(p *OIDCProvider) error) error {
	p, err := s.OIDCProvider(ctx, providerARN)
	if err != nil {
		return err
	}
	if err := change(p); err != nil {
		return err
	}
	return s.store.UpdateOIDCProvider(ctx, p)
}

// AddClientIDToOpenIDConnectProvider adds an audience.
func (s *Service) AddClientIDToOpenIDConnectProvider(ctx context.Context, in *iamapi.AddClientIDToOpenIDConnectProviderInput) (*iamapi.AddClientIDToOpenIDConnectProviderOutput, error) {
	return &iamapi.AddClientIDToOpenIDConnectProviderOutput{}, s.updateProvider(ctx, in.OpenIDConnectProviderArn, func(p *OIDCProvider) error {
		if len(p.ClientIDs) >= 100 && !slices.Contains(p.ClientIDs, in.ClientID) {
			return iamapi.NewLimitExceededException("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
		}
		p.ClientIDs = dedupe(append(p.ClientIDs, in.ClientID))
		return nil
	})
}

// RemoveClientIDFromOpenIDConnectProvider removes an audience.
func (s *Service) RemoveClientIDFromOpenIDConnectProvider(ctx context.Context, in *iamapi.RemoveClientIDFromOpenIDConnectProviderInput) (*iamapi.RemoveClientIDFromOpenIDConnectProviderOutput, error) {
	return &iamapi.RemoveClientIDFromOpenIDConnectProviderOutput{}, s.updateProvider(ctx, in.OpenIDConnectProviderArn, func(p *OIDCProvider) error {
		p.ClientIDs = slices.DeleteFunc(p.ClientIDs, func(c string) bool { return c == in.ClientID })
		return nil
	})
}

// UpdateOpenIDConnectProviderThumbprint replaces the thumbprints.
func (s *Service) UpdateOpenIDConnectProviderThumbprint(ctx context.Context, in *iamapi.UpdateOpenIDConnectProviderThumbprintInput) (*iamapi.UpdateOpenIDConnectProviderThumbprintOutput, error) {
	return &iamapi.UpdateOpenIDConnectProviderThumbprintOutput{}, s.updateProvider(ctx, in.OpenIDConnectProviderArn, func(p *OIDCProvider) error {
		p.Thumbprints = dedupe(in.ThumbprintList)
		return nil
	})
}

// DeleteOpenIDConnectProvider deletes a provider.
func (s *Service) DeleteOpenIDConnectProvider(ctx context.Context, in *iamapi.DeleteOpenIDConnectProviderInput) (*iamapi.DeleteOpenIDConnectProviderOutput, error) {
	if _, err := s.OIDCProvider(ctx, in.OpenIDConnectProviderArn); err != nil {
		return nil, err
	}
	if err := s.store.DeleteOIDCProvider(ctx, in.OpenIDConnectProviderArn); err != nil {
		return nil, err
	}
	return &iamapi.DeleteOpenIDConnectProviderOutput{}, nil
}
