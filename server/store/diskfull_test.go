package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lanesboard/lanes/server/store"
)

// SQLite's SQLITE_FULL and the operating system's ENOSPC are both
// ErrDiskFull, and a refused write leaves what was there readable.
func TestDiskFullIsNamed(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "lanes.db"), store.WithMaxPages(100))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var made int
	for i := 0; ; i++ {
		if i == 200 {
			t.Fatal("100 pages never filled")
		}
		err = st.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.CreateUser(fmt.Sprintf("user %d %s", i, strings.Repeat("x", 3000)), nil, false)
			return err
		})
		if err != nil {
			break
		}
		made++
	}
	if !errors.Is(err, store.ErrDiskFull) {
		t.Fatalf("write on a full database: %v, want ErrDiskFull", err)
	}
	err = st.Read(ctx, func(tx *store.Tx) error {
		us, err := tx.Users()
		if err == nil && len(us) != made {
			err = fmt.Errorf("%d users, want the %d written", len(us), made)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	err = st.Write(ctx, func(*store.Tx) error { return fmt.Errorf("write the WAL: %w", syscall.ENOSPC) })
	if !errors.Is(err, store.ErrDiskFull) {
		t.Fatalf("ENOSPC: %v, want ErrDiskFull", err)
	}
}
