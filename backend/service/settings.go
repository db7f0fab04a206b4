package service

import (
	"context"

	"strconv"

	"patchbay/backend/domain"
)

const settingDesktopNotifications = "desktop_notifications"

// DesktopNotifier shows OS notifications (backend/desktop over D-Bus).
type DesktopNotifier interface {
	Notify(ctx context.Context, title, body string, critical bool) (uint32, error)
}

// GetSettings returns the user's settings, with defaults for unset ones.
func (s *Service) GetSettings(ctx context.Context) (domain.Settings, error) {
	out := domain.Settings{DesktopNotifications: true}
	v, ok, err := s.store.Setting(ctx, settingDesktopNotifications)
	if err != nil {
		return out, err
	}
	if ok {
		out.DesktopNotifications, _ = strconv.ParseBool(v)
	}
	return out, nil
}

// UpdateSettings saves the user's settings.
func (s *Service) UpdateSettings(ctx context.Context, in domain.Settings) (domain.Settings, error) {
	if err := s.store.SetSetting(ctx, settingDesktopNotifications, strconv.FormatBool(in.DesktopNotifications)); err != nil {
		return domain.Settings{}, err
	}
	s.log.Info("settings saved", "desktop_notifications", in.DesktopNotifications)
	return s.GetSettings(ctx)
}

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
