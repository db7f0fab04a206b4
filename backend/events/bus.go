// Package events is the in-process publish/subscribe bus that carries live
// updates (connection:changed, sweep:progress, …) from the service layer to
// the transports: Wails runtime events in the window, server-sent events in
// serve mode.
package events

import "sync"

// Topics published by the service layer.
const (
	// ConnectionChanged carries ConnectionRef after a connection was created,
	// updated, checked or deleted.
	ConnectionChanged = "connection:changed"
	// ConsentChanged carries ConsentRef when an OAuth consent finished.
	ConsentChanged = "consent:changed"
	// NotificationsChanged tells the bell and the banner to reload.
	NotificationsChanged = "notifications:changed"
	// SweepProgress carries a sweep's health.Progress.
	SweepProgress = "sweep:progress"
	// RequestChanged carries RequestRef when a client's reconnection request
	// moved on (opened, consent done, active, revoked).
	RequestChanged = "request:changed"
	// SettingsChanged follows a saved Settings (payload domain.Settings).
	SettingsChanged = "settings:changed"
	// AuditChanged tells the Activity page that the audit log grew.
	AuditChanged = "audit:changed"
	// AlertsChanged tells Settings that an alert route or delivery changed.
	AlertsChanged = "alerts:changed"
)

// RequestRef is the payload of RequestChanged.
type RequestRef struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

// ConsentRef is the payload of ConsentChanged.
type ConsentRef struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

// ConnectionRef is the payload of ConnectionChanged.
type ConnectionRef struct {
	ID      string `json:"id"`
	Deleted bool   `json:"deleted,omitempty"`
}

// Event is one published message.
type Event struct {
	Topic   string
	Payload any
}

// Bus fans events out to subscribers. A slow subscriber never blocks a
// publisher: its buffer fills and further events to it are dropped, which is
// safe because every event only tells the UI to reload what changed.
type Bus struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
}

// New returns an empty bus.
func New() *Bus { return &Bus{subs: map[chan Event]struct{}{}} }

// Publish sends an event to every subscriber without blocking.
func (b *Bus) Publish(topic string, payload any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- Event{Topic: topic, Payload: payload}:
		default:
		}
	}
}

// Subscribe returns a channel of events and a function that ends the
// subscription and closes the channel.
func (b *Bus) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 64)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, ch)
			b.mu.Unlock()
			close(ch)
		})
	}
}
