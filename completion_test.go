package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/server/store"
)

// completions asks the shell-completion hook what follows args, as a
// shell does on tab, and returns the words offered.
func completions(t *testing.T, data string, args ...string) []string {
	t.Helper()
	out := mustRun(t, data, append([]string{"__complete"}, args...)...)
	var words []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(l, ":") {
			break // the directive ends the list
		}
		word, _, _ := strings.Cut(l, "\t")
		words = append(words, word)
	}
	return words
}

// Tab after --space offers the local user's spaces, after --project their
// projects (only the named space's with --space), for the board, standup
// and ssh, from the local database alone.
func TestCompletionNamesSpacesAndProjects(t *testing.T) {
	data := t.TempDir()
	if got := completions(t, data, "--space", ""); len(got) != 0 {
		t.Fatalf("with no database, --space offered %q", got)
	}
	mustRun(t, data, "space", "create", "Launch Team", "--slug", "launch")
	st, me, err := local.OpenStore(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Write(context.Background(), func(tx *store.Tx) error {
		spaces, err := tx.SpacesForUser(me.ID)
		if err != nil {
			return err
		}
		for _, sp := range spaces {
			if sp.IsPersonal {
				return tx.CreateProject(&store.Project{SpaceID: sp.ID, Name: "Roadmap", Slug: "roadmap"})
			}
		}
		return errors.New("no personal space")
	})
	if err := errors.Join(err, st.Close()); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{nil, {"standup"}, {"ssh"}} {
		spaces := completions(t, data, append(cmd, "--space", "")...)
		if !slices.Contains(spaces, "launch") || !containsPrefix(spaces, "personal-") {
			t.Errorf("lanes %s --space offered %q, want launch and the personal space", strings.Join(cmd, " "), spaces)
		}
		if slices.Contains(spaces, "Launch Team") {
			t.Errorf("lanes %s --space offered a name with a space in it, which a shell splits: %q", strings.Join(cmd, " "), spaces)
		}
	}
	projects := completions(t, data, "--project", "")
	if !slices.Contains(projects, "General") || !slices.Contains(projects, "roadmap") {
		t.Fatalf("--project offered %q, want General and roadmap", projects)
	}
	only := completions(t, data, "--space", "launch", "--project", "")
	if !slices.Contains(only, "General") || slices.Contains(only, "roadmap") {
		t.Fatalf("--space launch --project offered %q", only)
	}
	if n, all := len(only), len(projects); n >= all || len(slices.Compact(slices.Sorted(slices.Values(only)))) != n {
		t.Fatalf("--space launch --project offered %d words, all spaces' projects are %d: the space did not narrow them, or a word came twice: %q", n, all, only)
	}
}

func containsPrefix(words []string, p string) bool {
	for _, x := range words {
		if strings.HasPrefix(x, p) {
			return true
		}
	}
	return false
}

// Tab after --backend offers the two backends, for every command that
// takes it.
func TestCompletionOffersBackends(t *testing.T) {
	for _, cmd := range [][]string{{}, {"standup"}, {"ssh"}} {
		got := completions(t, t.TempDir(), append(cmd, "--backend", "")...)
		if !slices.Equal(got, []string{"lanes", "taskade"}) {
			t.Errorf("lanes %s --backend offered %q", strings.Join(cmd, " "), got)
		}
	}
}
