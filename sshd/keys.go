package sshd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/lanesboard/lanes/api"
	gossh "golang.org/x/crypto/ssh"
)

// keyEntry is one line of the authorized keys file: who the key is, and
// the token to act with on a remote server (environment="LANES_TOKEN=…").
type keyEntry struct {
	name  string
	token string
	line  int
}

// authorizedKeys is the authorized keys file of `lanes ssh`, read again
// whenever it changes on disk (checked at each login, and by watch while
// the server runs).
type authorizedKeys struct {
	path string
	log  *slog.Logger // told of each line a read skips

	mu      sync.Mutex
	modTime time.Time
	size    int64
	keys    map[string]keyEntry // by the key's wire form
}

func newAuthorizedKeys(path string, log *slog.Logger) (*authorizedKeys, error) {
	k := &authorizedKeys{path: path, log: log}
	if err := k.refresh(); err != nil {
		return nil, err
	}
	return k, nil
}

// lookup finds who a key is, reading the file again first if it changed.
// A file that can't be read is an error, but the keys read last still
// answer.
func (k *authorizedKeys) lookup(key gossh.PublicKey) (keyEntry, bool, error) {
	err := k.refresh()
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.keys[string(key.Marshal())]
	return e, ok, err
}

// entry is who the key with this wire form is, as the file was last read.
func (k *authorizedKeys) entry(id string) (keyEntry, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.keys[id]
	return e, ok
}

// watch reads the file again every interval, if it changed, and then
// calls check, until ctx ends. check runs at every tick, not only after a
// change this watch saw: a login may have read the change first. A file
// that can't be read is logged once, not at every tick, and the keys read
// last still answer.
func (k *authorizedKeys) watch(ctx context.Context, every time.Duration, check func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	var last string
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := k.refresh()
		switch {
		case err != nil && err.Error() != last:
			k.log.Error("read the authorized keys", "err", err)
			last = err.Error()
		case err == nil && last != "":
			k.log.Info("authorized keys: read again", "keys", k.count())
			last = ""
		}
		check()
	}
}

// count is how many keys are allowed.
func (k *authorizedKeys) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.keys)
}

// refresh reads the file if it changed since it was last read. A file that
// can't be read keeps the keys read last (an editor may be saving it).
func (k *authorizedKeys) refresh() error {
	fi, err := os.Stat(k.path)
	if errors.Is(err, fs.ErrNotExist) {
		// A file taken away lets no one in, and ends the sessions it let
		// in, as emptying it does; one being replaced is away too briefly
		// for two sweeps to see it gone.
		k.mu.Lock()
		k.keys, k.modTime, k.size = map[string]keyEntry{}, time.Time{}, -1
		k.mu.Unlock()
		return fmt.Errorf("authorized keys: %w: no one can log in until it is back", err)
	}
	if err != nil {
		return fmt.Errorf("authorized keys: %w", err)
	}
	k.mu.Lock()
	same := k.keys != nil && fi.ModTime().Equal(k.modTime) && fi.Size() == k.size
	k.mu.Unlock()
	if same {
		return nil
	}
	raw, err := os.ReadFile(k.path)
	if err != nil {
		return fmt.Errorf("authorized keys: %w", err)
	}
	keys, skipped := parseAuthorizedKeys(k.path, raw)
	k.mu.Lock()
	k.keys, k.modTime, k.size = keys, fi.ModTime(), fi.Size()
	k.mu.Unlock()
	for _, why := range skipped {
		k.log.Warn("authorized keys: line skipped", "why", why)
	}
	return nil
}

// parseAuthorizedKeys reads OpenSSH authorized_keys lines whose comment is
// the lanes user name. Lines that can't be used are skipped, each with the
// reason.
func parseAuthorizedKeys(path string, raw []byte) (map[string]keyEntry, []string) {
	keys := map[string]keyEntry{}
	var skipped []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, comment, options, _, err := gossh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s:%d: not a public key: %v", path, n, err))
			continue
		}
		name := strings.TrimSpace(comment)
		if err := api.CheckUserName(name); err != nil {
			skipped = append(skipped, fmt.Sprintf("%s:%d: the comment after the key is the lanes user name: %v", path, n, err))
			continue
		}
		e := keyEntry{name: name, line: n}
		for _, o := range options {
			if v, ok := strings.CutPrefix(o, "environment="); ok {
				if tok, ok := strings.CutPrefix(strings.Trim(v, `"`), "LANES_TOKEN="); ok {
					e.token = tok
				}
			}
		}
		id := string(key.Marshal())
		if prev, dup := keys[id]; dup && prev.name != name {
			skipped = append(skipped, fmt.Sprintf("%s:%d: this key is already %s's (line %d); a key is one person", path, n, prev.name, prev.line))
			continue
		}
		keys[id] = e
	}
	return keys, skipped
}
