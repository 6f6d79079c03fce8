// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package audit_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kanri-dev/kanri/internal/audit"
)

// TestNewIDIsAVersion7UUID checks an event ID against a UUID library: a
// version 7, RFC 4122 variant UUID in canonical text whose time is the
// event's millisecond.
func TestNewIDIsAVersion7UUID(t *testing.T) {
	at := time.Date(2026, 12, 7, 19, 30, 0, 123_000_000, time.UTC)
	for range 100 {
		id := audit.NewID(at)
		u, err := uuid.Parse(id)
		if err != nil {
			t.Fatalf("NewID = %q: %v", id, err)
		}
		if u.Version() != 7 || u.Variant() != uuid.RFC4122 {
			t.Fatalf("NewID = %s: version %d, variant %v; want 7, RFC 4122", id, u.Version(), u.Variant())
		}
		if u.String() != id {
			t.Fatalf("NewID = %s, not in canonical text (%s)", id, u.String())
		}
		sec, nsec := u.Time().UnixTime()
		if got := time.Unix(sec, nsec).UTC(); !got.Equal(at) {
			t.Fatalf("NewID = %s carries time %v, want %v", id, got, at)
		}
	}
}

// BenchmarkNewID measures making one event ID (one per audited request).
func BenchmarkNewID(b *testing.B) {
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		audit.NewID(now)
	}
}
