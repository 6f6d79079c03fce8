// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import (
	"strings"
	"unicode/utf8"
	"unique"
)

// pieceKind is the kind of one element of a compiled pattern.
type pieceKind uint8

const (
	pLit  pieceKind = iota // literal text
	pStar                  // "*": any run of characters, possibly empty
	pOne                   // "?": exactly one character
	pVar                   // "${key}" or "${key, 'default'}": a policy variable
)

// piece is one element of a compiled pattern.
type piece struct {
	kind pieceKind
	lit  string // the text of a literal
	slot int    // a variable's index in the pattern's vars
}

// variable is a policy variable of a pattern.
type variable struct {
	key    ckey
	name   string // the key as written
	def    string // the default
	hasDef bool
}

// match modes of a pattern without variables, checked before the general
// matcher because nearly every real pattern is one of them.
const (
	modeGeneral uint8 = iota
	modeExact         // no wildcard: s == lit
	modePrefix        // "lit*": strings.HasPrefix(s, lit)
	modeAny           // "*": anything
)

// pattern is a compiled string pattern: wildcards ("*", "?") where the
// element allows them, policy variables where the policy version and the
// element allow them, and literal text.
type pattern struct {
	pieces  []piece
	lit     string
	mode    uint8
	hasVars bool
}

// patternOpts says what a pattern string may contain.
type patternOpts struct {
	wildcards bool // "*" and "?" are wildcards, not literal characters
	variables bool // "${...}" is a policy variable
	fold      bool // compare case-insensitively (ASCII); literals are lower-cased
}

// compilePattern compiles s. It never fails: text that is not a well-formed
// variable is literal, as AWS treats it.
//
// Variables are appended to *vars, and their pieces refer to them by index
// there, so that the fields of an ARN pattern share one list.
func compilePattern(s string, o patternOpts, vars *[]variable) pattern {
	// Most patterns are plain text, "*" or "text*": no pieces needed.
	nwild, nvar := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case o.wildcards && (c == '*' || c == '?'):
			nwild++
		case o.variables && c == '$' && i+1 < len(s) && s[i+1] == '{':
			nvar++
		}
	}
	special := nwild + nvar
	lower := func(t string) string {
		if o.fold {
			return lowerASCII(t)
		}
		return t
	}
	switch {
	case special == 0:
		return pattern{mode: modeExact, lit: lower(s)}
	case nvar == 0 && s == "*":
		return pattern{mode: modeAny}
	case nvar == 0 && nwild == 1 && s[len(s)-1] == '*':
		return pattern{mode: modePrefix, lit: lower(s[:len(s)-1])}
	}

	ps := make([]piece, 0, 2*special+1)
	hasVars := false
	// The current literal is s[start:i], or built in b once a ${*}, ${?}
	// or ${$} has made it differ from the source text.
	start := 0
	var b []byte
	built := false
	flush := func(i int) {
		switch {
		case built:
			ps = append(ps, piece{kind: pLit, lit: lower(string(b))})
			b, built = b[:0], false
		case i > start:
			ps = append(ps, piece{kind: pLit, lit: lower(s[start:i])})
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if o.variables && c == '$' && i+1 < len(s) && s[i+1] == '{' {
			if end := strings.IndexByte(s[i+2:], '}'); end >= 0 {
				body := s[i+2 : i+2+end]
				next := i + 2 + end + 1
				switch body {
				case "*", "?", "$":
					// ${*}, ${?} and ${$} stand for the literal character.
					if !built {
						b = append(b[:0], s[start:i]...)
						built = true
					}
					b = append(b, body...)
					i, start = next, next
					continue
				}
				flush(i)
				key, def, hasDef := parseVariable(body)
				ps = append(ps, piece{kind: pVar, slot: len(*vars)})
				*vars = append(*vars, variable{key: newKey(key), name: key, def: def, hasDef: hasDef})
				hasVars = true
				i, start = next, next
				continue
			}
		}
		if o.wildcards && (c == '*' || c == '?') {
			flush(i)
			if c == '*' {
				if len(ps) == 0 || ps[len(ps)-1].kind != pStar {
					ps = append(ps, piece{kind: pStar})
				}
			} else {
				ps = append(ps, piece{kind: pOne})
			}
			i++
			start = i
			continue
		}
		if built {
			b = append(b, c)
			start = i + 1
		}
		i++
	}
	flush(len(s))
	p := pattern{pieces: ps, hasVars: hasVars}
	if !hasVars {
		switch {
		case len(ps) == 0:
			p.mode, p.lit = modeExact, ""
		case len(ps) == 1 && ps[0].kind == pLit:
			p.mode, p.lit = modeExact, ps[0].lit
		case len(ps) == 1 && ps[0].kind == pStar:
			p.mode = modeAny
		case len(ps) == 2 && ps[0].kind == pLit && ps[1].kind == pStar:
			p.mode, p.lit = modePrefix, ps[0].lit
		}
	}
	return p
}

// parseVariable splits the body of "${key, 'default'}".
func parseVariable(body string) (key, def string, hasDef bool) {
	i := strings.IndexByte(body, ',')
	if i < 0 {
		return strings.TrimSpace(body), "", false
	}
	key = strings.TrimSpace(body[:i])
	rest := strings.TrimSpace(body[i+1:])
	if len(rest) >= 2 && rest[0] == '\'' && rest[len(rest)-1] == '\'' {
		return key, rest[1 : len(rest)-1], true
	}
	// A default that is not quoted is taken as written.
	return key, rest, true
}

// ckey is a compiled context key: lower-cased, and interned, so that an
// evaluation's cache of looked-up keys compares handles, not strings.
type ckey struct {
	s string
	h unique.Handle[string]
}

func newKey(k string) ckey {
	k = lowerASCII(k)
	return ckey{s: k, h: unique.Make(k)}
}

// matchStatic matches s against a pattern without variables.
func (p *pattern) matchStatic(s string, fold bool) bool {
	switch p.mode {
	case modeAny:
		return true
	case modeExact:
		if fold {
			return equalFoldLower(s, p.lit)
		}
		return s == p.lit
	case modePrefix:
		if fold {
			return len(s) >= len(p.lit) && equalFoldLower(s[:len(p.lit)], p.lit)
		}
		return strings.HasPrefix(s, p.lit)
	}
	return matchPieces(p.pieces, nil, s, fold)
}

// matchPieces matches s against ps, in which the text of variable i is
// vals[i]: literals match exactly (with fold, ASCII case-insensitively
// against lower-cased literals), "?" one character and "*" any run.
func matchPieces(ps []piece, vals []string, s string, fold bool) bool {
	if fold {
		return matchPiecesFold(ps, s)
	}
	// Match the pieces before the first star at the start of s.
	i := 0
	for ; i < len(ps) && ps[i].kind != pStar; i++ {
		n, ok := matchAt(&ps[i], vals, s)
		if !ok {
			return false
		}
		s = s[n:]
	}
	if i == len(ps) {
		return s == ""
	}
	for {
		for i < len(ps) && ps[i].kind == pStar {
			i++
		}
		if i == len(ps) {
			return true // a trailing star takes the rest
		}
		j := i
		for j < len(ps) && ps[j].kind != pStar {
			j++
		}
		group := ps[i:j]
		if j == len(ps) {
			// The last group must match the end of s.
			return matchSuffix(group, vals, s)
		}
		// An inner group matches at its leftmost position; a later
		// match could only leave less for the rest.
		n, ok := matchLeftmost(group, vals, s)
		if !ok {
			return false
		}
		s = s[n:]
		i = j
	}
}

// matchAt matches one literal, variable or "?" piece at the start of s and
// returns the length it consumed.
func matchAt(pc *piece, vals []string, s string) (int, bool) {
	switch pc.kind {
	case pOne:
		if s == "" {
			return 0, false
		}
		_, n := utf8.DecodeRuneInString(s)
		return n, true
	case pVar:
		t := vals[pc.slot]
		return len(t), strings.HasPrefix(s, t)
	default:
		return len(pc.lit), strings.HasPrefix(s, pc.lit)
	}
}

// matchGroup matches a group of pieces without stars at the start of s and
// returns the length it consumed.
func matchGroup(group []piece, vals []string, s string) (int, bool) {
	n := 0
	for k := range group {
		m, ok := matchAt(&group[k], vals, s[n:])
		if !ok {
			return 0, false
		}
		n += m
	}
	return n, true
}

// matchLeftmost finds the leftmost match of a group in s and returns the
// length of s up to its end.
func matchLeftmost(group []piece, vals []string, s string) (int, bool) {
	var first string
	switch pc := &group[0]; pc.kind {
	case pLit:
		first = pc.lit
	case pVar:
		first = vals[pc.slot]
	}
	for at := 0; at <= len(s); {
		if first != "" {
			k := strings.Index(s[at:], first)
			if k < 0 {
				return 0, false
			}
			at += k
		}
		if n, ok := matchGroup(group, vals, s[at:]); ok {
			return at + n, true
		}
		if at == len(s) {
			break
		}
		_, w := utf8.DecodeRuneInString(s[at:])
		at += w
	}
	return 0, false
}

// matchSuffix reports whether a group matches a suffix of s.
func matchSuffix(group []piece, vals []string, s string) bool {
	// Without "?" the group has a fixed length in bytes.
	n, fixed := 0, true
	for k := range group {
		switch pc := &group[k]; pc.kind {
		case pOne:
			fixed = false
		case pVar:
			n += len(vals[pc.slot])
		default:
			n += len(pc.lit)
		}
	}
	if fixed {
		if n > len(s) {
			return false
		}
		m, ok := matchGroup(group, vals, s[len(s)-n:])
		return ok && m == n
	}
	for at := 0; at <= len(s); {
		if m, ok := matchGroup(group, vals, s[at:]); ok && at+m == len(s) {
			return true
		}
		if at == len(s) {
			break
		}
		_, w := utf8.DecodeRuneInString(s[at:])
		at += w
	}
	return false
}

// matchPiecesFold is matchPieces for patterns without variables compared
// case-insensitively: the actions of Action and NotAction. It backtracks
// only to the last star, which is enough for glob patterns.
func matchPiecesFold(ps []piece, s string) bool {
	pi, off, si := 0, 0, 0
	starPi, starSi := -1, 0
	for {
		if pi < len(ps) {
			pc := &ps[pi]
			switch pc.kind {
			case pStar:
				pi++
				off = 0
				starPi, starSi = pi, si
				continue
			case pOne:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					pi++
					continue
				}
			default:
				lit := pc.lit
				if off == len(lit) {
					pi++
					off = 0
					continue
				}
				if si < len(s) {
					c := s[si]
					if 'A' <= c && c <= 'Z' {
						c += 'a' - 'A'
					}
					if c == lit[off] {
						si++
						off++
						continue
					}
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last star swallow one more character.
		if starPi < 0 || starSi >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		si, pi, off = starSi, starPi, 0
	}
}

// lowerASCII returns s with ASCII letters lower-cased, allocating only if
// s has an upper-case letter.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// equalFoldLower reports whether s equals lower, which is already
// lower-case, ignoring ASCII case.
func equalFoldLower(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// hasUpperASCII reports whether s has an ASCII upper-case letter.
func hasUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			return true
		}
	}
	return false
}

// splitARN splits s into its six colon-separated fields; the sixth, the
// resource, keeps any further colons. It reports false if s has fewer than
// six fields or does not start with "arn:".
func splitARN(s string) (f [6]string, ok bool) {
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return f, false
		}
		f[i], s = s[:j], s[j+1:]
	}
	f[5] = s
	return f, f[0] == "arn"
}

// splitARNPattern is splitARN for a pattern, where a colon inside a policy
// variable ("${aws:username}") does not separate fields.
func splitARNPattern(s string, variables bool) (f [6]string, ok bool) {
	n := 0
	start := 0
	for i := 0; i < len(s) && n < 5; i++ {
		if variables && s[i] == '$' && i+1 < len(s) && s[i+1] == '{' {
			if end := strings.IndexByte(s[i+2:], '}'); end >= 0 {
				i += 2 + end
				continue
			}
		}
		if s[i] == ':' {
			f[n] = s[start:i]
			n++
			start = i + 1
		}
	}
	if n < 5 {
		return f, false
	}
	f[5] = s[start:]
	return f, true
}

// arnPattern is a compiled ARN pattern: each of the first five fields is
// matched on its own, so a wildcard never crosses a colon there, and the
// resource field is matched as a whole, so a wildcard in it spans "/" and
// ":" (AWS's ARN matching for Resource and the Arn condition operators).
type arnPattern struct {
	any bool // the pattern is "*": it matches anything, ARN or not
	// Nearly always the partition, service, region and account are
	// literal or "*": then lits holds them, with bit i of star set if field
	// i+1 is "*", and gen is nil. Otherwise gen holds the five patterns.
	lits [4]string
	star uint8
	gen  *[5]pattern
	res  pattern    // the resource field
	vars []variable // of all fields
}

// compileARNPattern compiles s. Policy variables are substituted, if
// variables is set, in fields varFrom and later: the Resource element allows
// them only in the resource field (5), the Arn condition operators anywhere.
// It reports false if s is neither "*" nor of the form
// arn:partition:service:region:account:resource.
func compileARNPattern(s string, variables bool, varFrom int) (arnPattern, bool) {
	if s == "*" {
		return arnPattern{any: true}, true
	}
	f, ok := splitARNPattern(s, variables)
	if !ok || f[0] != "arn" {
		return arnPattern{}, false
	}
	var ap arnPattern
	var gen [5]pattern
	literal := true
	for i := 0; i < 5; i++ {
		gen[i] = compilePattern(f[i], patternOpts{wildcards: true, variables: variables && i >= varFrom}, &ap.vars)
		switch {
		case i == 0:
		case gen[i].mode == modeExact && !gen[i].hasVars:
			ap.lits[i-1] = gen[i].lit
		case gen[i].mode == modeAny:
			ap.star |= 1 << (i - 1)
		default:
			literal = false
		}
	}
	if !literal {
		ap.gen = new([5]pattern)
		*ap.gen = gen
	}
	ap.res = compilePattern(f[5], patternOpts{wildcards: true, variables: variables}, &ap.vars)
	return ap, true
}

// match matches the fields of an ARN against the pattern, with vals the
// values of its variables.
func (ap *arnPattern) match(f *[6]string, vals []string) bool {
	if ap.gen == nil {
		for i := range ap.lits {
			if ap.star&(1<<i) == 0 && f[i+1] != ap.lits[i] {
				return false
			}
		}
	} else {
		for i := range ap.gen {
			if !matchField(&ap.gen[i], vals, f[i]) {
				return false
			}
		}
	}
	return matchField(&ap.res, vals, f[5])
}

func matchField(p *pattern, vals []string, s string) bool {
	switch {
	case p.hasVars:
		return matchPieces(p.pieces, vals, s, false)
	case p.mode == modeAny:
		return true
	case p.mode == modeExact:
		return s == p.lit
	}
	return p.matchStatic(s, false)
}
