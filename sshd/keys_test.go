package sshd

import (
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"github.com/lanesboard/lanes/internal/testenv"
)

// A key line whose name would be a path out of the person's own directory
// (ssh/NAME holds their token, outbox and theme) is skipped and said.
func TestKeyNamesThatAreDirectoriesSkipped(t *testing.T) {
	key := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(testenv.NewKey(t).PublicKey())))
	raw := key + " ..\n" + key + " .\n"
	entries, skipped := parseAuthorizedKeys("authorized_keys", []byte(raw))
	if len(entries) != 0 || len(skipped) != 2 || !strings.Contains(skipped[0], "authorized_keys:1:") || !strings.Contains(skipped[1], "authorized_keys:2:") {
		t.Fatalf("entries %v, skipped %q: want both lines skipped and named", entries, skipped)
	}
}
