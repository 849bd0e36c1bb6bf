package main

import (
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

func (a *app) tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens (kt_…)"}
	var userName, label string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token and print it, once, alone on stdout",
		Long: `Create an API token for a user (the local user unless --user is given) and
print it alone on stdout. Only its hash is kept: it can't be shown again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(st *store.Store, u *store.User) error {
				err := st.Read(cmd.Context(), func(tx *store.Tx) (err error) { u, err = userOrLocal(tx, userName, u); return err })
				if err != nil {
					return err
				}
				secret, _, err := server.IssueToken(cmd.Context(), st, u.ID, label)
				if err != nil {
					return err
				}
				fmt.Fprintln(a.out, secret)
				return nil
			})
		},
	}
	create.Flags().StringVar(&userName, "user", "", "the user the token acts as (default: the local user)")
	create.Flags().StringVar(&label, "label", "", "a note to recognise the token by in 'lanes token list'")
	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens (never the tokens themselves)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(st *store.Store, _ *store.User) error {
				var toks []store.Token
				if err := st.Read(cmd.Context(), func(tx *store.Tx) (err error) { toks, err = tx.Tokens(""); return err }); err != nil {
					return err
				}
				t := newTable("ID", "USER", "LABEL", "CREATED", "LAST USED", "STATE")
				for _, tok := range toks {
					t.row(tok.ID, tok.UserName, orDash(tok.Label), tok.CreatedAt, orDash(deref(tok.LastUsedAt)), tokenState(tok))
				}
				return t.print(a.out)
			})
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token by its id (from 'lanes token list')",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := uuid.Parse(args[0]); err != nil {
				return fmt.Errorf("%q is not a token id; 'lanes token list' shows them", args[0])
			}
			return a.withStore(cmd.Context(), func(st *store.Store, _ *store.User) error {
				var tok *store.Token
				err := st.Write(cmd.Context(), func(tx *store.Tx) (err error) { tok, err = tx.RevokeToken(args[0]); return err })
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no token with id %s", args[0])
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(a.out, "revoked token %s (%s, user %s)\n", tok.ID, safe.Line(orDash(tok.Label)), safe.Line(tok.UserName))
				return nil
			})
		},
	}
	cmd.AddCommand(create, list, revoke)
	a.addDBFlag(cmd)
	return cmd
}

func tokenState(t store.Token) string {
	if t.RevokedAt != nil {
		return "revoked " + *t.RevokedAt
	}
	return "active"
}
