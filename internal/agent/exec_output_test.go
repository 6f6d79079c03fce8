// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"testing"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

func TestOutputStream(t *testing.T) {
	var chunks []agentproto.OutputChunk
	send := func(c agentproto.OutputChunk) error {
		c.Data = append([]byte(nil), c.Data...)
		chunks = append(chunks, c)
		return nil
	}
	s := newOutputStream(send, "inv-1", "step-1", agentproto.StreamStdout, 10)
	// MaxChunk + 5 bytes: one chunk when MaxChunk are buffered, the rest
	// on flush; "é" straddles the inline limit.
	s.Write([]byte("abcdefghi"))
	s.Write([]byte("é"))
	big := make([]byte, agentproto.MaxChunk-11+5)
	for i := range big {
		big[i] = 'x'
	}
	s.Write(big)
	if len(chunks) != 1 || len(chunks[0].Data) != agentproto.MaxChunk || chunks[0].Seq != 0 || chunks[0].Final {
		t.Fatalf("after MaxChunk+5 bytes: %d chunks, want one of MaxChunk bytes, Seq 0, not Final", len(chunks))
	}
	s.flush()
	s.flush() // nothing buffered: no chunk
	s.close()
	s.Write([]byte("late"))
	s.close()
	if len(chunks) != 3 {
		t.Fatalf("chunks = %d, want 3", len(chunks))
	}
	if c := chunks[1]; len(c.Data) != 5 || c.Seq != 1 || c.Final {
		t.Errorf("flushed chunk = %d bytes, Seq %d, Final %v; want 5, 1, false", len(c.Data), c.Seq, c.Final)
	}
	if c := chunks[2]; len(c.Data) != 0 || c.Seq != 2 || !c.Final || c.InvocationID != "inv-1" || c.Step != "step-1" || c.Stream != agentproto.StreamStdout {
		t.Errorf("last chunk = %+v, want an empty Final chunk 2 of inv-1/step-1/stdout", c)
	}
	if got, want := s.size(), int64(9+2+len(big)); got != want {
		t.Errorf("size() = %d, want %d", got, want)
	}
	// The limit cuts "é" in two: the inline text ends before it.
	if got := s.text(); got != "abcdefghi" {
		t.Errorf("text() = %q, want %q", got, "abcdefghi")
	}

	// Output within the limit is kept whole; chunks that cannot be sent
	// are counted.
	s = newOutputStream(func(agentproto.OutputChunk) error { return errNotConnected }, "i", "s", agentproto.StreamStderr, 10)
	s.Write([]byte("héllo"))
	s.flush()
	s.close()
	if got := s.text(); got != "héllo" {
		t.Errorf("text() = %q, want %q", got, "héllo")
	}
	if got := s.lostChunks(); got != 2 {
		t.Errorf("lostChunks() = %d, want 2", got)
	}
}

func TestTrimPartialRune(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"abc", "abc"},
		{"ab\xc3", "ab"},          // first byte of é
		{"ab\xe2\x82", "ab"},      // two bytes of €
		{"ab\xe2\x82\xac", "ab€"}, // whole
		{"ab\xf0\x9f\x98", "ab"},  // three bytes of 😀
		{"a\xff", "a\xff"},        // invalid, not partial
	} {
		if got := string(trimPartialRune([]byte(tc.in))); got != tc.want {
			t.Errorf("trimPartialRune(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
