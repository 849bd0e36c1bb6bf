package main

import (
	"bufio"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/lanesboard/lanes/internal/testenv"
)

// umask022 is how the perms test starts lanes: with the umask most
// systems give, which lets anyone read what is created 0644.
func umask022(bin string, args ...string) *exec.Cmd {
	return exec.Command("sh", append([]string{"-c", `umask 022; exec "$0" "$@"`, bin}, args...)...)
}

// privateOnly fails the test for every file under dir that its group or
// others may use, and every directory that is not 0700.
func privateOnly(t *testing.T, dir string) {
	t.Helper()
	var files int
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		perm := info.Mode().Perm()
		switch {
		case d.IsDir() && perm != 0o700:
			t.Errorf("directory %s is %#o, want 0700", path, perm)
		case d.IsDir():
		case perm&0o077 != 0:
			t.Errorf("file %s is %#o, want 0600 or stricter", path, perm)
			files++
		default:
			files++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	if files == 0 {
		t.Fatalf("no files in %s: the command made nothing to check", dir)
	}
}

// waitFiles waits until every path exists.
func waitFiles(t *testing.T, what string, paths ...string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		missing := ""
		for _, p := range paths {
			if m, _ := filepath.Glob(p); len(m) == 0 {
				missing = p
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s never appeared", what, missing)
		}
	}
}

// startDaemon starts cmd and returns its stderr's lines as they come; the
// process is stopped as SIGTERM does when the test ends.
func startDaemon(t *testing.T, cmd *exec.Cmd) <-chan string {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody is reading: drop it
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	return lines
}

// waitLine waits for a line matching re and returns its first group.
func waitLine(t *testing.T, what string, lines <-chan string, re *regexp.Regexp) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l := <-lines:
			if m := re.FindStringSubmatch(l); m != nil {
				return m[1]
			}
		case <-timeout:
			t.Fatalf("%s: never said %s", what, re)
		}
	}
}

// Every command that makes files in the data directory makes them for
// its owner only: the database (and its -wal and -shm), tokens, the host
// key, outboxes, caches, logs, and the directories that hold them.
func TestDataFilesArePrivate(t *testing.T) {
	bin := builtLanes(t)
	fresh := func(t *testing.T) string { return filepath.Join(t.TempDir(), "data") }
	run := func(t *testing.T, data string, args ...string) {
		t.Helper()
		cmd := umask022(bin, append([]string{"--data", data}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("lanes %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"token create", []string{"token", "create"}},
		{"user create", []string{"user", "create", "bob"}},
		{"space create", []string{"space", "create", "Team"}},
		{"space list", []string{"space", "list"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := fresh(t)
			run(t, data, c.args...)
			privateOnly(t, data)
		})
	}

	t.Run("serve", func(t *testing.T) {
		data := fresh(t)
		cmd := umask022(bin, "--data", data, "serve", "--addr", "127.0.0.1:0")
		lines := startDaemon(t, cmd)
		waitLine(t, "lanes serve", lines, regexp.MustCompile(`lanes serving.* url=(\S+)`))
		waitFiles(t, "lanes serve", filepath.Join(data, "lanes.db-wal"), filepath.Join(data, "lanes.db-shm"))
		privateOnly(t, data)
	})

	t.Run("board", func(t *testing.T) {
		s := tmuxServer(t, "perms")
		home := t.TempDir()
		data, state := filepath.Join(home, "data"), filepath.Join(home, "state")
		// The local board, logging its HTTP requests and its engine's
		// decisions, in a state directory of its own.
		s.run("umask 022; LANES_STATE=" + shq(state) + " " + boardCmd(bin, home, data, "--debug", "http,engine"))
		s.waitFor("the local board", "Welcome to lanes", "synced")
		s.tmux("send-keys", "-t", "lanes", "q")
		s.waitFor("quit", "lanes exited 0")
		// A board on a task server, in a data directory of its own.
		srvData := t.TempDir()
		tok := strings.TrimSpace(mustRun(t, srvData, "token", "create"))
		base := startServe(t, srvData)
		remote := filepath.Join(home, "remote")
		s.run("umask 022; " + boardCmd(bin, home, remote, "--server", base, "--token", tok))
		s.waitFor("the board on a server", "Personal / General", "synced")
		s.tmux("send-keys", "-t", "lanes", "q")
		s.waitFor("quit", "lanes exited 0")
		waitFiles(t, "the logs", filepath.Join(state, "http.log"), filepath.Join(state, "server.log"), filepath.Join(state, "engine.log"))
		privateOnly(t, state)
		waitFiles(t, "the boards", filepath.Join(data, "local-token"),
			filepath.Join(data, "last-board.json"), filepath.Join(data, "boards", "*.outbox"), filepath.Join(data, "boards", "*.cache"),
			filepath.Join(remote, "last-board.json"), filepath.Join(remote, "boards", "*.cache"))
		privateOnly(t, data)
		privateOnly(t, remote)
	})

	t.Run("ssh", func(t *testing.T) {
		data := fresh(t)
		if err := os.Mkdir(data, 0o700); err != nil {
			t.Fatal(err)
		}
		key := testenv.NewKey(t)
		line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(key.PublicKey()))) + " alice\n"
		if err := os.WriteFile(filepath.Join(data, "authorized_keys"), []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
		lines := startDaemon(t, umask022(bin, "--data", data, "ssh", "--addr", "127.0.0.1:0"))
		addr := waitLine(t, "lanes ssh", lines, regexp.MustCompile(`lanes ssh serving" addr=(\S+)`))
		client, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "alice", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		sess, err := client.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.RequestPty("xterm", 30, 100, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		sess.Stdout = io.Discard
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		user := filepath.Join(data, "ssh", "alice")
		waitFiles(t, "alice's session", filepath.Join(data, "ssh_host_ed25519_key"), filepath.Join(user, "token"),
			filepath.Join(user, "1", "last-board.json"), filepath.Join(user, "1", "boards", "*.outbox"))
		client.Close()
		privateOnly(t, data)
	})
}
