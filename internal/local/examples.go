package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/launch"
)

// exampleCards are what a first run shows, so the board is not empty.
var exampleCards = []struct {
	title    string
	column   int
	priority api.Priority
}{
	{"Welcome to lanes: press ? for the keys", 0, api.PriorityHigh},
	{"Move a card with H and L", 0, api.PriorityMedium},
	{"Add a card with n", 0, api.PriorityNone},
	{"Complete a card with space", 1, api.PriorityLow},
	{"Undo anything with u", 2, api.PriorityNone},
}

// SeedExamples puts the example cards on the personal board, the first
// time the data directory is used for a board, through the API like any
// other change.
func SeedExamples(ctx context.Context, dir string, c *api.Client) error {
	marker := filepath.Join(dir, "examples-added")
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	_, p, err := launch.Pick(ctx, c, "", "")
	if err != nil {
		return err
	}
	tasks, err := c.Tasks(ctx, p.ID, api.ListTasksOptions{})
	if err != nil {
		return err
	}
	if len(tasks) == 0 {
		cols, err := c.Statuses(ctx, p.ID)
		if err != nil {
			return err
		}
		for _, ex := range exampleCards {
			in := api.TaskCreate{ProjectID: p.ID, Title: ex.title, Priority: ex.priority}
			if ex.column < len(cols) {
				in.StatusID = &cols[ex.column].ID
			}
			if _, err := c.CreateTask(ctx, in); err != nil {
				return fmt.Errorf("add the example cards: %w", err)
			}
		}
	}
	return os.WriteFile(marker, []byte("example cards were added to the personal board\n"), 0o600)
}
