// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package command owns Run Command: SSM documents and their versions, and
// commands — a document run on targeted instances with rate control —
// with their invocations, dispatch to agents over the bus, results and
// outputs. The document language itself is the document subpackage.
package command
