// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kanri-dev/kanri/internal/audit"
)

func TestAuditDetailAsEncodingJSON(t *testing.T) {
	for _, e := range []audit.Event{
		{RequestID: "r-1", Account: "123456789012", Region: "us-east-1", SourceIP: "127.0.0.1", Outcome: audit.Success},
		{
			RequestID: "r-2", Account: "123456789012", Region: "us-east-1", PrincipalARN: "arn:aws:iam::123456789012:user/admin",
			PrincipalID: "AIDA", PrincipalType: "IAMUser", SourceIP: "::1", UserAgent: "aws-cli/2 <x> & \"q\" \xff",
			Outcome: audit.Failed, ErrorCode: "ValidationException", ErrorMessage: "line\nbreak",
			Resources: []audit.Resource{{ARN: "arn:aws:ssm:us-east-1:123456789012:document/D", Type: "AWS::SSM::Document"}},
		},
	} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(auditDetail{
			RequestID: e.RequestID, Account: e.Account, Region: e.Region, PrincipalARN: e.PrincipalARN,
			PrincipalID: e.PrincipalID, PrincipalType: e.PrincipalType, SourceIP: e.SourceIP, UserAgent: e.UserAgent,
			Outcome: e.Outcome, ErrorCode: e.ErrorCode, ErrorMessage: e.ErrorMessage, Resources: e.Resources,
		}); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if got := appendAuditDetail(nil, &e); !bytes.Equal(got, want) {
			t.Errorf("appendAuditDetail:\n got %s\nwant %s", got, want)
		}
	}
}
