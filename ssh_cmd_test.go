package main

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/lanesboard/lanes/internal/testenv"
)

// The SSH host itself is tested in package sshd; these test the command
// that wires flags into it.

// sshCmd is `lanes ssh` run through the command line on a data directory.
type sshCmd struct {
	addr    string
	hostKey gossh.PublicKey
	log     *testenv.SyncBuffer
	stop    func() error // as SIGTERM: every board closed, then the command's error
}

// startSSH runs `lanes --data DATA ssh --addr 127.0.0.1:0 args...` until
// stopped or the test ends, and learns its address from its log as a
// person would.
func startSSH(t *testing.T, data string, args ...string) *sshCmd {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &sshCmd{log: &testenv.SyncBuffer{}}
	root := newRoot(io.Discard, s.log)
	root.SetArgs(append([]string{"--data", data, "ssh", "--addr", "127.0.0.1:0"}, args...))
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	var once sync.Once
	var err error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				err = errors.New("lanes ssh did not stop")
			}
		})
		return err
	}
	t.Cleanup(func() { s.stop() })
	addr := regexp.MustCompile(`lanes ssh serving" addr=(\S+)`)
	for deadline := time.Now().Add(15 * time.Second); s.addr == ""; time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(s.log.String()); m != nil {
			s.addr = m[1]
			break
		}
		select {
		case err := <-done:
			done <- err // for stop
			t.Fatalf("lanes ssh stopped: %v\n%s", err, s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("lanes ssh never said where it listens:\n%s", s.log.String())
		}
	}
	hk, err := testenv.HostKey(data)
	if err != nil {
		t.Fatal(err)
	}
	s.hostKey = hk
	return s
}

// waitLog waits until the command's log says want.
func (s *sshCmd) waitLog(t *testing.T, what, want string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(s.log.String(), want); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: the log never said %q:\n%s", what, want, s.log.String())
		}
	}
}

// lanes ssh wires its flags into the host: --space opens the team board
// for its members (and their own for anyone else), --max-sessions turns
// the one too many away; without --server the data directory's task
// server makes a user at their first login, and says so in the log.
func TestSSHCommandWiresItsFlags(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "user", "create", "alice")
	mustRun(t, data, "space", "create", "Team", "--owner", "alice")
	keys := filepath.Join(data, "authorized_keys")
	alice, bob := testenv.NewKey(t), testenv.NewKey(t)
	testenv.AddAuthorizedKey(t, keys, alice.PublicKey(), "alice", "")
	testenv.AddAuthorizedKey(t, keys, bob.PublicKey(), "bob", "")
	s := startSSH(t, data, "--space", "Team", "--max-sessions", "1")

	a := testenv.OpenTerm(t, s.addr, s.hostKey, "alice", alice, testenv.TermSpec{W: 100, H: 30})
	a.WaitFor("the team board", "Team / General", "synced")
	b := testenv.OpenTerm(t, s.addr, s.hostKey, "bob", bob, testenv.TermSpec{W: 100, H: 30})
	var exit *gossh.ExitError
	if err := b.Exit(); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("the session over --max-sessions 1 ended with %v, want exit status 1", err)
	}
	if !strings.Contains(b.Stderr.String(), "the board is full (1 people on it)") {
		t.Fatalf("the session over the limit was not told why: %q", b.Stderr.String())
	}
	a.Keys("q")
	if err := a.Exit(); err != nil {
		t.Fatalf("q should end the session with status 0: %v", err)
	}

	// alice's session over, bob gets in: not in Team, he gets his own.
	s.waitLog(t, "alice's session gone", `msg="ssh session ended" user=alice`)
	b = testenv.OpenTerm(t, s.addr, s.hostKey, "bob", bob, testenv.TermSpec{W: 100, H: 30})
	b.WaitFor("bob's own board", "Personal / General", "synced")
	if !strings.Contains(s.log.String(), `msg="ssh: made a lanes user at first login" user=bob`) {
		t.Fatalf("the log does not tell of bob's first login:\n%s", s.log.String())
	}
	b.Keys("q")
	b.Exit()
	if err := s.stop(); err != nil {
		t.Fatalf("lanes ssh stopped with %v", err)
	}
}

// Without an authorized keys file lanes ssh does not start, and says how
// to write one; bad flags are refused by name.
func TestSSHNeedsAuthorizedKeys(t *testing.T) {
	data := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ssh", "--addr", "127.0.0.1:0"}, "no authorized keys file at " + filepath.Join(data, "authorized_keys") + ": make one with a line per person"},
		{[]string{"ssh", "--max-sessions", "0"}, "--max-sessions must be 1 or more, got 0"},
		{[]string{"ssh", "--idle-timeout", "-1s"}, "--idle-timeout must be 0 (never) or more"},
	} {
		_, _, err := run(t, context.Background(), data, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("lanes %s: %v, want an error saying %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}
