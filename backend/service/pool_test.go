package service_test

import (
	"context"
	"strings"
	"testing"

	"patchbay/backend/domain"
	"patchbay/backend/secrets"
	"patchbay/backend/service"
)

// pooledCatalogue is a catalogue with one provider whose key field holds a
// pool, like GitHub's several PATs.
const pooledCatalogue = `{"providers":[{"id":"pooled","name":"Pooled API","selfHosted":true,"modes":[{"id":"pat","name":"PATs","reauth":true,
 "fields":[{"key":"token","label":"PAT","kind":"secret","required":true,"multiple":true}],
 "auth":{"header":"X-API-Key","value":"{{token}}"},"validate":{"url":"/generic/v1/me","rateRemainingHeader":"X-RateLimit-Remaining"}}]}]}`

func TestPooledSecrets(t *testing.T) {
	sec := secrets.NewMemory()
	e := newEnvWith(t, sec, catalogue(t, pooledCatalogue))
	svc, fake, ctx := e.svc, e.fake, context.Background()
	ws := []domain.Workspace{e.ws}
	const a, b, c = "pool-key-aaaaaaaa-0001", "pool-key-bbbbbbbb-0002", "pool-key-cccccccc-0003"
	for _, k := range []string{a, b, c} {
		fake.SetKey(k, true)
	}
	draft := domain.ConnectionDraft{Provider: "pooled", AuthMode: "pat", Label: "Bots", WorkspaceIDs: []string{ws[0].ID}, BaseURL: e.url,
		Secrets: map[string]string{"token": a + "\n\n  " + b + "\n"}}
	conn, err := svc.CreateConnection(ctx, draft)
	if err != nil {
		t.Fatal(err)
	}
	if len(conn.Credentials) != 2 || conn.Credentials[0].Hint != "••••0001" || conn.Credentials[1].Class != domain.ClassOK {
		t.Fatalf("credentials %+v", conn.Credentials)
	}

	// One PAT breaks: the connection stays active, the broken PAT is named.
	fake.SetKey(a, false)
	conn, _ = svc.CheckConnection(ctx, conn.ID)
	if conn.Status != domain.StatusActive || conn.LastError == nil || !strings.Contains(conn.LastError.Message, "••••0001") || conn.Credentials[0].Class != domain.ClassInvalidCredentials {
		t.Fatalf("one broken: %+v", conn)
	}
	if got := service.PickCredential(conn.Credentials); got != 1 {
		t.Fatalf("pick = %d, want the working PAT 1", got)
	}
	// A bad replacement is refused and changes nothing.
	if _, err := svc.ReauthenticateConnection(ctx, conn.ID, domain.ReauthDraft{Pool: "replace", Index: 0, Secrets: map[string]string{"token": "pool-key-bad"}}); domain.ErrorCode(err) != domain.EValidation {
		t.Fatalf("bad replace: %v", err)
	}
	if stored, _ := sec.Get(ctx, "connection/"+conn.ID); !strings.Contains(stored, a) {
		t.Fatal("the old PAT was lost after a failed replacement")
	}
	// Replace the broken one: all healthy again.
	res, err := svc.ReauthenticateConnection(ctx, conn.ID, domain.ReauthDraft{Pool: "replace", Index: 0, Secrets: map[string]string{"token": c}})
	if err != nil || res.Connection.LastError != nil || len(res.Connection.Credentials) != 2 || res.Connection.Credentials[0].Hint != "••••0003" {
		t.Fatalf("replace: %+v %v", res.Connection, err)
	}
	// Add one, remove one, never the last.
	if res, err = svc.ReauthenticateConnection(ctx, conn.ID, domain.ReauthDraft{Pool: "add", Secrets: map[string]string{"token": a}}); domain.ErrorCode(err) != domain.EValidation {
		t.Fatalf("adding a revoked PAT: %v", err)
	}
	fake.SetKey(a, true)
	if res, err = svc.ReauthenticateConnection(ctx, conn.ID, domain.ReauthDraft{Pool: "add", Secrets: map[string]string{"token": a}}); err != nil || len(res.Connection.Credentials) != 3 {
		t.Fatalf("add: %v %+v", err, res.Connection.Credentials)
	}
	for i := 0; i < 2; i++ {
		if _, err := svc.ReauthenticateConnection(ctx, conn.ID, domain.ReauthDraft{Pool: "remove", Index: 0}); err != nil {
			t.Fatalf("remove %d: %v", i, err)
		}
	}
	if _, err := svc.ReauthenticateConnection(ctx, conn.ID, domain.ReauthDraft{Pool: "remove", Index: 0}); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "at least one") {
		t.Fatalf("removing the last: %v", err)
	}
	got, _ := svc.GetConnection(ctx, conn.ID)
	if len(got.Credentials) != 1 || got.Credentials[0].Hint != "••••0001" {
		t.Fatalf("final pool %+v", got.Credentials)
	}
}

func TestPickCredential(t *testing.T) {
	n := func(i int) *int { return &i }
	creds := []domain.CredentialInfo{
		{Class: domain.ClassOK, RateRemaining: n(10)},
		{Class: domain.ClassRateLimited, RateRemaining: n(0)},
		{Class: domain.ClassOK, RateRemaining: n(4000)},
		{Class: domain.ClassInvalidCredentials, RateRemaining: n(5000)},
	}
	if got := service.PickCredential(creds); got != 2 {
		t.Fatalf("pick = %d", got)
	}
	if got := service.PickCredential(creds[3:]); got != -1 {
		t.Fatalf("no working PAT: pick = %d", got)
	}
}
