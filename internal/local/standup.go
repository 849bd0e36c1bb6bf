package local

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/server"
)

// StandupPrompt is the report of the MCP prompt daily_standup: the one
// lanes standup prints, read through the server's own handler as the
// caller.
func StandupPrompt(order []string) server.StandupFunc {
	return func(ctx context.Context, h http.Handler, authz, projectID, userName string) (string, error) {
		c := api.New("http://lanes.internal", strings.TrimPrefix(authz, "Bearer "), api.WithTransport(handlerTransport{h}))
		sp, p, err := launch.Pick(ctx, c, "", projectID)
		if err != nil {
			return "", err
		}
		rep, title, err := launch.BuildStandup(ctx, board.NewRemote(c), sp, p, order, time.Now(), time.Time{})
		if err != nil {
			return "", err
		}
		if userName != "" {
			if rep, err = launch.OnlyPerson(rep, title, userName); err != nil {
				return "", err
			}
		}
		return rep.Markdown(title), nil
	}
}

// handlerTransport answers requests with a handler in this process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}
