// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

// Package timestamp provides Time, the timestamp of AWS API shapes. It
// marshals as the protocols expect it: epoch seconds (with milliseconds) in
// JSON 1.1 bodies, ISO 8601 in Query (XML) answers and inputs.
package timestamp

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Time is a timestamp in an AWS API shape.
type Time time.Time

// New returns t as a Time.
func New(t time.Time) Time { return Time(t) }

// Ptr returns a pointer to t as a Time, for optional shape members.
func Ptr(t time.Time) *Time { v := Time(t); return &v }

// Time returns t as a time.Time.
func (t Time) Time() time.Time { return time.Time(t) }

// ISO8601 formats t the way Query-protocol answers carry timestamps.
func (t Time) ISO8601() string {
	return time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z")
}

// MarshalJSON writes t as epoch seconds with millisecond precision, as the
// JSON 1.1 protocol does.
func (t Time) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// UnmarshalJSON reads epoch seconds (integer or fractional) or an ISO 8601
// string.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		s, err := strconv.Unquote(string(b))
		if err != nil {
			return fmt.Errorf("timestamp: %w", err)
		}
		return t.UnmarshalText([]byte(s))
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Errorf("timestamp: %s is not epoch seconds", b)
	}
	sec, frac := math.Modf(f)
	*t = Time(time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC())
	return nil
}

// MarshalText writes t in ISO 8601.
func (t Time) MarshalText() ([]byte, error) { return []byte(t.ISO8601()), nil }

// UnmarshalText reads an ISO 8601 timestamp (with or without fractional
// seconds or a zone offset) or epoch seconds.
func (t *Time) UnmarshalText(b []byte) error {
	s := string(b)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			*t = Time(v.UTC())
			return nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		sec, frac := math.Modf(f)
		*t = Time(time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC())
		return nil
	}
	return fmt.Errorf("timestamp: %q is neither ISO 8601 nor epoch seconds", s)
}
