package sshd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/wish/testsession"
	gossh "golang.org/x/crypto/ssh"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/server/store"
)

// sshEnv is the SSH host on a fresh data directory, served in this
// process on a loopback port as lanes ssh serves it, with a key per
// person. Without a task server of its own (remote) it serves the data
// directory's, as lanes ssh does without --server.
type sshEnv struct {
	t       *testing.T
	dir     string
	keys    map[string]gossh.Signer
	addr    string
	hostKey gossh.PublicKey
	log     *testenv.SyncBuffer // the host's log, since the last start
	srv     *Server             // the host, since the last start
	ls      *local.Server       // the data directory's task server, once started
	stop    context.CancelFunc
	done    chan error

	mu   sync.Mutex
	made []string // the users the local server made at their first login
}

func newSSHEnv(t *testing.T, names ...string) *sshEnv {
	t.Helper()
	e := &sshEnv{t: t, dir: t.TempDir(), keys: map[string]gossh.Signer{}}
	for _, n := range names {
		e.addKey(n)
	}
	return e
}

// keysFile is the authorized keys file, in the data directory as lanes
// ssh has it by default.
func (e *sshEnv) keysFile() string { return filepath.Join(e.dir, "authorized_keys") }

// addKey gives name a key and appends it to the authorized keys file.
func (e *sshEnv) addKey(name string) {
	e.t.Helper()
	e.keys[name] = testenv.NewKey(e.t)
	testenv.AddAuthorizedKey(e.t, e.keysFile(), e.keys[name].PublicKey(), name, "")
}

// addTokenKey gives name a key whose line carries the token their
// sessions act with (lanes ssh --server).
func (e *sshEnv) addTokenKey(name, token string) {
	e.t.Helper()
	e.keys[name] = testenv.NewKey(e.t)
	testenv.AddAuthorizedKey(e.t, e.keysFile(), e.keys[name].PublicKey(), name, `environment="LANES_TOKEN=`+token+`"`)
}

// local is the data directory's task server, started at its first use
// and stopped when the test ends (after every start's host: cleanups run
// last registered first).
func (e *sshEnv) local() *local.Server {
	e.t.Helper()
	if e.ls == nil {
		ls, err := local.Start(context.Background(), e.dir, local.Config{Log: io.Discard})
		if err != nil {
			e.t.Fatal(err)
		}
		e.t.Cleanup(func() {
			// Every board is closed by now: the task server stops at once,
			// spare connections of their clients or not.
			if err := ls.Stop(); err != nil {
				e.t.Errorf("stop the task server: %v", err)
			}
		})
		e.ls = ls
	}
	return e.ls
}

// localUsers is a Config.Client acting as each person on the data
// directory's task server, as lanes ssh without --server has it: a user
// is made at their first login, which made records.
func (e *sshEnv) localUsers() func(context.Context, string, string) (launch.Server, func(), error) {
	ls := e.local()
	return func(ctx context.Context, name, _ string) (launch.Server, func(), error) {
		token, made, err := ls.UserToken(ctx, e.dir, name)
		if err != nil {
			return nil, nil, err
		}
		if made {
			e.mu.Lock()
			e.made = append(e.made, name)
			e.mu.Unlock()
		}
		return launch.Krokanti(api.New(ls.URL, token)), func() {}, nil
	}
}

// madeUsers are the users made at their first login so far.
func (e *sshEnv) madeUsers() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.made)
}

// remote is the Config of a host serving the boards of the task server
// at url, as lanes ssh --server has it: each key line carries the token
// its person acts with.
func remote(url string) Config {
	return Config{ServerKey: url, NeedToken: true, Client: func(_ context.Context, _, token string) (launch.Server, func(), error) {
		return launch.Krokanti(api.New(url, token)), func() {}, nil
	}}
}

// config fills in what every host of the env has: the data directory,
// its authorized keys file, a log the test reads, lanes ssh's session
// limit unless cfg has one, and the local task server unless cfg has a
// client.
func (e *sshEnv) config(cfg Config) Config {
	e.log = &testenv.SyncBuffer{}
	cfg.Dir, cfg.KeysFile = e.dir, e.keysFile()
	cfg.Log = slog.New(slog.NewTextHandler(e.log, nil))
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = 500
	}
	if cfg.Client == nil {
		cfg.ServerKey, cfg.Client = "local", e.localUsers()
	}
	return cfg
}

// start serves the host of cfg (see config) on a loopback port until the
// test ends.
func (e *sshEnv) start(cfg Config) {
	e.t.Helper()
	srv, err := New(e.config(cfg))
	if err != nil {
		e.t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	e.addr, e.stop, e.done, e.srv = ln.Addr().String(), cancel, done, srv
	go func() { done <- srv.Serve(ctx, ln) }()
	e.t.Cleanup(func() {
		cancel()
		<-done
		ln.Close() // in case Serve never took it
	})
	// Serve makes the host key on first start; the listener takes
	// connections already, but a client must know the key.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if e.hostKey, err = testenv.HostKey(e.dir); err == nil {
			return
		}
		select {
		case err := <-done:
			done <- err // for the cleanup
			e.t.Fatalf("the SSH host stopped: %v\n%s", err, e.log.String())
		default:
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%v\n%s", err, e.log.String())
		}
	}
}

// waitLog waits until the host's log says want.
func (e *sshEnv) waitLog(what, want string) {
	e.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(e.log.String(), want); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: the log never said %q:\n%s", what, want, e.log.String())
		}
	}
}

// shutdown stops the host as lanes ssh does at SIGTERM and fails unless
// Serve returns nil soon.
func (e *sshEnv) shutdown() {
	e.t.Helper()
	e.stop()
	select {
	case err := <-e.done:
		e.done <- err // for the cleanup
		if err != nil {
			e.t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		e.t.Fatal("the SSH host did not stop")
	}
}

func (e *sshEnv) dial(key gossh.Signer) (*gossh.Client, error) {
	return testenv.DialSSH(e.addr, e.hostKey, key)
}

func (e *sshEnv) connect(name string, w, h int) *testenv.Term {
	e.t.Helper()
	return e.connectTerm(name, "xterm-256color", w, h, "")
}

// connectTerm connects with a terminal of the given type, running command
// (none: the shell, which is the board).
func (e *sshEnv) connectTerm(name, termType string, w, h int, command string) *testenv.Term {
	e.t.Helper()
	return testenv.OpenTerm(e.t, e.addr, e.hostKey, name, e.keys[name], testenv.TermSpec{Type: termType, W: w, H: h, Command: command})
}

// testHost serves the host of cfg (see config) with wish's testsession:
// the SSH server and its handlers alone, without Serve's watch of the
// keys file or its shutdown, for what a session meets before its board
// opens. login opens a session as name; its error is the connection's.
func (e *sshEnv) testHost(cfg Config) (login func(name string) (*gossh.Session, error)) {
	e.t.Helper()
	s, err := New(e.config(cfg))
	if err != nil {
		e.t.Fatal(err)
	}
	srv, err := s.newServer("127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	hostKey, err := testenv.HostKey(e.dir) // newServer made it
	if err != nil {
		e.t.Fatal(err)
	}
	addr := testsession.Listen(e.t, srv)
	return func(name string) (*gossh.Session, error) {
		e.t.Helper()
		return testsession.NewClientSession(e.t, addr, &gossh.ClientConfig{
			User:            "anyone",
			Auth:            []gossh.AuthMethod{gossh.PublicKeys(e.keys[name])},
			HostKeyCallback: gossh.FixedHostKey(hostKey),
			Timeout:         5 * time.Second,
		})
	}
}

// db is the data directory's database, as the local task server has it.
func (e *sshEnv) db() *store.Store { return e.local().Store }

// serverColumn is the name of the column the card is in on the server,
// once the server has it. (The screen can't say when that is: the frame
// before the title's enter is handled holds the title, typed in the
// column's new-card line, and the "synced" of before.)
func (e *sshEnv) serverColumn(st *store.Store, title string) string {
	e.t.Helper()
	var (
		col string
		err error
	)
	for deadline := time.Now().Add(15 * time.Second); col == "" && err == nil && time.Now().Before(deadline); {
		if col, err = e.findOnServer(st, title); col == "" && err == nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err != nil || col == "" {
		e.t.Fatalf("find %q on the server: %v", title, err)
	}
	return col
}

// findOnServer is the name of the column the card is in on the server
// ("" while it has no such card).
func (e *sshEnv) findOnServer(st *store.Store, title string) (string, error) {
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
	return col, err
}

// A person with a key in the file gets a board of their own over ssh: at
// first login lanes makes their user; what they type reaches the server;
// q ends the session cleanly.
func TestSSHBoard(t *testing.T) {
	e := newSSHEnv(t, "alice")
	e.start(Config{})
	alice := e.connect("alice", 100, 30)
	alice.WaitFor("first login", "Personal / General", "To Do", "synced")
	alice.Keys("n")
	alice.WaitFor("new card prompt", "title of the new card")
	alice.Keys("Made over ssh\r")
	alice.WaitFor("card made", "Made over ssh", "synced")
	if got := e.serverColumn(e.db(), "Made over ssh"); got != "To Do" {
		t.Fatalf("the card is in %q on the server, want To Do", got)
	}
	alice.Keys("q")
	if err := alice.Exit(); err != nil {
		t.Fatalf("q should end the session with status 0: %v", err)
	}
	// The log line of a first login is lanes ssh's (ssh_cmd_test.go).
	if got := e.madeUsers(); !slices.Equal(got, []string{"alice"}) {
		t.Fatalf("the users made at first login are %q, want alice", got)
	}
}

// Two people on the team board see each other's moves as they happen; a
// Viewer sees them too, is told the board is read-only, and changes
// nothing.
func TestSSHTeamBoard(t *testing.T) {
	e := newSSHEnv(t, "alice", "bob", "carol")
	// As lanes user create, space create --owner and space add do it.
	err := e.db().Write(context.Background(), func(tx *store.Tx) error {
		ids := map[string]string{}
		for _, name := range []string{"alice", "bob", "carol"} {
			u, err := tx.CreateUser(name, nil, false)
			if err != nil {
				return err
			}
			ids[name] = u.ID
		}
		sp, _, err := tx.CreateSpace(&store.Space{Name: "Team", Slug: "team"}, ids["alice"])
		if err != nil {
			return err
		}
		if _, err := tx.AddMember(sp.ID, ids["bob"], store.RoleMember); err != nil {
			return err
		}
		_, err = tx.AddMember(sp.ID, ids["carol"], store.RoleViewer)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.start(Config{Space: "Team"})
	alice := e.connect("alice", 120, 30)
	bob := e.connect("bob", 120, 30)
	carol := e.connect("carol", 120, 30)
	for _, s := range []*testenv.Term{alice, bob, carol} {
		s.WaitFor("the team board", "Team / General", "synced")
	}
	alice.Keys("n")
	alice.WaitFor("new card prompt", "title of the new card")
	alice.Keys("Shared card\r")
	bob.WaitColumn("To Do", "Shared card")
	carol.WaitColumn("To Do", "Shared card")
	carol.WaitFor("a viewer's status", "read-only")

	alice.Keys("L")
	bob.WaitColumn("In Progress", "Shared card")
	carol.WaitColumn("In Progress", "Shared card")
	bob.Keys("L")
	alice.WaitColumn("In Review", "Shared card")
	carol.WaitColumn("In Review", "Shared card")

	carol.Keys("H")
	carol.WaitFor("refused move", "Read-only: you are a Viewer of Team")
	carol.Keys("n")
	if strings.Contains(carol.VT.Screen(), "title of the new card") {
		t.Fatalf("a Viewer got the new card prompt:\n%s", carol.VT.Screen())
	}
	carol.WaitColumn("In Review", "Shared card")
	if got := e.serverColumn(e.db(), "Shared card"); got != "In Review" {
		t.Fatalf("after the Viewer pressed H the card is in %q on the server", got)
	}
}

// Only keys in the file get in; a key added to the file works at once.
func TestSSHUnknownKeyRefused(t *testing.T) {
	e := newSSHEnv(t, "alice")
	e.start(Config{})
	stranger := testenv.NewKey(t)
	_, err := e.dial(stranger)
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("an unknown key got in (err %v)", err)
	}
	if !strings.Contains(e.log.String(), "ssh key refused") || !strings.Contains(e.log.String(), gossh.FingerprintSHA256(stranger.PublicKey())) {
		t.Fatalf("the refusal is not in the log with the key's fingerprint:\n%s", e.log.String())
	}
	e.addKey("dave")
	dave := e.connect("dave", 80, 24)
	dave.WaitFor("a key added while the server runs", "Personal / General", "synced")
}

// A bad line in the file is skipped, and said so; the others still work.
func TestSSHBadKeyLine(t *testing.T) {
	e := newSSHEnv(t)
	os.WriteFile(filepath.Join(e.dir, "authorized_keys"), []byte("# the team\nssh-ed25519 notakey bob\n"), 0o600)
	e.addKey("erin")
	e.start(Config{})
	if !strings.Contains(e.log.String(), "authorized_keys:2: not a public key") {
		t.Fatalf("the bad line is not reported with its number:\n%s", e.log.String())
	}
	e.connect("erin", 80, 24).WaitFor("the good key", "synced")
}

// The session limit turns away the one too many with a reason.
func TestSSHSessionLimit(t *testing.T) {
	e := newSSHEnv(t, "alice", "bob")
	e.start(Config{MaxSessions: 1})
	alice := e.connect("alice", 80, 24)
	alice.WaitFor("the first session", "synced")
	bob := e.connect("bob", 80, 24)
	var exit *gossh.ExitError
	if err := bob.Exit(); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("the session over the limit ended with %v, want exit status 1", err)
	}
	if !strings.Contains(bob.Stderr.String(), "the board is full") {
		t.Fatalf("the session over the limit was not told why: %q", bob.Stderr.String())
	}
}

// Stopping the server closes every board, telling each person, and the
// host's Serve returns nil.
func TestSSHShutdown(t *testing.T) {
	e := newSSHEnv(t, "alice")
	e.start(Config{})
	alice := e.connect("alice", 80, 24)
	alice.WaitFor("board", "synced")
	e.shutdown()
	alice.Exit()
	if !strings.Contains(alice.VT.Screen(), "The lanes server is stopping") {
		t.Fatalf("alice was not told the server stopped:\n%s", alice.VT.Screen())
	}
}

// A connection that drops ends its board on the server: the session is
// logged as ended, and the person's next session takes its place (the same
// outbox directory, not a second one).
func TestSSHDroppedConnection(t *testing.T) {
	e := newSSHEnv(t, "alice")
	e.start(Config{})
	alice := e.connect("alice", 80, 24)
	alice.WaitFor("board", "synced")
	alice.Client.Close()
	e.waitLog("the dropped session ended", `msg="ssh session ended" user=alice`)
	again := e.connect("alice", 80, 24)
	again.WaitFor("board again", "synced")
	if _, err := os.Stat(filepath.Join(e.dir, "ssh", "alice", "2")); err == nil {
		t.Fatal("the dropped session still holds alice's outbox: her next session got a second one")
	}
}

// Each session is drawn for its own terminal: the colours follow the TERM
// the client sent, whatever the host's terminal is.
func TestSSHColoursFollowTheClientsTerminal(t *testing.T) {
	e := newSSHEnv(t, "alice", "bob", "carol")
	e.start(Config{})
	for _, c := range []struct {
		name, term string
		want       string // the colour sequences expected; "" for none
	}{
		{"alice", "xterm-256color", "\x1b[38;5;"},
		{"bob", "xterm-kitty", "\x1b[38;2;"},
		{"carol", "dumb", ""},
	} {
		s := e.connectTerm(c.name, c.term, 100, 30, "")
		s.WaitFor("board", "To Do", "synced")
		raw := s.Raw.String()
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
	e.start(Config{})
	alice := e.connectTerm("alice", "xterm-256color", 100, 30, "standup")
	alice.WaitFor("standup", "Standup · alice", "left", "Next up")
	alice.Keys("\x1b")
	alice.WaitFor("summary", "Standup done")
	other := e.connectTerm("alice", "xterm-256color", 100, 30, "deploy --now")
	var exit *gossh.ExitError
	if err := other.Exit(); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("an unknown command ended with %v, want exit status 1", err)
	}
	if !strings.Contains(other.Stderr.String(), `unknown command "deploy --now"`) {
		t.Fatalf("the unknown command was not named: %q", other.Stderr.String())
	}
}

// A connection with no traffic for Config.Idle is closed; the host key
// is the same after a restart; a key taken out of the file no longer gets
// in, without a restart.
func TestSSHIdleHostKeyAndRemovedKey(t *testing.T) {
	e := newSSHEnv(t, "alice", "bob")
	e.start(Config{Idle: time.Second})
	first := e.hostKey
	alice := e.connect("alice", 80, 24)
	alice.WaitFor("board", "synced")
	alice.Exit() // the connection is cut: no exit status
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
	e.start(Config{})
	if !bytes.Equal(e.hostKey.Marshal(), first.Marshal()) {
		t.Fatal("the host key changed across a restart")
	}
	e.connect("bob", 80, 24).WaitFor("after a restart", "synced")
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

// Taking a key out of the file ends its open sessions, not only its next
// login: the person is told and the session closes within seconds. Giving
// a key to someone else ends its sessions too. Everyone else stays.
func TestSSHRemovedKeyEndsSession(t *testing.T) {
	e := newSSHEnv(t, "alice", "bob", "carol")
	e.start(Config{})
	alice := e.connect("alice", 100, 30)
	bob := e.connect("bob", 100, 30)
	carol := e.connect("carol", 100, 30)
	for _, s := range []*testenv.Term{alice, bob, carol} {
		s.WaitFor("board", "synced")
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
	for _, s := range []*testenv.Term{alice, bob, carol} {
		select {
		case err := <-s.Done():
			t.Fatalf("%s's session ended (%v) when the file was empty for a moment", s.Name, err)
		default:
		}
	}

	e.keepKeys(func(l string) (string, bool) { return l, !strings.HasSuffix(l, " alice") })
	var exit *gossh.ExitError
	if err := alice.EndsWithin(5 * time.Second); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("the session of a removed key ended with %v, want exit status 1", err)
	}
	if !strings.Contains(alice.VT.Screen(), "lanes: your key was removed from this server's authorized keys; goodbye") {
		t.Fatalf("alice was not told her key was removed:\n%s", alice.VT.Screen())
	}
	e.waitLog("the log", `msg="ssh: a key left the authorized keys; closing its session" user=alice`)

	// carol's key is now dave's: carol's session ends.
	e.keepKeys(func(l string) (string, bool) {
		if k, ok := strings.CutSuffix(l, " carol"); ok {
			return k + " dave", true
		}
		return l, true
	})
	if err := carol.EndsWithin(5 * time.Second); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("the session of a key given to another user ended with %v, want exit status 1", err)
	}
	if !strings.Contains(carol.VT.Screen(), "lanes: your key's line in this server's authorized keys changed; goodbye") {
		t.Fatalf("carol was not told her key changed:\n%s", carol.VT.Screen())
	}

	// bob is still on his board, and it still answers.
	select {
	case err := <-bob.Done():
		t.Fatalf("bob's session ended with %v when others' keys were removed", err)
	default:
	}
	bob.Keys("n")
	bob.WaitFor("new card prompt", "title of the new card")
	bob.Keys("Still here\r")
	bob.WaitFor("card made", "Still here", "synced")

	// The file taken away lets no one in: bob's session ends too.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := bob.EndsWithin(5 * time.Second); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("with the authorized keys file gone bob's session ended with %v, want exit status 1", err)
	}
}

// A session without a terminal (ssh -T) is turned away with a reason,
// before any board opens for it.
func TestSSHNeedsTerminal(t *testing.T) {
	e := newSSHEnv(t, "alice")
	sess, err := e.testHost(Config{})("alice")
	if err != nil {
		t.Fatal(err)
	}
	var stderr testenv.SyncBuffer
	sess.Stderr = &stderr
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	var exit *gossh.ExitError
	if err := sess.Wait(); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("a session without a terminal ended with %v, want exit status 1", err)
	}
	if !strings.Contains(stderr.String(), "the board needs a terminal; connect with ssh -t") {
		t.Fatalf("a session without a terminal was not told why: %q", stderr.String())
	}
	if got := e.madeUsers(); len(got) != 0 {
		t.Fatalf("a session turned away made the users %q", got)
	}
}

// With a remote task server (lanes ssh --server) a key whose line has no
// token to act with does not get in, and the log names its line; a key
// with one does.
func TestSSHRemoteKeyNeedsToken(t *testing.T) {
	e := newSSHEnv(t, "alice")
	e.addTokenKey("bob", "kt_"+strings.Repeat("x", 43))
	// Nothing here opens a board, so the task server is never asked.
	login := e.testHost(remote("http://127.0.0.1:1"))
	if _, err := login("alice"); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("a key without a token got in (err %v)", err)
	}
	if !strings.Contains(e.log.String(), "ssh key refused: with --server each key needs") || !strings.Contains(e.log.String(), "user=alice line=1") {
		t.Fatalf("the refusal is not in the log with the user and line:\n%s", e.log.String())
	}
	sess, err := login("bob")
	if err != nil {
		t.Fatalf("a key with a token did not get in: %v", err)
	}
	var stderr testenv.SyncBuffer
	sess.Stderr = &stderr
	if err := sess.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	var exit *gossh.ExitError
	if err := sess.Run("deploy --now"); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("an unknown command ended with %v, want exit status 1", err)
	}
	if !strings.Contains(stderr.String(), `unknown command "deploy --now"`) {
		t.Fatalf("the unknown command was not named: %q", stderr.String())
	}
}

// The host key is on disk once New returns, before the host serves (lanes
// ssh says it serves, and people's ssh clients can be given the key, the
// moment New is done); a second New reads the same key rather than
// making another.
func TestHostKeyMadeByNew(t *testing.T) {
	e := newSSHEnv(t)
	e.addKey("erin")
	if _, err := New(e.config(Config{})); err != nil {
		t.Fatal(err)
	}
	first, err := testenv.HostKey(e.dir)
	if err != nil {
		t.Fatalf("after New: %v", err)
	}
	if _, err := New(e.config(Config{})); err != nil {
		t.Fatal(err)
	}
	again, err := testenv.HostKey(e.dir)
	if err != nil || string(again.Marshal()) != string(first.Marshal()) {
		t.Fatalf("a second New changed the host key (%v)", err)
	}
}
