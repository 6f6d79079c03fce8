// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/audit"
	"github.com/kanri-dev/kanri/internal/store/storetest"
)

// BenchmarkAppendEvents measures the audit trail's write path: batches of
// 32 events, one transaction each, on SQLite. ns/op is per event.
func BenchmarkAppendEvents(b *testing.B) {
	db := storetest.Open(b, storetest.SQLite(b))
	ctx := context.Background()
	batch := make([]audit.Event, 32)
	b.ResetTimer()
	for i := 0; i < b.N; i += len(batch) {
		for j := range batch {
			id, _ := uuid.NewV7()
			batch[j] = audit.Event{
				ID: id.String(), Time: time.Now(), RequestID: fmt.Sprint(i + j), Account: "123456789012", Region: "us-east-1",
				Source: "sts.amazonaws.com", Name: "GetCallerIdentity", ReadOnly: true,
				PrincipalARN: "arn:aws:iam::123456789012:user/admin", PrincipalID: "AIDAAAAAAAAAAAAAAAAAA", PrincipalType: "IAMUser",
				UserName: "admin", AccessKeyID: "AKIAAAAAAAAAAAAAAAAA", SourceIP: "127.0.0.1", UserAgent: "aws-sdk-go-v2/1.0", Outcome: audit.Success,
			}
		}
		if err := db.AppendEvents(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
}
