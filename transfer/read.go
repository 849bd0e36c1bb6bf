package transfer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Format is a kind of file import reads.
type Format string

// The formats import tells apart by their content.
const (
	FormatLanes  Format = "lanes JSON"
	FormatTrello Format = "Trello JSON"
	FormatCSV    Format = "CSV"
)

// File is a file read for import: its board, made fit for lanes, and
// what identifies it.
type File struct {
	Board  *Board
	Format Format
	// Hash is the SHA-256 of the file's bytes, hex: what a re-run of the
	// same import is known by.
	Hash string
	// Notes are what was changed to make the board fit lanes.
	Notes []Note
}

// ReadFile reads the file at path ("-": standard input, read from in),
// refusing one over MaxFileSize.
func ReadFile(path string, in io.Reader) ([]byte, error) {
	r := in
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Size() > MaxFileSize {
			return nil, fmt.Errorf("%s is %d MiB: import reads files of at most %d MiB", path, st.Size()>>20, MaxFileSize>>20)
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s is over %d MiB: import reads files of at most %d MiB", path, MaxFileSize>>20, MaxFileSize>>20)
	}
	return data, nil
}

// Read reads an import file, telling its format by its content: a JSON
// object with "lanes" is a lanes export, one with "lists" and "cards" a
// Trello board export, and anything else is read as CSV with a header
// row. name is the project's name when the file gives none (a CSV file's
// name, say). The board comes back checked and fit for lanes.
func Read(data []byte, name string) (*File, error) {
	sum := sha256.Sum256(data)
	f := &File{Hash: hex.EncodeToString(sum[:])}
	body := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	var err error
	switch {
	case len(body) == 0:
		return nil, errors.New("the file is empty")
	case body[0] == '{':
		f.Board, f.Format, err = readJSON(body)
	case body[0] == '[':
		return nil, errors.New("the file is a JSON list: import reads a lanes export or a Trello board export, which are JSON objects")
	default:
		f.Format = FormatCSV
		f.Board, err = readCSV(data)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Format, err)
	}
	if f.Board.Project.Name == "" {
		f.Board.Project.Name = name
	}
	if f.Notes, err = f.Board.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Format, err)
	}
	return f, nil
}

// readJSON reads a lanes or a Trello export.
func readJSON(data []byte) (*Board, Format, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, "JSON", jsonError(data, err)
	}
	if _, ok := top["lanes"]; ok {
		b, err := readLanes(data)
		return b, FormatLanes, err
	}
	_, lists := top["lists"]
	_, cards := top["cards"]
	if lists && cards {
		b, err := readTrello(data)
		return b, FormatTrello, err
	}
	return nil, "JSON", errors.New(`neither a lanes export (no "lanes" field) nor a Trello board export (no "lists" and "cards")`)
}
