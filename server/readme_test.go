package server_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// readmeBlock is the code block the README puts after the marker
// "<!-- name: …" line.
func readmeBlock(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(raw), "<!-- "+name+":")
	if !ok {
		t.Fatalf("the README has no %s", name)
	}
	_, rest, _ = strings.Cut(rest, "```")
	_, rest, _ = strings.Cut(rest, "\n") // the fence's language
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("the README's %s block never ends", name)
	}
	return block
}

// The receivers the README shows, in Go and in Python, really verify what
// a lanes server sends: each is run as written, gets a ping, prints it, and
// answers a forged request 401.
func TestReadmeWebhookReceivers(t *testing.T) {
	dir := t.TempDir()
	goSrc := filepath.Join(dir, "receiver.go")
	if err := os.WriteFile(goSrc, []byte(readmeBlock(t, "receiver.go")), 0o600); err != nil {
		t.Fatal(err)
	}
	// A module of its own, as "go mod init" makes one.
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module receiver\n\ngo 1.22\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "receiver")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the README's Go receiver does not build: %v\n%s", err, out)
	}
	t.Run("go", func(t *testing.T) { tryReceiver(t, bin) })
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("no python3: the Python receiver is not tried")
		return
	}
	pySrc := filepath.Join(dir, "receiver.py")
	if err := os.WriteFile(pySrc, []byte(readmeBlock(t, "receiver.py")), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("python", func(t *testing.T) { tryReceiver(t, py, pySrc) })
}

// tryReceiver runs a receiver (the command), subscribes it, pings it, and
// reads what it printed.
func tryReceiver(t *testing.T, command ...string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	url := fmt.Sprintf("http://127.0.0.1:%d/hook", port)

	e := newHookEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	hook := e.newWebhook(u, b.SpaceID, url, []string{"task.added"}, nil)

	cmd := exec.Command(command[0], command[1:]...)
	cmd.Env = append(os.Environ(), "LANES_WEBHOOK_SECRET="+hook.Secret, fmt.Sprintf("PORT=%d", port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var (
		mu    sync.Mutex
		lines []string
	)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			mu.Lock()
			lines = append(lines, sc.Text())
			mu.Unlock()
		}
	}()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the receiver never listened")
		}
	}

	forged, err := http.Post(url, "application/json", strings.NewReader(`{"event":"ping"}`))
	if err != nil {
		t.Fatal(err)
	}
	forged.Body.Close()
	if forged.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a request without a signature was answered %d", forged.StatusCode)
	}
	var ping struct{ Delivery tDelivery }
	e.do(u.Token, "POST", "/api/webhooks/"+hook.ID+"/ping", nil).want(t, 202, &ping)
	e.createTask(u, b.ProjectID, map[string]any{"title": "Hello receiver"})
	ds := e.waitDeliveries(u, hook.ID, "both delivered", func(ds []tDelivery) bool {
		return len(ds) == 2 && ds[0].State != "pending" && ds[1].State != "pending"
	})
	for _, d := range ds {
		if d.State != "delivered" {
			t.Fatalf("the receiver refused %+v (error %s)", d, str(d.Error))
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		got := strings.Join(lines, "\n")
		mu.Unlock()
		if strings.HasPrefix(got, "ping "+ping.Delivery.ID+" {") && strings.Contains(got, "\ntask.added ") && strings.Contains(got, "Hello receiver") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver printed:\n%s", got)
		}
	}
}
