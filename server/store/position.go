package store

// Positions order cards inside a column. They are fractional-index keys
// compared as plain bytes: a head letter that gives the length of an integer
// part ('a' = 1 digit after it, 'b' = 2, …; 'Z' = 1, 'Y' = 2, … for the
// keys below "a0"), the base-62 digits of that integer, then an optional
// fraction of base-62 digits that never ends in '0'. A key can always be made
// between two others, so a column never needs renumbering; the server only
// ever needs the key after the last one, which grows by one character every
// few thousand appends.

const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// FirstPosition is the position of the first card in an empty column.
const FirstPosition = "a0"

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
	if key == "" || len(key) > 128 {
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
