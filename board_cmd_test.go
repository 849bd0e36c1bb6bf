package main

import (
	"testing"
)

// The board starts in the theme T chose last, unless LANES_THEME says
// otherwise for this terminal; the config file's theme is the default
// until T is first pressed, and its "none" always turns colours off.
func TestStartTheme(t *testing.T) {
	t.Setenv("LANES_STATE", t.TempDir())
	t.Setenv("LANES_THEME", "")
	for _, c := range []struct{ configured, want string }{{"", "auto"}, {"dark", "dark"}, {"none", "none"}} {
		if got := startTheme(c.configured); got != c.want {
			t.Errorf("nothing saved, config %q: %q, want %q", c.configured, got, c.want)
		}
	}
	if err := saveTheme("light"); err != nil {
		t.Fatal(err)
	}
	if got := startTheme("dark"); got != "light" {
		t.Errorf("T chose light, config says dark: started %q", got)
	}
	if got := startTheme("none"); got != "none" {
		t.Errorf("T chose light, config says none: started %q", got)
	}
	t.Setenv("LANES_THEME", "Dark")
	if got := startTheme(""); got != "dark" {
		t.Errorf("LANES_THEME=Dark: started %q", got)
	}
	t.Setenv("LANES_THEME", "neon")
	if got := startTheme(""); got != "light" {
		t.Errorf("LANES_THEME=neon (not a theme): started %q, want the saved light", got)
	}
}
