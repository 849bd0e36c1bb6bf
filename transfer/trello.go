package transfer

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// trelloBoard is the part of a Trello board export (Board menu → Print,
// export and share → Export as JSON) that import reads.
type trelloBoard struct {
	Name   string `json:"name"`
	Desc   string `json:"desc"`
	Labels []struct {
		ID    string  `json:"id"`
		Name  string  `json:"name"`
		Color *string `json:"color"`
	} `json:"labels"`
	Lists      []trelloList `json:"lists"`
	Cards      []trelloCard `json:"cards"`
	Checklists []struct {
		ID         string       `json:"id"`
		Name       string       `json:"name"`
		IDCard     string       `json:"idCard"`
		Pos        float64      `json:"pos"`
		CheckItems []trelloItem `json:"checkItems"`
	} `json:"checklists"`
	Members []trelloMember `json:"members"`
	Actions []struct {
		Type string    `json:"type"`
		Date time.Time `json:"date"`
		Data struct {
			Text string `json:"text"`
			Card struct {
				ID string `json:"id"`
			} `json:"card"`
		} `json:"data"`
		IDMemberCreator string        `json:"idMemberCreator"`
		MemberCreator   *trelloMember `json:"memberCreator"`
	} `json:"actions"`
}

type trelloList struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Closed bool    `json:"closed"`
	Pos    float64 `json:"pos"`
}

type trelloCard struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Desc        string     `json:"desc"`
	Closed      bool       `json:"closed"`
	IDList      string     `json:"idList"`
	Pos         float64    `json:"pos"`
	Due         *time.Time `json:"due"`
	DueComplete bool       `json:"dueComplete"`
	IDLabels    []string   `json:"idLabels"`
	IDMembers   []string   `json:"idMembers"`
}

type trelloItem struct {
	Name  string  `json:"name"`
	State string  `json:"state"`
	Pos   float64 `json:"pos"`
}

type trelloMember struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	FullName string `json:"fullName"`
}

// trelloColors are Trello's label colours: the classic ones and the
// lighter and darker shades of today's palette.
var trelloColors = map[string]string{
	"green": "#61bd4f", "yellow": "#f2d600", "orange": "#ff9f1a", "red": "#eb5a46", "purple": "#c377e0",
	"blue": "#0079bf", "sky": "#00c2e0", "lime": "#51e898", "pink": "#ff78cb", "black": "#344563",
	"green_light": "#baf3db", "yellow_light": "#f8e6a0", "orange_light": "#fedec8", "red_light": "#ffd5d2",
	"purple_light": "#dfd8fd", "blue_light": "#cce0ff", "sky_light": "#c6edfb", "lime_light": "#d3f1a7",
	"pink_light": "#fdd0ec", "black_light": "#dcdfe4",
	"green_dark": "#1f845a", "yellow_dark": "#946f00", "orange_dark": "#c25100", "red_dark": "#c9372c",
	"purple_dark": "#6e5dc6", "blue_dark": "#0c66e4", "sky_dark": "#227d9b", "lime_dark": "#5b7f24",
	"pink_dark": "#ae4787", "black_dark": "#626f86",
}

// readTrello reads a Trello board export: open lists become columns in
// their order, cards their cards in order (a closed card, or any card of
// a closed list, archived), labels with their colours, checklist items
// subtasks (checked ones completed), commentCard actions comments. A card
// whose due date is marked complete is completed.
func readTrello(data []byte) (*Board, error) {
	var t trelloBoard
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, jsonError(data, err)
	}
	b := &Board{Lanes: FormatVersion, Project: Project{Name: t.Name}}
	if t.Desc != "" {
		b.Project.Description = &t.Desc
	}
	if len(t.Lists) > 10*MaxColumns || len(t.Cards) > MaxCards || len(t.Labels) > 10*MaxLabels {
		return nil, fmt.Errorf("too many lists, cards or labels (at most %d cards)", MaxCards)
	}

	// Labels: unnamed ones are named for their colour; one name (any
	// case) is one label.
	labelName := map[string]string{}
	byName := map[string]string{}
	for i, l := range t.Labels {
		name := strings.TrimSpace(l.Name)
		color := ""
		if l.Color != nil {
			color = *l.Color
		}
		if name == "" {
			name = strings.ReplaceAll(color, "_", " ")
			if name == "" {
				continue // neither name nor colour: nothing to show
			}
			name = strings.ToUpper(name[:1]) + name[1:]
		}
		if first, ok := byName[strings.ToLower(name)]; ok {
			labelName[l.ID] = first
			continue
		}
		var hex *string
		if h, ok := trelloColors[color]; ok {
			hex = &h
		} else if color != "" {
			return nil, fmt.Errorf("labels[%d].color: %q is not a Trello label colour", i, clip(color))
		}
		byName[strings.ToLower(name)] = name
		labelName[l.ID] = name
		b.Labels = append(b.Labels, Label{Name: name, Color: hex})
	}

	// Columns: the open lists in order. A closed list's cards are archived
	// into the first column.
	lists := slices.Clone(t.Lists)
	slices.SortStableFunc(lists, func(a, b trelloList) int {
		return cmp.Compare(a.Pos, b.Pos)
	})
	listOrder := map[string]int{}
	column := map[string]string{}
	closedList := map[string]bool{}
	for i, l := range lists {
		listOrder[l.ID] = i
		if l.Closed {
			closedList[l.ID] = true
			continue
		}
		column[l.ID] = l.Name
		b.Columns = append(b.Columns, Column{Name: l.Name, IsDone: doneNames[strings.ToLower(strings.TrimSpace(l.Name))]})
	}

	members := map[string]string{}
	for _, m := range t.Members {
		members[m.ID] = cmp.Or(m.Username, m.FullName)
	}
	comments := map[string][]Comment{}
	for _, a := range t.Actions {
		if a.Type != "commentCard" || a.Data.Card.ID == "" {
			continue
		}
		author := members[a.IDMemberCreator]
		if m := a.MemberCreator; m != nil {
			author = cmp.Or(m.FullName, m.Username, author)
		}
		comments[a.Data.Card.ID] = append(comments[a.Data.Card.ID], Comment{Author: author, Time: a.Date, Text: a.Data.Text})
	}
	checklists := map[string][]int{}
	for i, cl := range t.Checklists {
		checklists[cl.IDCard] = append(checklists[cl.IDCard], i)
	}

	cards := slices.Clone(t.Cards)
	slices.SortStableFunc(cards, func(x, y trelloCard) int {
		return cmp.Or(cmp.Compare(listOrder[x.IDList], listOrder[y.IDList]), cmp.Compare(x.Pos, y.Pos))
	})
	for _, tc := range cards {
		if _, ok := listOrder[tc.IDList]; !ok {
			return nil, fmt.Errorf("card %q (id %s): its list %s is not in the export", clip(tc.Name), tc.ID, tc.IDList)
		}
		c := Card{src: fmt.Sprintf("card %q (id %s)", clip(tc.Name), tc.ID), Title: tc.Name, Description: tc.Desc,
			Column: column[tc.IDList], Due: tc.Due, Archived: tc.Closed || closedList[tc.IDList], complete: tc.DueComplete}
		for _, id := range tc.IDLabels {
			if name, ok := labelName[id]; ok && !slices.Contains(c.Labels, name) {
				c.Labels = append(c.Labels, name)
			}
		}
		for _, id := range tc.IDMembers {
			if name := members[id]; name != "" {
				c.Assignees = append(c.Assignees, name)
			}
		}
		cs := comments[tc.ID]
		slices.SortStableFunc(cs, func(a, b Comment) int { return a.Time.Compare(b.Time) })
		c.Comments = cs
		ids := checklists[tc.ID]
		slices.SortStableFunc(ids, func(a, b int) int { return cmp.Compare(t.Checklists[a].Pos, t.Checklists[b].Pos) })
		for _, i := range ids {
			cl := t.Checklists[i]
			items := slices.Clone(cl.CheckItems)
			slices.SortStableFunc(items, func(a, b trelloItem) int {
				return cmp.Compare(a.Pos, b.Pos)
			})
			for _, it := range items {
				title := it.Name
				if len(ids) > 1 && strings.TrimSpace(cl.Name) != "" {
					title = strings.TrimSpace(cl.Name) + ": " + it.Name // which checklist, when there are several
				}
				c.Subtasks = append(c.Subtasks, Card{src: fmt.Sprintf("checklist %q of %s", clip(cl.Name), c.src), Title: title,
					Column: c.Column, complete: it.State == "complete"})
			}
		}
		b.Cards = append(b.Cards, c)
	}
	return b, nil
}
