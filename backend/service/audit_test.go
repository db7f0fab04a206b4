package service_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

// Every credential event of a session is in the audit log with its actor,
// the log filters, the exports carry it, and no secret is stored.
func TestAuditLogRecordsACredentialSession(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	const key, key2 = "audit-key-0000000000001", "audit-key-0000000000002"
	e.fake.SetKey(key, true)
	e.fake.SetKey(key2, true)
	api, err := e.svc.CreateConnection(ctx, e.draft(key, fakes.GenericValidate))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.HandOutToken(service.WithActor(ctx, "token (caller: bash)"), api.ID); err != nil {
		t.Fatal(err)
	}
	e.fake.SetKey(key, false)
	if _, err := e.svc.CheckConnection(ctx, api.ID); err != nil { // active → error
		t.Fatal(err)
	}
	if _, err := e.svc.CheckConnection(ctx, api.ID); err != nil { // unchanged: not recorded
		t.Fatal(err)
	}
	if _, err := e.svc.ReauthenticateConnection(ctx, api.ID, domain.ReauthDraft{Secrets: map[string]string{"apiKey": "audit-key-wrong-00000009"}}); err == nil {
		t.Fatal("a wrong key re-authenticated")
	}
	if _, err := e.svc.ReauthenticateConnection(ctx, api.ID, domain.ReauthDraft{Secrets: map[string]string{"apiKey": key2}}); err != nil {
		t.Fatal(err)
	}
	// OAuth: refreshed with rotation, a refresh that fails for good,
	// disconnect (revoked at the provider), delete.
	e.fake.OAuth.AccessTTL = 120 * time.Second
	oc := connectOAuth(t, e)
	if _, err := e.svc.RefreshCredential(ctx, oc.ID); err != nil {
		t.Fatal(err)
	}
	oc2 := connectOAuth(t, e)
	if _, err := e.svc.DisconnectConnection(ctx, oc2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeleteConnection(ctx, oc2.ID); err != nil {
		t.Fatal(err)
	}
	// An outage of the token endpoint outlasting the refresh budget.
	e.fake.OAuth.FailNext(503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503)
	if got, err := e.svc.RefreshCredential(ctx, oc.ID); err == nil {
		t.Fatalf("a refresh during an outage succeeded: %d refreshes, %s", e.fake.OAuth.Refreshes(), got.Status)
	}
	// A client's reconnection link, opened.
	client, err := e.svc.CreateClient(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetConnectionOwner(ctx, api.ID, client.ID); err != nil {
		t.Fatal(err)
	}
	r, err := e.svc.CreateReconnectRequest(ctx, api.ID, "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := e.svc.OpenRequest(ctx, r.URL[strings.LastIndex(r.URL, "/")+1:])
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(service.PortalSessionTTL + time.Minute)
	for i := 0; i < 2; i++ { // recorded once
		if _, err := e.svc.PortalSession(ctx, ps.ID); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Fatalf("an expired portal session: %v", err)
		}
	}

	all, err := e.svc.ListAudit(ctx, domain.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	type key3 struct{ conn, action, outcome string }
	seen := map[key3]domain.AuditEvent{}
	for _, ev := range all {
		seen[key3{ev.ConnectionID, ev.Action, ev.Outcome}] = ev
	}
	for _, want := range []key3{
		{api.ID, domain.AuditCreated, "ok"},
		{api.ID, domain.AuditTokenHandedOut, "ok"},
		{api.ID, domain.AuditValidated, "failed"},
		{api.ID, domain.AuditReauthenticated, "failed"},
		{api.ID, domain.AuditReauthenticated, "ok"},
		{oc.ID, domain.AuditCreated, "ok"},
		{oc.ID, domain.AuditRefreshed, "ok"},
		{oc.ID, domain.AuditRefreshFailed, "transient"},
		{oc2.ID, domain.AuditDisconnected, "ok"},
		{oc2.ID, domain.AuditDeleted, "ok"},
		{api.ID, domain.AuditLinkCreated, "ok"},
		{api.ID, domain.AuditLinkOpened, "ok"},
		{api.ID, domain.AuditPortalStarted, "ok"},
		{api.ID, domain.AuditPortalEnded, "ok"},
	} {
		if _, ok := seen[want]; !ok {
			t.Errorf("no %+v event", want)
		}
	}
	if ev := seen[key3{api.ID, domain.AuditTokenHandedOut, "ok"}]; ev.Actor != "token (caller: bash)" {
		t.Errorf("hand-out actor %q", ev.Actor)
	}
	if ev := seen[key3{api.ID, domain.AuditLinkOpened, "ok"}]; ev.Actor != "portal client Acme" {
		t.Errorf("link actor %q", ev.Actor)
	}
	if ev := seen[key3{oc.ID, domain.AuditRefreshed, "ok"}]; ev.Detail != "refresh token rotated" {
		t.Errorf("refresh detail %q", ev.Detail)
	}
	if ev := seen[key3{oc2.ID, domain.AuditDeleted, "ok"}]; ev.ConnectionLabel != oc2.Label {
		t.Errorf("a deleted connection's events keep its label: %+v", ev)
	}
	validated := 0
	for _, ev := range all {
		if ev.ConnectionID == api.ID && ev.Action == domain.AuditValidated {
			validated++
		}
	}
	if validated != 1 { // active → error; the unchanged second check is not recorded
		t.Errorf("%d validated events of %s, want 1", validated, api.Label)
	}
	// Filters.
	if list, _ := e.svc.ListAudit(ctx, domain.AuditFilter{ConnectionID: api.ID, Outcome: "failed"}); len(list) != 2 {
		t.Errorf("failed events of %s: %+v", api.Label, list)
	}
	if list, _ := e.svc.ListAudit(ctx, domain.AuditFilter{Actor: "PORTAL"}); len(list) != 3 {
		t.Errorf("portal events: %+v", list)
	}
	if list, _ := e.svc.ListAudit(ctx, domain.AuditFilter{Limit: 2}); len(list) != 2 || list[0].Action != domain.AuditPortalEnded {
		t.Errorf("newest first, limited: %+v", list)
	}
	// Exports.
	for _, format := range []string{"json", "csv", "html"} {
		exp, err := e.svc.ExportReport(ctx, format)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(exp.Body, "token handed out") || !strings.Contains(exp.Body, "refresh token rotated") {
			t.Errorf("%s export lacks the audit log", format)
		}
		for _, s := range []string{key, key2, fakes.OAuthClientSecret} {
			if strings.Contains(exp.Body, s) {
				t.Errorf("%s export contains a secret", format)
			}
		}
		switch format {
		case "json":
			var doc struct{ Audit []domain.AuditEvent }
			if err := json.Unmarshal([]byte(exp.Body), &doc); err != nil || len(doc.Audit) != len(all) {
				t.Errorf("json audit: %d events, want %d (%v)", len(doc.Audit), len(all), err)
			}
		case "csv":
			if recs, err := csv.NewReader(strings.NewReader(exp.Body)).ReadAll(); err != nil {
				t.Errorf("csv no longer parses: %v", err)
			} else if len(recs) < len(all)+2 {
				t.Errorf("csv has %d rows", len(recs))
			}
		}
	}
	assertNotInFiles(t, e.dbPath, key)
	assertNotInFiles(t, e.dbPath, key2)
	assertNotInFiles(t, e.dbPath, fakes.OAuthClientSecret)
}
