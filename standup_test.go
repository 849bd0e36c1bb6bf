package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/server/store"
)

// completeTask marks the task titled title done now, in its project's
// done column, straight in the database (no server is running between
// commands).
func completeTask(t *testing.T, data, title string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(data, "lanes.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.LocalUser()
		if err != nil {
			return err
		}
		spaces, err := tx.SpacesForUser(u.ID)
		if err != nil {
			return err
		}
		projects, err := tx.Projects(spaces[0].ID, false)
		if err != nil {
			return err
		}
		tasks, err := tx.Tasks(projects[0].ID, false)
		if err != nil {
			return err
		}
		cols, err := tx.Statuses(projects[0].ID)
		if err != nil {
			return err
		}
		for _, k := range tasks {
			if k.Title == title {
				now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
				k.CompletedAt, k.StatusID, k.SpaceID = &now, &cols[len(cols)-1].ID, spaces[0].ID
				return tx.UpdateTask(&k)
			}
		}
		t.Fatalf("no task %q", title)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// lanes standup prints the report, and only the report, on stdout.
func TestStandupCommand(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("LANES_SERVER", "")
	t.Setenv("LANES_TOKEN", "")
	data := t.TempDir()
	me := local.UserName()

	out := mustRun(t, data, "standup")
	for _, want := range []string{
		"# Standup: Personal / General\n",
		"\n## " + me + "\n",
		"**Next up**\n- Welcome to lanes: press ? for the keys · high\n- Move a card with H and L · medium\n- Add a card with n\n",
		"**In progress**\n- Complete a card with space · In Progress · low\n- Undo anything with u · In Review\n",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("lanes standup on a new board: no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "**Done**") {
		t.Fatalf("nothing is done yet, but:\n%s", out)
	}

	completeTask(t, data, "Move a card with H and L")
	out = mustRun(t, data, "standup", "--user", me)
	if !strings.Contains(out, "**Done**\n- Move a card with H and L (") {
		t.Fatalf("the card completed just now is not under Done:\n%s", out)
	}
	out = mustRun(t, data, "standup", "--since", "2099-01-01")
	if strings.Contains(out, "**Done**") {
		t.Fatalf("--since in the future still shows done cards:\n%s", out)
	}

	raw := mustRun(t, data, "standup", "--format", "json")
	var rep struct {
		Board  string `json:"board"`
		People []struct {
			Name string `json:"name"`
			Done []struct {
				Title string `json:"title"`
			} `json:"done"`
			Next []struct {
				Title    string `json:"title"`
				Priority string `json:"priority"`
			} `json:"next"`
		} `json:"people"`
	}
	if err := json.Unmarshal([]byte(raw), &rep); err != nil {
		t.Fatalf("--format json is not JSON alone on stdout: %v\n%s", err, raw)
	}
	if rep.Board != "Personal / General" || len(rep.People) != 1 || rep.People[0].Name != me ||
		len(rep.People[0].Done) != 1 || rep.People[0].Next[0].Priority != "high" {
		t.Fatalf("json report: %+v", rep)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"standup", "--format", "xml"}, "--format must be markdown or json"},
		{[]string{"standup", "--since", "last tuesday"}, "--since must be a date like 2026-11-20"},
		{[]string{"standup", "--user", "nobody"}, `no "nobody" on Personal / General (the people there: ` + me + ")"},
		{[]string{"standup", "--project", "Nope"}, `no project "Nope"`},
	} {
		stdout, _, err := run(t, context.Background(), data, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("lanes %s: got %v, want an error saying %q", strings.Join(c.args, " "), err, c.want)
		}
		if stdout != "" {
			t.Errorf("lanes %s failed but printed %q on stdout", strings.Join(c.args, " "), stdout)
		}
	}
}

// The config's [standup] order and a bad timebox.
func TestStandupConfig(t *testing.T) {
	cfgDir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgDir)
	os.MkdirAll(filepath.Join(cfgDir, "lanes"), 0o700)
	path := filepath.Join(cfgDir, "lanes", "config.toml")
	os.WriteFile(path, []byte("[standup]\ntimebox = \"two minutes\"\n"), 0o600)
	_, _, err := run(t, context.Background(), t.TempDir(), "standup")
	if err == nil || !strings.Contains(err.Error(), "config.toml line 2: standup timebox must be a duration") {
		t.Fatalf("a bad timebox gave %v", err)
	}
}
