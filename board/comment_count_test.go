package board

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
)

// A comment is counted once, whichever reaches the board first: the live
// feed's copy of the card as the comment left it, or the comment's own
// answer (which carries no card).
func TestCommentCountedOnce(t *testing.T) {
	for _, feedFirst := range []bool{true, false} {
		env := newTestEnv(t, 11)
		d := env.driver(t.TempDir(), env.token)
		d.settle(5 * time.Second)
		m, err := d.e.State().NewCard(env.project, "", "Talked about", time.Now())
		d.do(m, err)
		d.settle(5 * time.Second)
		id := d.e.Resolve(m.TaskID)

		c, err := d.e.State().AddComment(id, "one remark", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		cmds, err := d.e.Do(c)
		if err != nil {
			t.Fatal(err)
		}
		var send []Cmd
		for _, cmd := range cmds {
			next, _ := d.e.Update(cmd()) // the outbox write; its answer sends
			send = append(send, next...)
		}
		var sent any
		for _, cmd := range send {
			if msg, ok := cmd().(sentMsg); ok {
				sent = msg
			}
		}
		if sent == nil {
			t.Fatal("the comment was never sent")
		}
		// The card as the server now holds it, as the live feed brings it.
		k, err := env.direct.Task(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(k.Task)
		live := LiveMsg{e: d.e, events: []api.Event{{Seq: 1, Kind: "task.updated", Data: raw}}}
		if feedFirst {
			d.e.Update(live)
			d.e.Update(sent)
		} else {
			d.e.Update(sent)
			d.e.Update(live)
		}
		if got, _ := d.e.State().Card(id); got.Comments != 1 {
			t.Errorf("feed first %v: the card shows %d comments, want 1", feedFirst, got.Comments)
		}
		d.close()
	}
}
