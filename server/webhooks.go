package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/lanesboard/lanes/server/store"
)

// Outbound webhooks (a lanes addition): a space's Owners and Admins
// subscribe URLs to its events; the store queues a delivery with every
// change a subscription wants, and the worker (webhook_worker.go) sends
// them, signed. Members and Viewers can't see or change subscriptions: a
// subscription's URL and deliveries say where the space's events go.

// Bounds on what a client can ask for.
const (
	maxWebhooksPerSpace   = 20
	maxWebhookURL         = 2048
	maxWebhookDescription = 500
	maxWebhookEventsSent  = 50 // entries in events[], repeats counted
	maxDeliveriesPage     = 100
)

const hooksChange = "manage this space's webhooks; ask an owner or admin"

// webhookWithSecret is a new subscription as POST answers it: the one
// time its signing secret is shown.
type webhookWithSecret struct {
	*store.Webhook
	Secret string `json:"secret"`
}

// hookInput is a webhook's fields as a request sends them.
type hookInput struct {
	url         opt[string]
	events      opt[[]string]
	projectID   opt[string]
	description opt[string]
	active      opt[bool]
}

func decodeHook(b body, create bool) (in hookInput, err error) {
	if in.url, err = b.str("url", false); err != nil {
		return
	}
	if create && (!in.url.Set || strings.TrimSpace(in.url.V) == "") {
		return in, invalid("url", "url is required: the http or https address to send events to")
	}
	if in.url, err = optional(in.url, checkHookURL); err != nil {
		return
	}
	if in.events, err = decodeEvents(b, create); err != nil {
		return
	}
	if in.projectID, err = b.str("projectId", true); err != nil {
		return
	}
	if in.projectID, err = optional(in.projectID, func(v string) (string, error) { return checkUUID("projectId", v) }); err != nil {
		return
	}
	if in.description, err = b.str("description", true); err != nil {
		return
	}
	if in.description, err = optional(in.description, func(v string) (string, error) {
		if err := noControls("description", v, false); err != nil {
			return "", err
		}
		v = strings.TrimSpace(v)
		if n := len([]rune(v)); n > maxWebhookDescription {
			return "", invalid("description", "description must be at most %d characters (got %d)", maxWebhookDescription, n)
		}
		return v, nil
	}); err != nil {
		return
	}
	if in.description.Set && !in.description.Null && in.description.V == "" {
		in.description.Null = true
	}
	if !create {
		in.active, err = b.boolean("active")
	}
	return
}

// decodeEvents reads events[]: a non-empty list of the event names, each
// once (repeats are dropped), in the API's order.
func decodeEvents(b body, required bool) (opt[[]string], error) {
	o, err := field[[]string](b, "events", "a list of event names", false)
	if err != nil || !o.Set {
		if err == nil && required {
			err = invalid("events", "events is required: a list of one or more of %s", strings.Join(store.WebhookEvents(), ", "))
		}
		return o, err
	}
	if len(o.V) == 0 {
		return o, invalid("events", "events must name at least one of %s", strings.Join(store.WebhookEvents(), ", "))
	}
	if len(o.V) > maxWebhookEventsSent {
		return o, invalid("events", "events must hold at most %d names (got %d)", maxWebhookEventsSent, len(o.V))
	}
	all := store.WebhookEvents()
	var out []string
	for _, name := range all {
		if slices.Contains(o.V, name) {
			out = append(out, name)
		}
	}
	for _, v := range o.V {
		if !slices.Contains(all, v) {
			return o, invalid("events", "events: %q is not an event; the events are %s", clip(v), strings.Join(all, ", "))
		}
	}
	o.V = out
	return o, nil
}

// hookProject checks that projectID names a project of the space the
// subscription is for.
func hookProject(tx *store.Tx, spaceID, projectID, userID string) error {
	p, _, err := tx.ProjectAndRole(projectID, userID)
	if errors.Is(err, store.ErrNotFound) || err == nil && p.SpaceID != spaceID {
		return invalid("projectId", "projectId %s is not a project of this space", projectID)
	}
	return err
}

// hookToManage loads a subscription for someone who must be an Owner or
// Admin of its space: 404 for one outside the space (as if there were no
// such subscription), 403 for a Member or Viewer.
func hookToManage(tx *store.Tx, id, userID string) (*store.Webhook, error) {
	w, err := tx.WebhookByID(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Webhook")
	}
	if err != nil {
		return nil, err
	}
	role, err := tx.RoleIn(w.SpaceID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Webhook")
	}
	if err != nil {
		return nil, err
	}
	return w, need(role, store.RoleAdmin, hooksChange)
}

// ptrValue is *p, or "" for nil.
func ptrValue(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// newSecret makes a signing secret: whsec_ and 48 hex digits (192 bits).
func newSecret() string {
	var b [24]byte
	rand.Read(b[:])
	return "whsec_" + hex.EncodeToString(b[:])
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	raw, b, err := readBody(r)
	var spaceID string
	if err == nil {
		spaceID, err = b.requiredUUID("spaceId")
	}
	var in hookInput
	if err == nil {
		in, err = decodeHook(b, true)
	}
	if err == nil {
		// Before the transaction: a name's lookup may be slow, and the
		// write lock is everyone's.
		err = s.hooks.checkDestination(r.Context(), in.url.V)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		uid := actor(r).user.ID
		_, role, err := spaceRole(tx, spaceID, uid)
		if err != nil {
			return 0, nil, err
		}
		if err := need(role, store.RoleAdmin, hooksChange); err != nil {
			return 0, nil, err
		}
		if in.projectID.Set && !in.projectID.Null {
			if err := hookProject(tx, spaceID, in.projectID.V, uid); err != nil {
				return 0, nil, err
			}
		}
		n, err := tx.CountWebhooks(spaceID)
		if err != nil {
			return 0, nil, err
		}
		if n >= maxWebhooksPerSpace {
			return 0, nil, invalid("spaceId", "A space can have at most %d webhooks: remove one first", maxWebhooksPerSpace)
		}
		hook := &store.Webhook{SpaceID: spaceID, URL: in.url.V, Events: in.events.V, ProjectID: in.projectID.ptr(), Description: in.description.ptr()}
		secret := newSecret()
		if err := tx.CreateWebhook(hook, uid, secret); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, map[string]any{"webhook": webhookWithSecret{hook, secret}}, nil
	})
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	var spaceID string
	if r.URL.Query().Has("spaceId") {
		var err error
		if spaceID, err = queryUUID(r, "spaceId"); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	s.read(w, r, func(tx *store.Tx) (any, error) {
		uid := actor(r).user.ID
		if spaceID == "" {
			return tx.WebhooksManagedBy(uid)
		}
		_, role, err := spaceRole(tx, spaceID, uid)
		if err != nil {
			return nil, err
		}
		if err := need(role, store.RoleAdmin, hooksChange); err != nil {
			return nil, err
		}
		return tx.Webhooks(spaceID)
	})
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) {
	id, raw, b, err := pathAndBody(r, "webhook")
	var in hookInput
	if err == nil {
		in, err = decodeHook(b, false)
	}
	if err == nil && in.url.Set {
		err = s.hooks.checkDestination(r.Context(), in.url.V)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		uid := actor(r).user.ID
		hook, err := hookToManage(tx, id, uid)
		if err != nil {
			return 0, nil, err
		}
		if in.projectID.Set && !in.projectID.Null {
			if err := hookProject(tx, hook.SpaceID, in.projectID.V, uid); err != nil {
				return 0, nil, err
			}
		}
		if in.url.Set || in.events.Set || in.projectID.Set || in.description.Set {
			// Whoever changes what it sends, or where, answers for it from
			// now on: an Admin who points it at their own receiver and is
			// then removed must not go on hearing the space there.
			if in.url.Set && in.url.V != hook.URL || in.events.Set && !slices.Equal(in.events.V, hook.Events) ||
				in.projectID.Set && ptrValue(in.projectID.ptr()) != ptrValue(hook.ProjectID) {
				hook.OwnerID = uid
			}
			if in.url.Set {
				hook.URL = in.url.V
			}
			if in.events.Set {
				hook.Events = in.events.V
			}
			if in.projectID.Set {
				hook.ProjectID = in.projectID.ptr()
			}
			if in.description.Set {
				hook.Description = in.description.ptr()
			}
			if err := tx.UpdateWebhook(hook); err != nil {
				return 0, nil, err
			}
		}
		switch {
		case in.active.Set && in.active.V && !hook.Active:
			// Whoever turns it back on answers for it from now on.
			err = tx.EnableWebhook(id, uid)
		case in.active.Set && !in.active.V && hook.Active:
			err = tx.DisableWebhook(id, "turned off by "+actor(r).user.Name)
		}
		if err != nil {
			return 0, nil, err
		}
		if hook, err = tx.WebhookByID(id); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"webhook": hook}, nil
	})
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "webhook")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, nil, func(tx *store.Tx) (int, any, error) {
		if _, err := hookToManage(tx, id, actor(r).user.ID); err != nil {
			return 0, nil, err
		}
		if err := tx.DeleteWebhook(id); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"success": true}, nil
	})
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "webhook")
	var limit int
	if err == nil {
		limit, err = queryCount(r, "limit", 50, maxDeliveriesPage)
	}
	// before, the last delivery of the page before, pages back.
	var before string
	if err == nil && r.URL.Query().Has("before") {
		before, err = queryUUID(r, "before")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.read(w, r, func(tx *store.Tx) (any, error) {
		if _, err := hookToManage(tx, id, actor(r).user.ID); err != nil {
			return nil, err
		}
		var seq int64
		if before != "" {
			d, err := tx.DeliveryByID(id, before)
			if errors.Is(err, store.ErrNotFound) {
				return nil, invalid("before", "before must be the id of one of this webhook's deliveries (it may have been pruned)")
			}
			if err != nil {
				return nil, err
			}
			seq = d.Seq
		}
		return tx.Deliveries(id, seq, limit)
	})
}

func (s *Server) redeliver(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "webhook")
	var deliveryID string
	if err == nil {
		deliveryID, err = pathUUID(r, "deliveryId", "delivery")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, nil, func(tx *store.Tx) (int, any, error) {
		hook, err := hookToManage(tx, id, actor(r).user.ID)
		if err != nil {
			return 0, nil, err
		}
		d, err := tx.DeliveryByID(id, deliveryID)
		if errors.Is(err, store.ErrNotFound) {
			return 0, nil, notFound("Delivery")
		}
		if err != nil {
			return 0, nil, err
		}
		if !hook.Active {
			return 0, nil, conflict("webhook_disabled", "The webhook is disabled: turn it on (PATCH active: true) before redelivering")
		}
		if err := tx.Redeliver(d); errors.Is(err, store.ErrInFlight) {
			return 0, nil, conflict("delivery_in_flight", "The delivery is being sent right now: see how it went in a moment (GET its webhook's deliveries), and redeliver it then if need be")
		} else if err != nil {
			return 0, nil, err
		}
		return http.StatusAccepted, map[string]any{"delivery": d}, nil
	})
}

func (s *Server) pingWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "webhook")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, nil, func(tx *store.Tx) (int, any, error) {
		hook, err := hookToManage(tx, id, actor(r).user.ID)
		if err != nil {
			return 0, nil, err
		}
		if !hook.Active {
			return 0, nil, conflict("webhook_disabled", "The webhook is disabled: turn it on (PATCH active: true) before pinging it")
		}
		d, err := tx.QueuePing(hook)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusAccepted, map[string]any{"delivery": d}, nil
	})
}
