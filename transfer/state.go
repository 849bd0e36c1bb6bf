package transfer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// An import remembers where it is in the state directory, so that a run
// cut short (a crash, ^C, a lost server) is finished by the next run of
// the same file into the same server instead of being done twice:
//
//	imports/KEY.json     which project the file went into, the ids of its
//	                     columns and of the columns a new project came with,
//	                     and whether the import finished
//	imports/KEY.journal  one line per object written: what it was (by its
//	                     index in the file) and, for cards and labels, the
//	                     id the server gave it
//
// KEY is made of the file's hash and the server; the Idempotency-Keys of
// the writes, of the file's hash and the project (for the project itself:
// the run and the slug) and what is written. Whatever the journal
// missed (a write whose answer never came) is sent again with the same
// Idempotency-Key, which the server answers with what it did the first
// time rather than doing it again.

// importState is imports/KEY.json.
type importState struct {
	File      string `json:"file"`
	Hash      string `json:"hash"`
	Server    string `json:"server"`
	SpaceID   string `json:"spaceId"`
	ProjectID string `json:"projectId,omitempty"`
	Project   string `json:"project,omitempty"`
	Slug      string `json:"slug,omitempty"`
	// Run counts the imports of this file into this server: a finished
	// one imported again (--again) is a new run, with keys of its own.
	Run int `json:"run"`
	// Defaults are the columns the new project came with (id, done), the
	// fixed starting point the columns are made from.
	Defaults []defaultColumn `json:"defaults,omitempty"`
	// Columns are the ids of the board's columns once made, in order.
	Columns []string `json:"columns,omitempty"`
	Done    bool     `json:"done"`
}

type defaultColumn struct {
	ID     string `json:"id"`
	IsDone bool   `json:"isDone"`
}

// stateKey names the state of importing the file with hash into server.
func stateKey(hash, server string) string {
	sum := sha256.Sum256([]byte(hash + "\n" + server))
	return hex.EncodeToString(sum[:16])
}

// stateFiles is where an import's state and journal live.
type stateFiles struct{ json, journal string }

func newStateFiles(dir, key string) stateFiles {
	d := filepath.Join(dir, "imports")
	return stateFiles{json: filepath.Join(d, key+".json"), journal: filepath.Join(d, key+".journal")}
}

// load reads the state; ok is false when there is none.
func (f stateFiles) load() (st importState, ok bool, err error) {
	raw, err := os.ReadFile(f.json)
	if errors.Is(err, fs.ErrNotExist) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("read the import's state: %w", err)
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return st, false, fmt.Errorf("read the import's state %s: %w (delete it to start the import afresh)", f.json, err)
	}
	return st, true, nil
}

// save writes the state whole (a new file renamed over the old one, so a
// crash leaves the old state or the new, never half of one).
func (f stateFiles) save(st importState) error {
	if err := os.MkdirAll(filepath.Dir(f.json), 0o700); err != nil {
		return fmt.Errorf("make the directory for import state: %w", err)
	}
	raw, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.json), ".state-*")
	if err != nil {
		return fmt.Errorf("save the import's state: %w", err)
	}
	_, err = tmp.Write(append(raw, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), f.json)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save the import's state: %w", err)
	}
	return nil
}

// journal is the record of the objects an import has written: kind and
// index ("card 12") to the server's id ("" for what has none).
type journal struct {
	mu   sync.Mutex
	f    *os.File
	done map[string]string
}

// openJournal reads the journal of the import into project (one of
// another project is started afresh) and opens it for appending.
func openJournal(path string, project string) (*journal, error) {
	j := &journal{done: map[string]string{}}
	head := "project " + project
	if raw, err := os.ReadFile(path); err == nil {
		lines := strings.Split(string(raw), "\n")
		if lines[0] == head {
			for _, l := range lines[1:] {
				// A line cut short by a crash has no newline after it, and
				// is the last; it is not trusted.
				parts := strings.Fields(l)
				if len(parts) >= 2 && strings.HasSuffix(l, ";") {
					id := ""
					if len(parts) == 3 {
						id = strings.TrimSuffix(parts[2], ";")
					}
					j.done[parts[0]+" "+strings.TrimSuffix(parts[1], ";")] = id
				}
			}
		} else {
			os.Remove(path)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read the import's journal: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("make the directory for import state: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the import's journal: %w", err)
	}
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		if _, err := f.WriteString(head + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("write the import's journal: %w", err)
		}
	}
	j.f = f
	return j, nil
}

// get says whether kind i was written, and its id.
func (j *journal) get(kind string, i int) (string, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	id, ok := j.done[kind+" "+strconv.Itoa(i)]
	return id, ok
}

// put records that kind i was written, as id. Each line is one write to
// the file, so a crash of the process loses none that were put.
func (j *journal) put(kind string, i int, id string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	key := kind + " " + strconv.Itoa(i)
	j.done[key] = id
	line := key
	if id != "" {
		line += " " + id
	}
	if _, err := j.f.WriteString(line + ";\n"); err != nil {
		return fmt.Errorf("write the import's journal: %w", err)
	}
	return nil
}

// putAll records that the writes js of kind were done, as ids, in one
// write to the file.
func (j *journal) putAll(kind string, js []int, ids []string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	var b strings.Builder
	for n, i := range js {
		key := kind + " " + strconv.Itoa(i)
		j.done[key] = ids[n]
		b.WriteString(key)
		if ids[n] != "" {
			b.WriteString(" " + ids[n])
		}
		b.WriteString(";\n")
	}
	if _, err := j.f.WriteString(b.String()); err != nil {
		return fmt.Errorf("write the import's journal: %w", err)
	}
	return nil
}

func (j *journal) close() error {
	if err := j.f.Sync(); err != nil {
		j.f.Close()
		return fmt.Errorf("write the import's journal: %w", err)
	}
	return j.f.Close()
}
