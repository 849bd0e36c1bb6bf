package transfer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lanesboard/lanes/api"
)

// Export reads the whole project p of space sp off the server: columns
// with their settings, labels, every card (archived ones too) with its
// subtasks nested, comments, assignees and creator by name. A server
// without lanes' additions gives what it has (no labels, comments or
// names).
func Export(ctx context.Context, c *api.Client, sp api.Space, p api.Project) (*Board, error) {
	cols, err := c.Statuses(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("read the columns of %s: %w", p.Name, err)
	}
	labels, err := c.Labels(ctx, p.ID)
	if err != nil && !errors.Is(err, api.ErrNotSupported) {
		return nil, fmt.Errorf("read the labels of %s: %w", p.Name, err)
	}
	var tasks []api.Task
	for _, archived := range []bool{false, true} {
		ts, err := c.Tasks(ctx, p.ID, api.ListTasksOptions{Archived: archived})
		if err != nil {
			return nil, fmt.Errorf("read the cards of %s: %w", p.Name, err)
		}
		tasks = append(tasks, ts...)
	}
	members, err := c.Members(ctx, sp.ID)
	if err != nil && !errors.Is(err, api.ErrNotSupported) {
		return nil, fmt.Errorf("read the members of %s: %w", sp.Name, err)
	}
	comments, err := readComments(ctx, c, tasks)
	if err != nil {
		return nil, err
	}

	now := time.Now().UTC().Truncate(time.Second)
	b := &Board{Lanes: FormatVersion, ExportedAt: &now,
		Project: Project{Name: p.Name, Description: p.Description, Color: p.Color}}
	colName := map[string]string{}
	colRank := map[string]int{}
	for i, s := range cols {
		b.Columns = append(b.Columns, Column{Name: s.Name, IsDone: s.IsDone, WipLimit: s.WipLimit, Color: s.Color})
		colName[s.ID], colRank[s.ID] = s.Name, i
	}
	labelName := map[string]string{}
	for _, l := range labels {
		b.Labels = append(b.Labels, Label{Name: l.Name, Color: l.Color})
		labelName[l.ID] = l.Name
	}
	userName := map[string]string{}
	for _, m := range members {
		userName[m.UserID] = m.Name
	}

	byID := make(map[string]*api.Task, len(tasks))
	for i := range tasks {
		byID[tasks[i].ID] = &tasks[i]
	}
	children := map[string][]*api.Task{}
	var top []*api.Task
	for i := range tasks {
		t := &tasks[i]
		if t.ParentTaskID != nil && byID[*t.ParentTaskID] != nil && *t.ParentTaskID != t.ID {
			children[*t.ParentTaskID] = append(children[*t.ParentTaskID], t)
		} else {
			top = append(top, t)
		}
	}
	rank := func(t *api.Task) int {
		if t.StatusID == nil {
			return -1
		}
		if r, ok := colRank[*t.StatusID]; ok {
			return r
		}
		return len(cols)
	}
	// Top-level cards column by column, each column's in board order;
	// subtasks in their order.
	slices.SortStableFunc(top, func(a, b *api.Task) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a.Position, b.Position), strings.Compare(a.ID, b.ID))
	})
	card := func(t *api.Task) Card {
		out := Card{Title: t.Title, Priority: string(t.Priority), Due: t.DueDate, Completed: t.CompletedAt,
			Archived: t.IsArchived, Estimate: t.EstimatedHours, Creator: userName[t.CreatorID],
			Labels: []string{}, Assignees: []string{}, Comments: []Comment{}, Subtasks: []Card{}}
		if t.Description != nil {
			out.Description = *t.Description
		}
		if t.StatusID != nil {
			out.Column = colName[*t.StatusID]
		}
		if !t.CreatedAt.IsZero() {
			at := t.CreatedAt
			out.CreatedAt = &at
		}
		for _, id := range t.LabelIDs {
			if n, ok := labelName[id]; ok {
				out.Labels = append(out.Labels, n)
			}
		}
		slices.SortFunc(out.Labels, func(a, b string) int { return cmp.Compare(strings.ToLower(a), strings.ToLower(b)) })
		for _, id := range t.AssigneeIDs {
			if n, ok := userName[id]; ok {
				out.Assignees = append(out.Assignees, n)
			}
		}
		slices.Sort(out.Assignees)
		for _, m := range comments[t.ID] {
			out.Comments = append(out.Comments, Comment{Author: m.AuthorName, Time: m.CreatedAt, Text: m.Content})
		}
		return out
	}
	seen := map[string]bool{}
	var build func(t *api.Task, depth int) Card
	build = func(t *api.Task, depth int) Card {
		seen[t.ID] = true
		out := card(t)
		subs := children[t.ID]
		slices.SortStableFunc(subs, func(a, b *api.Task) int {
			return cmp.Or(strings.Compare(a.Position, b.Position), strings.Compare(a.ID, b.ID))
		})
		for _, s := range subs {
			if !seen[s.ID] && depth < MaxDepth {
				out.Subtasks = append(out.Subtasks, build(s, depth+1))
			}
		}
		return out
	}
	b.Cards = []Card{}
	for _, t := range top {
		b.Cards = append(b.Cards, build(t, 0))
	}
	return b, nil
}

// readComments reads the comments of every task that has any, a few
// tasks at a time.
func readComments(ctx context.Context, c *api.Client, tasks []api.Task) (map[string][]api.Comment, error) {
	var with []string
	for _, t := range tasks {
		if t.CommentCount > 0 {
			with = append(with, t.ID)
		}
	}
	var mu sync.Mutex
	out := map[string][]api.Comment{}
	err := each(ctx, len(with), 4, func(ctx context.Context, i int) error {
		cs, err := c.Comments(ctx, with[i])
		if errors.Is(err, api.ErrNotSupported) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the comments of card %s: %w", with[i], err)
		}
		mu.Lock()
		out[with[i]] = cs
		mu.Unlock()
		return nil
	})
	return out, err
}

// each runs fn(0) … fn(n-1), workers at a time, and returns the first
// error (after which no more are started).
func each(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					cancel(err)
				}
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}
