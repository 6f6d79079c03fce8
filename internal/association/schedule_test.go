// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package association

import (
	"testing"
	"time"

	"github.com/kanri-dev/kanri/internal/awserr"
)

// utc returns a UTC time of 2026.
func utc(month time.Month, day, hour, min, sec int) time.Time {
	return time.Date(2026, month, day, hour, min, sec, 0, time.UTC)
}

func mustParse(t *testing.T, expr string, offset int) Schedule {
	t.Helper()
	s, err := ParseSchedule(expr, offset)
	if err != nil {
		t.Fatalf("ParseSchedule(%q, %d) error = %v", expr, offset, err)
	}
	return s
}

// TestScheduleFirst checks the first run of each kind of schedule after
// it starts.
func TestScheduleFirst(t *testing.T) {
	wed := utc(5, 6, 10, 10, 0) // Wednesday 2026-05-06 10:10 UTC
	tokyo := time.FixedZone("JST", 9*3600)
	tests := []struct {
		expr   string
		offset int
		from   time.Time
		want   time.Time
	}{
		{"rate(30 minutes)", 0, wed, utc(5, 6, 10, 40, 0)},
		{"rate(1 hour)", 0, wed, utc(5, 6, 11, 10, 0)},
		{"rate(2 hours)", 0, wed, utc(5, 6, 12, 10, 0)},
		{"rate(1 day)", 0, wed, utc(5, 7, 10, 10, 0)},
		{"rate(7 days)", 0, wed, utc(5, 13, 10, 10, 0)},
		{"rate(90 minutes)", 0, wed, utc(5, 6, 11, 40, 0)},
		// Six fields: minutes, hours, day of month, month, day of week, year.
		{"cron(0 2 ? * SUN *)", 0, wed, utc(5, 10, 2, 0, 0)},
		{"cron(0 2 ? * 1 *)", 0, wed, utc(5, 10, 2, 0, 0)},
		// Local times are the same instant: Sunday 03:30 in Tokyo is
		// Saturday 18:30 UTC, before Sunday 02:00 UTC.
		{"cron(0 2 ? * SUN *)", 0, time.Date(2026, 5, 10, 3, 30, 0, 0, tokyo), utc(5, 10, 2, 0, 0)},
		{"cron(0 2 ? * SUN *)", 0, utc(5, 10, 2, 0, 0), utc(5, 17, 2, 0, 0)},
		{"cron(0/30 * * * ? *)", 0, wed, utc(5, 6, 10, 30, 0)},
		{"cron(15,45 9-17 ? * MON-FRI *)", 0, utc(5, 8, 17, 50, 0), utc(5, 11, 9, 15, 0)},
		// Seven fields start with seconds; five leave out the year.
		{"cron(0 0/30 * 1/1 * ? *)", 0, wed, utc(5, 6, 10, 30, 0)},
		{"cron(30 0 12 * * ? *)", 0, wed, utc(5, 6, 12, 0, 30)},
		{"cron(0 12 * * ?)", 0, wed, utc(5, 6, 12, 0, 0)},
		{"cron(0 12 1 JAN,JUL ? *)", 0, wed, utc(7, 1, 12, 0, 0)},
		{"cron(0 12 1/10 * ? *)", 0, wed, utc(5, 11, 12, 0, 0)},
		// L, W and # forms.
		{"cron(0 9 L * ? *)", 0, wed, utc(5, 31, 9, 0, 0)},
		{"cron(0 9 LW * ? *)", 0, wed, utc(5, 29, 9, 0, 0)},  // May 31 is a Sunday
		{"cron(0 9 15W 8 ? *)", 0, wed, utc(8, 14, 9, 0, 0)}, // August 15 is a Saturday
		{"cron(0 9 1W 8 ? *)", 0, wed, utc(8, 3, 9, 0, 0)},   // August 1 too: not back into July
		{"cron(0 9 31W 8 ? *)", 0, wed, utc(8, 31, 9, 0, 0)}, // a Monday
		{"cron(0 9 1W 2 ? 2027)", 0, wed, time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC)},
		{"cron(15 10 ? * 6L *)", 0, wed, utc(5, 29, 10, 15, 0)}, // last Friday
		{"cron(0 0 ? * THU#2 *)", 0, wed, utc(5, 14, 0, 0, 0)},
		{"cron(0 0 ? * 5#2 *)", 0, utc(5, 14, 0, 0, 0), utc(6, 11, 0, 0, 0)},
		// An offset runs days after the firing.
		{"cron(0 0 ? * THU#2 *)", 3, wed, utc(5, 17, 0, 0, 0)},
		// Years.
		{"cron(0 0 1 1 ? 2027)", 0, wed, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"cron(0 0 1 1 ? 2027)", 0, time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), time.Time{}},
		{"cron(0 0 1 1 ? 2020-2025)", 0, wed, time.Time{}},
		// at runs once, if it is still to come.
		{"at(2026-07-07T15:55:00)", 0, wed, utc(7, 7, 15, 55, 0)},
		{"at(2026-05-06T10:10:00)", 0, wed, time.Time{}},
		{"at(2026-01-01T00:00:00)", 0, wed, time.Time{}},
		{"", 0, wed, time.Time{}},
	}
	for _, tt := range tests {
		s := mustParse(t, tt.expr, tt.offset)
		got := s.First(tt.from)
		if !got.Equal(tt.want) || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("ParseSchedule(%q, %d).First(%v) = %v, want %v", tt.expr, tt.offset, tt.from, got, tt.want)
		}
	}
}

// TestScheduleNext checks the run after a due one: on the schedule's own
// cadence, and after now when the servers were down past it.
func TestScheduleNext(t *testing.T) {
	tests := []struct {
		expr     string
		offset   int
		due, now time.Time
		want     time.Time
	}{
		{"rate(30 minutes)", 0, utc(5, 6, 10, 0, 0), utc(5, 6, 10, 0, 1), utc(5, 6, 10, 30, 0)},
		{"rate(1 hour)", 0, utc(5, 6, 10, 0, 0), utc(5, 6, 10, 0, 2), utc(5, 6, 11, 0, 0)},
		// Down for a day: the next run is a full interval after now, not
		// a burst of missed ones.
		{"rate(1 hour)", 0, utc(5, 5, 10, 0, 0), utc(5, 6, 10, 0, 0), utc(5, 6, 11, 0, 0)},
		{"cron(0 2 ? * SUN *)", 0, utc(5, 10, 2, 0, 0), utc(5, 10, 2, 0, 1), utc(5, 17, 2, 0, 0)},
		{"cron(0 2 ? * SUN *)", 0, utc(4, 12, 2, 0, 0), utc(5, 6, 10, 0, 0), utc(5, 10, 2, 0, 0)},
		{"cron(0 0 ? * THU#2 *)", 3, utc(5, 17, 0, 0, 0), utc(5, 17, 0, 0, 1), utc(6, 14, 0, 0, 0)},
		{"at(2026-07-07T15:55:00)", 0, utc(7, 7, 15, 55, 0), utc(7, 7, 15, 55, 1), time.Time{}},
		{"", 0, utc(7, 7, 15, 55, 0), utc(7, 7, 15, 55, 1), time.Time{}},
	}
	for _, tt := range tests {
		got := mustParse(t, tt.expr, tt.offset).Next(tt.due, tt.now)
		if !got.Equal(tt.want) {
			t.Errorf("ParseSchedule(%q, %d).Next(%v, %v) = %v, want %v", tt.expr, tt.offset, tt.due, tt.now, got, tt.want)
		}
	}
}

// TestScheduleInvalid checks that expressions State Manager refuses are
// InvalidSchedule errors.
func TestScheduleInvalid(t *testing.T) {
	tests := []struct {
		expr   string
		offset int
	}{
		{"rate(29 minutes)", 0},
		{"rate(0 hours)", 0},
		{"rate(1 minute)", 0},
		{"rate(5 weeks)", 0},
		{"rate(1.5 hours)", 0},
		{"rate(-1 days)", 0},
		{"rate(30minutes)", 0},
		{"rate(30 minutes", 0},
		{"every 30 minutes", 0},
		// Day of month and day of week: exactly one is "?".
		{"cron(0 2 * * SUN *)", 0},
		{"cron(0 2 1 * MON *)", 0},
		{"cron(0 2 ? * ? *)", 0},
		{"cron(0 2 ? ? SUN *)", 0},
		// Ranges and forms.
		{"cron(60 2 ? * SUN *)", 0},
		{"cron(0 24 * * ? *)", 0},
		{"cron(0 2 32 * ? *)", 0},
		{"cron(0 2 0 * ? *)", 0},
		{"cron(0 2 * 13 ? *)", 0},
		{"cron(0 2 ? * 8 *)", 0},
		{"cron(0 2 ? * FUN *)", 0},
		{"cron(0 2 ? * THU#6 *)", 0},
		{"cron(0 2 ? * SUN 2300)", 0},
		{"cron(0 2 ? * SUN 1969)", 0},
		{"cron(0 5-2 * * ? *)", 0},
		{"cron(0/0 * * * ? *)", 0},
		{"cron(0 2 32W * ? *)", 0},
		{"cron(0 2 ? *)", 0},
		{"cron(0 0 2 ? * SUN * *)", 0},
		{"cron()", 0},
		{"at(2026-07-07 15:55:00)", 0},
		{"at(tomorrow)", 0},
		// Offsets are for cron expressions.
		{"rate(1 day)", 2},
		{"at(2026-07-07T15:55:00)", 1},
		{"", 1},
	}
	for _, tt := range tests {
		_, err := ParseSchedule(tt.expr, tt.offset)
		if e := awserr.As(err); e == nil || e.Code != "InvalidSchedule" {
			t.Errorf("ParseSchedule(%q, %d) error = %v, want InvalidSchedule", tt.expr, tt.offset, err)
		}
	}
}
