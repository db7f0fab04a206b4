package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"patchbay/backend/alerts"
	"patchbay/backend/domain"
	"patchbay/backend/events"
)

// Alert delivery tuning: an attempt every retryBase·2^(n-1) after the
// n-th failure, at most maxAlertAttempts, then the delivery is listed as
// failed with a Retry button.
const (
	maxAlertAttempts = 5
	alertRetryBase   = 30 * time.Second
	alertRetryEvery  = 15 * time.Second
)

func alertSecretKey(id string) string { return "alert-route/" + id }

// CreateAlertRoute adds a route: a webhook (https, or http to this
// machine; its signing secret goes to the keyring, never the database) or
// a Slack channel through one of the team's Slack connections.
func (s *Service) CreateAlertRoute(ctx context.Context, d domain.AlertRouteDraft) (domain.AlertRoute, error) {
	r := d.AlertRoute
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		return r, domain.FieldError("name", "Name the route, e.g. Ops webhook or #alerts.")
	}
	switch r.MinSeverity {
	case "":
		r.MinSeverity = domain.SeverityCritical
	case domain.SeverityCritical, domain.SeverityWarning:
	default:
		return r, domain.FieldError("minSeverity", "Choose critical or warning.")
	}
	if r.WorkspaceID != "" {
		if _, err := s.store.GetWorkspace(ctx, r.WorkspaceID); err != nil {
			return r, domain.FieldError("workspaceId", "That workspace no longer exists.")
		}
	}
	switch r.Kind {
	case "webhook":
		u, err := url.Parse(strings.TrimSpace(r.URL))
		if err != nil || u.Host == "" || !(u.Scheme == "https" || u.Scheme == "http" && loopbackHost(u.Host)) {
			return r, domain.FieldError("url", "Enter the webhook's https:// URL (http only to this machine).")
		}
		r.URL, r.SlackConnectionID, r.Channel = u.String(), "", ""
		if len(strings.TrimSpace(d.Secret)) < 16 {
			return r, domain.FieldError("secret", "Enter a signing secret of at least 16 characters; the receiver checks X-Patchbay-Signature with it.")
		}
	case "slack":
		c, err := s.store.GetConnection(ctx, r.SlackConnectionID)
		if err != nil || c.Provider != "slack" {
			return r, domain.FieldError("slackConnectionId", "Choose one of your Slack connections.")
		}
		r.Channel = strings.TrimPrefix(strings.TrimSpace(r.Channel), "#")
		if r.Channel == "" {
			return r, domain.FieldError("channel", "Enter the channel to post to, e.g. alerts.")
		}
		r.URL = ""
	default:
		return r, domain.FieldError("kind", "Choose a webhook or a Slack channel.")
	}
	r.ID, r.Enabled, r.CreatedAt = newID("route"), true, s.now().UTC()
	if r.Kind == "webhook" {
		if err := s.secrets.Set(ctx, alertSecretKey(r.ID), strings.TrimSpace(d.Secret)); err != nil {
			return domain.AlertRoute{}, fmt.Errorf("store the route's signing secret: %w", err)
		}
	}
	if err := s.store.SaveAlertRoute(ctx, r); err != nil {
		_ = s.secrets.Delete(context.WithoutCancel(ctx), alertSecretKey(r.ID))
		return domain.AlertRoute{}, err
	}
	s.bus.Publish(events.AlertsChanged, struct{}{})
	return r, nil
}

// ListAlertRoutes returns the alert routes.
func (s *Service) ListAlertRoutes(ctx context.Context) ([]domain.AlertRoute, error) {
	return s.store.ListAlertRoutes(ctx)
}

// DeleteAlertRoute removes a route, its deliveries and its secret.
func (s *Service) DeleteAlertRoute(ctx context.Context, id string) error {
	if err := s.store.DeleteAlertRoute(ctx, id); err != nil {
		return err
	}
	if err := s.secrets.Delete(ctx, alertSecretKey(id)); err != nil {
		s.log.Warn("delete an alert route's secret", "route", id, "err", err)
	}
	s.bus.Publish(events.AlertsChanged, struct{}{})
	return nil
}

// ListAlertDeliveries returns the most recent deliveries, newest first.
func (s *Service) ListAlertDeliveries(ctx context.Context, limit int) ([]domain.AlertDelivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.store.ListDeliveries(ctx, limit)
}

// TestAlertRoute sends a test message to a route now and returns the
// delivery as it ended (delivered, or pending with the error and a retry).
func (s *Service) TestAlertRoute(ctx context.Context, id string) (domain.AlertDelivery, error) {
	routes, err := s.store.ListAlertRoutes(ctx)
	if err != nil {
		return domain.AlertDelivery{}, err
	}
	i := slices.IndexFunc(routes, func(r domain.AlertRoute) bool { return r.ID == id })
	if i < 0 {
		return domain.AlertDelivery{}, domain.Errorf(domain.ENotFound, "That alert route no longer exists.")
	}
	now := s.now().UTC()
	body, _ := json.Marshal(map[string]any{"event": domain.AlertTest, "message": "Test message from Patchbay: this route works.", "occurredAt": now})
	d := domain.AlertDelivery{ID: newID("dlv"), RouteID: id, Event: domain.AlertTest, Body: string(body), Status: domain.DeliveryPending, NextAttempt: now, CreatedAt: now}
	if _, err := s.store.AddDelivery(ctx, d, "test:"+d.ID); err != nil {
		return domain.AlertDelivery{}, err
	}
	return s.attemptDelivery(ctx, d.ID)
}

// RetryAlertDelivery sends a failed delivery again now.
func (s *Service) RetryAlertDelivery(ctx context.Context, id string) (domain.AlertDelivery, error) {
	if err := s.store.RetryDelivery(ctx, id, s.now().UTC()); err != nil {
		return domain.AlertDelivery{}, err
	}
	return s.attemptDelivery(ctx, id)
}

// DeliverDueAlerts attempts every pending delivery whose time has come and
// returns how many it attempted.
func (s *Service) DeliverDueAlerts(ctx context.Context) int {
	ids, err := s.store.DueDeliveries(ctx, s.now().UTC())
	if err != nil {
		s.log.Error("list due alert deliveries", "err", err)
		return 0
	}
	for _, id := range ids {
		if _, err := s.attemptDelivery(ctx, id); err != nil {
			s.log.Error("alert delivery", "delivery", id, "err", err)
		}
	}
	return len(ids)
}

// runAlertRetries retries due deliveries until ctx ends.
func (s *Service) runAlertRetries(ctx context.Context) {
	t := time.NewTicker(alertRetryEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.DeliverDueAlerts(ctx)
		}
	}
}

// attemptDelivery claims a due delivery for one attempt and sends it.
func (s *Service) attemptDelivery(ctx context.Context, id string) (domain.AlertDelivery, error) {
	now := s.now().UTC()
	list, err := s.store.ListDeliveries(ctx, 500)
	if err != nil {
		return domain.AlertDelivery{}, err
	}
	attempts := 0
	for _, d := range list {
		if d.ID == id {
			attempts = d.Attempts
		}
	}
	d, ok, err := s.store.ClaimDelivery(ctx, id, now, now.Add(alertRetryBase<<min(attempts, 10)))
	if err != nil || !ok {
		return d, err
	}
	routes, err := s.store.ListAlertRoutes(ctx)
	if err != nil {
		return d, err
	}
	i := slices.IndexFunc(routes, func(r domain.AlertRoute) bool { return r.ID == d.RouteID })
	var sendErr error
	if i < 0 {
		sendErr = fmt.Errorf("the route was deleted")
	} else {
		sendErr = s.send(ctx, routes[i], d)
	}
	switch {
	case sendErr == nil:
		at := s.now().UTC()
		d.Status, d.LastError, d.DeliveredAt = domain.DeliveryDelivered, "", &at
	case d.Attempts >= maxAlertAttempts || i < 0:
		d.Status, d.LastError = domain.DeliveryFailed, sendErr.Error()
	default:
		d.Status, d.LastError = domain.DeliveryPending, sendErr.Error()
	}
	if err := s.store.FinishDelivery(context.WithoutCancel(ctx), d.ID, d.Status, d.LastError, d.DeliveredAt); err != nil {
		return d, err
	}
	s.log.Info("alert delivery", "delivery", d.ID, "route", d.RouteID, "event", d.Event, "status", d.Status, "attempt", d.Attempts)
	s.bus.Publish(events.AlertsChanged, struct{}{})
	return d, nil
}

// send posts one delivery to its route.
func (s *Service) send(ctx context.Context, r domain.AlertRoute, d domain.AlertDelivery) error {
	switch r.Kind {
	case "webhook":
		secret, err := s.secrets.Get(ctx, alertSecretKey(r.ID))
		if err != nil {
			return fmt.Errorf("the route's signing secret cannot be read from the %s: %w", s.secrets.Backend(), err)
		}
		return alerts.Webhook{}.Post(ctx, r.URL, []byte(secret), d.ID, d.Event, []byte(d.Body))
	case "slack":
		c, err := s.store.GetConnection(ctx, r.SlackConnectionID)
		if err != nil {
			return fmt.Errorf("the route's Slack connection was deleted; choose another")
		}
		t, p, err := s.target(ctx, c)
		if err != nil {
			return fmt.Errorf("the Slack connection %q cannot post: %s", c.Label, domain.Public(err).Message)
		}
		if p.Post == nil {
			return fmt.Errorf("%s cannot post messages", p.Name)
		}
		var m struct {
			Text string `json:"text"`
		}
		_ = json.Unmarshal([]byte(d.Body), &m)
		if m.Text == "" {
			var x struct {
				Message string `json:"message"`
			}
			_ = json.Unmarshal([]byte(d.Body), &x)
			m.Text = x.Message
		}
		if res := s.validator.Post(ctx, t, *p.Post, r.Channel, m.Text); !res.OK() {
			return fmt.Errorf("the Slack channel refused the message: %s", res.Message)
		}
		return nil
	}
	return fmt.Errorf("unknown route kind %q", r.Kind)
}

// alertStateChange queues one delivery per matching route for a
// connection's state change (stateKey names it: the critical
// notification's id and the event), and sends them in the background.
func (s *Service) alertStateChange(ctx context.Context, c domain.Connection, app, event, stateKey string) {
	routes, err := s.store.ListAlertRoutes(ctx)
	if err != nil || len(routes) == 0 {
		return
	}
	now := s.now().UTC()
	link := ""
	if set, err := s.GetSettings(ctx); err == nil && set.PublicBaseURL != "" {
		link = strings.TrimRight(set.PublicBaseURL, "/") + "/integrations/" + url.PathEscape(c.ID)
	}
	where := link
	if where == "" {
		where = "Open Patchbay › Integrations › " + c.Label + "."
	}
	reason := ""
	if c.LastError != nil {
		reason = c.LastError.Message
	}
	text := fmt.Sprintf("%s reauth required: %s. Reconnection needed. %s %s", app, c.Label, reason, where)
	switch event {
	case domain.AlertRecovered:
		text = fmt.Sprintf("%s reconnected: %s is working again. %s", app, c.Label, where)
	case domain.AlertExpiring:
		when := "soon"
		if c.TokenExpiresAt != nil {
			when = "on " + c.TokenExpiresAt.UTC().Format("2 Jan 2006 15:04 MST")
		}
		text = fmt.Sprintf("%s token expiring: the token of %s expires %s. Create a new one and re-authenticate before then. %s", app, c.Label, when, where)
	}
	body, _ := json.Marshal(map[string]any{
		"event": event, "occurredAt": now, "text": strings.Join(strings.Fields(text), " "), "url": link,
		"connection": map[string]any{"id": c.ID, "label": c.Label, "provider": c.Provider, "app": app, "status": c.Status,
			"statusDescription": c.StatusDescription, "reason": reason, "workspaceIds": c.WorkspaceIDs},
	})
	for _, r := range routes {
		if !r.Enabled || r.WorkspaceID != "" && !slices.Contains(c.WorkspaceIDs, r.WorkspaceID) {
			continue
		}
		if event == domain.AlertExpiring && r.MinSeverity != domain.SeverityWarning {
			continue // a warning: only routes that asked for warnings
		}
		d := domain.AlertDelivery{ID: newID("dlv"), RouteID: r.ID, ConnectionID: c.ID, Event: event, Body: string(body),
			Status: domain.DeliveryPending, NextAttempt: now, CreatedAt: now}
		added, err := s.store.AddDelivery(ctx, d, stateKey)
		if err != nil {
			s.log.Error("queue alert delivery", "route", r.ID, "connection", c.ID, "err", err)
			continue
		}
		if added {
			id := d.ID
			s.Go(func() {
				if _, err := s.attemptDelivery(context.WithoutCancel(ctx), id); err != nil {
					s.log.Error("alert delivery", "delivery", id, "err", err)
				}
			})
		}
	}
}
