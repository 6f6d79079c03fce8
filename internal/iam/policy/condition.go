// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package policy

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// opKind is a base condition operator, without IfExists or a set qualifier.
type opKind uint8

const (
	opStringEquals opKind = iota
	opStringNotEquals
	opStringEqualsIgnoreCase
	opStringNotEqualsIgnoreCase
	opStringLike
	opStringNotLike
	opNumericEquals
	opNumericNotEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateNotEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opNotIPAddress
	opArnEquals
	opArnLike
	opArnNotEquals
	opArnNotLike
	opNull
)

// category groups operators that compare the same type of value.
type category uint8

const (
	catString category = iota
	catNumeric
	catDate
	catBool
	catBinary
	catIP
	catARN
	catNull
)

// opInfo describes a base operator.
type opInfo struct {
	kind    opKind
	cat     category
	negated bool // the operator is true when no policy value matches
}

// operators maps AWS's operator names to their meaning. Names are
// case-sensitive, as in AWS.
var operators = map[string]opInfo{
	"StringEquals":              {opStringEquals, catString, false},
	"StringNotEquals":           {opStringNotEquals, catString, true},
	"StringEqualsIgnoreCase":    {opStringEqualsIgnoreCase, catString, false},
	"StringNotEqualsIgnoreCase": {opStringNotEqualsIgnoreCase, catString, true},
	"StringLike":                {opStringLike, catString, false},
	"StringNotLike":             {opStringNotLike, catString, true},
	"NumericEquals":             {opNumericEquals, catNumeric, false},
	"NumericNotEquals":          {opNumericNotEquals, catNumeric, true},
	"NumericLessThan":           {opNumericLessThan, catNumeric, false},
	"NumericLessThanEquals":     {opNumericLessThanEquals, catNumeric, false},
	"NumericGreaterThan":        {opNumericGreaterThan, catNumeric, false},
	"NumericGreaterThanEquals":  {opNumericGreaterThanEquals, catNumeric, false},
	"DateEquals":                {opDateEquals, catDate, false},
	"DateNotEquals":             {opDateNotEquals, catDate, true},
	"DateLessThan":              {opDateLessThan, catDate, false},
	"DateLessThanEquals":        {opDateLessThanEquals, catDate, false},
	"DateGreaterThan":           {opDateGreaterThan, catDate, false},
	"DateGreaterThanEquals":     {opDateGreaterThanEquals, catDate, false},
	"Bool":                      {opBool, catBool, false},
	"BinaryEquals":              {opBinaryEquals, catBinary, false},
	"IpAddress":                 {opIPAddress, catIP, false},
	"NotIpAddress":              {opNotIPAddress, catIP, true},
	"ArnEquals":                 {opArnEquals, catARN, false},
	"ArnLike":                   {opArnLike, catARN, false},
	"ArnNotEquals":              {opArnNotEquals, catARN, true},
	"ArnNotLike":                {opArnNotLike, catARN, true},
	"Null":                      {opNull, catNull, false},
}

// setQualifier is the ForAllValues/ForAnyValue prefix of an operator.
type setQualifier uint8

const (
	setNone setQualifier = iota
	setForAllValues
	setForAnyValue
)

// condition is one compiled key test of a Condition block: an operator
// applied to one context key and its policy values.
type condition struct {
	op       opInfo
	set      setQualifier
	ifExists bool
	key      ckey
	values   []condValue
}

// condValue is one compiled policy value of a condition.
type condValue struct {
	pat    pattern     // string operators and Bool with variables
	vars   []variable  // of pat
	arn    *arnPattern // ARN operators; nil if raw is not an ARN pattern
	num    float64
	time   int64 // Unix nanoseconds
	prefix netip.Prefix
	bin    string
	b      bool
}

// parseOperator splits "ForAnyValue:StringLikeIfExists" into its parts.
func parseOperator(name string) (op opInfo, set setQualifier, ifExists bool, ok bool) {
	base := name
	switch {
	case strings.HasPrefix(base, "ForAllValues:"):
		set, base = setForAllValues, base[len("ForAllValues:"):]
	case strings.HasPrefix(base, "ForAnyValue:"):
		set, base = setForAnyValue, base[len("ForAnyValue:"):]
	}
	if b, found := strings.CutSuffix(base, "IfExists"); found {
		ifExists, base = true, b
	}
	op, ok = operators[base]
	if !ok || (op.kind == opNull && (ifExists || set != setNone)) {
		return opInfo{}, 0, false, false
	}
	return op, set, ifExists, true
}

// compileValue compiles one policy value of a condition; variables says
// whether the policy version substitutes policy variables.
func compileValue(op opInfo, raw string, variables bool) (condValue, error) {
	var v condValue
	switch op.cat {
	case catString:
		like := op.kind == opStringLike || op.kind == opStringNotLike
		v.pat = compilePattern(raw, patternOpts{wildcards: like, variables: variables}, &v.vars)
	case catARN:
		if ap, ok := compileARNPattern(raw, variables, 0); ok {
			v.arn = &ap
		}
	case catNumeric:
		n, ok := parseNumber(raw)
		if !ok {
			return v, fmt.Errorf("invalid number %q", raw)
		}
		v.num = n
	case catDate:
		t, ok := parseDate(raw)
		if !ok {
			return v, fmt.Errorf("invalid date %q: want an ISO 8601 date or epoch seconds", raw)
		}
		v.time = t
	case catBool:
		v.pat = compilePattern(raw, patternOpts{variables: variables}, &v.vars)
		if !v.pat.hasVars {
			b, ok := parseBoolValue(v.pat.lit)
			if !ok {
				return v, fmt.Errorf("invalid boolean %q: want \"true\" or \"false\"", raw)
			}
			v.b = b
		}
	case catBinary:
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return v, fmt.Errorf("invalid base64 value %q", raw)
		}
		v.bin = string(b)
	case catIP:
		p, ok := parseIPValue(raw)
		if !ok {
			return v, fmt.Errorf("invalid IP address or CIDR block %q", raw)
		}
		v.prefix = p
	case catNull:
		b, ok := parseBoolValue(raw)
		if !ok {
			return v, fmt.Errorf("invalid Null value %q: want \"true\" or \"false\"", raw)
		}
		v.b = b
	}
	return v, nil
}

// parseNumber parses an integer or decimal number, such as "10", "-1.5"
// or "2e3"; not hexadecimal, infinities or NaN, which ParseFloat accepts.
func parseNumber(s string) (float64, bool) {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			digits++
		case c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E':
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(n, 0) {
		return 0, false
	}
	return n, true
}

func parseBoolValue(s string) (b, ok bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// parseIPValue parses an address or CIDR block; a bare address is a /32 or
// /128 block, as AWS documents.
func parseIPValue(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), true
}

// parseDate parses a W3C ISO 8601 date ("2020", "2020-01", "2020-01-02",
// "2020-01-02T03:04Z", "2020-01-02T03:04:05.678+09:00") or epoch seconds
// into Unix nanoseconds, without allocating. A time without a zone is UTC.
func parseDate(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	if isEpoch(s) {
		sec, frac, _ := strings.Cut(s, ".")
		n, err := strconv.ParseInt(sec, 10, 64)
		if err != nil || n > math.MaxInt64/int64(1e9) || n < math.MinInt64/int64(1e9) {
			return 0, false
		}
		ns := n * 1e9
		if frac != "" {
			f := 0
			for i := 0; i < 9; i++ {
				f *= 10
				if i < len(frac) {
					f += int(frac[i] - '0')
				}
			}
			if n < 0 || strings.HasPrefix(sec, "-") {
				ns -= int64(f)
			} else {
				ns += int64(f)
			}
		}
		return ns, true
	}
	p := dateParser{s: s}
	year := p.digits(4)
	month, day := 1, 1
	hour, minute, second, nanos := 0, 0, 0, 0
	offset := 0
	if p.ok && p.more() {
		p.expect('-')
		month = p.digits(2)
		if p.ok && p.more() {
			p.expect('-')
			day = p.digits(2)
			if p.ok && p.more() {
				if c := p.peek(); c != 'T' && c != 't' && c != ' ' {
					return 0, false
				}
				p.i++
				hour = p.digits(2)
				p.expect(':')
				minute = p.digits(2)
				if p.ok && p.more() && p.peek() == ':' {
					p.i++
					second = p.digits(2)
					if p.ok && p.more() && (p.peek() == '.' || p.peek() == ',') {
						p.i++
						n := 0
						for p.more() && p.peek() >= '0' && p.peek() <= '9' {
							if n < 9 {
								nanos = nanos*10 + int(p.peek()-'0')
							}
							n++
							p.i++
						}
						if n == 0 {
							return 0, false
						}
						for ; n < 9; n++ {
							nanos *= 10
						}
					}
				}
				if p.ok && p.more() {
					switch c := p.peek(); c {
					case 'Z', 'z':
						p.i++
					case '+', '-':
						p.i++
						oh := p.digits(2)
						if p.more() && p.peek() == ':' {
							p.i++
						}
						om := p.digits(2)
						offset = (oh*60 + om) * 60
						if c == '-' {
							offset = -offset
						}
					default:
						return 0, false
					}
				}
			}
		}
	}
	if !p.ok || p.more() {
		return 0, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 24 || minute > 59 || second > 60 || (hour == 24 && (minute|second|nanos) != 0) {
		return 0, false
	}
	days := daysFromCivil(year, month, day)
	secs := days*86400 + int64(hour*3600+minute*60+second) - int64(offset)
	return secs*1e9 + int64(nanos), true
}

func isEpoch(s string) bool {
	i := 0
	if s[0] == '-' {
		i = 1
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	// A bare four-digit number is a year in ISO 8601; a longer one is
	// epoch seconds.
	return digits > 0 && (dot || digits != 4)
}

type dateParser struct {
	s  string
	i  int
	ok bool
}

func (p *dateParser) more() bool { return p.i < len(p.s) }
func (p *dateParser) peek() byte { return p.s[p.i] }

func (p *dateParser) expect(c byte) {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return
	}
	p.ok = false
}

func (p *dateParser) digits(n int) int {
	if p.i == 0 {
		p.ok = true
	}
	if !p.ok || p.i+n > len(p.s) {
		p.ok = false
		return 0
	}
	v := 0
	for j := 0; j < n; j++ {
		c := p.s[p.i+j]
		if c < '0' || c > '9' {
			p.ok = false
			return 0
		}
		v = v*10 + int(c-'0')
	}
	p.i += n
	return v
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// vlist is the values of a context key: one string held directly, so that
// keys derived from the principal cost no allocation, or a slice.
type vlist struct {
	one  string
	many []string
	n    int
}

func (l *vlist) at(i int) string {
	if l.many != nil {
		return l.many[i]
	}
	return l.one
}

// eval evaluates the condition against the request.
func (c *condition) eval(e *evaluator) bool {
	ce := e.lookup(c.key)
	vals, ok := &ce.l, ce.ok
	if c.op.kind == opNull {
		// Null tests existence: "true" wants the key absent, "false" present.
		present := ok && vals.n > 0
		for i := range c.values {
			if c.values[i].b != present {
				return true
			}
		}
		return false
	}
	if !ok || vals.n == 0 {
		switch {
		case c.ifExists:
			return true
		case c.set == setForAllValues:
			return true // vacuously true for an empty or missing set
		case c.set == setForAnyValue:
			return false
		}
		// A missing key matches nothing; a negated operator is then true.
		return c.op.negated
	}
	switch c.set {
	case setForAllValues:
		for i := 0; i < vals.n; i++ {
			if !c.one(e, vals.at(i)) {
				return false
			}
		}
		return true
	case setForAnyValue:
		for i := 0; i < vals.n; i++ {
			if c.one(e, vals.at(i)) {
				return true
			}
		}
		return false
	}
	// Without a qualifier a positive operator is true if any request value
	// matches; a negated one if none does.
	if c.op.negated {
		for i := 0; i < vals.n; i++ {
			if !c.one(e, vals.at(i)) {
				return false
			}
		}
		return true
	}
	for i := 0; i < vals.n; i++ {
		if c.one(e, vals.at(i)) {
			return true
		}
	}
	return false
}

// one evaluates the operator for one request value: a positive operator is
// true if any policy value matches it (values are OR'd); a negated operator
// is true if none does (NOR). A policy value whose variable cannot be
// resolved matches nothing, and makes a negated operator false, because AWS
// treats an element with an unresolvable variable as not matching.
func (c *condition) one(e *evaluator, v string) bool {
	matched, unresolved := c.any(e, v)
	if c.op.negated {
		return !matched && !unresolved
	}
	return matched
}

// any reports whether any policy value matches v under the positive form of
// the operator, and whether a value could not be resolved.
func (c *condition) any(e *evaluator, v string) (matched, unresolved bool) {
	switch c.op.cat {
	case catString:
		for i := range c.values {
			cv := &c.values[i]
			var vals []string
			if cv.pat.hasVars {
				var ok bool
				if vals, ok = e.resolve(cv.vars); !ok {
					unresolved = true
					continue
				}
			}
			if c.matchString(cv, vals, v) {
				return true, unresolved
			}
		}
	case catARN:
		f, ok := splitARN(v)
		for i := range c.values {
			cv := &c.values[i]
			if cv.arn == nil {
				continue
			}
			if cv.arn.any {
				return true, unresolved
			}
			var vals []string
			if len(cv.arn.vars) > 0 {
				var rok bool
				if vals, rok = e.resolve(cv.arn.vars); !rok {
					unresolved = true
					continue
				}
			}
			if ok && cv.arn.match(&f, vals) {
				return true, unresolved
			}
		}
	case catNumeric:
		n, ok := parseNumber(strings.TrimSpace(v))
		if !ok {
			return false, false
		}
		for i := range c.values {
			if compare(c.op.kind-opNumericEquals, cmpFloat(n, c.values[i].num)) {
				return true, false
			}
		}
	case catDate:
		t, ok := e.parseDate(v)
		if !ok {
			return false, false
		}
		for i := range c.values {
			if compare(c.op.kind-opDateEquals, cmpInt(t, c.values[i].time)) {
				return true, false
			}
		}
	case catBool:
		b, ok := parseBoolValue(v)
		if !ok {
			return false, false
		}
		for i := range c.values {
			cv := &c.values[i]
			want := cv.b
			if cv.pat.hasVars {
				vals, rok := e.resolve(cv.vars)
				if !rok {
					unresolved = true
					continue
				}
				switch {
				case matchConcat(cv.pat.pieces, vals, "true", true):
					want = true
				case matchConcat(cv.pat.pieces, vals, "false", true):
					want = false
				default:
					continue
				}
			}
			if want == b {
				return true, unresolved
			}
		}
	case catBinary:
		for i := range c.values {
			if c.values[i].bin == v {
				return true, false
			}
		}
	case catIP:
		a, ok := e.parseIP(v)
		if !ok {
			return false, false
		}
		for i := range c.values {
			if c.values[i].prefix.Contains(a) {
				return true, false
			}
		}
	}
	return false, unresolved
}

// matchString applies a string operator's positive form to one value.
func (c *condition) matchString(cv *condValue, vals []string, v string) bool {
	switch c.op.kind {
	case opStringLike, opStringNotLike:
		if !cv.pat.hasVars {
			return cv.pat.matchStatic(v, false)
		}
		return matchPieces(cv.pat.pieces, vals, v, false)
	case opStringEqualsIgnoreCase, opStringNotEqualsIgnoreCase:
		if !cv.pat.hasVars {
			return strings.EqualFold(v, cv.pat.lit)
		}
		return matchConcat(cv.pat.pieces, vals, v, true)
	default:
		if !cv.pat.hasVars {
			return v == cv.pat.lit
		}
		return matchConcat(cv.pat.pieces, vals, v, false)
	}
}

// matchConcat reports whether s is the concatenation of the pieces (all
// literals or variables), without building it.
func matchConcat(ps []piece, vals []string, s string, fold bool) bool {
	for i := range ps {
		t := ps[i].lit
		if ps[i].kind == pVar {
			t = vals[ps[i].slot]
		}
		if len(s) < len(t) {
			return false
		}
		if fold {
			if !strings.EqualFold(s[:len(t)], t) {
				return false
			}
		} else if s[:len(t)] != t {
			return false
		}
		s = s[len(t):]
	}
	return s == ""
}

// compare applies the comparison rel (0 Equals, 1 NotEquals, 2 LessThan,
// 3 LessThanEquals, 4 GreaterThan, 5 GreaterThanEquals) to c, the sign of
// request value minus policy value. NotEquals is evaluated as Equals and
// negated by the caller.
func compare(rel opKind, c int) bool {
	switch rel {
	case 0, 1:
		return c == 0
	case 2:
		return c < 0
	case 3:
		return c <= 0
	case 4:
		return c > 0
	default:
		return c >= 0
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseIP parses a request's IP address, remembering the last one.
func (e *evaluator) parseIP(v string) (netip.Addr, bool) {
	if v != e.ipText || e.ipText == "" {
		a, err := netip.ParseAddr(strings.TrimSpace(v))
		e.ipText, e.ip, e.ipOK = v, a.Unmap().WithZone(""), err == nil
	}
	return e.ip, e.ipOK
}

// parseDate parses a request's date, remembering the last one.
func (e *evaluator) parseDate(v string) (int64, bool) {
	if v != e.dateText || e.dateText == "" {
		t, ok := parseDate(strings.TrimSpace(v))
		e.dateText, e.date, e.dateOK = v, t, ok
	}
	return e.date, e.dateOK
}
