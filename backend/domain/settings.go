package domain

// Settings are the user's preferences, stored in SQLite.
type Settings struct {
	// DesktopNotifications shows an OS notification for each new critical
	// notification while Patchbay is in the background (default on).
	DesktopNotifications bool `json:"desktopNotifications"`
	// PortalAddress is where the client portal listens for clients (host:port,
	// e.g. 0.0.0.0:8788 for the LAN); empty: only where the app already
	// serves (patchbay serve). Only /portal/ is served there.
	PortalAddress string `json:"portalAddress"`
	// PublicBaseURL is the address clients reach the portal at (a LAN name
	// or a tunnel, e.g. https://patchbay.example.com): links and the portal's
	// OAuth redirects start with it. Empty: derived from PortalAddress.
	PublicBaseURL string `json:"publicBaseUrl"`
	// PortalListening reports the portal listener's state (read-only).
	PortalListening string `json:"portalListening,omitempty"`
}
