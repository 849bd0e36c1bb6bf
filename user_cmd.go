package main

import (
	"errors"
	"fmt"
	"net/mail"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server/store"
)

func (a *app) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage the server's users"}
	var email string
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a user (with a Personal space) and print their id",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := api.CheckUserName(name); err != nil {
				return err
			}
			if err := checkEmail(email); err != nil {
				return err
			}
			return a.withStore(cmd.Context(), func(st *store.Store, _ *store.User) error {
				var u *store.User
				err := st.Write(cmd.Context(), func(tx *store.Tx) (err error) {
					var e *string
					if email != "" {
						e = &email
					}
					u, err = tx.CreateUser(name, e, false)
					return err
				})
				if errors.Is(err, store.ErrConflict) {
					return fmt.Errorf("a user named %q already exists", name)
				}
				if err != nil {
					return err
				}
				fmt.Fprintln(a.out, u.ID)
				return nil
			})
		},
	}
	create.Flags().StringVar(&email, "email", "", "the user's email address")
	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(st *store.Store, _ *store.User) error {
				var users []store.User
				if err := st.Read(cmd.Context(), func(tx *store.Tx) (err error) { users, err = tx.Users(); return err }); err != nil {
					return err
				}
				t := newTable("ID", "NAME", "EMAIL", "CREATED")
				for _, u := range users {
					name := u.Name
					if u.IsLocal {
						name += " (local)"
					}
					t.row(u.ID, name, orDash(deref(u.Email)), u.CreatedAt)
				}
				return t.print(a.out)
			})
		},
	}
	cmd.AddCommand(create, list)
	a.addDBFlag(cmd)
	return cmd
}

// checkEmail refuses what is not a bare email address: no display name,
// no angle brackets, nothing before or after it ("" is no address).
func checkEmail(email string) error {
	if email == "" {
		return nil
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Name != "" || a.Address != email || len(email) > 254 {
		return fmt.Errorf("--email %q is not an email address: give just the address, like ann@example.com", email)
	}
	return nil
}
