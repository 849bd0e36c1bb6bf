package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/server/store"
)

// webhookCmd manages a space's outbound webhooks over the API, on the
// board the other commands pick (--server/--token, the config file, or
// the local server).
func (a *app) webhookCmd() *cobra.Command {
	var (
		bf     boardFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Send a space's events to a URL, signed (outbound webhooks)",
		Long: `Subscribe a URL to a space's events: the server POSTs each one there as
JSON, signed with the webhook's secret (X-Lanes-Signature), retrying for
24 hours until the receiver answers 2xx. Owners and Admins of a space
manage its webhooks.

The events: ` + strings.Join(store.WebhookEvents(), ", ") + `.

The server is the one the board uses: --server and --token, LANES_SERVER
and LANES_TOKEN, the config file, or else the local server on this data
directory (which sends only while the board or lanes ssh runs, and
while lanes webhook test waits for its ping). Output is a table for
people; --format json is for scripts. Exit status: 0 done, 1 failed,
2 the command was used wrongly.`,
		Example: `  lanes webhook add https://hooks.example.com/lanes --space team --events task.added,task.completed
  lanes webhook list
  lanes webhook test 0193...
  lanes webhook deliveries 0193...`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&bf.server, "server", "", "the task server (env LANES_SERVER); default: the local one")
	pf.StringVar(&bf.token, "token", "", "API token for --server (env LANES_TOKEN)")
	pf.StringVar(&format, "format", "table", "table or json")

	// client connects as the other commands do (sends: the local server,
	// if it is the one, sends webhooks meanwhile); cn.close closes the
	// connection.
	client := func(ctx context.Context, sends bool) (c *api.Client, cn *conn, err error) {
		if format != "table" && format != "json" {
			return nil, nil, usagef("--format must be table or json, got %q", format)
		}
		if cn, err = a.connectSending(ctx, bf, sends); err != nil {
			return nil, nil, err
		}
		if c, err = cn.krokanti("lanes webhook"); err != nil {
			cn.close()
			return nil, nil, err
		}
		return c, cn, nil
	}

	var (
		events      []string
		description string
	)
	add := &cobra.Command{
		Use:   "add URL",
		Short: "Subscribe URL to a space's events and print the signing secret, once",
		Long: `Subscribe URL (http or https) to the events of a space, or of one project
of it with --project. Without --events, every event. The signing secret is
printed once: keep it where the receiver can read it.`,
		Args: needArgs(1, "the URL to send to"),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, e := range events {
				if !slices.Contains(store.WebhookEvents(), e) {
					return usagef("--events: %q is not an event; the events are %s", e, strings.Join(store.WebhookEvents(), ", "))
				}
			}
			ctx := cmd.Context()
			c, cn, err := client(ctx, false)
			if err != nil {
				return err
			}
			defer cn.close()
			in := api.WebhookCreate{URL: args[0], Events: events}
			if len(in.Events) == 0 {
				in.Events = store.WebhookEvents()
			}
			var where string
			if bf.project != "" {
				sp, p, err := launch.Lookup(ctx, c, cn.dir, cn.serverKey, launch.Query{Space: cn.space, Project: bf.project})
				if err != nil {
					return err
				}
				in.SpaceID, in.ProjectID, where = sp.ID, &p.ID, sp.Name+" / "+p.Name
			} else {
				sp, err := a.hookSpace(ctx, c, cn)
				if err != nil {
					return err
				}
				in.SpaceID, where = sp.ID, sp.Name
			}
			if description != "" {
				in.Description = &description
			}
			w, err := c.CreateWebhook(ctx, in)
			if err != nil {
				return err
			}
			if format == "json" {
				return a.writeJSON(w)
			}
			fmt.Fprintf(a.out, "Webhook %s sends %s of %s to %s\n", safe.Line(w.ID), eventsWord(w.Events), safe.Line(where), safe.Line(w.URL))
			fmt.Fprintf(a.out, "Signing secret (shown this once; keep it for the receiver): %s\n", safe.Line(w.Secret))
			return nil
		},
	}
	add.Flags().StringVar(&bf.space, "space", "", "the space, by name, slug or id (default: the board opened last, else your personal space)")
	add.Flags().StringVar(&bf.project, "project", "", "only this project's events, by name, slug or id")
	add.Flags().StringSliceVar(&events, "events", nil, "the events to send, comma-separated (default: all)")
	add.Flags().StringVar(&description, "description", "", "what the webhook is for")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the webhooks of the spaces you manage, with their state",
		Long: `List webhooks: those of --space, or of every space you are an Owner or
Admin of. STATE is active, failing (since when: its deliveries fail and
are being retried), or disabled (and why: failing for 3 days, turned off,
or its owner left the space); PENDING counts deliveries waiting.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, cn, err := client(ctx, false)
			if err != nil {
				return err
			}
			defer cn.close()
			spaceID := ""
			if bf.space != "" {
				sp, err := launch.FindSpace(ctx, c, bf.space)
				if err != nil {
					return err
				}
				spaceID = sp.ID
			}
			hooks, err := c.Webhooks(ctx, spaceID)
			if err != nil {
				return err
			}
			if format == "json" {
				return a.writeJSON(hooks)
			}
			spaces, err := c.Spaces(ctx)
			if err != nil {
				return err
			}
			names := map[string]string{}
			for _, sp := range spaces {
				names[sp.ID] = sp.Name
			}
			t := newTable("ID", "SPACE", "URL", "EVENTS", "STATE", "PENDING", "OWNER")
			for _, w := range hooks {
				t.row(w.ID, orDash(names[w.SpaceID]), w.URL, eventsWord(w.Events), hookState(w), fmt.Sprint(w.PendingDeliveries), w.OwnerName)
			}
			return t.print(a.out)
		},
	}
	list.Flags().StringVar(&bf.space, "space", "", "only this space's webhooks, by name, slug or id")

	remove := &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a webhook and its deliveries",
		Args:  needArgs(1, "the webhook's ID (see lanes webhook list)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, cn, err := client(ctx, false)
			if err != nil {
				return err
			}
			defer cn.close()
			if err := c.DeleteWebhook(ctx, args[0]); err != nil {
				return err
			}
			if format == "json" {
				return a.writeJSON(map[string]any{"success": true})
			}
			fmt.Fprintf(a.out, "Removed webhook %s\n", safe.Line(args[0]))
			return nil
		},
	}

	var wait time.Duration
	test := &cobra.Command{
		Use:   "test ID",
		Short: "Send the webhook a ping and wait for the receiver's answer",
		Long: `Send the webhook a ping (event "ping", signed like every delivery) and
wait up to --wait for the outcome. Exit status 1 if the receiver did not
take it.`,
		Args: needArgs(1, "the webhook's ID (see lanes webhook list)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if wait <= 0 {
				return usagef("--wait must be more than 0, got %s", wait)
			}
			ctx := cmd.Context()
			c, cn, err := client(ctx, true) // the ping must be sent: a local server sends while it waits
			if err != nil {
				return err
			}
			defer cn.close()
			d, err := c.PingWebhook(ctx, args[0])
			if err != nil {
				return err
			}
			d, err = awaitDelivery(ctx, c, args[0], d, wait)
			if err != nil {
				return err
			}
			if format == "json" {
				if err := a.writeJSON(d); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(a.out, deliveryWord(*d))
			}
			if d.State != "delivered" {
				return fmt.Errorf("the ping was not delivered (%s)", d.State)
			}
			return nil
		},
	}
	test.Flags().DurationVar(&wait, "wait", 15*time.Second, "how long to wait for the receiver")

	var limit int
	deliveries := &cobra.Command{
		Use:   "deliveries ID",
		Short: "List a webhook's latest deliveries: state, attempts, response code, duration, error",
		Args:  needArgs(1, "the webhook's ID (see lanes webhook list)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 1 || limit > 100 {
				return usagef("--limit must be 1 to 100, got %d", limit)
			}
			ctx := cmd.Context()
			c, cn, err := client(ctx, false)
			if err != nil {
				return err
			}
			defer cn.close()
			ds, err := c.WebhookDeliveries(ctx, args[0], limit)
			if err != nil {
				return err
			}
			if format == "json" {
				return a.writeJSON(ds)
			}
			t := newTable("ID", "EVENT", "STATE", "ATTEMPTS", "CODE", "DURATION", "LAST ATTEMPT", "ERROR")
			for _, d := range ds {
				code, took := "-", "-"
				if d.ResponseCode != nil {
					code = fmt.Sprint(*d.ResponseCode)
				}
				if d.DurationMs != nil {
					took = fmt.Sprintf("%d ms", *d.DurationMs)
				}
				t.row(d.ID, d.Event, d.State, fmt.Sprint(d.Attempts), code, took, orDash(deref(d.LastAttemptAt)), orDash(deref(d.Error)))
			}
			return t.print(a.out)
		},
	}
	deliveries.Flags().IntVar(&limit, "limit", 20, "how many, newest first (1 to 100)")

	redeliver := &cobra.Command{
		Use:   "redeliver ID DELIVERY",
		Short: "Send a delivery again, under the same delivery id",
		Long: `Send a delivery again, under the same delivery id and with the same body,
as if it were new: its attempts start again from none and it is retried
for another 24 hours. A delivered or failed one goes behind everything
queued for the webhook so far; a pending one keeps its place and is
tried without waiting out its backoff. One being sent at that moment
can't be: ask again once its outcome is in.`,
		Args: needArgs(2, "the webhook's ID and the delivery's (see lanes webhook deliveries)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, cn, err := client(ctx, false)
			if err != nil {
				return err
			}
			defer cn.close()
			d, err := c.Redeliver(ctx, args[0], args[1])
			if err != nil {
				return err
			}
			if format == "json" {
				return a.writeJSON(d)
			}
			fmt.Fprintf(a.out, "Delivery %s (%s) will be sent again\n", safe.Line(d.ID), safe.Line(d.Event))
			return nil
		},
	}

	onOff := func(use, short string, on bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " ID",
			Short: short,
			Args:  needArgs(1, "the webhook's ID (see lanes webhook list)"),
			RunE: func(cmd *cobra.Command, args []string) error {
				ctx := cmd.Context()
				c, cn, err := client(ctx, false)
				if err != nil {
					return err
				}
				defer cn.close()
				w, err := c.UpdateWebhook(ctx, args[0], api.WebhookPatch{Active: api.Set(on)})
				if err != nil {
					return err
				}
				if format == "json" {
					return a.writeJSON(w)
				}
				fmt.Fprintf(a.out, "Webhook %s is %s\n", safe.Line(w.ID), hookState(*w))
				return nil
			},
		}
	}
	cmd.AddCommand(add, list, remove, test, deliveries, redeliver,
		onOff("enable", "Turn a disabled webhook back on (you become its owner)", true),
		onOff("disable", "Turn a webhook off (its waiting deliveries are failed)", false))
	return cmd
}

// hookSpace is the space a new webhook is for: --space, else the space of
// the board opened last (or the personal space).
func (a *app) hookSpace(ctx context.Context, c *api.Client, cn *conn) (api.Space, error) {
	if cn.space != "" {
		return launch.FindSpace(ctx, c, cn.space)
	}
	sp, _, err := launch.Lookup(ctx, c, cn.dir, cn.serverKey, launch.Query{})
	return sp, err
}

// awaitDelivery polls a delivery until it is no longer pending, or wait
// has passed.
func awaitDelivery(ctx context.Context, c *api.Client, hookID string, d *api.WebhookDelivery, wait time.Duration) (*api.WebhookDelivery, error) {
	deadline := time.Now().Add(wait)
	for d.State == "pending" && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		ds, err := c.WebhookDeliveries(ctx, hookID, 20)
		if err != nil {
			return nil, err
		}
		for i := range ds {
			if ds[i].ID == d.ID {
				d = &ds[i]
			}
		}
	}
	return d, nil
}

// deliveryWord says how a delivery went, in a line.
func deliveryWord(d api.WebhookDelivery) string {
	var b strings.Builder
	b.WriteString(d.State)
	if d.ResponseCode != nil {
		fmt.Fprintf(&b, ": HTTP %d", *d.ResponseCode)
	}
	if d.DurationMs != nil {
		fmt.Fprintf(&b, " in %d ms", *d.DurationMs)
	}
	if d.Error != nil {
		b.WriteString(" (" + *d.Error + ")")
	}
	if d.State == "pending" && d.NextAttemptAt != nil {
		b.WriteString(", next attempt at " + *d.NextAttemptAt)
	}
	fmt.Fprintf(&b, " [delivery %s, %d attempt", d.ID, d.Attempts)
	if d.Attempts != 1 {
		b.WriteString("s")
	}
	b.WriteString("]")
	return safe.Line(b.String())
}

// hookState is a webhook's state in a few words, made one safe line (the
// reason it was disabled names people).
func hookState(w api.Webhook) string {
	switch {
	case !w.Active:
		return safe.Line("disabled: " + deref(w.DisabledReason))
	case w.FailingSince != nil:
		return safe.Line("failing since " + *w.FailingSince)
	}
	return "active"
}

// eventsWord is a webhook's events, "all events" for every one, made one
// safe line.
func eventsWord(events []string) string {
	if len(events) == len(store.WebhookEvents()) {
		return "all events"
	}
	return safe.Line(strings.Join(events, ","))
}
