package api

import (
	"fmt"
	"strings"
)

// UserNameRune says r may be part of a lanes user name: letters and digits
// of ASCII, '.', '_' and '-', so that a name is safe on a terminal, in a
// path and in an authorized keys comment.
func UserNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// CheckUserName says what is wrong with name as a lanes user name. A name
// is also a directory (lanes ssh keeps each person's token, outbox and
// theme in ssh/NAME), so "." and ".." are not names.
func CheckUserName(name string) error {
	if name == "" || len(name) > 64 || strings.IndexFunc(name, func(r rune) bool { return !UserNameRune(r) }) >= 0 {
		return fmt.Errorf("user name %q must be 1-64 characters of letters, digits, '.', '_' and '-'", name)
	}
	if name == "." || name == ".." {
		return fmt.Errorf("user name %q can't be used: it names a directory", name)
	}
	return nil
}
