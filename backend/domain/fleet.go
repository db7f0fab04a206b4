package domain

// FleetHealth is the Health page's at-a-glance view of every connection:
// a 30-day uptime heat map, status counts per day, latency percentiles per
// provider and the rate-limit budget left in each PAT pool.
type FleetHealth struct {
	// Days are the heat map's columns, oldest first ("2006-01-02", UTC).
	Days []string `json:"days"`
	// Rows are the heat map's rows, worst 30-day uptime first.
	Rows []FleetRow `json:"rows"`
	// StatusByDay counts, per day, the connections whose checks all
	// succeeded (healthy), some failed (degraded), all failed (failing) or
	// that had no check.
	StatusByDay []DayStatus `json:"statusByDay"`
	// Latency holds p50 and p95 of successful checks per provider over the
	// last LatencyDays days.
	Latency     []ProviderLatency `json:"latency"`
	LatencyDays int               `json:"latencyDays"`
	// Budgets is the rate limit left in each pool of PATs.
	Budgets []PoolBudget `json:"budgets"`
}

// FleetRow is one connection's line of the heat map: per day, the share of
// successful checks (nil: no check that day) and how many checks there were.
type FleetRow struct {
	ConnectionID string     `json:"connectionId"`
	Label        string     `json:"label"`
	Provider     string     `json:"provider"`
	Uptime       []*float64 `json:"uptime"`
	Checks       []int      `json:"checks"`
}

// DayStatus counts connections by how their checks went on one day.
type DayStatus struct {
	Day      string `json:"day"`
	Healthy  int    `json:"healthy"`
	Degraded int    `json:"degraded"`
	Failing  int    `json:"failing"`
	NoChecks int    `json:"noChecks"`
}

// ProviderLatency is the latency spread of one provider's successful checks.
type ProviderLatency struct {
	Provider string `json:"provider"`
	P50MS    int64  `json:"p50Ms"`
	P95MS    int64  `json:"p95Ms"`
	Checks   int    `json:"checks"`
}

// PoolBudget is the rate limit a PAT pool has left: the sum over its PATs of
// what each reported at its last check.
type PoolBudget struct {
	ConnectionID string `json:"connectionId"`
	Label        string `json:"label"`
	PATs         int    `json:"pats"`
	Remaining    int    `json:"remaining"`
	Limit        int    `json:"limit"`
}
