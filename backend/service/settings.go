package service

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"patchbay/backend/domain"
	"patchbay/backend/events"
)

const (
	settingDesktopNotifications = "desktop_notifications"
	settingPortalAddress        = "portal_address"
	settingPublicBaseURL        = "public_base_url"
	settingTrustedProxy         = "trusted_proxy"
	settingKeepRunning          = "keep_running"
)

// Autostart starts the desktop app when the user logs in (backend/desktop:
// an XDG autostart entry).
type Autostart interface {
	Enabled() (bool, error)
	SetEnabled(on bool) error
}

// DesktopNotifier shows OS notifications (backend/desktop over D-Bus).
type DesktopNotifier interface {
	Notify(ctx context.Context, title, body string, critical bool) (uint32, error)
}

// DesktopActivations receives a value each time the user clicks a desktop
// notification Patchbay showed (the window then comes to the front). The
// channel is nil, never ready, when the notifier cannot tell
// (backend/desktop's Notifier can: ActionInvoked over D-Bus).
func (s *Service) DesktopActivations() <-chan struct{} {
	if a, ok := s.desktop.(interface{ Activated() <-chan struct{} }); ok {
		return a.Activated()
	}
	return nil
}

// Settings is the settings part of the service: the user's settings, the
// start-at-login entry, the portal listener's state and the signal its
// follower waits on. Its methods are the Service's (embedded), so the
// bindings and the HTTP method list are unchanged.
type Settings struct {
	store        settingsStore
	bus          *events.Bus
	log          *slog.Logger
	autostart    Autostart
	saved        chan struct{} // SettingsSaved: capacity 1, coalescing
	portalMu     sync.Mutex
	portalStatus string // the portal listener's state, for Settings
}

// settingsStore is what Settings needs from the database.
type settingsStore interface {
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
}

// GetSettings returns the user's settings, with defaults for unset ones.
func (s *Settings) GetSettings(ctx context.Context) (domain.Settings, error) {
	out := domain.Settings{DesktopNotifications: true}
	v, ok, err := s.store.Setting(ctx, settingDesktopNotifications)
	if err != nil {
		return out, err
	}
	if ok {
		out.DesktopNotifications, _ = strconv.ParseBool(v)
	}
	for key, dst := range map[string]*string{settingPortalAddress: &out.PortalAddress, settingPublicBaseURL: &out.PublicBaseURL, settingTrustedProxy: &out.TrustedProxy} {
		if *dst, _, err = s.store.Setting(ctx, key); err != nil {
			return out, err
		}
	}
	if v, ok, err = s.store.Setting(ctx, settingKeepRunning); err != nil {
		return out, err
	} else if ok {
		out.KeepRunning, _ = strconv.ParseBool(v)
	}
	if s.autostart != nil {
		out.StartAtLoginAvailable = true
		if out.StartAtLogin, err = s.autostart.Enabled(); err != nil {
			return out, fmt.Errorf("read the start-at-login entry: %w", err)
		}
	}
	s.portalMu.Lock()
	out.PortalListening = s.portalStatus
	s.portalMu.Unlock()
	return out, nil
}

// PortalHostAllowed reports whether host and port are those of the portal's
// public address from Settings (its public base URL), which the operator's
// server also answers for portal pages (a tunnel to patchbay serve). host is
// a host name or IP address in any case, without brackets; port is "" when
// the request named none (the scheme's default). Reading them from a
// request is the HTTP layer's job (httpapi).
func (s *Settings) PortalHostAllowed(ctx context.Context, host, port string) bool {
	set, err := s.GetSettings(ctx)
	if err != nil || set.PublicBaseURL == "" {
		return false
	}
	u, err := url.Parse(set.PublicBaseURL)
	if err != nil || !strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), strings.TrimSuffix(host, ".")) {
		return false
	}
	def := map[string]string{"http": "80", "https": "443"}[u.Scheme]
	want := u.Port()
	if want == "" {
		want = def
	}
	if port == "" {
		port = def
	}
	return port == want
}

// SetPortalStatus records the portal listener's state for the Settings page.
func (s *Settings) SetPortalStatus(status string) {
	s.portalMu.Lock()
	s.portalStatus = status
	s.portalMu.Unlock()
}

// ParseTrustedProxies parses the trusted proxy setting: IPs or CIDRs
// separated by commas (an IP is a single-address network).
func ParseTrustedProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// PortalTrustedProxies returns the trusted proxy setting (none when unset
// or unreadable).
func (s *Settings) PortalTrustedProxies(ctx context.Context) []netip.Prefix {
	set, err := s.GetSettings(ctx)
	if err != nil {
		return nil
	}
	p, _ := ParseTrustedProxies(set.TrustedProxy)
	return p
}

// portalBase is the address links and portal redirects start with: the
// public base URL, else the portal address, else fallback (the operator's
// own address in patchbay serve).
func (s *Settings) portalBase(ctx context.Context, fallback string) string {
	set, err := s.GetSettings(ctx)
	switch {
	case err != nil:
		return fallback
	case set.PublicBaseURL != "":
		return strings.TrimRight(set.PublicBaseURL, "/")
	case set.PortalAddress != "":
		return "http://" + set.PortalAddress
	}
	return fallback
}

// UpdateSettings saves the user's settings.
func (s *Settings) UpdateSettings(ctx context.Context, in domain.Settings) (domain.Settings, error) {
	addr := strings.TrimSpace(in.PortalAddress)
	if addr != "" {
		host, port, err := net.SplitHostPort(addr)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 1 || n > 65535 || (host != "" && net.ParseIP(host) == nil && host != "localhost") {
			return domain.Settings{}, domain.FieldError("portalAddress", "Enter the portal address as IP:port, like 127.0.0.1:8788 (this machine only) or 0.0.0.0:8788 (every network it is on).")
		}
	}
	public := strings.TrimRight(strings.TrimSpace(in.PublicBaseURL), "/")
	if public != "" {
		u, err := url.Parse(public)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || (u.Path != "" && u.Path != "/") {
			return domain.Settings{}, domain.FieldError("publicBaseUrl", "Enter the address clients open, like https://patchbay.example.com or http://my-laptop.local:8788 (no path).")
		}
	}
	proxies, err := ParseTrustedProxies(in.TrustedProxy)
	if err != nil {
		return domain.Settings{}, domain.FieldError("trustedProxy", "Enter the proxy's address as an IP or a network, like 127.0.0.1 or 10.0.0.0/8 (several separated by commas), or leave it empty.")
	}
	trusted := make([]string, len(proxies))
	for i, p := range proxies {
		trusted[i] = p.String()
	}
	if s.autostart == nil && in.StartAtLogin {
		return domain.Settings{}, domain.FieldError("startAtLogin", "Start at login is not available here: it needs the installed desktop app with a lasting data directory (not --demo).")
	}
	if s.autostart != nil {
		on, err := s.autostart.Enabled()
		if err == nil && on != in.StartAtLogin {
			err = s.autostart.SetEnabled(in.StartAtLogin)
		}
		if err != nil {
			return domain.Settings{}, domain.Errorf(domain.EUnavailable, "Could not change Start at login (%v). Check that your autostart folder (~/.config/autostart) is writable.", err)
		}
	}
	for key, v := range map[string]string{settingDesktopNotifications: strconv.FormatBool(in.DesktopNotifications), settingPortalAddress: addr, settingPublicBaseURL: public,
		settingTrustedProxy: strings.Join(trusted, ", "), settingKeepRunning: strconv.FormatBool(in.KeepRunning)} {
		if err := s.store.SetSetting(ctx, key, v); err != nil {
			return domain.Settings{}, err
		}
	}
	s.log.Info("settings saved", "desktop_notifications", in.DesktopNotifications, "portal_address", addr, "public_base_url", public,
		"trusted_proxy", strings.Join(trusted, ", "), "keep_running", in.KeepRunning, "start_at_login", in.StartAtLogin)
	out, err := s.GetSettings(ctx)
	if err == nil {
		s.bus.Publish(events.SettingsChanged, out) // for the UI
		select {
		case s.saved <- struct{}{}: // for the portal listener
		default: // one is pending already: the follower reads the latest settings
		}
	}
	return out, err
}

// SettingsSaved signals that Settings were saved, for the one internal
// follower (the portal listener). Unlike the event bus, it never drops a
// change: a signal stays pending until received, and several saves in a row
// coalesce into one, after which the follower reads the current settings.
func (s *Settings) SettingsSaved() <-chan struct{} { return s.saved }

// ShowDesktopNotification shows an unread, unresolved critical notification
// as an OS notification. The UI calls it for a new one while the window is in
// the background; it does nothing when the user turned desktop notifications
// off. It reports whether a notification was shown.
func (s *Service) ShowDesktopNotification(ctx context.Context, id string) (bool, error) {
	set, err := s.GetSettings(ctx)
	if err != nil || !set.DesktopNotifications {
		return false, err
	}
	n, err := s.store.GetNotification(ctx, id)
	if err != nil {
		return false, err
	}
	if n.Severity != domain.SeverityCritical || n.ReadAt != nil || n.ResolvedAt != nil {
		return false, nil
	}
	if s.desktop == nil {
		return false, domain.Errorf(domain.EUnavailable, "Desktop notifications are not available here.")
	}
	if _, err := s.desktop.Notify(ctx, n.Title, n.Body, true); err != nil {
		s.log.Warn("desktop notification not shown", "notification", id, "err", err)
		return false, domain.Errorf(domain.EUnavailable, "The desktop did not show the notification (%v). Turn desktop notifications off in Settings if this machine has no notification service.", err)
	}
	return true, nil
}
