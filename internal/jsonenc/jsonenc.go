// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package jsonenc appends JSON values to byte slices without reflection,
// for records written once per request (the audit trail's), where
// encoding/json's reflection and allocation are a measurable part of the
// request's cost. Its output is byte for byte what encoding/json writes
// with HTML escaping off.
package jsonenc

import (
	"strconv"
	"time"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// String appends s as a JSON string: quoted, with '"', '\\' and control
// characters escaped, invalid UTF-8 replaced by U+FFFD, and U+2028 and
// U+2029 escaped, as encoding/json does.
func String(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Field appends "name": and the string value, after a comma unless dst
// ends with the object's opening brace. name must need no escaping.
func Field(dst []byte, name, value string) []byte {
	dst = Key(dst, name)
	return String(dst, value)
}

// Key appends "name":, after a comma unless dst ends with '{' or '['.
// name must need no escaping.
func Key(dst []byte, name string) []byte {
	if n := len(dst); n > 0 && dst[n-1] != '{' && dst[n-1] != '[' {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, name...)
	return append(dst, '"', ':')
}

// Bool appends true or false.
func Bool(dst []byte, v bool) []byte {
	return strconv.AppendBool(dst, v)
}

// Time appends t as encoding/json does: a string in RFC 3339 with
// nanoseconds, trailing zeros dropped.
func Time(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}
