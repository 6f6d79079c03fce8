// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package params

import (
	"errors"
	"strconv"
	"strings"

	"github.com/kanri-dev/kanri/internal/arn"
	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// maxARNLength bounds the ARN of a parameter: AWS reserves part of the
// model's 2,048 characters, leaving 1,011 for the ARN up to and with the
// name.
const maxARNLength = 1011

// Key returns the key that identifies the parameter name in its account:
// the name without a leading slash, so that "/token" and "token" are one
// parameter, as their ARNs are one.
func Key(name string) string { return strings.TrimPrefix(name, "/") }

// The messages of malformed names, in AWS's words.
const (
	msgInvalidName = `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist ` +
		`of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_`
	msgReservedName   = `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive).`
	msgReservedPath   = `Parameter name: can't be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_`
	msgNotQualified   = "Parameter name must be a fully qualified name."
	msgTooManyLevels  = "A hierarchy can have a maximum of %d levels. For more information, see Requirements and constraints for parameter names in the Amazon Web Services Systems Manager User Guide."
	msgInvalidPathArg = `The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash "/". ` +
		`It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or the following symbols: ` +
		`. (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward ` +
		`slash symbol "/". Valid example: /get/parameters2-/by1./path0_.`
)

// errForeign marks a parameter ARN of another account, region or
// partition: kanri shares no parameters, so it names none here.
var errForeign = errors.New("parameter of another account or region")

// nameChars reports whether name uses only the characters of parameter
// names: letters, digits, "_", ".", "-" and "/".
func nameChars(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '-', c == '/':
		default:
			return false
		}
	}
	return name != ""
}

// levels returns how many levels name's hierarchy has: 1 for "token" and
// "/token", 3 for "/app/db/host".
func levels(name string) int { return strings.Count(Key(name), "/") + 1 }

// lookupName applies the rules every parameter name follows to a name a
// request looks up; one that breaks them is a ValidationException. Names
// with reserved prefixes pass: no parameter has one, so they are not
// found.
func lookupName(name string) error {
	if !nameChars(name) || strings.Contains(name, "/") && !strings.HasPrefix(name, "/") ||
		strings.Contains(name, "//") || strings.HasSuffix(name, "/") {
		return ssm.NewValidationException("%s", msgInvalidName)
	}
	return nil
}

// checkNewName applies the rules of names to the name of a parameter a
// request creates or changes: lookupName's, and no reserved prefix, at
// most MaxLevels levels, an ARN of at most 1,011 characters.
func (s *Service) checkNewName(name string) error {
	if nameChars(name) {
		lower := strings.ToLower(Key(name))
		isPath := strings.Count(name, "/") > 1
		switch {
		case isPath && strings.HasPrefix(name, "/") && strings.HasPrefix(lower, "aws"):
			return ssm.NewAccessDeniedException("No access to reserved parameter name: %s.", name)
		case !isPath && (strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ssm")):
			return ssm.NewValidationException("%s", msgReservedName)
		case isPath && (strings.HasPrefix(lower, "aws") || strings.HasPrefix(lower, "ssm")):
			return ssm.NewValidationException("%s", msgReservedPath)
		case strings.Contains(name, "/") && !strings.HasPrefix(name, "/"):
			return ssm.NewValidationException("%s", msgNotQualified)
		}
	}
	if err := lookupName(name); err != nil {
		return err
	}
	if levels(name) > MaxLevels {
		return ssm.NewHierarchyLevelLimitExceededException(msgTooManyLevels, MaxLevels)
	}
	if n := len(s.ARN(name)); n > maxARNLength {
		return ssm.NewValidationException("Parameter name: the name is too long. Its ARN, %s followed by the name, has %d characters; "+
			"at most %d are allowed.", s.arnPrefix(), n, maxARNLength)
	}
	return nil
}

// ref is a reference to a parameter: a name or ARN, and an optional
// selector.
type ref struct {
	name string   // the parameter's name, with a leading slash when given as an ARN
	sel  Selector // the version or label selected; zero: the latest
	text string   // the selector as given, with its colon (":3", ":prod"); "" for none
}

// parseRef reads a reference to a parameter as GetParameter takes it: a
// name or the ARN of a parameter of this account and region, followed by
// ":version" or ":label" to select a version. Surrounding spaces are
// ignored. A malformed reference is a ValidationException; an ARN of
// another account or region is errForeign.
func (s *Service) parseRef(raw string) (ref, error) {
	raw = strings.TrimSpace(raw)
	name := raw
	if strings.HasPrefix(raw, "arn:") {
		a, err := arn.Parse(raw)
		rest, ok := strings.CutPrefix(a.Resource, "parameter/")
		if err != nil || !ok || a.Service != "ssm" {
			return ref{}, ssm.NewValidationException("%s", msgInvalidName)
		}
		if a.Partition != arn.DefaultPartition || a.Region != s.region || a.Account != s.account {
			return ref{}, errForeign
		}
		name = "/" + rest
	}
	var r ref
	if n, sel, ok := strings.Cut(name, ":"); ok {
		if sel == "" || strings.Contains(sel, ":") {
			return ref{}, ssm.NewValidationException("%s", msgInvalidName)
		}
		name, r.text = n, ":"+sel
		if isDigits(sel) {
			v, err := strconv.ParseInt(sel, 10, 64)
			if err != nil {
				v = -1 // beyond any version: not found
			}
			r.sel.Version = v
			if v == 0 {
				r.sel.Version = -1
			}
		} else {
			r.sel.Label = sel
		}
	}
	if err := lookupName(name); err != nil {
		return ref{}, err
	}
	r.name = name
	return r, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// plainName reads the name of a parameter as the operations that take no
// ARN and no selector take it (PutParameter, DeleteParameter,
// LabelParameterVersion…): surrounding spaces are ignored; anything else
// but a well-formed name is a ValidationException.
func plainName(raw string) (string, error) {
	name := strings.TrimSpace(raw)
	if err := lookupName(name); err != nil {
		return "", err
	}
	return name, nil
}

// ARNOf returns the ARN of the parameter that a request names by name or
// ARN, with or without a selector, for authorization. It does not check
// the name: the operation does.
func (s *Service) ARNOf(nameOrARN string) string {
	ref := strings.TrimSpace(nameOrARN)
	if strings.HasPrefix(ref, "arn:") {
		if i := strings.Index(ref, ":parameter/"); i >= 0 {
			if j := strings.IndexByte(ref[i+len(":parameter/"):], ':'); j >= 0 {
				return ref[:i+len(":parameter/")+j]
			}
		}
		return ref
	}
	name, _, _ := strings.Cut(ref, ":")
	return s.ARN(name)
}

// PathARN returns the ARN GetParametersByPath is authorized on: the
// path's, as if it were a parameter ("arn:…:parameter/app/db" for
// /app/db/, "arn:…:parameter/" for the root).
func (s *Service) PathARN(path string) string {
	return s.arnPrefix() + strings.Trim(strings.TrimSpace(path), "/")
}

// pathKey checks the Path of GetParametersByPath or of a Path filter and
// returns its key: "" for "/", "app/db" for "/app/db" and "/app/db/".
func pathKey(path string) (string, error) {
	path = strings.TrimSpace(path)
	if !strings.HasPrefix(path, "/") || !nameChars(path) || strings.Contains(path, "//") {
		return "", ssm.NewValidationException("%s", msgInvalidPathArg)
	}
	return strings.Trim(path, "/"), nil
}
