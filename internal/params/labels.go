// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package params

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/kanri-dev/kanri/internal/awserr"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// maxLabelLength is the longest a label can be.
const maxLabelLength = 100

// ValidLabel reports whether label follows AWS's rules for parameter
// labels: 1 to 100 letters, digits, ".", "-" and "_", not starting with a
// digit, "aws" or "ssm" (in any case).
func ValidLabel(label string) bool {
	if label == "" || len(label) > maxLabelLength || label[0] >= '0' && label[0] <= '9' {
		return false
	}
	lower := strings.ToLower(label)
	if strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ssm") {
		return false
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// splitLabels returns the distinct valid labels of labels, in order, and
// the invalid ones, as given.
func splitLabels(labels []string) (valid, invalid []string) {
	for _, l := range labels {
		switch {
		case !ValidLabel(l):
			invalid = append(invalid, l)
		case !slices.Contains(valid, l):
			valid = append(valid, l)
		}
	}
	return valid, invalid
}

// parameterNotFound is the ParameterNotFound of the operations that say
// which parameter.
func parameterNotFound(name string) error {
	return ssm.NewParameterNotFound("Parameter %s not found.", name)
}

// versionNotFound is AWS's ParameterVersionNotFound.
func versionNotFound(name, version string) error {
	return ssm.NewParameterVersionNotFound("Systems Manager could not find version %s of %s. Verify the version and try again.", version, name)
}

// LabelParameterVersion attaches labels to a version of a parameter, the
// latest unless ParameterVersion says which. A label another version of
// the parameter has moves to this one. Labels that break the rules of
// labels are answered in InvalidLabels and not attached. A version can
// have at most 10 labels (ParameterVersionLabelLimitExceeded).
func (s *Service) LabelParameterVersion(ctx context.Context, in *ssm.LabelParameterVersionInput) (*ssm.LabelParameterVersionOutput, error) {
	name, err := plainName(in.Name)
	if err != nil {
		return nil, err
	}
	var version int64
	if in.ParameterVersion != nil {
		if version = *in.ParameterVersion; version < 1 {
			return nil, versionNotFound(name, formatInt(version))
		}
	}
	valid, invalid := splitLabels(in.Labels)
	n, err := s.store.LabelParameterVersion(ctx, s.account, Key(name), version, valid, MaxLabelsPerVersion)
	switch {
	case errors.Is(err, ErrVersionNotFound):
		return nil, versionNotFound(name, formatInt(version))
	case errors.Is(err, awserr.NotFound):
		return nil, parameterNotFound(name)
	case errors.Is(err, awserr.LimitExceeded):
		return nil, ssm.NewParameterVersionLabelLimitExceeded("A parameter version can have maximum %d labels. "+
			"Move one or more labels to another version and try again.", MaxLabelsPerVersion)
	case err != nil:
		return nil, err
	}
	return &ssm.LabelParameterVersionOutput{InvalidLabels: invalid, ParameterVersion: &n}, nil
}

// UnlabelParameterVersion removes labels from a version of a parameter.
// It answers the labels it removed, and in InvalidLabels those the
// version did not have.
func (s *Service) UnlabelParameterVersion(ctx context.Context, in *ssm.UnlabelParameterVersionInput) (*ssm.UnlabelParameterVersionOutput, error) {
	name, err := plainName(in.Name)
	if err != nil {
		return nil, err
	}
	if in.ParameterVersion == nil {
		return nil, ssm.NewValidationException("1 validation error detected: Value null at 'parameterVersion' failed to satisfy constraint: Member must not be null")
	}
	version := *in.ParameterVersion
	if version < 1 {
		return nil, versionNotFound(name, formatInt(version))
	}
	valid, invalid := splitLabels(in.Labels)
	removed, err := s.store.UnlabelParameterVersion(ctx, s.account, Key(name), version, valid)
	switch {
	case errors.Is(err, ErrVersionNotFound):
		return nil, versionNotFound(name, formatInt(version))
	case errors.Is(err, awserr.NotFound):
		return nil, parameterNotFound(name)
	case err != nil:
		return nil, err
	}
	out := &ssm.UnlabelParameterVersionOutput{RemovedLabels: removed}
	for _, l := range valid {
		if !slices.Contains(removed, l) {
			invalid = append(invalid, l)
		}
	}
	out.InvalidLabels = invalid
	return out, nil
}
