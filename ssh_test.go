package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/lanesboard/lanes/server/store"
)

// sshEnv is `lanes ssh` on a fresh data directory, with a key per person.
type sshEnv struct {
	t       *testing.T
	dir     string
	keys    map[string]gossh.Signer
	addr    string
	hostKey gossh.PublicKey
	log     *syncBuffer
	stop    context.CancelFunc
	done    chan error
}

func newSSHEnv(t *testing.T, names ...string) *sshEnv {
	t.Helper()
	e := &sshEnv{t: t, dir: t.TempDir(), keys: map[string]gossh.Signer{}}
	for _, n := range names {
		e.addKey(n)
	}
	return e
}

func newKey(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// addKey gives name a key and appends it to the authorized keys file.
func (e *sshEnv) addKey(name string) {
	e.t.Helper()
	s := newKey(e.t)
	e.keys[name] = s
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey()))) + " " + name + "\n"
	f, err := os.OpenFile(filepath.Join(e.dir, "authorized_keys"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line); err != nil {
		e.t.Fatal(err)
	}
}

// start runs `lanes --data DIR ssh --addr 127.0.0.1:0 args...` until the
// test ends, and learns its address from its log as a person would.
func (e *sshEnv) start(args ...string) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	e.log, e.stop, e.done = &syncBuffer{}, cancel, done
	root := newRoot(io.Discard, e.log)
	root.SetArgs(append([]string{"--data", e.dir, "ssh", "--addr", "127.0.0.1:0"}, args...))
	go func() { done <- root.ExecuteContext(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		<-done
	})
	addr := regexp.MustCompile(`lanes ssh serving" addr=(\S+)`)
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(e.log.String()); m != nil {
			e.addr = m[1]
			break
		}
		select {
		case err := <-e.done:
			e.done <- err // for the cleanup
			e.t.Fatalf("lanes ssh stopped: %v\n%s", err, e.log.String())
		default:
		}
	}
	if e.addr == "" {
		e.t.Fatalf("lanes ssh never said where it listens:\n%s", e.log.String())
	}
	raw, err := os.ReadFile(filepath.Join(e.dir, "ssh_host_ed25519_key"))
	if err != nil {
		e.t.Fatalf("the host key is not in the data directory: %v", err)
	}
	hk, err := gossh.ParsePrivateKey(raw)
	if err != nil {
		e.t.Fatal(err)
	}
	e.hostKey = hk.PublicKey()
}

// waitLog waits until the server's log says want.
func (e *sshEnv) waitLog(what, want string) {
	e.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(e.log.String(), want); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: the log never said %q:\n%s", what, want, e.log.String())
		}
	}
}

// shutdown stops lanes ssh as SIGTERM does and fails unless it returns
// nil soon.
func (e *sshEnv) shutdown() {
	e.t.Helper()
	e.stop()
	select {
	case err := <-e.done:
		e.done <- err // for the cleanup
		if err != nil {
			e.t.Fatalf("lanes ssh stopped with %v", err)
		}
	case <-time.After(20 * time.Second):
		e.t.Fatal("lanes ssh did not stop")
	}
}

func (e *sshEnv) dial(key gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", e.addr, &gossh.ClientConfig{
		User:            "anyone",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.FixedHostKey(e.hostKey),
		Timeout:         5 * time.Second,
	})
}

// sshTerm is one person's ssh session with a terminal of w×h.
type sshTerm struct {
	t      *testing.T
	name   string
	client *gossh.Client
	vt     *vt
	raw    *syncBuffer // every byte the server sent
	stdin  io.Writer
	stderr *syncBuffer
	done   chan error
}

func (e *sshEnv) connect(name string, w, h int) *sshTerm {
	e.t.Helper()
	return e.connectTerm(name, "xterm-256color", w, h, "")
}

// connectTerm connects with a terminal of the given type, running command
// (none: the shell, which is the board).
func (e *sshEnv) connectTerm(name, termType string, w, h int, command string) *sshTerm {
	e.t.Helper()
	client, sess := e.ptySession(name, termType, w, h)
	var err error
	term := &sshTerm{t: e.t, name: name, client: client, vt: newVT(w, h), raw: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	sess.Stdout, sess.Stderr = io.MultiWriter(term.vt, term.raw), term.stderr
	if term.stdin, err = sess.StdinPipe(); err != nil {
		e.t.Fatal(err)
	}
	start := sess.Shell
	if command != "" {
		start = func() error { return sess.Start(command) }
	}
	if err := start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { term.done <- sess.Wait() }()
	return term
}

// ptySession connects as name and opens a session with a terminal of the
// given type and size; the connection closes when the test ends.
func (e *sshEnv) ptySession(name, termType string, w, h int) (*gossh.Client, *gossh.Session) {
	e.t.Helper()
	client, err := e.dial(e.keys[name])
	if err != nil {
		e.t.Fatalf("%s can't connect: %v", name, err)
	}
	e.t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := sess.RequestPty(termType, h, w, gossh.TerminalModes{}); err != nil {
		e.t.Fatal(err)
	}
	return client, sess
}

func (s *sshTerm) keys(k string) {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, k); err != nil {
		s.t.Fatalf("%s typing %q: %v", s.name, k, err)
	}
}

// waitFor polls the session's screen until every want is on it.
func (s *sshTerm) waitFor(what string, want ...string) string {
	s.t.Helper()
	var screen string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		screen = s.vt.screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(screen, w)
		}
		if ok {
			return screen
		}
	}
	s.t.Fatalf("%s's screen, %s: never saw %q; it shows:\n%s", s.name, what, want, screen)
	return ""
}

// waitColumn waits until the named column on the screen holds title.
func (s *sshTerm) waitColumn(col, title string) {
	s.t.Helper()
	var screen string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		screen = s.vt.screen()
		if strings.Contains(column(screen, col), title) {
			return
		}
	}
	s.t.Fatalf("%s's screen never showed %q in %s:\n%s", s.name, title, col, screen)
}

func (s *sshTerm) exit() error {
	s.t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(15 * time.Second):
		s.t.Fatalf("%s's session did not end:\n%s", s.name, s.vt.screen())
		return nil
	}
}

// db opens the data directory's database beside the running server.
func (e *sshEnv) db() *store.Store {
	e.t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(e.dir, "lanes.db"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

// serverColumn is the name of the column the card is in on the server.
func (e *sshEnv) serverColumn(st *store.Store, title string) string {
	e.t.Helper()
	col := ""
	err := st.Read(context.Background(), func(tx *store.Tx) error {
		users, err := tx.Users()
		if err != nil {
			return err
		}
		for _, u := range users {
			spaces, err := tx.SpacesForUser(u.ID)
			if err != nil {
				return err
			}
			for _, sp := range spaces {
				projects, err := tx.Projects(sp.ID, false)
				if err != nil {
					return err
				}
				for _, p := range projects {
					tasks, err := tx.Tasks(p.ID, false)
					if err != nil {
						return err
					}
					cols, err := tx.Statuses(p.ID)
					if err != nil {
						return err
					}
					for _, k := range tasks {
						for _, c := range cols {
							if k.Title == title && k.StatusID != nil && *k.StatusID == c.ID {
								col = c.Name
							}
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil || col == "" {
		e.t.Fatalf("find %q on the server: %v", title, err)
	}
	return col
}

// A person with a key in the file gets a board of their own over ssh: at
// first login lanes makes their user; what they type reaches the server;
// q ends the session cleanly.
func TestSSHBoard(t *testing.T) {
	e := newSSHEnv(t, "alice")
	e.start()
	alice := e.connect("alice", 100, 30)
	alice.waitFor("first login", "Personal / General", "To Do", "synced")
	alice.keys("n")
	alice.waitFor("new card prompt", "title of the new card")
	alice.keys("Made over ssh\r")
	alice.waitFor("card made", "Made over ssh", "synced")
	if got := e.serverColumn(e.db(), "Made over ssh"); got != "To Do" {
		t.Fatalf("the card is in %q on the server, want To Do", got)
	}
	alice.keys("q")
	if err := alice.exit(); err != nil {
		t.Fatalf("q should end the session with status 0: %v", err)
	}
	if !strings.Contains(e.log.String(), `msg="ssh: made a lanes user at first login" user=alice`) {
		t.Fatalf("the log does not tell of alice's first login:\n%s", e.log.String())
	}
}

// Two people on the team board see each other's moves as they happen; a
// Viewer sees them too, is told the board is read-only, and changes
// nothing.
func TestSSHTeamBoard(t *testing.T) {
	e := newSSHEnv(t, "alice", "bob", "carol")
	for _, args := range [][]string{
		{"user", "create", "alice"}, {"user", "create", "bob"}, {"user", "create", "carol"},
		{"space", "create", "Team", "--owner", "alice"},
		{"space", "add", "Team", "bob"},
		{"space", "add", "team", "carol", "--role", "viewer"},
	} {
		mustRun(t, e.dir, args...)
	}
	e.start("--space", "Team")
	alice := e.connect("alice", 120, 30)
	bob := e.connect("bob", 120, 30)
	carol := e.connect("carol", 120, 30)
	for _, s := range []*sshTerm{alice, bob, carol} {
		s.waitFor("the team board", "Team / General", "synced")
	}
	alice.keys("n")
	alice.waitFor("new card prompt", "title of the new card")
	alice.keys("Shared card\r")
	bob.waitColumn("To Do", "Shared card")
	carol.waitColumn("To Do", "Shared card")
	carol.waitFor("a viewer's status", "read-only")

	alice.keys("L")
	bob.waitColumn("In Progress", "Shared card")
	carol.waitColumn("In Progress", "Shared card")
	bob.keys("L")
	alice.waitColumn("In Review", "Shared card")
	carol.waitColumn("In Review", "Shared card")

	carol.keys("H")
	carol.waitFor("refused move", "Read-only: you are a Viewer of Team")
	carol.keys("n")
	if strings.Contains(carol.vt.screen(), "title of the new card") {
		t.Fatalf("a Viewer got the new card prompt:\n%s", carol.vt.screen())
	}
	carol.waitColumn("In Review", "Shared card")
	if got := e.serverColumn(e.db(), "Shared card"); got != "In Review" {
		t.Fatalf("after the Viewer pressed H the card is in %q on the server", got)
	}
}

// Only keys in the file get in; a key added to the file works at once.
func TestSSHUnknownKeyRefused(t *testing.T) {
	e := newSSHEnv(t, "alice")
	e.start()
	stranger := newKey(t)
	_, err := e.dial(stranger)
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("an unknown key got in (err %v)", err)
	}
	if !strings.Contains(e.log.String(), "ssh key refused") || !strings.Contains(e.log.String(), gossh.FingerprintSHA256(stranger.PublicKey())) {
		t.Fatalf("the refusal is not in the log with the key's fingerprint:\n%s", e.log.String())
	}
	e.addKey("dave")
	dave := e.connect("dave", 80, 24)
	dave.waitFor("a key added while the server runs", "Personal / General", "synced")
}

// A bad line in the file is skipped, and said so; the others still work.
func TestSSHBadKeyLine(t *testing.T) {
	e := newSSHEnv(t)
	os.WriteFile(filepath.Join(e.dir, "authorized_keys"), []byte("# the team\nssh-ed25519 notakey bob\n"), 0o600)
	e.addKey("erin")
	e.start()
	if !strings.Contains(e.log.String(), "authorized_keys:2: not a public key") {
		t.Fatalf("the bad line is not reported with its number:\n%s", e.log.String())
	}
	e.connect("erin", 80, 24).waitFor("the good key", "synced")
}

// The session limit turns away the one too many with a reason.
func TestSSHSessionLimit(t *testing.T) {
	e := newSSHEnv(t, "alice", "bob")
	e.start("--max-sessions", "1")
	alice := e.connect("alice", 80, 24)
	alice.waitFor("the first session", "synced")
	bob := e.connect("bob", 80, 24)
	var exit *gossh.ExitError
	if err := bob.exit(); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("the session over the limit ended with %v, want exit status 1", err)
	}
	if !strings.Contains(bob.stderr.String(), "the board is full") {
		t.Fatalf("the session over the limit was not told why: %q", bob.stderr.String())
	}
}

// Stopping the server closes every board, telling each person, and the
// command returns without error.
func TestSSHShutdown(t *testing.T) {
	e := newSSHEnv(t, "alice")
	e.start()
	alice := e.connect("alice", 80, 24)
	alice.waitFor("board", "synced")
	e.shutdown()
	alice.exit()
	if !strings.Contains(alice.vt.screen(), "The lanes server is stopping") {
		t.Fatalf("alice was not told the server stopped:\n%s", alice.vt.screen())
	}
}

// A connection that drops ends its board on the server: the session is
// logged as ended, and the person's next session takes its place (the same
// outbox directory, not a second one).
func TestSSHDroppedConnection(t *testing.T) {
	e := newSSHEnv(t, "alice")
	e.start()
	alice := e.connect("alice", 80, 24)
	alice.waitFor("board", "synced")
	alice.client.Close()
	e.waitLog("the dropped session ended", `msg="ssh session ended" user=alice`)
	again := e.connect("alice", 80, 24)
	again.waitFor("board again", "synced")
	if _, err := os.Stat(filepath.Join(e.dir, "ssh", "alice", "2")); err == nil {
		t.Fatal("the dropped session still holds alice's outbox: her next session got a second one")
	}
}

// Each session is drawn for its own terminal: the colours follow the TERM
// the client sent, whatever the host's terminal is.
func TestSSHColoursFollowTheClientsTerminal(t *testing.T) {
	e := newSSHEnv(t, "alice", "bob", "carol")
	e.start()
	for _, c := range []struct {
		name, term string
		want       string // the colour sequences expected; "" for none
	}{
		{"alice", "xterm-256color", "\x1b[38;5;"},
		{"bob", "xterm-kitty", "\x1b[38;2;"},
		{"carol", "dumb", ""},
	} {
		s := e.connectTerm(c.name, c.term, 100, 30, "")
		s.waitFor("board", "To Do", "synced")
		raw := s.raw.String()
		if c.want != "" && !strings.Contains(raw, c.want) {
			t.Errorf("%s (TERM=%s): no %q colours in what the server sent", c.name, c.term, c.want)
		}
		if c.want == "" && strings.Contains(raw, "\x1b[38;") {
			t.Errorf("%s (TERM=%s): the server sent colours to a terminal without them", c.name, c.term)
		}
	}
}

// "ssh host standup" opens straight into standup; another command is
// refused with a reason.
func TestSSHStandupCommand(t *testing.T) {
	e := newSSHEnv(t, "alice")
	e.start()
	alice := e.connectTerm("alice", "xterm-256color", 100, 30, "standup")
	alice.waitFor("standup", "Standup · alice", "left", "Next up")
	alice.keys("\x1b")
	alice.waitFor("summary", "Standup done")
	other := e.connectTerm("alice", "xterm-256color", 100, 30, "deploy --now")
	var exit *gossh.ExitError
	if err := other.exit(); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("an unknown command ended with %v, want exit status 1", err)
	}
	if !strings.Contains(other.stderr.String(), `unknown command "deploy --now"`) {
		t.Fatalf("the unknown command was not named: %q", other.stderr.String())
	}
}

// A connection with no traffic for --idle-timeout is closed; the host key
// is the same after a restart; a key taken out of the file no longer gets
// in, without a restart.
func TestSSHIdleHostKeyAndRemovedKey(t *testing.T) {
	e := newSSHEnv(t, "alice", "bob")
	e.start("--idle-timeout", "1s")
	first := e.hostKey
	alice := e.connect("alice", 80, 24)
	alice.waitFor("board", "synced")
	alice.exit() // the connection is cut: no exit status
	e.waitLog("the idle session closed by the server", `msg="ssh session ended" user=alice`)

	// Only bob's line stays in the file.
	var kept []string
	raw, _ := os.ReadFile(filepath.Join(e.dir, "authorized_keys"))
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasSuffix(l, " bob") {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(filepath.Join(e.dir, "authorized_keys"), []byte(strings.Join(kept, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.dial(e.keys["alice"]); err == nil {
		t.Fatal("a key taken out of the file still got in")
	}

	e.shutdown()
	e.addr = ""
	e.start()
	if !bytes.Equal(e.hostKey.Marshal(), first.Marshal()) {
		t.Fatal("the host key changed across a restart")
	}
	e.connect("bob", 80, 24).waitFor("after a restart", "synced")
}

// keepKeys rewrites the authorized keys file with only the lines keep
// says to, changed as it says.
func (e *sshEnv) keepKeys(keep func(line string) (string, bool)) {
	e.t.Helper()
	path := filepath.Join(e.dir, "authorized_keys")
	raw, err := os.ReadFile(path)
	if err != nil {
		e.t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if l, ok := keep(l); ok {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(kept, "\n")+"\n"), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// endsWithin waits for the session to end, failing if it is still open
// after d.
func (s *sshTerm) endsWithin(d time.Duration) error {
	s.t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(d):
		s.t.Fatalf("%s's session is still open %s later:\n%s", s.name, d, s.vt.screen())
		return nil
	}
}

// Taking a key out of the file ends its open sessions, not only its next
// login: the person is told and the session closes within seconds. Giving
// a key to someone else ends its sessions too. Everyone else stays.
func TestSSHRemovedKeyEndsSession(t *testing.T) {
	e := newSSHEnv(t, "alice", "bob", "carol")
	e.start()
	alice := e.connect("alice", 100, 30)
	bob := e.connect("bob", 100, 30)
	carol := e.connect("carol", 100, 30)
	for _, s := range []*sshTerm{alice, bob, carol} {
		s.waitFor("board", "synced")
	}

	// A file caught half written (here: empty for a moment, as a shell's
	// > leaves it) ends no one's session.
	path := filepath.Join(e.dir, "authorized_keys")
	all, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, nil, 0o600)
	time.Sleep(100 * time.Millisecond)
	os.WriteFile(path, all, 0o600)
	time.Sleep(3 * time.Second)
	for _, s := range []*sshTerm{alice, bob, carol} {
		select {
		case err := <-s.done:
			t.Fatalf("%s's session ended (%v) when the file was empty for a moment", s.name, err)
		default:
		}
	}

	e.keepKeys(func(l string) (string, bool) { return l, !strings.HasSuffix(l, " alice") })
	var exit *gossh.ExitError
	if err := alice.endsWithin(5 * time.Second); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("the session of a removed key ended with %v, want exit status 1", err)
	}
	if !strings.Contains(alice.vt.screen(), "lanes: your key was removed from this server's authorized keys; goodbye") {
		t.Fatalf("alice was not told her key was removed:\n%s", alice.vt.screen())
	}
	e.waitLog("the log", `msg="ssh: a key left the authorized keys; closing its session" user=alice`)

	// carol's key is now dave's: carol's session ends.
	e.keepKeys(func(l string) (string, bool) {
		if k, ok := strings.CutSuffix(l, " carol"); ok {
			return k + " dave", true
		}
		return l, true
	})
	if err := carol.endsWithin(5 * time.Second); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("the session of a key given to another user ended with %v, want exit status 1", err)
	}
	if !strings.Contains(carol.vt.screen(), "lanes: your key's line in this server's authorized keys changed; goodbye") {
		t.Fatalf("carol was not told her key changed:\n%s", carol.vt.screen())
	}

	// bob is still on his board, and it still answers.
	select {
	case err := <-bob.done:
		t.Fatalf("bob's session ended with %v when others' keys were removed", err)
	default:
	}
	bob.keys("n")
	bob.waitFor("new card prompt", "title of the new card")
	bob.keys("Still here\r")
	bob.waitFor("card made", "Still here", "synced")

	// The file taken away lets no one in: bob's session ends too.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := bob.endsWithin(5 * time.Second); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("with the authorized keys file gone bob's session ended with %v, want exit status 1", err)
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
