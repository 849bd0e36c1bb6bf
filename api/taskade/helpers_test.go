package taskade_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api/taskade"
	"github.com/lanesboard/lanes/internal/taskadetest"
)

// board is a test server with one user, ann, who is a member of one
// workspace holding one project.
type board struct {
	s       *taskadetest.Server
	token   string
	ws      string
	project string
}

func newBoard(t *testing.T, opts ...taskadetest.Option) *board {
	t.Helper()
	s := taskadetest.New(t, opts...)
	b := &board{s: s, token: s.AddUser("ann", "Ann A.")}
	b.ws = s.AddWorkspace("Team", "ann")
	b.project = s.AddProject(b.ws, "Board")
	return b
}

// client is a client of b's server as ann, with fast retries.
func (b *board) client(opts ...taskade.Option) *taskade.Client {
	return clientOf(b.s, b.token, opts...)
}

func clientOf(s *taskadetest.Server, token string, opts ...taskade.Option) *taskade.Client {
	all := append([]taskade.Option{taskade.WithRetry(3, time.Millisecond, 5*time.Millisecond), taskade.WithTimeout(5 * time.Second)}, opts...)
	return taskade.New(s.URL, token, all...)
}

// column adds a top-level task with n cards under it.
func (b *board) column(name string, cards ...string) (id string, cardIDs []string) {
	id = b.s.AddTask(b.project, "", name)
	for _, c := range cards {
		cardIDs = append(cardIDs, b.s.AddTask(b.project, id, c))
	}
	return id, cardIDs
}

// debugLog collects the client's debug lines.
type debugLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (d *debugLog) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.buf.Write(p)
}

func (d *debugLog) String() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.buf.String()
}

// lines are the logged lines that contain substr.
func (d *debugLog) lines(substr string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(d.String()), "\n") {
		if l != "" && strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

// stored is the server's view of the tasks, as the client's Task type.
func stored(s *taskadetest.Server, project string) []taskade.Task {
	var out []taskade.Task
	for _, t := range s.Tasks(project) {
		out = append(out, taskade.Task{ID: t.ID, Text: t.Text, ParentID: t.ParentID, Completed: t.Completed})
	}
	return out
}
