package board

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
)

// lockedBuffer is a log both the test and the engine's commands may touch.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// With Options.Log (lanes --debug engine) the engine writes down each
// decision a bug report needs: opening with what the outbox held, the
// fetch its pending changes were rebased onto, each change queued, sent,
// and confirmed or refused with the server's words.
func TestEngineLogsItsDecisions(t *testing.T) {
	env := newTestEnv(t, 31)
	card, err := env.direct.CreateTask(context.Background(), api.TaskCreate{ProjectID: env.project, Title: "Logged card"})
	if err != nil {
		t.Fatal(err)
	}
	var log lockedBuffer
	d := &driver{t: t, env: env, dir: t.TempDir(), token: env.token, msgs: make(chan any, 1024),
		log: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	d.open()
	d.settle(5 * time.Second)
	d.do(d.e.State().Shift(card.ID, 1, time.Now()))
	d.settle(5 * time.Second)
	bad := "Bell\x07"
	d.do(d.e.State().Edit(card.ID, &bad, nil, time.Now()))
	d.settle(5 * time.Second)
	d.close()

	got := log.String()
	for _, want := range []string{
		`msg=opened project=` + env.project + ` cached_cards=0 pending=0`,
		`msg=rebased project=` + env.project + ` fetched_cards=1 pending_reapplied=0`,
		`msg=queued project=` + env.project + ` change=\S+ kind=move task=` + card.ID,
		`msg=sent project=` + env.project + ` task=` + card.ID + ` op=patch changes=\[\S+\] kinds=\[move\] base_version=1`,
		`msg=confirmed project=` + env.project + ` task=` + card.ID + ` op=patch changes=\[\S+\] version=2`,
		`msg=failed project=` + env.project + ` task=` + card.ID + ` op=patch changes=\[\S+\] class=refused error="title must not contain control characters`,
	} {
		if !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("the engine's log lacks %s; it holds:\n%s", want, got)
		}
	}
	if strings.Contains(got, env.token) {
		t.Fatal("the engine's log holds the token")
	}
}
