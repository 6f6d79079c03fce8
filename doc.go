// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package kanri is a self-hosted control plane for hybrid server fleets with
// AWS-compatible APIs. The binary is cmd/kanri; the code is in internal/,
// one package per domain (see docs/design.md). This package holds only the
// repository's own checks.
package kanri
