package service

import (
	"testing"
	"time"

	"patchbay/backend/domain"
)

// TestPortalSessionsPruned (review finding 3): expired sessions are dropped
// when new ones start, and the map never holds more than MaxPortalSessions.
func TestPortalSessionsPruned(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &Clients{now: func() time.Time { return now }}
	c := domain.Client{ID: "cli_1", Name: "Acme"}
	for i := 0; i < 5; i++ {
		s.startPortalSession(c, "req_1")
	}
	now = now.Add(PortalSessionTTL + time.Minute)
	s.startPortalSession(c, "req_2")
	if n := len(s.sessions.m); n != 1 {
		t.Fatalf("%d sessions held after the first five expired, want 1", n)
	}
	for i := 0; i < MaxPortalSessions+50; i++ {
		now = now.Add(time.Millisecond)
		s.startPortalSession(c, "req_3")
	}
	if n := len(s.sessions.m); n != MaxPortalSessions {
		t.Fatalf("%d sessions held, cap %d", n, MaxPortalSessions)
	}
}
