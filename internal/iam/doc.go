// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package iam owns identities and their permissions: users, access keys,
// the principal a request acts as, and the authorizer every API call goes
// through. The policy language itself is in the policy subpackage.
package iam
