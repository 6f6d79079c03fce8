// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package params

import (
	"context"
	"slices"
	"strings"

	"github.com/kanri-dev/kanri/internal/timestamp"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// Page sizes of listings without MaxResults, and how many parameters a
// listing reads from the store at once.
const (
	defaultByPathResults   = 10
	defaultDescribeResults = 50
	listBatch              = 100
)

// The options of parameter filters.
const (
	optEquals     = "Equals"
	optBeginsWith = "BeginsWith"
	optContains   = "Contains"
	optRecursive  = "Recursive"
	optOneLevel   = "OneLevel"
)

// The filter keys.
const (
	keyName     = "Name"
	keyType     = "Type"
	keyKeyID    = "KeyId"
	keyPath     = "Path"
	keyTier     = "Tier"
	keyDataType = "DataType"
	keyLabel    = "Label"
	tagPrefix   = "tag:"
)

// filter is a checked ParameterStringFilter.
type filter struct {
	key    string
	option string
	values []string
}

// filterValues are the values the filters of keyed attributes can take.
var filterValues = map[string][]string{
	keyType:     {TypeString, TypeStringList, TypeSecureString},
	keyTier:     {TierStandard, TierAdvanced, TierIntelligent},
	keyDataType: {DataTypeText, "aws:ec2:image", "aws:ssm:integration"},
}

// compileFilters checks the ParameterFilters of DescribeParameters or,
// with byPath, of GetParametersByPath, which takes only Type, KeyId and
// Label, and fills in their default options: OneLevel for Path, Equals
// for the others.
func compileFilters(in []*ssm.ParameterStringFilter, byPath bool) ([]filter, error) {
	var out []filter
	seen := map[string]bool{}
	for _, f := range in {
		key, isTag := f.Key, strings.HasPrefix(f.Key, tagPrefix)
		switch {
		case byPath && key != keyType && key != keyKeyID && key != keyLabel:
			return nil, ssm.NewInvalidFilterKey("The following filter key is not valid: %s. Valid filter keys include: [Type, KeyId, Label].", key)
		case !byPath && key == keyLabel:
			return nil, ssm.NewInvalidFilterKey("The following filter key is not valid: Label. Valid filter keys include: " +
				"[Path, Name, Type, KeyId, Tier, DataType, tag:<key>].")
		case seen[key]:
			return nil, ssm.NewInvalidFilterKey("The following filter is duplicated in the request: %s. A request can contain only one "+
				"occurrence of a specific filter.", key)
		case len(f.Values) == 0 && !isTag:
			return nil, ssm.NewInvalidFilterValue("The following filter values are missing : null for filter key %s.", key)
		}
		seen[key] = true
		var options []string
		switch key {
		case keyPath:
			options = []string{optOneLevel, optRecursive}
		case keyLabel:
			options = []string{optEquals}
		case keyName:
			options = []string{optEquals, optBeginsWith, optContains}
		default:
			options = []string{optEquals, optBeginsWith}
		}
		option := f.Option
		if option == "" {
			option = options[0]
		}
		if !slices.Contains(options, option) {
			return nil, ssm.NewInvalidFilterOption("The following filter option is not valid: %s. Valid options include: [%s].",
				option, strings.Join(options, ", "))
		}
		for _, v := range f.Values {
			if allowed, ok := filterValues[key]; ok && !slices.Contains(allowed, v) {
				return nil, ssm.NewInvalidFilterValue("The following filter value is not valid: %s. Valid values include: [%s].",
					v, strings.Join(allowed, ", "))
			}
			if key == keyPath {
				if err := checkPathFilter(v); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, filter{key: key, option: option, values: f.Values})
	}
	return out, nil
}

// checkPathFilter checks a value of a Path filter.
func checkPathFilter(v string) error {
	lower := strings.ToLower(v)
	if strings.HasPrefix(lower, "/aws") || strings.HasPrefix(lower, "/ssm") {
		return ssm.NewValidationException(`Filters for common parameters can't be prefixed with "aws" or "ssm" (case-insensitive). ` +
			"When using global parameters, please specify within a global namespace.")
	}
	_, err := pathKey(v)
	return err
}

// legacyFilters turns DescribeParameters' deprecated Filters into
// ParameterFilters: Name matches names that begin with a value, Type and
// KeyId are equal to one.
func legacyFilters(in []*ssm.ParametersFilter) []filter {
	out := make([]filter, 0, len(in))
	for _, f := range in {
		option := optEquals
		if f.Key == keyName {
			option = optBeginsWith
		}
		out = append(out, filter{key: f.Key, option: option, values: f.Values})
	}
	return out
}

// match reports whether p passes f. Path and Label filters pass every
// parameter: the store selects by them.
func (f filter) match(p *Parameter) bool {
	v := p.Version
	var field string
	switch {
	case f.key == keyName:
		return f.matchName(Key(p.Name))
	case f.key == keyType:
		field = v.Type
	case f.key == keyKeyID:
		if v.Type != TypeSecureString {
			return false
		}
		field = v.KeyID
	case f.key == keyTier:
		field = v.Tier
	case f.key == keyDataType:
		field = v.DataType
	case strings.HasPrefix(f.key, tagPrefix):
		tv, ok := p.Tags[strings.TrimPrefix(f.key, tagPrefix)]
		if !ok {
			return false
		}
		if len(f.values) == 0 {
			return true
		}
		field = tv
	default: // Path, Label
		return true
	}
	for _, want := range f.values {
		if f.option == optEquals && field == want || f.option == optBeginsWith && strings.HasPrefix(field, want) {
			return true
		}
	}
	return false
}

// matchName matches a parameter's key against a Name filter, whose values
// may start with a slash or not.
func (f filter) matchName(key string) bool {
	for _, want := range f.values {
		switch f.option {
		case optEquals:
			if key == Key(want) {
				return true
			}
		case optBeginsWith:
			if strings.HasPrefix(key, Key(want)) {
				return true
			}
		case optContains:
			if strings.Contains("/"+key, want) {
				return true
			}
		}
	}
	return false
}

// passes reports whether p passes every filter.
func passes(filters []filter, p *Parameter) bool {
	for _, f := range filters {
		if !f.match(p) {
			return false
		}
	}
	return true
}

// page lists, after the position token holds, the parameters opt selects
// that pass every filter, calling add for each, at most limit of them,
// and returns the NextToken of the rest ("" when there is none).
func (s *Service) page(ctx context.Context, opt ListOptions, filters []filter, limit int, kind, token string, add func(*Parameter) error) (string, error) {
	if token != "" {
		after, err := decodeToken(kind, token)
		if err != nil {
			return "", err
		}
		opt.After = after
	}
	opt.Limit = listBatch
	n, last := 0, ""
	for {
		ps, err := s.store.ListParameters(ctx, s.account, opt)
		if err != nil {
			return "", err
		}
		for _, p := range ps {
			opt.After = Key(p.Name)
			if !passes(filters, p) {
				continue
			}
			if n == limit {
				return encodeToken(kind, last), nil
			}
			if err := add(p); err != nil {
				return "", err
			}
			n, last = n+1, Key(p.Name)
		}
		if len(ps) < listBatch {
			return "", nil
		}
	}
}

// GetParametersByPath returns the parameters under a path: one level
// below it, or with Recursive every level. ParameterFilters can select
// by Type, KeyId and Label; with Label, each parameter is answered at
// its version with the label. WithDecryption decrypts SecureString
// values. Access is granted on the path, as on AWS: a caller allowed
// ssm:GetParametersByPath on /a reads everything below it.
func (s *Service) GetParametersByPath(ctx context.Context, in *ssm.GetParametersByPathInput) (*ssm.GetParametersByPathOutput, error) {
	key, err := pathKey(in.Path)
	if err != nil {
		return nil, err
	}
	filters, err := compileFilters(in.ParameterFilters, true)
	if err != nil {
		return nil, err
	}
	opt := ListOptions{Paths: []PathFilter{{Key: key, Recursive: in.Recursive != nil && *in.Recursive}}}
	for _, f := range filters {
		if f.key == keyLabel {
			opt.Labels = f.values
		}
	}
	limit := defaultByPathResults
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	decrypt := in.WithDecryption != nil && *in.WithDecryption
	out := &ssm.GetParametersByPathOutput{}
	out.NextToken, err = s.page(ctx, opt, filters, limit, tokenByPath, in.NextToken, func(p *Parameter) error {
		sh, err := s.parameterShape(ctx, p, "", decrypt)
		if err != nil {
			return err
		}
		out.Parameters = append(out.Parameters, sh)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeParameters lists the account's parameters, without their
// values, in name order. ParameterFilters select by Name (Equals,
// BeginsWith, Contains), Path (OneLevel, Recursive), Type, KeyId, Tier,
// DataType and tag:<key>; the deprecated Filters by Name, Type and KeyId.
// No parameters are shared with the account: with Shared the list is
// empty.
func (s *Service) DescribeParameters(ctx context.Context, in *ssm.DescribeParametersInput) (*ssm.DescribeParametersOutput, error) {
	if len(in.Filters) > 0 && len(in.ParameterFilters) > 0 {
		return nil, ssm.NewValidationException("You can use either Filters or ParameterFilters in a single request.")
	}
	filters := legacyFilters(in.Filters)
	if len(in.ParameterFilters) > 0 {
		var err error
		if filters, err = compileFilters(in.ParameterFilters, false); err != nil {
			return nil, err
		}
	}
	out := &ssm.DescribeParametersOutput{}
	if in.Shared != nil && *in.Shared {
		return out, nil
	}
	var opt ListOptions
	for _, f := range filters {
		if f.key != keyPath {
			continue
		}
		for _, v := range f.values {
			key, _ := pathKey(v) // checked by compileFilters
			opt.Paths = append(opt.Paths, PathFilter{Key: key, Recursive: f.option == optRecursive})
		}
	}
	limit := defaultDescribeResults
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	var err error
	out.NextToken, err = s.page(ctx, opt, filters, limit, tokenDescribe, in.NextToken, func(p *Parameter) error {
		out.Parameters = append(out.Parameters, s.metadataShape(p))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// metadataShape returns p as DescribeParameters answers it.
func (s *Service) metadataShape(p *Parameter) *ssm.ParameterMetadata {
	v := p.Version
	n := v.Number
	md := &ssm.ParameterMetadata{Name: p.Name, ARN: s.ARN(p.Name), Type: v.Type, LastModifiedDate: timestamp.Ptr(v.ModifiedAt),
		LastModifiedUser: v.ModifiedBy, Description: v.Description, AllowedPattern: v.AllowedPattern, Version: &n, Tier: v.Tier,
		Policies: policyShapes(v.Policies), DataType: v.DataType}
	if v.Type == TypeSecureString {
		md.KeyId = v.KeyID
	}
	return md
}
