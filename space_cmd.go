package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/server/store"
)

// spaceCmd manages shared spaces on the data directory's server, for
// setting up a team board without an API client.
func (a *app) spaceCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "space", Short: "Manage shared spaces and who is in them (for team boards)"}
	var slug, owner, role, userName string

	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a shared space (with a General project) and print its id",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := strings.TrimSpace(args[0])
			if name == "" || len(name) > 100 {
				return fmt.Errorf("the space name must be 1-100 characters, got %q", args[0])
			}
			if safe.Line(name) != name {
				return fmt.Errorf("the space name can't hold control characters (tabs, newlines, escapes), got %q", name)
			}
			if slug == "" {
				slug = slugOf(name)
			}
			if err := checkSlugArg(slug); err != nil {
				return err
			}
			return a.withStore(cmd.Context(), func(st *store.Store, local *store.User) error {
				var sp *store.Space
				err := st.Write(cmd.Context(), func(tx *store.Tx) error {
					u, err := userOrLocal(tx, owner, local)
					if err != nil {
						return err
					}
					sp, _, err = tx.CreateSpace(&store.Space{Name: name, Slug: slug}, u.ID)
					return err
				})
				if errors.Is(err, store.ErrConflict) {
					return fmt.Errorf("a space with slug %q already exists: choose another with --slug", slug)
				}
				if err != nil {
					return err
				}
				fmt.Fprintln(a.out, sp.ID)
				return nil
			})
		},
	}
	create.Flags().StringVar(&slug, "slug", "", "the space's slug, a-z, 0-9 and - (default: made from the name)")
	create.Flags().StringVar(&owner, "owner", "", "the user who owns it (default: the local user)")

	list := &cobra.Command{
		Use:   "list",
		Short: "List a user's spaces with their role in each",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withStore(cmd.Context(), func(st *store.Store, local *store.User) error {
				var spaces []store.Space
				err := st.Read(cmd.Context(), func(tx *store.Tx) error {
					u, err := userOrLocal(tx, userName, local)
					if err != nil {
						return err
					}
					spaces, err = tx.SpacesForUser(u.ID)
					return err
				})
				if err != nil {
					return err
				}
				t := newTable("NAME", "SLUG", "ROLE", "ID")
				for _, sp := range spaces {
					t.row(sp.Name, sp.Slug, string(sp.Role), sp.ID)
				}
				return t.print(a.out)
			})
		},
	}
	list.Flags().StringVar(&userName, "user", "", "whose spaces (default: the local user's)")

	members := &cobra.Command{
		Use:   "members SPACE",
		Short: "List the members of a shared space (by name, slug or id)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd.Context(), func(st *store.Store, _ *store.User) error {
				var ms []store.Member
				err := st.Read(cmd.Context(), func(tx *store.Tx) error {
					sp, err := findSpace(tx, args[0])
					if err != nil {
						return err
					}
					ms, err = tx.Members(sp.ID)
					return err
				})
				if err != nil {
					return err
				}
				t := newTable("USER", "ROLE", "JOINED")
				for _, m := range ms {
					t.row(m.Name, string(m.Role), m.JoinedAt)
				}
				return t.print(a.out)
			})
		},
	}

	add := &cobra.Command{
		Use:   "add SPACE USER",
		Short: "Add a user to a shared space, or change their role there",
		Long: `Add a user to a shared space with a role: admin, member (the default) or
viewer (sees the board, changes nothing). A user already in the space gets
the new role. The space is named by name, slug or id.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := store.Role(role)
			if r != store.RoleAdmin && r != store.RoleMember && r != store.RoleViewer {
				return fmt.Errorf("--role must be admin, member or viewer, got %q", role)
			}
			return a.withStore(cmd.Context(), func(st *store.Store, _ *store.User) error {
				return st.Write(cmd.Context(), func(tx *store.Tx) error {
					sp, u, m, err := spaceAndUser(tx, args[0], args[1])
					if err != nil {
						return err
					}
					switch {
					case m == nil:
						_, err = tx.AddMember(sp.ID, u.ID, r)
					case m.Role == store.RoleOwner:
						return fmt.Errorf("%s owns %s; the owner's role does not change", safe.Line(u.Name), safe.Line(sp.Name))
					default:
						_, err = tx.SetMemberRole(sp.ID, u.ID, r)
					}
					if err == nil {
						fmt.Fprintf(a.out, "%s is %s of %s\n", safe.Line(u.Name), article(r), safe.Line(sp.Name))
					}
					return err
				})
			})
		},
	}
	add.Flags().StringVar(&role, "role", string(store.RoleMember), "admin, member or viewer")

	remove := &cobra.Command{
		Use:   "remove SPACE USER",
		Short: "Take a user out of a shared space (and off its cards)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withStore(cmd.Context(), func(st *store.Store, _ *store.User) error {
				return st.Write(cmd.Context(), func(tx *store.Tx) error {
					sp, u, m, err := spaceAndUser(tx, args[0], args[1])
					if err != nil {
						return err
					}
					switch {
					case m == nil:
						return fmt.Errorf("%s is not in %s", safe.Line(u.Name), safe.Line(sp.Name))
					case m.Role == store.RoleOwner:
						return fmt.Errorf("%s owns %s and can't be removed", safe.Line(u.Name), safe.Line(sp.Name))
					}
					if err := tx.UnassignInSpace(sp.ID, u.ID); err != nil {
						return err
					}
					if err := tx.RemoveMember(sp.ID, u.ID); err != nil {
						return err
					}
					fmt.Fprintf(a.out, "%s is no longer in %s\n", safe.Line(u.Name), safe.Line(sp.Name))
					return nil
				})
			})
		},
	}
	cmd.AddCommand(create, list, members, add, remove)
	a.addDBFlag(cmd)
	return cmd
}
