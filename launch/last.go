package launch

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/safe"
)

// LastFile is last-board.json in a data directory: the board opened last
// on a server, with what its first frame needs, so a plain "lanes" opens
// it again, at once, even with the server away. Its writers in one process
// (the board, the switcher, the background check) take turns.
type LastFile struct {
	dir, server string
	mu          sync.Mutex
}

// LastBoard is one server's record in last-board.json.
type LastBoard struct {
	Server      string   `json:"server"`
	Space       string   `json:"space"`   // id
	Project     string   `json:"project"` // id
	SpaceName   string   `json:"spaceName,omitempty"`
	SpaceSlug   string   `json:"spaceSlug,omitempty"`
	ProjectName string   `json:"projectName,omitempty"`
	ProjectSlug string   `json:"projectSlug,omitempty"`
	Role        api.Role `json:"role,omitempty"`  // the person's, in the space
	Actor       string   `json:"actor,omitempty"` // the person's user id
	// AskedSpace and AskedProject are the --space and --project that led
	// to this board: asked again, they lead to it again.
	AskedSpace   string `json:"askedSpace,omitempty"`
	AskedProject string `json:"askedProject,omitempty"`
}

// maxLastBoard is more than any honest last-board.json; maxServers is
// how many servers' last boards it keeps, the latest first.
const (
	maxLastBoard = 64 << 10
	maxServers   = 16
)

// NewLastFile is last-board.json in the data directory dir, for the
// server known as server (its URL, or "local").
func NewLastFile(dir, server string) *LastFile {
	return &LastFile{dir: dir, server: server}
}

func (f *LastFile) read() (LastBoard, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return readLast(f.dir, f.server)
}

// readLasts reads every server's record. The file is the person's own,
// but it is read as carefully as any: too big or not JSON, it holds none.
func readLasts(dir string) []LastBoard {
	fh, err := os.Open(filepath.Join(dir, "last-board.json"))
	if err != nil {
		return nil
	}
	defer fh.Close()
	raw, err := io.ReadAll(io.LimitReader(fh, maxLastBoard+1))
	var file struct {
		Boards []LastBoard `json:"boards"`
		// The one record an older lanes wrote, at the top level.
		LastBoard
	}
	if err != nil || len(raw) > maxLastBoard || json.Unmarshal(raw, &file) != nil {
		return nil
	}
	if file.Boards == nil && file.Server != "" {
		file.Boards = []LastBoard{file.LastBoard}
	}
	return file.Boards
}

// Remembered is what the data directory dir remembers of server's boards
// (its last one), with names made harmless to draw.
func Remembered(dir, server string) []LastBoard {
	if l, ok := readLast(dir, server); ok {
		return []LastBoard{l}
	}
	return nil
}

// readLast is the server's record, if there is one with a project; its
// names are drawn, so made harmless, and an unknown role is none.
func readLast(dir, server string) (LastBoard, bool) {
	all := readLasts(dir)
	i := slices.IndexFunc(all, func(l LastBoard) bool { return l.Server == server })
	if i < 0 {
		return LastBoard{}, false
	}
	l := all[i]
	if l.Project == "" {
		return LastBoard{}, false
	}
	for _, s := range []*string{&l.SpaceName, &l.SpaceSlug, &l.ProjectName, &l.ProjectSlug} {
		*s = safe.Line(*s)
	}
	switch l.Role {
	case api.RoleOwner, api.RoleAdmin, api.RoleMember, api.RoleViewer:
	default:
		l.Role = ""
	}
	return l, true
}

// writeLast remembers l as its server's last board; failing to is not
// worth stopping for. A record with no actor keeps the one remembered for
// the same server: the data directory is one person's.
func writeLast(dir string, l LastBoard) {
	if l.Actor == "" {
		if old, ok := readLast(dir, l.Server); ok {
			l.Actor = old.Actor
		}
	}
	others := slices.DeleteFunc(readLasts(dir), func(o LastBoard) bool { return o.Server == l.Server })
	saveLasts(dir, append([]LastBoard{l}, others...))
}

// saveLasts writes the records, whole or not at all: another lanes on the
// same data directory may be reading them.
func saveLasts(dir string, boards []LastBoard) {
	raw, err := json.Marshal(struct {
		Boards []LastBoard `json:"boards"`
	}{boards[:min(len(boards), maxServers)]})
	if err != nil {
		return
	}
	path := filepath.Join(dir, "last-board.json")
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if os.MkdirAll(dir, 0o700) != nil || os.WriteFile(tmp, raw, 0o600) != nil || os.Rename(tmp, path) != nil {
		os.Remove(tmp)
	}
}

// write remembers sp / p as the board opened last, found by q.
func (f *LastFile) write(sp api.Space, p api.Project, q Query) {
	f.mu.Lock()
	defer f.mu.Unlock()
	writeLast(f.dir, LastBoard{Server: f.server, Space: sp.ID, Project: p.ID,
		SpaceName: sp.Name, SpaceSlug: sp.Slug, ProjectName: p.Name, ProjectSlug: p.Slug, Role: sp.Role,
		AskedSpace: q.Space, AskedProject: q.Project})
}

// update changes the record if it is still of the Project: the switcher
// may have moved on since the caller looked.
func (f *LastFile) update(project string, change func(*LastBoard)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := readLast(f.dir, f.server)
	if !ok || l.Project != project {
		return
	}
	change(&l)
	writeLast(f.dir, l)
}

// forget drops the server's record if it is still of the project.
func (f *LastFile) forget(project string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	all := readLasts(f.dir)
	kept := slices.DeleteFunc(slices.Clone(all), func(l LastBoard) bool { return l.Server == f.server && l.Project == project })
	if len(kept) < len(all) {
		saveLasts(f.dir, kept)
	}
}

// complete says the record has what a first frame needs.
func (l LastBoard) complete() bool {
	return l.Space != "" && l.Project != "" && l.SpaceName != "" && l.ProjectName != ""
}

// answers says the remembered board is the one q asks for, as far as can
// be told without the server.
func (l LastBoard) answers(q Query) bool {
	if !l.complete() {
		return false
	}
	switch {
	case q.Space == "" && q.Project == "":
		return true
	case q.Space == l.AskedSpace && q.Project == l.AskedProject:
		return true
	case q.Project == "":
		return false // the space's first project, which only the server knows
	}
	space := q.Space == "" || strings.EqualFold(q.Space, l.SpaceName) || q.Space == l.SpaceSlug || q.Space == l.Space
	return space && (strings.EqualFold(q.Project, l.ProjectName) || q.Project == l.ProjectSlug || q.Project == l.Project)
}

func (l LastBoard) choice() Choice {
	return Choice{
		Space:      api.Space{ID: l.Space, Name: l.SpaceName, Slug: l.SpaceSlug, Role: l.Role},
		Project:    api.Project{ID: l.Project, SpaceID: l.Space, Name: l.ProjectName, Slug: l.ProjectSlug},
		Actor:      l.Actor,
		Remembered: true,
	}
}

// Recheck asks the server, in the background, about a board opened from
// memory: its names, the person's role and id are remembered afresh for
// next time, and a board that is gone is forgotten so the next start opens
// another. The channel closes when it is done (ctx ending ends it).
func (f *LastFile) Recheck(ctx context.Context, c Server, ch Choice) <-chan struct{} {
	done := make(chan struct{})
	if !ch.Remembered {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		sp, p, err := Find(ctx, c, Query{Space: ch.Space.ID, Project: ch.Project.ID, Archived: true})
		switch {
		case errors.Is(err, ErrNoBoard):
			f.forget(ch.Project.ID)
			return
		case err != nil:
			return // still away: what is remembered stands
		}
		var actor string
		if me, err := c.Me(ctx); err == nil {
			actor = me.ID
		}
		f.update(ch.Project.ID, func(l *LastBoard) {
			l.SpaceName, l.SpaceSlug, l.Role = sp.Name, sp.Slug, sp.Role
			l.ProjectName, l.ProjectSlug = p.Name, p.Slug
			l.Actor = cmp.Or(actor, l.Actor)
		})
	}()
	return done
}
