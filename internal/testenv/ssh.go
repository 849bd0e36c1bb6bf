package testenv

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// The client side of lanes ssh, for the tests of the SSH host (package
// sshd) and of the command that runs it: keys, the authorized keys file,
// and a person's session with a terminal, read through a VT.

// NewKey is a fresh ed25519 key for an SSH client.
func NewKey(t testing.TB) gossh.Signer {
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

// AddAuthorizedKey appends a line for key, with the lanes user name as its
// comment, to the authorized keys file at path (made if there is none).
// options (like environment="LANES_TOKEN=kt_...") go before the key, as in
// OpenSSH's own file.
func AddAuthorizedKey(t testing.TB, path string, key gossh.PublicKey, name, options string) {
	t.Helper()
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(key))) + " " + name + "\n"
	if options != "" {
		line = options + " " + line
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line); err != nil {
		t.Fatal(err)
	}
}

// HostKey is the public half of the host key lanes ssh keeps in the data
// directory dir.
func HostKey(dir string) (gossh.PublicKey, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "ssh_host_ed25519_key"))
	if err != nil {
		return nil, fmt.Errorf("the host key is not in the data directory: %w", err)
	}
	k, err := gossh.ParsePrivateKey(raw)
	if err != nil {
		return nil, fmt.Errorf("the host key: %w", err)
	}
	return k.PublicKey(), nil
}

// DialSSH connects to addr with key, trusting only hostKey.
func DialSSH(addr string, hostKey gossh.PublicKey, key gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            "anyone", // lanes knows people by their key, not this
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.FixedHostKey(hostKey),
		Timeout:         5 * time.Second,
	})
}

// TermSpec is the terminal a session asks for.
type TermSpec struct {
	Type    string            // TERM (default xterm-256color)
	W, H    int               // the pty's size
	Command string            // run instead of the shell (which is the board)
	Env     map[string]string // sent to the server before the session starts
	// VT is the screen the output is drawn on (default: a VT of W×H). Out,
	// if set, takes the output instead of VT and Raw, and is to draw it on
	// VT itself.
	VT  *VT
	Out io.Writer
}

// Term is one person's SSH session with a terminal.
type Term struct {
	Name    string
	Client  *gossh.Client
	Session *gossh.Session
	VT      *VT
	Raw     *SyncBuffer // every byte the server sent (unless TermSpec.Out took them)
	Stderr  *SyncBuffer

	t     testing.TB
	stdin io.Writer
	done  chan error
}

// OpenTerm connects to addr as name, with key, and starts a session with
// the terminal spec asks for; the connection closes when the test ends.
func OpenTerm(t testing.TB, addr string, hostKey gossh.PublicKey, name string, key gossh.Signer, spec TermSpec) *Term {
	t.Helper()
	client, err := DialSSH(addr, hostKey, key)
	if err != nil {
		t.Fatalf("%s can't connect: %v", name, err)
	}
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if spec.Type == "" {
		spec.Type = "xterm-256color"
	}
	if err := sess.RequestPty(spec.Type, spec.H, spec.W, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	for k, v := range spec.Env {
		if err := sess.Setenv(k, v); err != nil {
			t.Fatalf("send %s: %v", k, err)
		}
	}
	if spec.VT == nil {
		spec.VT = NewVT(spec.W, spec.H)
	}
	term := &Term{t: t, Name: name, Client: client, Session: sess, VT: spec.VT, Raw: &SyncBuffer{}, Stderr: &SyncBuffer{}, done: make(chan error, 1)}
	sess.Stdout, sess.Stderr = io.MultiWriter(term.VT, term.Raw), term.Stderr
	if spec.Out != nil {
		sess.Stdout = spec.Out
	}
	if term.stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	start := sess.Shell
	if spec.Command != "" {
		start = func() error { return sess.Start(spec.Command) }
	}
	if err := start(); err != nil {
		t.Fatal(err)
	}
	go func() { term.done <- sess.Wait() }()
	return term
}

// Keys types k.
func (s *Term) Keys(k string) {
	s.t.Helper()
	if _, err := io.WriteString(s.stdin, k); err != nil {
		s.t.Fatalf("%s typing %q: %v", s.Name, k, err)
	}
}

// WaitFor polls the session's screen until every want is on it.
func (s *Term) WaitFor(what string, want ...string) string {
	s.t.Helper()
	var screen string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		screen = s.VT.Screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(screen, w)
		}
		if ok {
			return screen
		}
	}
	s.t.Fatalf("%s's screen, %s: never saw %q; it shows:\n%s", s.Name, what, want, screen)
	return ""
}

// WaitColumn waits until the named column on the screen holds title.
func (s *Term) WaitColumn(col, title string) {
	s.t.Helper()
	var screen string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		screen = s.VT.Screen()
		if strings.Contains(Column(screen, col), title) {
			return
		}
	}
	s.t.Fatalf("%s's screen never showed %q in %s:\n%s", s.Name, title, col, screen)
}

// Done is the session's end: how it ended, once it has.
func (s *Term) Done() <-chan error { return s.done }

// Exit waits for the session to end and is how it ended.
func (s *Term) Exit() error {
	s.t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(15 * time.Second):
		s.t.Fatalf("%s's session did not end:\n%s", s.Name, s.VT.Screen())
		return nil
	}
}

// EndsWithin waits for the session to end, failing if it is still open
// after d.
func (s *Term) EndsWithin(d time.Duration) error {
	s.t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(d):
		s.t.Fatalf("%s's session is still open %s later:\n%s", s.Name, d, s.VT.Screen())
		return nil
	}
}
