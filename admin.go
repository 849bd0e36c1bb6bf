package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/lanesboard/lanes/server/store"
)

// withStore runs fn on the data directory's database, closing it after.
func (a *app) withStore(ctx context.Context, fn func(*store.Store, *store.User) error) error {
	st, local, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	return errors.Join(fn(st, local), st.Close())
}

func userOrLocal(tx *store.Tx, name string, local *store.User) (*store.User, error) {
	if name == "" {
		return local, nil
	}
	u, err := tx.UserByName(name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no user named %q (create one with: lanes user create %s)", name, name)
	}
	return u, err
}

func findSpace(tx *store.Tx, ref string) (*store.Space, error) {
	spaces, err := tx.FindSpaces(ref)
	if err != nil {
		return nil, err
	}
	switch len(spaces) {
	case 0:
		return nil, fmt.Errorf("no shared space %q (see: lanes space list)", ref)
	case 1:
		return &spaces[0], nil
	}
	return nil, fmt.Errorf("%d spaces are called %q: name it by slug or id", len(spaces), ref)
}

// spaceAndUser finds the space, the user, and the user's membership (nil
// if not a member).
func spaceAndUser(tx *store.Tx, spaceRef, userName string) (*store.Space, *store.User, *store.Member, error) {
	sp, err := findSpace(tx, spaceRef)
	if err != nil {
		return nil, nil, nil, err
	}
	if userName == "" {
		return nil, nil, nil, errors.New("name the user")
	}
	u, err := userOrLocal(tx, userName, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := tx.Member(sp.ID, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return sp, u, nil, nil
	}
	return sp, u, m, err
}

func article(r store.Role) string {
	if r == store.RoleAdmin {
		return "an admin"
	}
	return "a " + string(r)
}
