package domain

// Settings are the user's preferences, stored in SQLite.
type Settings struct {
	// DesktopNotifications shows an OS notification for each new critical
	// notification while Patchbay is in the background (default on).
	DesktopNotifications bool `json:"desktopNotifications"`
}
