// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds a small JSON parser. encoding/json cannot report the line
// and column of an error, keeps only the last of duplicate object keys and
// loses the position of each statement, all of which the policy language
// needs: AWS rejects duplicate keys and reports statement positions from
// SimulatePrincipalPolicy.

// jkind is the type of a JSON value.
type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

func (k jkind) String() string {
	switch k {
	case jNull:
		return "null"
	case jBool:
		return "boolean"
	case jNumber:
		return "number"
	case jString:
		return "string"
	case jArray:
		return "array"
	default:
		return "object"
	}
}

// jvalue is a parsed JSON value. Scalars keep their text in str: the decoded
// string, the number as written, or "true"/"false". The elements of an
// array and the members of an object are in the document's jdoc.
type jvalue struct {
	str   string
	start int32 // byte offset of the first character
	end   int32 // byte offset just past the last character
	first int32 // index of the first element or member in the jdoc
	n     int32 // number of elements or members
	kind  jkind
}

// jmember is one key of an object, in document order.
type jmember struct {
	key string
	val jvalue
}

// jdoc holds the elements of every array and the members of every object of
// a document, each array's and object's contiguous, so that a document
// costs a few allocations rather than one per array and object.
type jdoc struct {
	elems   []jvalue
	members []jmember
}

// arr returns the elements of an array.
func (d *jdoc) arr(v jvalue) []jvalue {
	if v.kind != jArray {
		return nil
	}
	return d.elems[v.first : v.first+v.n : v.first+v.n]
}

// obj returns the members of an object.
func (d *jdoc) obj(v jvalue) []jmember {
	if v.kind != jObject {
		return nil
	}
	return d.members[v.first : v.first+v.n : v.first+v.n]
}

// maxDocLen bounds the length of a document, far above IAM's own limits, so
// that offsets fit in 32 bits.
const maxDocLen = 1 << 20

// maxDepth bounds nesting; real policies nest five levels deep at most.
const maxDepth = 64

// jsonError is a syntax error at a byte offset.
type jsonError struct {
	off int
	msg string
}

type jparser struct {
	src   string
	pos   int
	depth int
	err   *jsonError
	// Elements and members of the arrays and objects being parsed; each
	// array's or object's are copied to the end of doc's when it ends.
	elems   []jvalue
	members []jmember
	doc     *jdoc
}

// parseJSON parses src, at most maxDocLen bytes long, as a single JSON value
// followed only by white space.
func parseJSON(src string) (jvalue, *jdoc, *jsonError) {
	if len(src) > maxDocLen {
		return jvalue{}, nil, &jsonError{off: 0, msg: fmt.Sprintf("the document is longer than %d bytes", maxDocLen)}
	}
	// Policies have about one array element per 40 bytes and one object
	// member per 30.
	p := &jparser{
		src:     src,
		elems:   make([]jvalue, 0, 16),
		members: make([]jmember, 0, 16),
		doc: &jdoc{
			elems:   make([]jvalue, 0, len(src)/40+8),
			members: make([]jmember, 0, len(src)/30+8),
		},
	}
	// A UTF-8 byte order mark, as some editors write, is not content.
	if len(src) >= 3 && src[:3] == "\xef\xbb\xbf" {
		p.pos = 3
	}
	p.skipSpace()
	v := p.value()
	if p.err != nil {
		return jvalue{}, nil, p.err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		p.fail(p.pos, "unexpected %s after the top-level value", p.describe(p.pos))
		return jvalue{}, nil, p.err
	}
	return v, p.doc, nil
}

func (p *jparser) fail(off int, format string, args ...any) {
	if p.err == nil {
		p.err = &jsonError{off: off, msg: fmt.Sprintf(format, args...)}
	}
}

// describe names the character at off for an error message.
func (p *jparser) describe(off int) string {
	if off >= len(p.src) {
		return "end of input"
	}
	r, _ := utf8.DecodeRuneInString(p.src[off:])
	return strconv.QuoteRune(r)
}

func (p *jparser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jparser) value() jvalue {
	if p.pos >= len(p.src) {
		p.fail(p.pos, "unexpected end of input, expected a value")
		return jvalue{}
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		start := p.pos
		s := p.string()
		return jvalue{kind: jString, str: s, start: int32(start), end: int32(p.pos)}
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true", jBool)
	case c == 'f':
		return p.literal("false", jBool)
	case c == 'n':
		return p.literal("null", jNull)
	default:
		p.fail(p.pos, "unexpected %s, expected a value", p.describe(p.pos))
		return jvalue{}
	}
}

func (p *jparser) literal(word string, kind jkind) jvalue {
	start := p.pos
	if len(p.src)-p.pos < len(word) || p.src[p.pos:p.pos+len(word)] != word {
		p.fail(p.pos, "unexpected %s, expected a value", p.describe(p.pos))
		return jvalue{}
	}
	p.pos += len(word)
	v := jvalue{kind: kind, start: int32(start), end: int32(p.pos)}
	if kind == jBool {
		v.str = word
	}
	return v
}

func (p *jparser) number() jvalue {
	start := p.pos
	s := p.src
	i := p.pos
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		p.fail(i, "invalid number: unexpected %s", p.describe(i))
		return jvalue{}
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			p.fail(i, "invalid number: expected a digit after the decimal point")
			return jvalue{}
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			p.fail(i, "invalid number: expected a digit in the exponent")
			return jvalue{}
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	p.pos = i
	return jvalue{kind: jNumber, str: s[start:i], start: int32(start), end: int32(i)}
}

// string parses a string literal starting at the opening quote.
func (p *jparser) string() string {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escapes.
	for i := p.pos; i < len(p.src); i++ {
		c := p.src[i]
		if c == '"' {
			s := p.src[start:i]
			if !utf8.ValidString(s) {
				break
			}
			p.pos = i + 1
			return s
		}
		if c == '\\' || c < 0x20 {
			break
		}
	}
	var b []byte
	i := p.pos
	for {
		if i >= len(p.src) {
			p.fail(i, "unterminated string")
			return ""
		}
		c := p.src[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return string(b)
		case c < 0x20:
			p.fail(i, "invalid control character %s in string", strconv.QuoteRune(rune(c)))
			return ""
		case c == '\\':
			if i+1 >= len(p.src) {
				p.fail(i, "unterminated string")
				return ""
			}
			e := p.src[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := p.hex4(i)
				if !ok {
					p.fail(i-2, "invalid \\u escape")
					return ""
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2, ok := rune(0), false
					if i+6 <= len(p.src) && p.src[i] == '\\' && p.src[i+1] == 'u' {
						r2, ok = p.hex4(i + 2)
					}
					if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
						r = d
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				p.fail(i-2, "invalid escape %s in string", strconv.Quote(p.src[i-2:i]))
				return ""
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, n := utf8.DecodeRuneInString(p.src[i:])
			if r == utf8.RuneError && n == 1 {
				p.fail(i, "invalid UTF-8 in string")
				return ""
			}
			b = append(b, p.src[i:i+n]...)
			i += n
		}
	}
}

func (p *jparser) hex4(i int) (rune, bool) {
	if i+4 > len(p.src) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.src[i : i+4]) {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

func (p *jparser) enter() bool {
	p.depth++
	if p.depth > maxDepth {
		p.fail(p.pos, "nesting deeper than %d levels", maxDepth)
		return false
	}
	return true
}

func (p *jparser) array() (v jvalue) {
	v = jvalue{kind: jArray, start: int32(p.pos)}
	if !p.enter() {
		return v
	}
	mark := len(p.elems)
	defer func() {
		p.depth--
		if n := len(p.elems) - mark; n > 0 && p.err == nil {
			v.first, v.n = int32(len(p.doc.elems)), int32(n)
			p.doc.elems = append(p.doc.elems, p.elems[mark:]...)
		}
		clear(p.elems[mark:])
		p.elems = p.elems[:mark]
	}()
	p.pos++ // [
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		v.end = int32(p.pos)
		return v
	}
	for {
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			p.fail(p.pos, "unexpected ']' after ',' (trailing comma in array)")
			return v
		}
		e := p.value()
		if p.err != nil {
			return v
		}
		p.elems = append(p.elems, e)
		p.skipSpace()
		if p.pos >= len(p.src) {
			p.fail(p.pos, "unexpected end of input, expected ',' or ']'")
			return v
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			v.end = int32(p.pos)
			return v
		default:
			p.fail(p.pos, "unexpected %s, expected ',' or ']'", p.describe(p.pos))
			return v
		}
	}
}

func (p *jparser) object() (v jvalue) {
	v = jvalue{kind: jObject, start: int32(p.pos)}
	if !p.enter() {
		return v
	}
	mark := len(p.members)
	defer func() {
		p.depth--
		if n := len(p.members) - mark; n > 0 && p.err == nil {
			v.first, v.n = int32(len(p.doc.members)), int32(n)
			p.doc.members = append(p.doc.members, p.members[mark:]...)
		}
		clear(p.members[mark:])
		p.members = p.members[:mark]
	}()
	p.pos++ // {
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		v.end = int32(p.pos)
		return v
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			p.fail(p.pos, "unexpected end of input, expected a key")
			return v
		}
		if p.src[p.pos] != '"' {
			if p.src[p.pos] == '}' && len(p.members) > mark {
				p.fail(p.pos, "unexpected '}' after ',' (trailing comma in object)")
			} else {
				p.fail(p.pos, "unexpected %s, expected a quoted key", p.describe(p.pos))
			}
			return v
		}
		keyOff := p.pos
		key := p.string()
		if p.err != nil {
			return v
		}
		for _, m := range p.members[mark:] {
			if m.key == key {
				p.fail(keyOff, "duplicate key %q", key)
				return v
			}
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			p.fail(p.pos, "unexpected %s, expected ':' after key %q", p.describe(p.pos), key)
			return v
		}
		p.pos++
		p.skipSpace()
		val := p.value()
		if p.err != nil {
			return v
		}
		p.members = append(p.members, jmember{key: key, val: val})
		p.skipSpace()
		if p.pos >= len(p.src) {
			p.fail(p.pos, "unexpected end of input, expected ',' or '}'")
			return v
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			v.end = int32(p.pos)
			return v
		default:
			p.fail(p.pos, "unexpected %s, expected ',' or '}'", p.describe(p.pos))
			return v
		}
	}
}

// lineIndex converts byte offsets to 1-based lines and columns; columns count
// characters, not bytes.
type lineIndex struct {
	src    string
	starts []int
	ascii  bool // src is ASCII, so columns count bytes
}

func newLineIndex(src string) *lineIndex {
	li := &lineIndex{src: src, starts: []int{0}, ascii: true}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\n':
			li.starts = append(li.starts, i+1)
		case c >= utf8.RuneSelf:
			li.ascii = false
		}
	}
	return li
}

// position returns the line and column of byte offset off.
func (li *lineIndex) position(off int) Position {
	if off > len(li.src) {
		off = len(li.src)
	}
	lo, hi := 0, len(li.starts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if li.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	col := off - li.starts[lo]
	if !li.ascii {
		col = utf8.RuneCountInString(li.src[li.starts[lo]:off])
	}
	return Position{Line: lo + 1, Column: col + 1}
}
