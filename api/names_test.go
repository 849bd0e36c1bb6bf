package api

import "testing"

func TestCheckUserName(t *testing.T) {
	for _, ok := range []string{"alice", "a.b-c_d", "A1", "...", "x"} {
		if err := CheckUserName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "../etc", "al ice", "al\x1bice", "é", string(make([]byte, 65))} {
		if err := CheckUserName(bad); err == nil {
			t.Errorf("%q taken as a user name", bad)
		}
	}
}
