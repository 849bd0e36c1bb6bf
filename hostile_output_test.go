package main

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// An error quoting a server's or a file's bytes (here an ESC sequence
// that would retitle the terminal) is printed with them shown, not obeyed.
func TestErrorsAreDrawnHarmless(t *testing.T) {
	var out strings.Builder
	report(&out, errors.New("read the columns of Evil\x1b]0;pwned\x07: not found\nsecond line"))
	got := out.String()
	if strings.ContainsAny(got, "\x1b\x07") || !strings.Contains(got, "Evil␛]0;pwned") || !strings.Contains(got, "\nsecond line") {
		t.Fatalf("the error printed as %q", got)
	}
}

// An export drawn on a terminal has its control characters shown; written
// to a pipe or a file it is the data as it is.
func TestExportToTheScreenIsHarmless(t *testing.T) {
	write := func(w io.Writer) error {
		_, err := io.WriteString(w, "title,column\n\"Fix \x1b[2J login\",To Do\n")
		return err
	}
	var screen, pipe strings.Builder
	if err := writeOut(&screen, true, write); err != nil {
		t.Fatal(err)
	}
	if err := writeOut(&pipe, false, write); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(screen.String(), "\x1b") || !strings.Contains(screen.String(), "Fix ␛[2J login") {
		t.Fatalf("on a terminal the export is %q", screen.String())
	}
	if !strings.Contains(pipe.String(), "Fix \x1b[2J login") {
		t.Fatalf("to a pipe the export was changed: %q", pipe.String())
	}
}
