// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package kms owns key material: the server's master keys, which seal every
// secret kanri stores (secret access keys, KMS key material), and, built on
// them, the customer keys of the KMS API.
package kms
