// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package document

import (
	"fmt"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// The AWS error codes this package returns.
const (
	codeInvalidDocumentContent       = "InvalidDocumentContent"
	codeInvalidDocumentSchemaVersion = "InvalidDocumentSchemaVersion"
	codeInvalidParameters            = "InvalidParameters"
	codeInvalidDocument              = "InvalidDocument"
)

// invalidContent returns an InvalidDocumentContent error with msg.
func invalidContent(msg string) *awserr.Error {
	return awserr.New(awserr.Invalid, codeInvalidDocumentContent, msg)
}

// invalidAt returns an InvalidDocumentContent error "path: msg (line L,
// column C)" for the element n at path.
func invalidAt(n *node, path, format string, args ...any) *awserr.Error {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	if n != nil && n.line > 0 {
		msg += fmt.Sprintf(" (line %d, column %d)", n.line, n.col)
	}
	return invalidContent(msg)
}

// invalidParameters returns an InvalidParameters error.
func invalidParameters(format string, args ...any) *awserr.Error {
	return awserr.Errorf(awserr.Invalid, codeInvalidParameters, format, args...)
}

// join appends a key to a path: join("mainSteps[0]", "inputs").
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index appends a list index to a path: index("mainSteps", 1).
func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}
