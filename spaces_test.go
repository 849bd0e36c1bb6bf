package main

import (
	"context"
	"strings"
	"testing"
)

// A team is set up from the command line: a shared space, its members and
// their roles, with clear refusals for what can't be done.
func TestSpaceCommands(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "user", "create", "bob")
	mustRun(t, data, "user", "create", "ann")
	id := strings.TrimSpace(mustRun(t, data, "space", "create", "Launch Crew!", "--owner", "ann"))
	if len(id) != 36 {
		t.Fatalf("space create printed %q, want the new space's id", id)
	}
	if out := mustRun(t, data, "space", "add", "launch-crew", "bob", "--role", "viewer"); out != "bob is a viewer of Launch Crew!\n" {
		t.Fatalf("space add printed %q", out)
	}
	if out := mustRun(t, data, "space", "list", "--user", "bob"); !strings.Contains(out, "Launch Crew!  launch-crew") || !strings.Contains(out, "viewer") {
		t.Fatalf("bob's spaces:\n%s", out)
	}
	mustRun(t, data, "space", "add", id, "bob", "--role", "admin")
	members := mustRun(t, data, "space", "members", "launch crew!")
	if !strings.Contains(members, "ann   owner") || !strings.Contains(members, "bob   admin") {
		t.Fatalf("members after bob became an admin:\n%s", members)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"space", "create", "Launch crew"}, `a space with slug "launch-crew" already exists`},
		{[]string{"space", "create", "Ops", "--slug", "Ops!"}, "--slug must be 3-50 characters"},
		{[]string{"space", "add", "launch-crew", "zed"}, `no user named "zed"`},
		{[]string{"space", "add", "launch-crew", "bob", "--role", "owner"}, "--role must be admin, member or viewer"},
		{[]string{"space", "add", "launch-crew", "ann", "--role", "viewer"}, "ann owns Launch Crew!"},
		{[]string{"space", "add", "nowhere", "bob"}, `no shared space "nowhere"`},
		{[]string{"space", "remove", "launch-crew", "ann"}, "can't be removed"},
	} {
		_, _, err := run(t, context.Background(), data, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("lanes %s: got %v, want an error saying %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	if out := mustRun(t, data, "space", "remove", "launch-crew", "bob"); out != "bob is no longer in Launch Crew!\n" {
		t.Fatalf("space remove printed %q", out)
	}
	if out := mustRun(t, data, "space", "members", "launch-crew"); strings.Contains(out, "bob") {
		t.Fatalf("bob is still a member:\n%s", out)
	}
}
