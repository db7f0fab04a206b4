package domain

import (
	"strconv"
	"strings"
	"time"
)

// Run statuses.
const (
	RunQueued    = "queued"
	RunRunning   = "running"
	RunPaused    = "paused"
	RunCompleted = "completed"
	RunFailed    = "failed"
	RunCancelled = "cancelled"
)

// Pause reasons.
const (
	PauseReauth   = "reauth"   // a step's connection cannot authenticate
	PauseOperator = "operator" // someone pressed Pause
)

// Step statuses.
const (
	StepPending   = "pending"
	StepRunning   = "running"
	StepWaiting   = "waiting" // parked until its connection is reauthorized
	StepCompleted = "completed"
	StepFailed    = "failed"
	StepSkipped   = "skipped"
)

// Node is a workflow's trigger or one of its actions, bound to a connection.
type Node struct {
	Kind         string            `json:"kind"` // schedule, new_items, fetch_inventory, post_summary, check
	ConnectionID string            `json:"connectionId,omitempty"`
	Params       map[string]string `json:"params,omitempty"`
}

// Workflow is a trigger node and action nodes in a workspace.
type Workflow struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspaceId"`
	Name        string    `json:"name"`
	Published   bool      `json:"published"`
	Trigger     Node      `json:"trigger"`
	Actions     []Node    `json:"actions"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	// LastTriggeredAt is when the trigger last fired on its own (nil: never).
	LastTriggeredAt *time.Time `json:"lastTriggeredAt,omitempty"`
}

// MaxTriggerMinutes bounds a trigger's interval (one week).
const MaxTriggerMinutes = 7 * 24 * 60

// Every is how often a published workflow's trigger fires: its "every"
// parameter in minutes, by default hourly for a schedule and every 15
// minutes for new items. ok is false when the parameter is not a whole
// number of minutes between 1 and MaxTriggerMinutes.
func (n Node) Every() (every time.Duration, ok bool) {
	def := 60
	if n.Kind == "new_items" {
		def = 15
	}
	raw := strings.TrimSpace(n.Params["every"])
	if raw == "" {
		return time.Duration(def) * time.Minute, true
	}
	m, err := strconv.Atoi(raw)
	if err != nil || m < 1 || m > MaxTriggerMinutes {
		return time.Duration(def) * time.Minute, false
	}
	return time.Duration(m) * time.Minute, true
}

// Step is one executed node of a run.
type Step struct {
	Index        int        `json:"index"`
	Name         string     `json:"name"`
	Kind         string     `json:"kind"`
	ConnectionID string     `json:"connectionId,omitempty"`
	Status       string     `json:"status"`
	Attempts     int        `json:"attempts"`
	StartedAt    *time.Time `json:"startedAt,omitempty"`
	FinishedAt   *time.Time `json:"finishedAt,omitempty"`
	Output       string     `json:"output,omitempty"`
	Error        string     `json:"error,omitempty"`
}

// Run is one execution of a workflow.
type Run struct {
	ID                 string    `json:"id"`
	WorkflowID         string    `json:"workflowId"`
	Status             string    `json:"status"`
	PauseReason        string    `json:"pauseReason,omitempty"`
	PausedConnectionID string    `json:"pausedConnectionId,omitempty"`
	ReplayOf           string    `json:"replayOf,omitempty"`
	CurrentStep        int       `json:"currentStep"`
	Error              string    `json:"error,omitempty"`
	Steps              []Step    `json:"steps"`
	CreatedAt          time.Time `json:"createdAt"`
	UpdatedAt          time.Time `json:"updatedAt"`
}

// Terminal reports whether the run has finished for good (replay allowed).
func (r Run) Terminal() bool {
	return r.Status == RunCompleted || r.Status == RunFailed || r.Status == RunCancelled
}
