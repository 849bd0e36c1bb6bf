package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/lanesboard/lanes/server/store"
)

// TokenPrefix starts every API token, as the seed says.
const TokenPrefix = "kt_"

// principal is who a request acts as.
type principal struct {
	user    *store.User
	tokenID string
	hash    []byte // the token's hash
}

type principalKey struct{}

func actor(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}

// NewToken makes a token secret: kt_ and 32 random bytes, base64url.
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make token: %w", err)
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// HashToken is what the store keeps of a token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// IssueToken makes a token for the user and records its hash; the secret is
// returned once and never kept.
//
// The label is shown by "lanes token list" in a terminal, so it is held to
// the same rule as any other one-line field: no control characters.
func IssueToken(ctx context.Context, st *store.Store, userID, label string) (string, *store.Token, error) {
	if msg := controlsIn("label", label, false); msg != "" {
		return "", nil, fmt.Errorf("issue token: %s", msg)
	}
	secret, err := NewToken()
	if err != nil {
		return "", nil, err
	}
	var tok *store.Token
	err = st.Write(ctx, func(tx *store.Tx) error {
		tok, err = tx.CreateToken(userID, label, HashToken(secret))
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return secret, tok, nil
}

// touchEvery is how stale a token's last-used time may get before a request
// writes it again: a read stays a read.
const touchEvery = time.Minute

// authenticate finds the user behind the request's bearer token. Missing,
// malformed, unknown and revoked tokens all get the same 401.
func (s *Server) authenticate(r *http.Request) (principal, error) {
	hash, ok := bearerHash(r)
	if !ok {
		return principal{}, errUnauthorized
	}
	tok, user, stored, err := s.store.TokenUser(r.Context(), hash)
	if err == nil && (subtle.ConstantTimeCompare(stored, hash) != 1 || tok.RevokedAt != nil) {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return principal{}, errUnauthorized
	}
	if err != nil {
		return principal{}, fmt.Errorf("authenticate: %w", err)
	}
	now := s.now()
	if tok.LastUsedAt == nil || *tok.LastUsedAt < store.FormatTime(now.Add(-touchEvery)) {
		err := s.store.Write(r.Context(), func(tx *store.Tx) error { return tx.TouchToken(tok.ID) })
		switch {
		case errors.Is(err, store.ErrDiskFull):
			// Only bookkeeping: on a full disk, reads still answer.
			s.log.WarnContext(r.Context(), "token use not recorded: the disk is full", "token", tok.ID)
		case err != nil:
			return principal{}, fmt.Errorf("record token use: %w", err)
		}
	}
	return principal{user: user, tokenID: tok.ID, hash: hash}, nil
}

// bearerHash is the hash of the request's bearer token, if it carries one
// that looks like a lanes token.
func bearerHash(r *http.Request) ([]byte, bool) {
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return nil, false
	}
	return HashToken(secret), true
}
