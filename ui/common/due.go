package common

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Due dates: how people type them (ParseDue, in the details) and how the
// board says them (DueText, on cards and in standup).

// ParseDue reads a due date the way people type one: today, tomorrow, a
// weekday (the next one, today included), +3d / 2w, next week (Monday),
// 2026-12-01, 12-01, dec 1 or 1 dec. "none" (or nothing) clears the date.
// The result is midnight of that day in now's location.
func ParseDue(s string, now time.Time) (due *time.Time, err error) {
	s = strings.ToLower(strings.TrimSpace(s))
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	day := func(t time.Time) (*time.Time, error) { return &t, nil }
	switch s {
	case "", "none", "clear", "-":
		return nil, nil
	case "today", "tod":
		return day(today)
	case "tomorrow", "tmr", "tom":
		return day(today.AddDate(0, 0, 1))
	case "next week":
		return day(today.AddDate(0, 0, 7-(int(today.Weekday())+6)%7))
	}
	for i := 0; i < 7; i++ {
		wd := time.Weekday(i)
		name := strings.ToLower(wd.String())
		if s == name || s == name[:3] {
			return day(today.AddDate(0, 0, (int(wd)-int(today.Weekday())+7)%7))
		}
	}
	if n, unit, ok := relative(s); ok {
		switch unit {
		case 'd':
			return day(today.AddDate(0, 0, n))
		case 'w':
			return day(today.AddDate(0, 0, 7*n))
		case 'm':
			return day(today.AddDate(0, n, 0))
		}
	}
	for _, layout := range []string{"2006-01-02", "2006/01/02", "Jan 2 2006", "2 Jan 2006", "January 2 2006", "2 January 2006"} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			return day(t)
		}
	}
	// A date without a year is the next one to come.
	for _, layout := range []string{"01-02", "1/2", "Jan 2", "2 Jan", "January 2", "2 January"} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			t = time.Date(today.Year(), t.Month(), t.Day(), 0, 0, 0, 0, now.Location())
			if t.Before(today) {
				t = t.AddDate(1, 0, 0)
			}
			return day(t)
		}
	}
	return nil, fmt.Errorf("%q is not a date lanes knows: try today, tomorrow, fri, +3d, 2w, dec 1 or 2026-12-01", s)
}

// relative reads +3d, 3d, 2w, 1m (a number and a unit).
func relative(s string) (int, byte, bool) {
	s = strings.TrimPrefix(s, "+")
	if len(s) < 2 {
		return 0, 0, false
	}
	unit := s[len(s)-1]
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 0 || n > 3650 || !strings.ContainsRune("dwm", rune(unit)) {
		return 0, 0, false
	}
	return n, unit, true
}

// DueText says when, briefly: today, tomorrow, a weekday this week, or a date.
func DueText(due, now time.Time) string {
	d0 := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	due = due.In(now.Location())
	days := int(time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, now.Location()).Sub(d0).Hours() / 24)
	switch {
	case days == 0:
		return "today"
	case days == 1:
		return "tomorrow"
	case days == -1:
		return "yesterday"
	case days > 1 && days < 7:
		return due.Format("Mon")
	case due.Year() == now.Year():
		return due.Format("Jan 2")
	}
	return due.Format("Jan 2 2006")
}
