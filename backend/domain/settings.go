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
	// TrustedProxy lists the addresses (IPs or CIDRs, comma-separated) of
	// the reverse proxy or tunnel agent in front of the portal, whose
	// X-Forwarded-For the portal's rate limits believe. Empty (default):
	// X-Forwarded-For is ignored.
	TrustedProxy string `json:"trustedProxy"`
	// KeepRunning keeps the desktop app checking in the background when its
	// window is closed: the window hides instead of quitting, and launching
	// Patchbay again (or Quit) brings it back (or ends it). Default off.
	KeepRunning bool `json:"keepRunning"`
	// StartAtLogin starts the desktop app when the user logs in (an XDG
	// autostart entry the app writes and removes; read from the entry).
	StartAtLogin bool `json:"startAtLogin"`
	// StartAtLoginAvailable is false where this process cannot manage the
	// autostart entry, such as a --demo with a throwaway data directory
	// (read-only).
	StartAtLoginAvailable bool `json:"startAtLoginAvailable"`
	// PortalListening reports the portal listener's state (read-only).
	PortalListening string `json:"portalListening,omitempty"`
}
