package board

import (
	"errors"
	"fmt"
	"strings"
)

// Positions are fractional-index keys: strings compared byte by byte, where a
// key can always be made between any two others, so moving a card never
// renumbers its column. A key is a head letter giving the length of an
// integer part ('a' = one digit follows, 'b' = two, …, and 'Z', 'Y', … for
// keys below "a0"), that many base-62 digits, then an optional fraction of
// base-62 digits that never ends in '0'. The server hands out "a0", "a1", …
// at the end of a column; the board makes keys between neighbours.

const posDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// MaxPosition is the longest key a lanes server accepts: lanes never sends
// a longer one.
const MaxPosition = 128

// PositionBound is the longest key a lanes server makes: it renumbers a
// column before a key would pass it. A card put at the end of a column
// with a longer key is sent with no key at all (the server appends).
const PositionBound = 48

var errBadPosition = errors.New("invalid position key")

func posDigit(c byte) int { return strings.IndexByte(posDigits, c) }

func intLen(head byte) int {
	switch {
	case head >= 'a' && head <= 'z':
		return int(head-'a') + 2
	case head >= 'A' && head <= 'Z':
		return int('Z'-head) + 2
	}
	return 0
}

// splitKey separates a key into its integer part and its fraction.
func splitKey(key string) (integer, fraction string, err error) {
	if key == "" {
		return "", "", errBadPosition
	}
	n := intLen(key[0])
	if n == 0 || len(key) < n {
		return "", "", fmt.Errorf("%w: %q", errBadPosition, key)
	}
	for i := 1; i < len(key); i++ {
		if posDigit(key[i]) < 0 {
			return "", "", fmt.Errorf("%w: %q", errBadPosition, key)
		}
	}
	if len(key) > n && key[len(key)-1] == '0' {
		return "", "", fmt.Errorf("%w: %q", errBadPosition, key)
	}
	return key[:n], key[n:], nil
}

// smallestInteger has no key below it but its fractions.
const smallestInteger = "A00000000000000000000000000"

// midDigits is a digit string strictly between a and b read as fractions
// (0.a and 0.b); b == "" stands for 1.
func midDigits(a, b string) string {
	if b != "" {
		n := 0
		for n < len(b) && (n < len(a) && a[n] == b[n] || n >= len(a) && b[n] == '0') {
			n++
		}
		if n > 0 {
			return b[:n] + midDigits(a[min(n, len(a)):], b[n:])
		}
	}
	da := 0
	if a != "" {
		da = posDigit(a[0])
	}
	db := len(posDigits)
	if b != "" {
		db = posDigit(b[0])
	}
	if db-da > 1 {
		return string(posDigits[(da+db+1)/2])
	}
	if len(b) > 1 {
		return b[:1]
	}
	rest := ""
	if a != "" {
		rest = a[1:]
	}
	return string(posDigits[da]) + midDigits(rest, "")
}

// stepInteger adds delta (+1 or -1) to an integer part; ok is false past
// the largest or smallest integer.
func stepInteger(x string, delta int) (string, bool) {
	head, num := x[0], []byte(x[1:])
	carry := true
	for i := len(num) - 1; i >= 0 && carry; i-- {
		d := posDigit(num[i]) + delta
		carry = d < 0 || d >= len(posDigits)
		num[i] = posDigits[(d+len(posDigits))%len(posDigits)]
	}
	if !carry {
		return string(head) + string(num), true
	}
	if delta > 0 {
		switch {
		case head == 'Z':
			return "a0", true
		case head == 'z':
			return "", false
		case head >= 'a':
			return string(head+1) + string(num) + "0", true
		default:
			return string(head+1) + string(num[1:]), true
		}
	}
	switch {
	case head == 'a':
		return "Zz", true
	case head == 'A':
		return "", false
	case head > 'a':
		return string(head-1) + string(num[1:]), true
	default:
		return string(head-1) + string(num) + "z", true
	}
}

// place is Between for a key lanes will send: keys grow a character at a
// time between close neighbours, and one longer than a server accepts is
// an error rather than a change the server refuses.
func place(a, b string) (string, error) {
	k, err := Between(a, b)
	if err == nil && len(k) > MaxPosition {
		return "", fmt.Errorf("%w: no key short enough fits between %q and %q", errBadPosition, a, b)
	}
	return k, err
}

// Between returns a key strictly between a and b. An empty a means "before
// b", an empty b "after a", both empty the first key of an empty column.
func Between(a, b string) (string, error) {
	if a != "" && b != "" && a >= b {
		return "", fmt.Errorf("%w: %q is not before %q", errBadPosition, a, b)
	}
	switch {
	case a == "" && b == "":
		return "a0", nil
	case a == "":
		ib, fb, err := splitKey(b)
		if err != nil {
			return "", err
		}
		if ib == smallestInteger {
			return ib + midDigits("", fb), nil
		}
		if fb != "" {
			return ib, nil
		}
		prev, ok := stepInteger(ib, -1)
		if !ok {
			return "", fmt.Errorf("%w: nothing below %q", errBadPosition, b)
		}
		return prev, nil
	case b == "":
		ia, fa, err := splitKey(a)
		if err != nil {
			return "", err
		}
		if next, ok := stepInteger(ia, +1); ok {
			return next, nil
		}
		return ia + midDigits(fa, ""), nil
	}
	ia, fa, err := splitKey(a)
	if err != nil {
		return "", err
	}
	ib, fb, err := splitKey(b)
	if err != nil {
		return "", err
	}
	if ia == ib {
		return ia + midDigits(fa, fb), nil
	}
	next, ok := stepInteger(ia, +1)
	if ok && next < b {
		return next, nil
	}
	return ia + midDigits(fa, ""), nil
}
