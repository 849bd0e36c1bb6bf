package board

import "testing"

func TestIsColorTakesOnlyHashAndSixHexDigits(t *testing.T) {
	for c, want := range map[string]bool{
		"#3b82f6": true, "#3B82F6": true, "#000000": true,
		"": false, "3b82f6": false, "#3b82f": false, "#3b82f6a": false, "#3b82g6": false,
		"#\x1b[31m": false, "red": false, "#ffffff\n": false,
	} {
		if IsColor(c) != want {
			t.Errorf("IsColor(%q) = %v, want %v", c, !want, want)
		}
	}
}
