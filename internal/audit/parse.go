// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package audit

import (
	"bytes"
	"encoding/json"
)

// parseEvent decodes a journal line into ev as json.Unmarshal does, a
// few times faster for the lines AppendJSON writes: their fields in
// their order, strings of printable ASCII without escapes. Anything else
// is decoded by json.Unmarshal. It reports whether the line is an event.
func parseEvent(line []byte, ev *Event) bool {
	if p := (eventParser{b: line, ok: true}); p.event(ev) {
		return true
	}
	*ev = Event{}
	return json.Unmarshal(line, ev) == nil
}

// eventParser reads the layout AppendJSON writes; ok turns false at the
// first byte it does not expect.
type eventParser struct {
	b  []byte
	ok bool
}

// event reads a whole line into ev.
func (p *eventParser) event(ev *Event) bool {
	ev.ID = p.field(`{"ID":`)
	p.lit(`,"Time":`)
	if p.ok {
		end := bytes.IndexByte(p.b[min(1, len(p.b)):], '"') + 2
		if end < 2 || ev.Time.UnmarshalJSON(p.b[:end]) != nil {
			return false
		}
		p.b = p.b[end:]
	}
	ev.RequestID = p.field(`,"RequestID":`)
	ev.Account = p.field(`,"Account":`)
	ev.Region = p.field(`,"Region":`)
	ev.Source = p.field(`,"Source":`)
	ev.Name = p.field(`,"Name":`)
	p.lit(`,"ReadOnly":`)
	switch {
	case p.ok && bytes.HasPrefix(p.b, []byte("true")):
		ev.ReadOnly, p.b = true, p.b[4:]
	case p.ok && bytes.HasPrefix(p.b, []byte("false")):
		ev.ReadOnly, p.b = false, p.b[5:]
	default:
		return false
	}
	ev.PrincipalARN = p.field(`,"PrincipalARN":`)
	ev.PrincipalID = p.field(`,"PrincipalID":`)
	ev.PrincipalType = p.field(`,"PrincipalType":`)
	ev.UserName = p.field(`,"UserName":`)
	ev.AccessKeyID = p.field(`,"AccessKeyID":`)
	p.lit(`,"Resources":`)
	if p.ok && bytes.HasPrefix(p.b, []byte("null")) {
		ev.Resources, p.b = nil, p.b[4:]
	} else {
		p.lit(`[`)
		ev.Resources = []Resource{}
		for p.ok && len(p.b) > 0 && p.b[0] != ']' {
			if len(ev.Resources) > 0 {
				p.lit(`,`)
			}
			var r Resource
			r.ARN = p.field(`{"ARN":`)
			r.Type = p.field(`,"Type":`)
			p.lit(`}`)
			ev.Resources = append(ev.Resources, r)
		}
		p.lit(`]`)
	}
	ev.SourceIP = p.field(`,"SourceIP":`)
	ev.UserAgent = p.field(`,"UserAgent":`)
	ev.Outcome = p.field(`,"Outcome":`)
	ev.ErrorCode = p.field(`,"ErrorCode":`)
	ev.ErrorMessage = p.field(`,"ErrorMessage":`)
	p.lit(`}`)
	return p.ok && len(p.b) == 0
}

// lit reads the bytes s.
func (p *eventParser) lit(s string) {
	if p.ok && bytes.HasPrefix(p.b, []byte(s)) {
		p.b = p.b[len(s):]
		return
	}
	p.ok = false
}

// field reads the key s (with what comes before it) and a string value.
func (p *eventParser) field(key string) string {
	p.lit(key)
	if !p.ok || len(p.b) == 0 || p.b[0] != '"' {
		p.ok = false
		return ""
	}
	for i := 1; i < len(p.b); i++ {
		switch c := p.b[i]; {
		case c == '"':
			s := string(p.b[1:i])
			p.b = p.b[i+1:]
			return s
		case c == '\\' || c < 0x20 || c >= 0x7f:
			// Escapes, control bytes and non-ASCII (json.Unmarshal replaces
			// invalid UTF-8): the slow path decodes the line.
			p.ok = false
			return ""
		}
	}
	p.ok = false
	return ""
}
