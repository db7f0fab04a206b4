package service

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"time"

	"patchbay/backend/domain"
)

// FleetDays is how many days the Health page's heat map and status chart
// cover; FleetLatencyDays the window of the latency percentiles.
const (
	FleetDays        = 30
	FleetLatencyDays = 7
)

// GetFleetHealth gathers the Health page's charts from the rollups, the
// check history and the connections (no provider is called).
func (s *Service) GetFleetHealth(ctx context.Context) (domain.FleetHealth, error) {
	conns, err := s.store.ListConnections(ctx)
	if err != nil {
		return domain.FleetHealth{}, err
	}
	now := s.now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	days := make([]string, FleetDays)
	for i := range days {
		days[i] = today.AddDate(0, 0, i-(FleetDays-1)).Format(time.DateOnly)
	}
	daily, err := s.store.DailyChecks(ctx, days[0])
	if err != nil {
		return domain.FleetHealth{}, err
	}
	lat, err := s.store.OKLatencies(ctx, now.Add(-FleetLatencyDays*24*time.Hour))
	if err != nil {
		return domain.FleetHealth{}, err
	}
	out := domain.FleetHealth{Days: days, Rows: []domain.FleetRow{}, StatusByDay: make([]domain.DayStatus, FleetDays),
		Latency: []domain.ProviderLatency{}, LatencyDays: FleetLatencyDays, Budgets: []domain.PoolBudget{}}
	for i, d := range days {
		out.StatusByDay[i].Day = d
	}
	type rowScore struct {
		row   domain.FleetRow
		score float64
	}
	var rows []rowScore
	byProvider := map[string][]int64{}
	for _, c := range conns {
		name := c.Provider
		if p, ok := s.catalogue.Provider(c.Provider); ok {
			name = p.Name
		}
		r := domain.FleetRow{ConnectionID: c.ID, Label: c.Label, Provider: name, Uptime: make([]*float64, FleetDays), Checks: make([]int, FleetDays)}
		n, ok := 0, 0
		for i, d := range days {
			v, has := daily[c.ID][d]
			st := &out.StatusByDay[i]
			switch {
			case !has || v[0] == 0:
				st.NoChecks++
				continue
			case v[1] == v[0]:
				st.Healthy++
			case v[1] == 0:
				st.Failing++
			default:
				st.Degraded++
			}
			pct := 100 * float64(v[1]) / float64(v[0])
			r.Uptime[i], r.Checks[i] = &pct, v[0]
			n, ok = n+v[0], ok+v[1]
		}
		score := 101.0 // no checks: after every measured row
		if n > 0 {
			score = 100 * float64(ok) / float64(n)
		}
		rows = append(rows, rowScore{r, score})
		byProvider[name] = append(byProvider[name], lat[c.ID]...)
		if len(c.Credentials) > 1 {
			b := domain.PoolBudget{ConnectionID: c.ID, Label: c.Label, PATs: len(c.Credentials)}
			for _, cr := range c.Credentials {
				if cr.RateRemaining != nil {
					b.Remaining += *cr.RateRemaining
				}
				if cr.RateLimit != nil {
					b.Limit += *cr.RateLimit
				}
			}
			out.Budgets = append(out.Budgets, b)
		}
	}
	// sort.SliceStable and sort.Slice rather than slices.Sort*Func: the
	// generic ones are written out per element type (about 30 KB of the
	// desktop binary for these two; issue 18), the sort ones are linked
	// already.
	sort.SliceStable(rows, func(i, j int) bool { return cmp.Compare(rows[i].score, rows[j].score) < 0 })
	for _, r := range rows {
		out.Rows = append(out.Rows, r.row)
	}
	for name, ms := range byProvider {
		if len(ms) == 0 {
			continue
		}
		slices.Sort(ms)
		out.Latency = append(out.Latency, domain.ProviderLatency{Provider: name, P50MS: percentile(ms, 50), P95MS: percentile(ms, 95), Checks: len(ms)})
	}
	sort.Slice(out.Latency, func(i, j int) bool { return out.Latency[i].Provider < out.Latency[j].Provider })
	return out, nil
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []int64, p int) int64 {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n)
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// ListChecksOn returns a connection's checks of one UTC day ("2006-01-02"),
// newest first (the Health page's heat map cell).
func (s *Service) ListChecksOn(ctx context.Context, id, day string) ([]domain.CheckRecord, error) {
	from, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return nil, domain.FieldError("day", "Give the day as YYYY-MM-DD.")
	}
	if _, err := s.store.GetConnection(ctx, id); err != nil {
		return nil, err
	}
	return s.store.ChecksBetween(ctx, id, from, from.AddDate(0, 0, 1), 500)
}
