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
		id, sent := commentOnNewCard(t, env, d)
		live := liveCard(t, env, d, id)
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

// commentOnNewCard makes a card, then a comment on it, and returns the
// card's id and the comment's answer, not yet given to the engine.
func commentOnNewCard(t *testing.T, env *testEnv, d *driver) (string, sentMsg) {
	t.Helper()
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
	for _, cmd := range send {
		if msg, ok := cmd().(sentMsg); ok && msg.req.Op == OpComment {
			return id, msg
		}
	}
	t.Fatal("the comment was never sent")
	return "", sentMsg{}
}

// liveCard is the live feed bringing the card as the server now holds it.
func liveCard(t *testing.T, env *testEnv, d *driver, id string) LiveMsg {
	t.Helper()
	k, err := env.direct.Task(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(k.Task)
	return LiveMsg{e: d.e, events: []api.Event{{Seq: 1, Kind: "task.updated", Data: raw}}}
}

// A comment whose answer is lost is sent again with the same key and
// answered from the server's memory. If the feed has meanwhile brought the
// card with the comment in it, the comment is not counted a second time.
func TestCommentCountedOnceWhenItsAnswerIsLost(t *testing.T) {
	env := newTestEnv(t, 12)
	d := env.driver(t.TempDir(), env.token)
	id, sent := commentOnNewCard(t, env, d)
	if sent.err != nil {
		t.Fatalf("the comment's answer: %v", sent.err)
	}
	// The server made the comment, but its answer never arrives.
	sent.err = &Failure{Class: Transient, Message: "connection reset"}
	retry, _ := d.e.Update(sent)
	// The feed brings the card as the comment left it.
	d.e.Update(liveCard(t, env, d, id))
	// The retry sends it again and gets the remembered answer, before
	// anything else (a fetch would hide a wrong count) reaches the engine.
	var again []Cmd
	for _, cmd := range retry {
		next, _ := d.e.Update(cmd())
		again = append(again, next...)
	}
	var rest []Cmd
	resent := false
	for _, cmd := range again {
		msg := cmd()
		if s, ok := msg.(sentMsg); ok && s.req.Op == OpComment {
			resent = true
			next, _ := d.e.Update(s)
			rest = append(rest, next...)
			continue
		}
		rest = append(rest, func() any { return msg })
	}
	if !resent {
		t.Fatal("the comment was not sent again")
	}
	if got, _ := d.e.Confirmed().Card(id); got.Comments != 1 {
		t.Errorf("on the remembered answer: %d comments, want 1", got.Comments)
	}
	d.run(rest)
	d.settle(10 * time.Second)
	for name, s := range map[string]*State{"board": d.e.State(), "confirmed": d.e.Confirmed()} {
		if got, _ := s.Card(id); got.Comments != 1 {
			t.Errorf("%s: the card shows %d comments, want 1", name, got.Comments)
		}
	}
	d.close()
}
