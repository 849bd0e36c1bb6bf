package details

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The editor is $VISUAL, else $EDITOR, else vi, split into words; a
// variable of blanks names no editor.
func TestEditorCommand(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"VISUAL": "code --wait", "EDITOR": "nano"}, []string{"code", "--wait"}},
		{map[string]string{"VISUAL": "  ", "EDITOR": "emacs -nw"}, []string{"emacs", "-nw"}},
		{map[string]string{}, []string{"vi"}},
	} {
		if got := EditorCommand(func(k string) string { return c.env[k] }); !slices.Equal(got, c.want) {
			t.Errorf("with %v the editor is %q, want %q", c.env, got, c.want)
		}
	}
}

// The description is written to a file only its owner can read, the
// editor's command runs on it, and finishing removes it, whether the
// editor did well or not.
func TestPrepareAndFinishEdit(t *testing.T) {
	dir := t.TempDir()
	ready := prepareEdit("t1", "Old words\n", dir, []string{"my-editor", "--wait"})
	if ready.Err != nil {
		t.Fatal(ready.Err)
	}
	info, err := os.Stat(ready.Path)
	if err != nil || info.Mode().Perm() != 0o600 || filepath.Dir(ready.Path) != dir {
		t.Fatalf("the file %s: %v, %v; want 0600 in %s", ready.Path, info.Mode(), err, dir)
	}
	if raw, _ := os.ReadFile(ready.Path); string(raw) != "Old words\n" {
		t.Fatalf("the file holds %q", raw)
	}
	if want := []string{"my-editor", "--wait", ready.Path}; !slices.Equal(ready.Cmd.Args, want) {
		t.Fatalf("the command is %q, want %q", ready.Cmd.Args, want)
	}
	if err := os.WriteFile(ready.Path, []byte("New words\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	done := finishEdit(ready.edit, nil)
	if done.Err != nil || done.Text != "New words\n" || done.Orig != "Old words\n" || done.TaskID != "t1" {
		t.Fatalf("finished: %+v", done)
	}
	if _, err := os.Stat(ready.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the file is still there: %v", err)
	}

	ready = prepareEdit("t1", "x", dir, []string{"my-editor"})
	failed := errors.New("exit status 1")
	if done := finishEdit(ready.edit, failed); done.Err != failed {
		t.Fatalf("a failed editor finished with %v", done.Err)
	}
	if _, err := os.Stat(ready.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the file of a failed editor is still there: %v", err)
	}
	if bad := prepareEdit("t1", "x", filepath.Join(dir, "missing"), []string{"my-editor"}); bad.Err == nil || bad.Cmd != nil {
		t.Fatalf("a directory that is not there: %+v", bad)
	}
}
