import { api as defaultApi, type PatchbayAPI } from '../api';
import type { Banner, Notification, SweepProgress } from '../api/types';

/**
 * Alerts holds the bell's notifications, the reauthorization banner and the
 * running health sweep, and reloads them on the events that change them.
 */
export class Alerts {
  notifications = $state<Notification[]>([]);
  banner = $state<Banner | null>(null);
  sweep = $state<SweepProgress | null>(null);
  unread = $derived(this.notifications.filter((n) => !n.readAt).length);

  /** Critical notifications already known, so only new ones reach the desktop. */
  private known: Set<string> | null = null;

  constructor(
    public api: PatchbayAPI = defaultApi,
    private inBackground: () => boolean = () => typeof document !== 'undefined' && (document.hidden || !document.hasFocus()),
  ) {}

  async reload(): Promise<void> {
    const [list, banner] = await Promise.all([this.api.listNotifications(50), this.api.getBanner()]);
    this.notifications = list;
    this.banner = banner.text ? banner : null;
    await this.toDesktop(list);
  }

  /**
   * Sends each new unread critical notification to the desktop while the app
   * is in the background (the backend honours the Settings switch). The
   * first load only learns what exists.
   */
  private async toDesktop(list: Notification[]): Promise<void> {
    const open = list.filter((n) => n.severity === 'critical' && !n.readAt && !n.resolvedAt);
    const known = this.known;
    const fresh = known ? open.filter((n) => !known.has(n.id)) : [];
    this.known ??= new Set();
    for (const n of open) this.known.add(n.id);
    if (fresh.length === 0 || !this.inBackground()) return;
    for (const n of fresh) {
      try {
        await this.api.showDesktopNotification(n.id);
      } catch {
        // No notification service here: the bell and banner still show it.
      }
    }
  }

  /** Loads and follows the events; returns the unsubscribe function. */
  start(): () => void {
    void this.reload().catch(() => {});
    const again = () => void this.reload().catch(() => {});
    const stops = [
      this.api.on('notifications:changed', again),
      this.api.on('connection:changed', again),
      this.api.on('sweep:progress', (p) => (this.sweep = p)),
    ];
    return () => stops.forEach((s) => s());
  }

  async markRead(id: string): Promise<void> {
    await this.api.markNotificationRead(id);
    await this.reload();
  }

  async checkAll(): Promise<void> {
    this.sweep = await this.api.startSweep();
  }
}

/** The banner's link text and the "and N more" suffix. */
export function bannerParts(b: Banner): { link: string; more: string } {
  return { link: b.linkTitle, more: b.more > 0 ? `and ${b.more} more` : '' };
}

/** The progress line of a sweep. */
export function sweepText(p: SweepProgress): string {
  if (p.running) return `Checking ${p.done} of ${p.total}${p.failures ? ` · ${p.failures} failing` : ''}`;
  if (p.interrupted) return `The last sweep was interrupted when Patchbay stopped after ${p.done} of ${p.total} connections`;
  if (!p.finishedAt) return `Another Patchbay process is checking connections (${p.done} of ${p.total} so far)`;
  const secs = (Date.parse(p.finishedAt) - Date.parse(p.startedAt)) / 1000;
  const what = p.cancelled ? 'Cancelled after checking' : 'Checked';
  return `${what} ${p.done} of ${p.total} connections in ${secs.toFixed(1)} s · ${p.failures} failing${p.skipped ? ` · ${p.skipped} skipped` : ''}`;
}

export const alerts = new Alerts();
