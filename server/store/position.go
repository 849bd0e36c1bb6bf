package store

// Positions order cards inside a column. They are fractional-index keys
// compared as plain bytes: a head letter that gives the length of an integer
// part ('a' = 1 digit after it, 'b' = 2, …; 'Z' = 1, 'Y' = 2, … for the
// keys below "a0"), the base-62 digits of that integer, then an optional
// fraction of base-62 digits that never ends in '0'. A key can always be made
// between two others, so moving a card never renumbers its column; the
// server mostly needs only the key after the last one, which stays short.
// Keys made between close neighbours, or after the very largest integer,
// grow a character at a time, so before any key the server writes passes
// PositionBound, it renumbers that column (see SpreadPositions).

const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// FirstPosition is the position of the first card in an empty column.
const FirstPosition = "a0"

// MaxPosition is the longest key the API accepts.
const MaxPosition = 128

// PositionBound is the longest key the server writes: a column whose keys
// would grow past it is renumbered first, well before MaxPosition.
const PositionBound = 48

func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

func integerLength(head byte) int {
	switch {
	case head >= 'a' && head <= 'z':
		return int(head-'a') + 2
	case head >= 'A' && head <= 'Z':
		return int('Z'-head) + 2
	}
	return 0
}

// ValidPosition reports whether key is a well-formed position.
func ValidPosition(key string) bool {
	if key == "" || len(key) > MaxPosition {
		return false
	}
	n := integerLength(key[0])
	if n == 0 || len(key) < n {
		return false
	}
	for i := 1; i < len(key); i++ {
		if digitValue(key[i]) < 0 {
			return false
		}
	}
	if len(key) > n && key[len(key)-1] == '0' {
		return false
	}
	// The very smallest integer is reserved so that something is always below.
	return key[:n] != "A"+zeros(26)
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

// PositionAfter is a key greater than key (which must be valid): the next
// integer, which drops any fraction, so repeated appends stay short.
func PositionAfter(key string) string {
	n := integerLength(key[0])
	head, num := key[0], []byte(key[1:n])
	for i := len(num) - 1; i >= 0; i-- {
		if num[i] != 'z' {
			num[i] = digits[digitValue(num[i])+1]
			return string(head) + string(num)
		}
		num[i] = '0'
	}
	// Every digit carried: the integer part needs another head letter.
	switch {
	case head == 'Z':
		return FirstPosition
	case head == 'z':
		// Beyond 62^26 appends; fall back to extending the fraction.
		return key + "V"
	case head >= 'a':
		return string(head+1) + string(num) + "0"
	default:
		return string(head+1) + string(num[1:])
	}
}

// SpreadPositions is n evenly spaced keys in increasing order, as short as
// leaves room for a dozen or so cards between each two and after the last
// before any key needs a fraction.
func SpreadPositions(n int) []string {
	width, span := 1, uint64(len(digits))
	for width < 10 && span < 16*uint64(n+1) {
		width++
		span *= uint64(len(digits))
	}
	step := span / uint64(n+1)
	head := byte('a' + width - 1)
	keys := make([]string, n)
	buf := make([]byte, 1+width)
	for i := range keys {
		v := step * uint64(i+1)
		buf[0] = head
		for j := width; j >= 1; j-- {
			buf[j] = digits[v%uint64(len(digits))]
			v /= uint64(len(digits))
		}
		keys[i] = string(buf)
	}
	return keys
}

// PositionBetween is a key strictly between a and b, which must be valid
// keys with a < b: the next integer after a if that is below b, else a's
// integer part with a fraction between the two.
func PositionBetween(a, b string) string {
	if next := PositionAfter(a); next < b {
		return next
	}
	n := integerLength(a[0])
	whole, frac := a[:n], a[n:]
	if len(b) > n && b[:n] == whole {
		return whole + fractionBetween(frac, b[n:])
	}
	// b is the integer right after a's: any fraction above a's will do.
	return whole + fractionBetween(frac, "")
}

// fractionBetween is the shortest digit string that, read as a fraction
// (0.x in base 62), lies strictly between a and b; b == "" stands for 1.
// It never ends in '0', so it is a valid fraction of a key.
func fractionBetween(a, b string) string {
	var out []byte
	for i := 0; ; i++ {
		lo := 0
		if i < len(a) {
			lo = digitValue(a[i])
		}
		hi := len(digits)
		if b != "" {
			// b is not used up before it differs from a: a < b, and a
			// never ends in '0'.
			hi = digitValue(b[i])
		}
		switch {
		case lo == hi:
			out = append(out, digits[lo])
		case hi-lo > 1:
			return string(append(out, digits[(lo+hi)/2]))
		case b != "" && len(b) > i+1:
			// b's digit, cut short, is below b and above a.
			return string(append(out, digits[hi]))
		default:
			// lo, then anything above the rest of a.
			return string(append(out, digits[lo])) + fractionBetween(a[min(i+1, len(a)):], "")
		}
	}
}
