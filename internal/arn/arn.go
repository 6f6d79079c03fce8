// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package arn parses and formats Amazon Resource Names, the identifiers of
// every kanri resource ("arn:aws:ssm:us-east-1:123456789012:document/x").
package arn

import (
	"fmt"
	"strings"
)

// DefaultPartition is the partition of every ARN kanri issues, so that
// policies and templates written for AWS work verbatim.
const DefaultPartition = "aws"

// ARN is a parsed Amazon Resource Name. The zero value is not a valid ARN.
type ARN struct {
	Partition string
	Service   string
	Region    string
	Account   string
	Resource  string // everything after the fifth colon, e.g. "role/path/name"
}

// Parse parses s as "arn:partition:service:region:account:resource".
func Parse(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ARN{}, fmt.Errorf("arn %q: not of the form arn:partition:service:region:account:resource", s)
	}
	if parts[1] == "" || parts[2] == "" {
		return ARN{}, fmt.Errorf("arn %q: partition and service must not be empty", s)
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, nil
}

// String formats a as an ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// IsValidAccountID reports whether s is a 12-digit account ID.
func IsValidAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
