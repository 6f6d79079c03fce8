// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package server

import (
	"context"
	"errors"
	"strings"

	"github.com/kanri-dev/kanri/internal/api"
	"github.com/kanri-dev/kanri/internal/awserr"
	"github.com/kanri-dev/kanri/internal/iam"
	"github.com/kanri-dev/kanri/internal/params"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// resourceTypeParameter is the ResourceType of parameters in tagging
// operations.
const resourceTypeParameter = "Parameter"

// newParams returns the Parameter Store service of s, whose SecureString
// values are envelopes under KMS keys (alias/aws/ssm by default).
func (s *Server) newParams() *params.Service {
	return params.New(params.Config{Store: s.db, Keys: s.keys.For("ssm"), Account: s.account, Region: s.cfg.Region,
		Authorize: s.authorizeCaller, Audit: s.recordOwnAction, Logger: s.log})
}

// paramReferences reads the Parameter Store values that command
// documents reference: "ssm:name", "ssm:name:version" (String and
// StringList parameters) and "ssm-secure:name" (SecureString).
type paramReferences struct{ s *Server }

// get reads the parameter ref names, as the caller in ctx (or the server
// when there is none).
func (r paramReferences) get(ctx context.Context, ref string) (string, error) {
	name, secure := strings.CutPrefix(ref, "ssm-secure:")
	if !secure {
		name = strings.TrimPrefix(ref, "ssm:")
	}
	out, err := r.s.params.GetParameter(ctx, &ssm.GetParameterInput{Name: name, WithDecryption: &secure})
	if errors.Is(err, awserr.NotFound) {
		return "", ssm.NewInvalidParameters("The parameter %s that the command references does not exist.", name)
	}
	if err != nil {
		return "", err
	}
	isSecure := out.Parameter.Type == "SecureString"
	switch {
	case isSecure && !secure:
		return "", ssm.NewInvalidParameters("The parameter %s is a SecureString: reference it as {{ssm-secure:%s}}.", name, name)
	case secure && !isSecure:
		return "", ssm.NewInvalidParameters("The parameter %s is not a SecureString: reference it as {{ssm:%s}}.", name, name)
	}
	return out.Parameter.Value, nil
}

// Check checks that the caller in ctx may read (and decrypt) the
// parameter ref names, and that it exists.
func (r paramReferences) Check(ctx context.Context, ref string) error {
	name := strings.TrimPrefix(strings.TrimPrefix(ref, "ssm-secure:"), "ssm:")
	if i := strings.LastIndexByte(name, ':'); i > 0 && !strings.HasPrefix(name, "arn:") {
		name = name[:i] // a version selector
	}
	if err := r.s.authorizeCaller(ctx, "ssm:GetParameter", []iam.Resource{{ARN: r.s.params.ARNOf(name)}}); err != nil {
		return err
	}
	_, err := r.get(ctx, ref)
	return err
}

// Resolve returns the value ref names, read by the server.
func (r paramReferences) Resolve(ctx context.Context, ref string) (string, error) {
	return r.get(ctx, ref)
}

// Params returns the Parameter Store service.
func (s *Server) Params() *params.Service { return s.params }

// parameterTagger tags parameters.
type parameterTagger struct{ p *params.Service }

func (pt parameterTagger) Tags(ctx context.Context, id string) ([]*ssm.Tag, error) {
	return pt.p.ParameterTags(ctx, id)
}
func (pt parameterTagger) AddTags(ctx context.Context, id string, tags []*ssm.Tag) error {
	return pt.p.AddParameterTags(ctx, id, tags)
}
func (pt parameterTagger) RemoveTags(ctx context.Context, id string, keys []string) error {
	return pt.p.RemoveParameterTags(ctx, id, keys)
}
func (pt parameterTagger) ARN(id string) string { return pt.p.ARNOf(id) }

// paramOperations are the Parameter Store operations of SSM, each
// authorized on the parameters it names (GetParametersByPath on its
// path, DescribeParameters on "*"), as AWS authorizes them.
func paramOperations(p *params.Service) []*api.Operation {
	one := func(name string) []string { return []string{p.ARNOf(name)} }
	each := func(names []string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = p.ARNOf(n)
		}
		return out
	}
	return []*api.Operation{
		api.Context(api.Resources(api.Op("PutParameter", p.PutParameter), func(ctx context.Context, in *ssm.PutParameterInput) []string {
			return one(in.Name)
		}), func(ctx context.Context, in *ssm.PutParameterInput) map[string][]string {
			return ssmTagContext(in.Tags)
		}),
		api.Resources(api.Op("GetParameter", p.GetParameter).Read(), func(ctx context.Context, in *ssm.GetParameterInput) []string {
			return one(in.Name)
		}),
		api.Resources(api.Op("GetParameters", p.GetParameters).Read(), func(ctx context.Context, in *ssm.GetParametersInput) []string {
			return each(in.Names)
		}),
		api.Resources(api.Op("GetParametersByPath", p.GetParametersByPath).Read(), func(ctx context.Context, in *ssm.GetParametersByPathInput) []string {
			return []string{p.PathARN(in.Path)}
		}),
		api.Op("DescribeParameters", p.DescribeParameters).Read(),
		api.Resources(api.Op("GetParameterHistory", p.GetParameterHistory).Read(), func(ctx context.Context, in *ssm.GetParameterHistoryInput) []string {
			return one(in.Name)
		}),
		api.Resources(api.Op("DeleteParameter", p.DeleteParameter), func(ctx context.Context, in *ssm.DeleteParameterInput) []string {
			return one(in.Name)
		}),
		api.Resources(api.Op("DeleteParameters", p.DeleteParameters), func(ctx context.Context, in *ssm.DeleteParametersInput) []string {
			return each(in.Names)
		}),
		api.Resources(api.Op("LabelParameterVersion", p.LabelParameterVersion), func(ctx context.Context, in *ssm.LabelParameterVersionInput) []string {
			return one(in.Name)
		}),
		api.Resources(api.Op("UnlabelParameterVersion", p.UnlabelParameterVersion), func(ctx context.Context, in *ssm.UnlabelParameterVersionInput) []string {
			return one(in.Name)
		}),
	}
}
