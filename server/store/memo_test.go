package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/lanesboard/lanes/server/store"
)

// What a transaction read of a project is read afresh after it changes
// them: the memo never answers with columns, labels or a role the
// transaction itself has since changed.
func TestMemoForgetsWhatTheTransactionChanges(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		st := open(t, db)
		defer st.Close()
		ann, ben := newUser(t, st, "ann"), newUser(t, st, "ben")
		sp, p := personal(t, st, ann)
		err := st.Write(context.Background(), func(tx *store.Tx) error {
			sts, err := tx.Statuses(p.ID)
			if err != nil {
				return err
			}
			if err := tx.CreateStatus(sp.ID, &store.Status{ProjectID: p.ID, Name: "Later"}, len(sts)); err != nil {
				return err
			}
			if again, err := tx.Statuses(p.ID); err != nil || len(again) != len(sts)+1 {
				return fmt.Errorf("columns after adding one: %d (%v), want %d", len(again), err, len(sts)+1)
			}
			ls, err := tx.Labels(p.ID)
			if err != nil {
				return err
			}
			if err := tx.CreateLabel(sp.ID, &store.Label{ProjectID: p.ID, Name: "bug"}); err != nil {
				return err
			}
			if again, err := tx.Labels(p.ID); err != nil || len(again) != len(ls)+1 {
				return fmt.Errorf("labels after adding one: %d (%v), want %d", len(again), err, len(ls)+1)
			}
			if _, role, err := tx.ProjectAndRole(p.ID, ben.ID); err != nil || role != "" {
				return fmt.Errorf("ben's role before joining: %q (%v)", role, err)
			}
			if _, err := tx.AddMember(sp.ID, ben.ID, store.RoleViewer); err != nil {
				return err
			}
			if _, role, err := tx.ProjectAndRole(p.ID, ben.ID); err != nil || role != store.RoleViewer {
				return fmt.Errorf("ben's role after joining: %q (%v), want viewer", role, err)
			}
			// A copy handed out is the caller's: changing it changes no
			// later answer.
			sts, _ = tx.Statuses(p.ID)
			sts[0].Name = "scribbled"
			if again, _ := tx.Statuses(p.ID); again[0].Name == "scribbled" {
				return errors.New("a caller's change to the columns it was given reached the memo")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
