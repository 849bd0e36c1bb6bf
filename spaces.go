package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"

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
	return cmd
}

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

// slugOf makes a slug from a name: lower case, letters with marks written
// without them (é → e, ß → ss), runs of anything else as one dash. A name
// with nothing left (日本, 🚀) gets "space-" and six random hex digits, so
// that two such spaces don't both become "space".
func slugOf(name string) string {
	var b strings.Builder
	dash := false
	add := func(s string) {
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		b.WriteString(s)
		dash = false
	}
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			add(string(r))
		case unicode.Is(unicode.Mn, r):
			// A combining mark (e + U+0301 is é) goes with its letter.
		default:
			if plain, ok := foldLatin(r); ok {
				add(plain)
			} else {
				dash = true
			}
		}
	}
	s := b.String()
	if len(s) > 50 {
		s = strings.TrimRight(s[:50], "-")
	}
	switch {
	case s == "":
		var id [3]byte
		rand.Read(id[:])
		s = "space-" + hex.EncodeToString(id[:])
	case len(s) < 3:
		s += "-space"
	}
	return s
}

// latinFold is, for each plain spelling, the lower-case Latin letters that
// are written that way without their marks: Latin-1, Latin Extended-A and
// the accented letters of Latin Extended Additional (Vietnamese among
// them), and the letters that are not a base letter and a mark (ß, æ, ø).
const latinFold = "a:àáâãäåāăąǎǟǡǻȁȃȧḁạảấầẩẫậắằẳẵặ b:ḃḅḇƀ c:çćĉċčḉ d:ďḋḍḏḑḓđð " +
	"e:èéêëēĕėęěȅȇȩḕḗḙḛḝẹẻẽếềểễệ f:ḟ g:ĝğġģǧǵḡ h:ĥȟḣḥḧḩḫẖħ i:ìíîïĩīĭįǐȉȋḭḯỉịı j:ĵǰ " +
	"k:ķǩḱḳḵĸ l:ĺļľḷḹḻḽłŀ m:ḿṁṃ n:ñńņňǹṅṇṉṋŉŋ o:òóôõöōŏőơǒǫǭȍȏȫȭȯȱṍṏṑṓọỏốồổỗộớờởỡợøǿ " +
	"p:ṕṗ r:ŕŗřȑȓṙṛṝṟ s:śŝşšșṡṣṥṧṩſ t:ţťțṫṭṯṱẗŧ u:ùúûüũūŭůűųưǔǖǘǚǜȕȗṳṵṷṹṻụủứừửữự " +
	"v:ṽṿ w:ŵẁẃẅẇẉẘ x:ẋẍ y:ýÿŷȳẏẙỳỵỷỹ z:źżžẑẓẕ ss:ß ae:æǽ oe:œ th:þ ij:ĳ"

// foldLatin is r written in a-z, if r is a Latin letter with marks.
func foldLatin(r rune) (string, bool) {
	if r < 0xc0 {
		return "", false
	}
	for _, g := range strings.Fields(latinFold) {
		plain, letters, _ := strings.Cut(g, ":")
		if strings.ContainsRune(letters, r) {
			return plain, true
		}
	}
	return "", false
}

func checkSlugArg(s string) error {
	ok := len(s) >= 3 && len(s) <= 50
	for _, c := range s {
		ok = ok && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')
	}
	if !ok {
		return fmt.Errorf("--slug must be 3-50 characters of a-z, 0-9 and -, got %q", s)
	}
	return nil
}
