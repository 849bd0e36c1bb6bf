package store

import "testing"

func TestForgets(t *testing.T) {
	for q, want := range map[string]bool{
		`SELECT id FROM statuses`:                                 false,
		"\n\t\tINSERT INTO tasks (id) VALUES (?)":                 false,
		`INSERT OR IGNORE INTO task_labels (task_id) VALUES (?)`:  false,
		`INSERT INTO changes (space_id) VALUES (?) RETURNING seq`: false,
		`UPDATE tasks SET title = ?`:                              false,
		`DELETE FROM idempotency WHERE created_at < ?`:            false,
		`INSERT INTO statuses (id) VALUES (?)`:                    true,
		`UPDATE statuses SET position = ?`:                        true,
		`UPDATE projects SET is_archived = ?`:                     true,
		`DELETE FROM labels WHERE id = ?`:                         true,
		`DELETE FROM members WHERE user_id = ?`:                   true,
		`INSERT INTO members(space_id) VALUES (?)`:                true,
		`WITH x AS (SELECT 1) UPDATE tasks SET title = ''`:        true,
		`REPLACE INTO labels (id) VALUES (?)`:                     true,
		`INSERT`:                                                  true,
		``:                                                        true,
	} {
		if got := forgets(q); got != want {
			t.Errorf("forgets(%q) = %v, want %v", q, got, want)
		}
	}
}
