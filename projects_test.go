package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/launch"
)

// listsArchived stands in front of a lanes server as a server whose
// project list holds archived projects with the rest would (the seed does
// not say either way): its GET /api/projects answers with both lists.
func listsArchived(t *testing.T, base string) string {
	t.Helper()
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	get := func(r *http.Request, query string) ([]json.RawMessage, error) {
		req, err := http.NewRequestWithContext(r.Context(), "GET", base+"/api/projects?"+query, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", r.Header.Get("Authorization"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		var out []json.RawMessage
		return out, json.NewDecoder(res.Body).Decode(&out)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method != "GET" || r.URL.Path != "/api/projects" || q.Has("archived") {
			proxy.ServeHTTP(w, r)
			return
		}
		active, err := get(r, r.URL.RawQuery)
		if err == nil {
			var archived []json.RawMessage
			if archived, err = get(r, r.URL.RawQuery+"&archived=true"); err == nil {
				active = append(active, archived...)
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(active)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// projectsEnv is a lanes server whose local user has, besides General, an
// active project Roadmap and an archived one Attic, seen through a server
// that lists archived projects with the rest.
func projectsEnv(t *testing.T) (base, token string) {
	t.Helper()
	srvData := t.TempDir()
	token = strings.TrimSpace(mustRun(t, srvData, "token", "create"))
	real := startServe(t, srvData, "--rate-limit", "0")
	c := api.New(real, token)
	ctx := context.Background()
	sp, _, err := launch.Pick(ctx, c, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Roadmap", "Attic"} {
		p, err := c.CreateProject(ctx, api.ProjectCreate{SpaceID: sp.ID, Name: name, Slug: strings.ToLower(name)})
		if err != nil {
			t.Fatal(err)
		}
		if name == "Attic" {
			if err := c.ArchiveProject(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	return listsArchived(t, real), token
}

// --project Nope names the projects there are, archived ones only with
// --archived; the project switcher (p) lists archived projects only with
// --archived, whatever the server's list holds.
func TestProjectsListedWithoutArchived(t *testing.T) {
	base, token := projectsEnv(t)
	bin := builtLanes(t)
	s := tmuxServer(t, "projects")
	home := t.TempDir()
	data := filepath.Join(home, "data")
	flat := func(screen string) string { return strings.Join(strings.Fields(screen), " ") }

	s.run(boardCmd(bin, home, data, "--server", base, "--token", token, "--project", "Nope"))
	screen := flat(s.waitFor("--project Nope", "lanes exited 1"))
	if !strings.Contains(screen, `no project "Nope" (there are: Personal / General, Personal / Roadmap)`) {
		t.Fatalf("--project Nope does not list the active projects, or lists the archived one:\n%s", screen)
	}
	s.run(boardCmd(bin, home, data, "--server", base, "--token", token, "--project", "Nope", "--archived"))
	screen = flat(s.waitFor("--project Nope --archived", "lanes exited 1"))
	if !strings.Contains(screen, "Personal / Attic") {
		t.Fatalf("--project Nope --archived does not list the archived project:\n%s", screen)
	}

	s.run(boardCmd(bin, home, data, "--server", base, "--token", token))
	s.waitFor("the board", "Personal / General", "synced")
	s.tmux("send-keys", "-t", "lanes", "p")
	screen = s.waitFor("the switcher", "Open a project", "Personal / Roadmap")
	if strings.Contains(screen, "Attic") {
		t.Fatalf("the switcher lists the archived project without --archived:\n%s", screen)
	}
	s.tmux("send-keys", "-t", "lanes", "Escape")
	s.waitGone("the switcher closed", "Open a project")
	s.tmux("send-keys", "-t", "lanes", "q")
	s.waitFor("quit", "lanes exited 0")

	s.run(boardCmd(bin, home, data, "--server", base, "--token", token, "--archived"))
	s.waitFor("the board, --archived", "Personal / General", "synced")
	s.tmux("send-keys", "-t", "lanes", "p")
	s.waitFor("the switcher, --archived", "Open a project", "Personal / Roadmap", "Personal / Attic")
	s.tmux("send-keys", "-t", "lanes", "Escape")
	s.waitGone("the switcher closed", "Open a project")
	s.tmux("send-keys", "-t", "lanes", "q")
	s.waitFor("quit", "lanes exited 0")
}

// The flag help says what opens by default: the last board.
func TestBoardFlagHelp(t *testing.T) {
	out := mustRun(t, t.TempDir(), "--help")
	for _, flag := range []string{"--space", "--project"} {
		var line string
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, flag+" string") {
				line = l
			}
		}
		if !strings.Contains(line, "default: the board opened last") || strings.Contains(line, "default: your personal space)") {
			t.Errorf("lanes --help says of %s: %q; want it to say the last board opens by default", flag, line)
		}
	}
	if !strings.Contains(out, "--archived") {
		t.Errorf("lanes --help has no --archived:\n%s", out)
	}
}
