package taskadeboard

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/launch"
)

func TestAccountListsWorkspacesFoldersAndProjects(t *testing.T) {
	env := newEnv(t) // Acme's home folder holds Launch
	folder := env.srv.AddFolder(env.ws, "Engineering")
	env.srv.AddProject(folder, "API")
	other := env.srv.AddWorkspace("Side", "ada")
	env.srv.AddProject(other, "Garden")
	env.srv.AddWorkspace("Not mine", "bob")
	acc := New(env.client())
	ctx := context.Background()
	dir := t.TempDir()

	sw := launch.NewSwitcher(acc, board.Options{Dir: dir, Server: env.srv.URL}, false, launch.NewLastFile(dir, env.srv.URL))
	choices, err := sw.Projects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range choices {
		got = append(got, c.Space+" / "+c.Project)
	}
	if want := []string{"Acme / Launch", "Acme / Engineering / API", "Side / Garden"}; !same(got, want) {
		t.Fatalf("the switcher lists %q, want %q", got, want)
	}

	// With nothing asked and nothing remembered: the first workspace's
	// first project; asked by name, that one; and remembered next time.
	last := launch.NewLastFile(dir, env.srv.URL)
	ch, err := launch.Choose(ctx, acc, last, launch.Query{})
	if err != nil || ch.Project.Name != "Launch" || !ch.Defaulted {
		t.Fatalf("Choose picked %+v, defaulted %v (%v): want Launch, by default (the board then opens the switcher)", ch.Project, ch.Defaulted, err)
	}
	ch, err = launch.Choose(ctx, acc, last, launch.Query{Project: "api"})
	if err != nil || ch.Project.Name != "API" || ch.Space.Name != "Acme / Engineering" {
		t.Fatalf("Choose of \"api\" picked %+v in %+v (%v)", ch.Project, ch.Space, err)
	}
	// The board opened last, with its cache on disk, opens without a word
	// to Taskade.
	o := board.Options{Dir: dir, Server: env.srv.URL, ProjectID: ch.Project.ID}
	if err := board.SaveCache(o, board.NewState(nil, nil)); err != nil {
		t.Fatal(err)
	}
	before := env.srv.Requests()
	ch, err = launch.Choose(ctx, acc, last, launch.Query{})
	if err != nil || ch.Project.Name != "API" || !ch.Remembered || ch.Defaulted {
		t.Fatalf("Choose after opening API picked %+v (%v)", ch, err)
	}
	if n := env.srv.Requests() - before; n != 0 {
		t.Fatalf("opening the last board asked Taskade %d times", n)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "last-board.json")); len(m) != 1 {
		t.Fatalf("no last-board.json")
	}
}
