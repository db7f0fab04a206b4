package domain

import "time"

// SweepProgress is a health sweep's state: live while it runs (event
// "sweep:progress"), and stored so the last sweep survives a restart.
type SweepProgress struct {
	ID         string     `json:"id"`
	Total      int        `json:"total"`
	Done       int        `json:"done"`
	Failures   int        `json:"failures"`
	Skipped    int        `json:"skipped"`
	Running    bool       `json:"running"`
	Cancelled  bool       `json:"cancelled"`
	StartedAt  time.Time  `json:"startedAt"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	// Interrupted is set when Patchbay stopped before the sweep finished.
	Interrupted bool `json:"interrupted,omitempty"`
	// Notes lists skipped connections and why.
	Notes []string `json:"notes"`
}
