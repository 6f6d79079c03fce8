// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"sync"
	"unicode/utf8"

	"github.com/kanri-dev/kanri/internal/agentproto"
)

// outputStream is one output stream (stdout or stderr) of a step: it keeps
// the first limit bytes for the step's result, counts them all, and sends
// them on as agentproto.OutputChunks of at most agentproto.MaxChunk bytes,
// numbered from 0, as they come: a chunk when MaxChunk bytes are buffered,
// when flush is called, and the last one, Final, on close. It never holds
// more than limit + MaxChunk bytes. It is safe for concurrent use.
type outputStream struct {
	send  func(agentproto.OutputChunk) error // must not keep Data
	chunk agentproto.OutputChunk             // InvocationID, Step and Stream
	limit int

	mu     sync.Mutex
	inline []byte
	total  int64
	buf    []byte // not sent yet
	seq    int
	lost   int // chunks send failed to send
	closed bool
}

func newOutputStream(send func(agentproto.OutputChunk) error, invocationID, step, stream string, limit int) *outputStream {
	return &outputStream{
		send:  send,
		chunk: agentproto.OutputChunk{InvocationID: invocationID, Step: step, Stream: stream},
		limit: limit,
	}
}

// Write takes output. It never fails; output written after close is
// dropped.
func (s *outputStream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(p)
	if s.closed {
		return n, nil
	}
	s.total += int64(n)
	if room := s.limit - len(s.inline); room > 0 {
		s.inline = append(s.inline, p[:min(room, n)]...)
	}
	for len(p) > 0 {
		k := min(agentproto.MaxChunk-len(s.buf), len(p))
		s.buf = append(s.buf, p[:k]...)
		p = p[k:]
		if len(s.buf) == agentproto.MaxChunk {
			s.sendLocked(false)
		}
	}
	return n, nil
}

// sendLocked sends the buffered output as the next chunk.
func (s *outputStream) sendLocked(final bool) {
	c := s.chunk
	c.Seq, c.Data, c.Final = s.seq, s.buf, final
	if s.send(c) != nil {
		s.lost++
	}
	s.seq++
	s.buf = s.buf[:0]
}

// flush sends the buffered output, if any.
func (s *outputStream) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed && len(s.buf) > 0 {
		s.sendLocked(false)
	}
}

// close sends the buffered output as the Final chunk.
func (s *outputStream) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	s.sendLocked(true)
	s.buf = nil
}

// text returns the first limit bytes of the output, without a character
// that the limit cut in two.
func (s *outputStream) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total > int64(len(s.inline)) {
		return string(trimPartialRune(s.inline))
	}
	return string(s.inline)
}

// size returns the number of bytes written.
func (s *outputStream) size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// lostChunks returns the number of chunks that could not be sent.
func (s *outputStream) lostChunks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost
}

// trimPartialRune returns b without the incomplete UTF-8 sequence it may
// end with.
func trimPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			return b
		}
	}
	return b
}
