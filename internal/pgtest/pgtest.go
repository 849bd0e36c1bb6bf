// Package pgtest gives a test a PostgreSQL schema of its own, empty, on the
// PostgreSQL server the tests are pointed at, and drops it when the test
// ends.
//
// The server is LANES_TEST_POSTGRES (a postgres:// URL), or this machine's
// PostgreSQL (DefaultURL) when that is unset. When no server answers, a
// test skips with a message saying so on stderr, unless CI is set: under
// CI=true a missing PostgreSQL fails the test, so the PostgreSQL half of
// the suite can never pass by not running.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the PostgreSQL tests use when LANES_TEST_POSTGRES is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Base is the URL of the database the tests make their schemas in.
func Base() string {
	if u := os.Getenv("LANES_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultURL
}

// URL is the address of a new, empty schema for t: the base URL with a
// search_path naming it. The schema and everything in it are dropped when
// t ends.
func URL(t testing.TB) string {
	t.Helper()
	base := Base()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		Unreachable(t, base, err)
	}
	defer conn.Close(context.Background())
	var b [8]byte
	rand.Read(b[:])
	schema := "lt_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema %s on %s: %v", schema, base, err)
	}
	t.Cleanup(func() { drop(t, base, schema) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("read %s: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Unreachable skips t (or fails it, under CI) because no PostgreSQL
// answered at url.
func Unreachable(t testing.TB, url string, err error) {
	t.Helper()
	msg := fmt.Sprintf("no PostgreSQL at %s (%v)", url, err)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s: CI is set, so the PostgreSQL tests must run; start it with "+
			"pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, or set LANES_TEST_POSTGRES", msg)
	}
	fmt.Fprintf(os.Stderr, "\n*** SKIPPING %s: %s; set LANES_TEST_POSTGRES or start PostgreSQL to run it ***\n\n", t.Name(), msg)
	t.Skipf("SKIPPED: %s", msg)
}

func drop(t testing.TB, base, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
		t.Errorf("drop schema %s: %v", schema, err)
	}
}
