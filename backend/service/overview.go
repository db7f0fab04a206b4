package service

import (
	"context"
	"sort"
	"time"

	"patchbay/backend/domain"
	"patchbay/backend/health"
)

// Overview is the Health page: counts by status and provider, what needs
// attention first, the last sweep, and whether checks are paused offline.
type Overview struct {
	ByStatus   map[string]int      `json:"byStatus"`
	ByProvider map[string]int      `json:"byProvider"`
	Attention  []domain.Connection `json:"attention"`
	LastSweep  *health.Progress    `json:"lastSweep,omitempty"`
	// Offline is true when the last sweep reached no provider at all:
	// scheduled checks are paused and the UI shows the last known state.
	Offline bool `json:"offline"`
	// OldestCheck is the age basis of the last known state.
	OldestCheck *time.Time `json:"oldestCheck,omitempty"`
}

// GetHealthOverview summarises every connection from the local database.
func (s *Sweeps) GetHealthOverview(ctx context.Context) (Overview, error) {
	conns, err := s.store.ListConnections(ctx)
	if err != nil {
		return Overview{}, err
	}
	o := Overview{ByStatus: map[string]int{}, ByProvider: map[string]int{}, Attention: []domain.Connection{}}
	for _, c := range conns {
		key := string(c.Status)
		if c.Interrupted() {
			key = "interrupted"
		}
		o.ByStatus[key]++
		name := c.Provider
		if p, ok := s.catalogue.Provider(c.Provider); ok {
			name = p.Name
		}
		o.ByProvider[name]++
		if c.Status != domain.StatusActive || c.LastError != nil {
			o.Attention = append(o.Attention, c)
		}
		if c.LastCheckedAt != nil && (o.OldestCheck == nil || c.LastCheckedAt.Before(*o.OldestCheck)) {
			t := *c.LastCheckedAt
			o.OldestCheck = &t
		}
	}
	rank := map[domain.Status]int{domain.StatusError: 0, domain.StatusRevoked: 1, domain.StatusPending: 3, domain.StatusActive: 2}
	sort.SliceStable(o.Attention, func(i, j int) bool { return rank[o.Attention[i].Status] < rank[o.Attention[j].Status] })
	if p, ok := s.lastSweep(ctx); ok {
		o.LastSweep = &p
	}
	s.sweeps.mu.Lock()
	o.Offline = s.sweeps.offline
	s.sweeps.mu.Unlock()
	return o, nil
}
