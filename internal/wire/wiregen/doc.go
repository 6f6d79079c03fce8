// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package wiregen generates the Go wire shapes of an AWS service from its
// botocore model (service-2.json): one Go struct per structure shape,
// operation inputs and outputs named <Operation>Input and
// <Operation>Output, enum values, error codes and constructors, the
// service's metadata and operations, and a Validate method per input that
// checks the model's constraints and reports violations in AWS's words.
//
// It is a library, run by the test TestGenerated of package wire
// (go generate ./internal/wire); the generated packages are committed, so
// building kanri does not need botocore.
package wiregen
