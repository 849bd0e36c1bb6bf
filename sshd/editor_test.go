package sshd

import "testing"

// Over SSH, E on a card's details would run an editor on the host as the
// host's user: it is refused, with the reason and what to do instead.
func TestSSHEditorRefused(t *testing.T) {
	e := newSSHEnv(t, "alice")
	e.start(Config{})
	alice := e.connect("alice", 120, 30)
	alice.WaitFor("first login", "Personal / General", "To Do", "synced")
	alice.Keys("n")
	alice.WaitFor("new card prompt", "title of the new card")
	alice.Keys("Edit me\r")
	alice.WaitFor("card made", "Edit me", "synced")
	alice.Keys("\r")
	alice.WaitFor("details", "No description.")
	alice.Keys("E")
	alice.WaitFor("E refused", "no editor runs on this host for a remote user; edit with e")
	alice.Keys("q") // back to the board
	alice.WaitFor("the board", "n new card")
	alice.Keys("q")
	if err := alice.Exit(); err != nil {
		t.Fatalf("q: %v", err)
	}
}
