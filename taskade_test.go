package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/internal/taskadetest"
)

// seedTaskade is a Taskade test server with Ada's project Launch: To
// Do, Doing and Done, a few cards, one of them Bob's, one completed.
func seedTaskade(t *testing.T) (srv *taskadetest.Server, token, project string) {
	t.Helper()
	srv = taskadetest.New(t)
	token = srv.AddUser("ada", "Ada Lovelace")
	srv.AddUser("bob", "Bob Stone")
	ws := srv.AddWorkspace("Acme", "ada", "bob")
	folder := srv.AddFolder(ws, "Engineering")
	project = srv.AddProject(folder, "Launch")
	srv.AddProject(ws, "Home chores")
	todo := srv.AddTask(project, "", "To Do")
	doing := srv.AddTask(project, "", "Doing")
	done := srv.AddTask(project, "", "Done")
	srv.AddTask(project, todo, "Write the brief")
	b := srv.AddTask(project, doing, "Build the thing")
	srv.SetAssignees(project, b, "bob")
	shipped := srv.AddTask(project, done, "Ship v0")
	srv.SetCompleted(project, shipped, true)
	srv.SetAssignees(project, shipped, "bob")
	return srv, token, project
}

func TestCheckATaskadeToken(t *testing.T) {
	srv, token, project := seedTaskade(t)
	t.Setenv("LANES_STATE", t.TempDir())
	out, errOut, err := run(t, context.Background(), t.TempDir(), "check", "--backend", "taskade", "--server", srv.URL, "--token", token)
	if err != nil {
		t.Fatalf("check: %v\n%s", err, errOut)
	}
	for _, want := range []string{"speaks:   Taskade API v1", "does not say whose token", "Acme / Engineering", project + "  Launch", "Home chores"} {
		if !strings.Contains(out, want) {
			t.Errorf("check printed:\n%s\nwant %q in it", out, want)
		}
	}
	_, _, err = run(t, context.Background(), t.TempDir(), "check", "--backend", "taskade", "--server", srv.URL, "--token", "tskdp_wrong")
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("a wrong token: %v, want a 401 said", err)
	}
	_, _, err = run(t, context.Background(), t.TempDir(), "check", "--backend", "trello")
	if err == nil || !strings.Contains(err.Error(), "--backend must be lanes or taskade") {
		t.Fatalf("an unknown backend: %v", err)
	}
}

func TestStandupOfATaskadeProject(t *testing.T) {
	srv, token, _ := seedTaskade(t)
	t.Setenv("LANES_STATE", t.TempDir())
	data := t.TempDir()
	out := mustRun(t, data, "standup", "--backend", "taskade", "--server", srv.URL, "--token", token, "--project", "Launch", "--format", "json")
	var rep struct {
		Board  string `json:"board"`
		People []struct {
			Name       string `json:"name"`
			Done       []struct{ Title string }
			InProgress []struct{ Title string } `json:"inProgress"`
		} `json:"people"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("standup --format json: %v\n%s", err, out)
	}
	if rep.Board != "Acme / Engineering / Launch" {
		t.Errorf("board %q", rep.Board)
	}
	var bob string
	for _, p := range rep.People {
		if p.Name == "Bob Stone" {
			bob = out
			if len(p.InProgress) != 1 || p.InProgress[0].Title != "Build the thing" {
				t.Errorf("Bob's in progress: %+v", p.InProgress)
			}
			if len(p.Done) != 1 || p.Done[0].Title != "Ship v0" {
				t.Errorf("Bob's done: %+v (a completed card is done)", p.Done)
			}
		}
	}
	if bob == "" {
		t.Fatalf("no Bob Stone (a member, by display name) in the report:\n%s", out)
	}
	// The board's knowledge of the project is kept for the next run.
	if m, _ := filepath.Glob(filepath.Join(data, "taskade", "*.json")); len(m) != 1 {
		t.Errorf("knowledge files %q, want one", m)
	}
}

func TestTaskadeBackendFromTheConfigFile(t *testing.T) {
	srv, token, _ := seedTaskade(t)
	t.Setenv("LANES_STATE", t.TempDir())
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	body := "backend = \"taskade\"\nserver = \"" + srv.URL + "\"\ntoken_command = \"echo " + token + "\"\nproject = \"Launch\"\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, t.TempDir(), "--config", cfg, "standup")
	if !strings.Contains(out, "Build the thing") {
		t.Fatalf("standup with backend = \"taskade\" in the config file:\n%s", out)
	}
	// Without a token there is nothing to open, and lanes says how to get one.
	if err := os.WriteFile(cfg, []byte("backend = \"taskade\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LANES_TOKEN", "")
	_, _, err := run(t, context.Background(), t.TempDir(), "--config", cfg, "standup")
	if err == nil || !strings.Contains(err.Error(), "Settings → API") {
		t.Fatalf("no token: %v", err)
	}
	// export speaks only the Krokanti API.
	t.Setenv("LANES_BACKEND", "taskade")
	t.Setenv("LANES_TOKEN", token)
	_, _, err = run(t, context.Background(), t.TempDir(), "export")
	if err == nil || !strings.Contains(err.Error(), "not with --backend taskade") {
		t.Fatalf("export with LANES_BACKEND=taskade: %v", err)
	}
}
