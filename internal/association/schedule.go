// Copyright 2026 The kanri Authors
// SPDX-License-Identifier: Apache-2.0

package association

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	ssm "github.com/kanri-dev/kanri/internal/wire/ssm"
)

// MinRate is the shortest interval of a rate expression, as State
// Manager allows it.
const MinRate = 30 * time.Minute

// Schedule is when an association runs: every so often (rate), at the
// times a cron expression names, or once (at). Every time is UTC, as
// State Manager's schedules are. The zero Schedule never runs.
type Schedule struct {
	kind   scheduleKind
	every  time.Duration // rate
	cron   *cronSpec
	at     time.Time // at
	offset int       // days after each cron firing
}

type scheduleKind uint8

const (
	scheduleNone scheduleKind = iota
	scheduleRate
	scheduleCron
	scheduleAt
)

// ParseSchedule reads a ScheduleExpression — rate(value unit),
// cron(fields) or at(yyyy-mm-ddThh:mm:ss) — with a ScheduleOffset in days
// (0 for none; cron expressions only). An expression that is not valid is
// an InvalidSchedule error. An empty expression is the zero Schedule.
func ParseSchedule(expr string, offset int) (Schedule, error) {
	var s Schedule
	switch {
	case expr == "":
		if offset != 0 {
			return s, ssm.NewInvalidSchedule("ScheduleOffset needs a cron ScheduleExpression.")
		}
		return s, nil
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		every, err := parseRate(expr)
		if err != nil {
			return s, err
		}
		s.kind, s.every = scheduleRate, every
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		c, err := parseCron(expr[len("cron(") : len(expr)-1])
		if err != nil {
			return s, ssm.NewInvalidSchedule("Schedule expression %s is not valid: %v.", expr, err)
		}
		s.kind, s.cron = scheduleCron, c
	case strings.HasPrefix(expr, "at(") && strings.HasSuffix(expr, ")"):
		at, err := time.Parse("2006-01-02T15:04:05", expr[len("at("):len(expr)-1])
		if err != nil {
			return s, ssm.NewInvalidSchedule("Schedule expression %s is not valid: at() takes a UTC time as yyyy-mm-ddThh:mm:ss.", expr)
		}
		s.kind, s.at = scheduleAt, at.UTC()
	default:
		return s, ssm.NewInvalidSchedule("Schedule expression %s is not valid: use rate(value unit), cron(fields) or at(yyyy-mm-ddThh:mm:ss).", expr)
	}
	if offset != 0 && s.kind != scheduleCron {
		return s, ssm.NewInvalidSchedule("ScheduleOffset is supported only with cron expressions, not %s.", expr)
	}
	s.offset = offset
	return s, nil
}

var rateExpr = regexp.MustCompile(`^rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)$`)

// parseRate reads rate(value unit): minutes (at least 30), hours or days.
func parseRate(expr string) (time.Duration, error) {
	m := rateExpr.FindStringSubmatch(expr)
	if m == nil {
		return 0, ssm.NewInvalidSchedule("Schedule expression %s is not valid: use rate(value unit) with a unit of minutes, hours or days.", expr)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 || n > 100000 {
		return 0, ssm.NewInvalidSchedule("Schedule expression %s is not valid: the value must be a whole number from 1.", expr)
	}
	unit := time.Minute
	switch strings.TrimSuffix(m[2], "s") {
	case "hour":
		unit = time.Hour
	case "day":
		unit = 24 * time.Hour
	}
	every := time.Duration(n) * unit
	if every < MinRate {
		return 0, ssm.NewInvalidSchedule("Schedule expression %s is not valid: the shortest rate is 30 minutes.", expr)
	}
	return every, nil
}

// IsZero reports whether the schedule never runs.
func (s Schedule) IsZero() bool { return s.kind == scheduleNone }

// IsRate reports whether the schedule is a rate expression.
func (s Schedule) IsRate() bool { return s.kind == scheduleRate }

// First returns when an association whose schedule starts at t (it was
// created or updated then) first runs on it: a rate's interval after t,
// the first cron firing after t plus the offset, or the at time if it is
// after t. The zero time means never.
func (s Schedule) First(t time.Time) time.Time {
	t = t.UTC()
	switch s.kind {
	case scheduleRate:
		return t.Add(s.every)
	case scheduleCron:
		return s.withOffset(s.cron.next(t))
	case scheduleAt:
		if s.at.After(t) {
			return s.at
		}
	}
	return time.Time{}
}

// Next returns the run after one that was due at due and ran at now: the
// schedule keeps its own cadence (a rate counts from due, a cron
// expression fires after the firing due came from), but a run that would
// already be past — the servers were down — is replaced by the next one
// after now. The zero time means never (an at schedule runs once).
func (s Schedule) Next(due, now time.Time) time.Time {
	due, now = due.UTC(), now.UTC()
	var next time.Time
	switch s.kind {
	case scheduleRate:
		if next = due.Add(s.every); !next.After(now) {
			next = now.Add(s.every)
		}
	case scheduleCron:
		fired := due.AddDate(0, 0, -s.offset)
		if next = s.withOffset(s.cron.next(fired)); !next.IsZero() && !next.After(now) {
			next = s.withOffset(s.cron.next(now.AddDate(0, 0, -s.offset)))
		}
	}
	return next
}

func (s Schedule) withOffset(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.AddDate(0, 0, s.offset)
}

// cronSpec is a parsed cron expression: the values each field allows.
type cronSpec struct {
	seconds, minutes, hours, months bitset
	years                           map[int]bool // nil: every year
	dom                             domSpec      // used unless domAny
	dow                             dowSpec      // used unless dowAny
	domAny, dowAny                  bool         // the field is "?"
}

// domSpec is a day-of-month field: days, and the L and W forms.
type domSpec struct {
	days        bitset
	last        bool  // L: the month's last day
	lastWeekday bool  // LW: its last weekday
	nearest     []int // nW: the weekday nearest to day n
}

// dowSpec is a day-of-week field (1 is Sunday): days, and the L and #
// forms.
type dowSpec struct {
	days bitset
	last []int    // nL: the month's last day n
	nth  [][2]int // n#k: the month's k-th day n
}

// bitset holds small numbers (0 to 63).
type bitset uint64

func (b bitset) has(n int) bool { return n >= 0 && n < 64 && b&(1<<n) != 0 }

// Field ranges of AWS cron expressions.
var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dayNames   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
)

const (
	minYear = 1970
	maxYear = 2199
)

// parseCron reads the fields of a cron expression: minutes, hours, day
// of month, month, day of week and year, optionally preceded by seconds
// (seven fields) or without the year (five). Exactly one of the day
// fields is "?".
func parseCron(fields string) (*cronSpec, error) {
	f := strings.Fields(fields)
	switch len(f) {
	case 5:
		f = append([]string{"0"}, append(f, "*")...)
	case 6:
		f = append([]string{"0"}, f...)
	case 7:
	default:
		return nil, fmt.Errorf("it has %d fields; want minutes, hours, day of month, month, day of week and year", len(f))
	}
	c := &cronSpec{}
	var err error
	if c.seconds, err = parseField("seconds", f[0], 0, 59, nil); err != nil {
		return nil, err
	}
	if c.minutes, err = parseField("minutes", f[1], 0, 59, nil); err != nil {
		return nil, err
	}
	if c.hours, err = parseField("hours", f[2], 0, 23, nil); err != nil {
		return nil, err
	}
	if c.months, err = parseField("month", f[4], 1, 12, monthNames); err != nil {
		return nil, err
	}
	c.domAny, c.dowAny = f[3] == "?", f[5] == "?"
	switch {
	case c.domAny && c.dowAny:
		return nil, fmt.Errorf("day of month and day of week are both ?; one of them must name days")
	case !c.domAny && !c.dowAny:
		return nil, fmt.Errorf("day of month and day of week both name days; use ? in one of them")
	case !c.domAny:
		if c.dom, err = parseDOM(f[3]); err != nil {
			return nil, err
		}
	default:
		if c.dow, err = parseDOW(f[5]); err != nil {
			return nil, err
		}
	}
	if f[6] != "*" {
		c.years = map[int]bool{}
		for _, part := range strings.Split(f[6], ",") {
			lo, hi, step, err := parseRange("year", part, minYear, maxYear, nil)
			if err != nil {
				return nil, err
			}
			for y := lo; y <= hi; y += step {
				c.years[y] = true
			}
		}
	}
	return c, nil
}

// parseField reads a field of numbers (or names) from lo to hi: *, n,
// n-m, n/step, n-m/step and */step, separated by commas.
func parseField(name, field string, lo, hi int, names map[string]int) (bitset, error) {
	var b bitset
	for _, part := range strings.Split(field, ",") {
		from, to, step, err := parseRange(name, part, lo, hi, names)
		if err != nil {
			return 0, err
		}
		for n := from; n <= to; n += step {
			b |= 1 << n
		}
	}
	return b, nil
}

// parseRange reads one part of a field: *, n, n-m, with an optional
// /step. A step from n alone runs to the field's end.
func parseRange(name, part string, lo, hi int, names map[string]int) (from, to, step int, err error) {
	bad := func(why string) (int, int, int, error) {
		return 0, 0, 0, fmt.Errorf("the %s field %q %s", name, part, why)
	}
	rng, stepStr, hasStep := strings.Cut(part, "/")
	step = 1
	if hasStep {
		if step, err = strconv.Atoi(stepStr); err != nil || step < 1 || step > hi {
			return bad("has a step that is not a number from 1 to " + strconv.Itoa(hi))
		}
	}
	if rng == "*" {
		return lo, hi, step, nil
	}
	a, b, isRange := strings.Cut(rng, "-")
	if from, err = fieldValue(a, lo, hi, names); err != nil {
		return bad(fmt.Sprintf("is not valid: values run from %d to %d", lo, hi))
	}
	to = from
	if isRange {
		if to, err = fieldValue(b, lo, hi, names); err != nil {
			return bad(fmt.Sprintf("is not valid: values run from %d to %d", lo, hi))
		}
		if to < from {
			return bad("is a range that ends before it starts")
		}
	} else if hasStep {
		to = hi
	}
	return from, to, step, nil
}

func fieldValue(s string, lo, hi int, names map[string]int) (int, error) {
	if n, ok := names[strings.ToUpper(s)]; ok {
		return n, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("out of range")
	}
	return n, nil
}

// parseDOM reads a day-of-month field: numbers 1 to 31 and their ranges,
// L (the last day), LW (the last weekday) and nW (the weekday nearest to
// day n).
func parseDOM(field string) (domSpec, error) {
	var d domSpec
	for _, part := range strings.Split(field, ",") {
		switch {
		case part == "L":
			d.last = true
		case part == "LW":
			d.lastWeekday = true
		case strings.HasSuffix(part, "W"):
			n, err := fieldValue(strings.TrimSuffix(part, "W"), 1, 31, nil)
			if err != nil {
				return d, fmt.Errorf("the day of month field %q is not valid: nW takes a day from 1 to 31", part)
			}
			d.nearest = append(d.nearest, n)
		default:
			b, err := parseField("day of month", part, 1, 31, nil)
			if err != nil {
				return d, err
			}
			d.days |= b
		}
	}
	return d, nil
}

// parseDOW reads a day-of-week field: 1 to 7 or SUN to SAT and their
// ranges, L (Saturday), nL (the month's last day n) and n#k (its k-th day
// n).
func parseDOW(field string) (dowSpec, error) {
	var d dowSpec
	for _, part := range strings.Split(field, ",") {
		switch {
		case part == "L":
			d.days |= 1 << 7
		case strings.Contains(part, "#"):
			day, k, _ := strings.Cut(part, "#")
			n, err1 := fieldValue(day, 1, 7, dayNames)
			nth, err2 := strconv.Atoi(k)
			if err1 != nil || err2 != nil || nth < 1 || nth > 5 {
				return d, fmt.Errorf("the day of week field %q is not valid: n#k takes a day (1 to 7 or SUN to SAT) and a week from 1 to 5", part)
			}
			d.nth = append(d.nth, [2]int{n, nth})
		case len(part) > 1 && strings.HasSuffix(part, "L"):
			n, err := fieldValue(strings.TrimSuffix(part, "L"), 1, 7, dayNames)
			if err != nil {
				return d, fmt.Errorf("the day of week field %q is not valid: nL takes a day (1 to 7 or SUN to SAT)", part)
			}
			d.last = append(d.last, n)
		default:
			b, err := parseField("day of week", part, 1, 7, dayNames)
			if err != nil {
				return d, err
			}
			d.days |= b
		}
	}
	return d, nil
}

// next returns the first time after t (UTC) that c names, or the zero
// time if there is none before the end of the last year cron allows.
func (c *cronSpec) next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Second).Add(time.Second)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for ; day.Year() <= maxYear; day = day.AddDate(0, 0, 1) {
		if c.years != nil && !c.years[day.Year()] {
			day = time.Date(day.Year(), 12, 31, 0, 0, 0, 0, time.UTC) // to the next year
			continue
		}
		if !c.months.has(int(day.Month())) {
			day = time.Date(day.Year(), day.Month()+1, 0, 0, 0, 0, 0, time.UTC) // to the month's last day
			continue
		}
		if !c.matchDay(day) {
			continue
		}
		for h := 0; h < 24; h++ {
			if !c.hours.has(h) {
				continue
			}
			for m := 0; m < 60; m++ {
				if !c.minutes.has(m) {
					continue
				}
				for s := 0; s < 60; s++ {
					if !c.seconds.has(s) {
						continue
					}
					if at := day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second); !at.Before(t) {
						return at
					}
				}
			}
		}
	}
	return time.Time{}
}

// matchDay reports whether day is a day c runs on.
func (c *cronSpec) matchDay(day time.Time) bool {
	if !c.domAny {
		return c.dom.match(day)
	}
	return c.dow.match(day)
}

func (d domSpec) match(day time.Time) bool {
	n, last := day.Day(), daysIn(day)
	if d.days.has(n) || (d.last && n == last) {
		return true
	}
	if d.lastWeekday && n == nearestWeekday(day, last) {
		return true
	}
	for _, want := range d.nearest {
		if want <= last && n == nearestWeekday(day, want) {
			return true
		}
	}
	return false
}

func (d dowSpec) match(day time.Time) bool {
	wd := int(day.Weekday()) + 1 // 1 is Sunday
	if d.days.has(wd) {
		return true
	}
	for _, n := range d.last {
		if n == wd && day.Day()+7 > daysIn(day) {
			return true
		}
	}
	for _, nk := range d.nth {
		if nk[0] == wd && (day.Day()-1)/7+1 == nk[1] {
			return true
		}
	}
	return false
}

// daysIn returns the number of days in day's month.
func daysIn(day time.Time) int {
	return time.Date(day.Year(), day.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// nearestWeekday returns the weekday (Monday to Friday) of day's month
// nearest to day n of it, not crossing into another month.
func nearestWeekday(day time.Time, n int) int {
	d := time.Date(day.Year(), day.Month(), n, 0, 0, 0, 0, time.UTC)
	switch d.Weekday() {
	case time.Saturday:
		if n == 1 {
			return n + 2
		}
		return n - 1
	case time.Sunday:
		if n == daysIn(day) {
			return n - 2
		}
		return n + 1
	}
	return n
}
