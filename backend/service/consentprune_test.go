package service_test

import (
	"context"
	"testing"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/fakes"
	"patchbay/backend/secrets"
)

// TestFinishedConsentsArePruned: a consent's status stays readable for 15
// minutes after it ended, then goes when another consent starts; a pending
// consent and an authorized one still waiting for Validate Connection stay
// however old they are. The service clock is moved, never waited for.
func TestFinishedConsentsArePruned(t *testing.T) {
	e := newEnv(t, secrets.NewMemory())
	ctx := context.Background()
	start := func() domain.ConsentStatus {
		t.Helper()
		st, err := e.svc.StartConsent(ctx, e.oauthDraft())
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	cancelled := func() domain.ConsentStatus {
		t.Helper()
		st := start()
		if err := e.svc.CancelConsent(ctx, st.ID); err != nil {
			t.Fatal(err)
		}
		if st = waitConsent(t, e, st.ID); st.State != domain.ConsentCancelled {
			t.Fatalf("cancel: %+v", st)
		}
		return st
	}
	state := func(id string) string {
		t.Helper()
		st, err := e.svc.GetConsent(ctx, id)
		if domain.ErrorCode(err) == domain.ENotFound {
			return "pruned"
		}
		if err != nil {
			t.Fatal(err)
		}
		return st.State
	}

	// A connection, and a reauthorization of it that waits for Validate
	// Connection.
	done := start()
	if _, _, err := fakes.Browse(done.AuthURL, "approve", nil); err != nil {
		t.Fatal(err)
	}
	if done = waitConsent(t, e, done.ID); done.State != domain.ConsentDone {
		t.Fatalf("connect: %+v", done)
	}
	authorized, err := e.svc.ReauthorizeConnection(ctx, done.ConnectionID, domain.ReauthorizeDraft{Confirm: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := fakes.Browse(authorized.AuthURL, "approve", nil); err != nil {
		t.Fatal(err)
	}
	if st := waitConsent(t, e, authorized.ID); st.State != domain.ConsentAuthorized {
		t.Fatalf("reauthorize: %+v", st)
	}
	old := cancelled()

	e.clock.Advance(10 * time.Minute)
	recent := cancelled()
	live := start()

	e.clock.Advance(6 * time.Minute) // old and done ended 16 minutes ago, recent 6
	for id, want := range map[string]string{old.ID: domain.ConsentCancelled, done.ID: domain.ConsentDone, recent.ID: domain.ConsentCancelled,
		live.ID: domain.ConsentPending, authorized.ID: domain.ConsentAuthorized} {
		if got := state(id); got != want {
			t.Fatalf("before the next consent starts, consent %s is %s, want %s (pruning happens when one starts)", id, got, want)
		}
	}
	start() // starting a consent prunes the others
	for id, want := range map[string]string{old.ID: "pruned", done.ID: "pruned", recent.ID: domain.ConsentCancelled,
		live.ID: domain.ConsentPending, authorized.ID: domain.ConsentAuthorized} {
		if got := state(id); got != want {
			t.Errorf("consent %s is %s, want %s", id, got, want)
		}
	}
	// The authorized one still completes: its grant was not dropped.
	if c, err := e.svc.CompleteConsent(ctx, authorized.ID); err != nil || c.Status != domain.StatusActive {
		t.Fatalf("validate the kept authorized consent: %+v %v", c, err)
	}
}
