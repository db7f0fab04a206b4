const UNITS: [RelativeUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** A unit relativeTime counts in. */
export type RelativeUnit = 'year' | 'month' | 'week' | 'day' | 'hour' | 'minute';

/**
 * "5 minutes ago" / "in 1 hour": what Intl.RelativeTimeFormat('en',
 * { numeric: 'always' }) says (time.test.ts compares them), without
 * building one: in Chromium that took 15-19 ms of every cold page load's
 * first script run (frontend/bench).
 */
export function formatRelative(n: number, unit: RelativeUnit): string {
  const abs = Math.abs(n);
  const digits = String(abs).replace(/\B(?=(\d{3})+$)/g, ','); // 1,000 as en groups it
  const counted = `${digits} ${unit}${abs === 1 ? '' : 's'}`;
  return n < 0 || Object.is(n, -0) ? `${counted} ago` : `in ${counted}`;
}

/**
 * Formats a timestamp relative to now: "never" when there is none, "just now"
 * within 45 seconds, else "5 minutes ago" / "in 2 hours".
 */
export function relativeTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t) || t <= 0) return 'never';
  const diff = Math.round((t - now.getTime()) / 1000);
  const abs = Math.abs(diff);
  if (abs < 45) return 'just now';
  for (const [unit, secs] of UNITS) {
    if (abs >= secs || unit === 'minute') {
      const n = Math.max(1, Math.round(abs / secs));
      return formatRelative(diff < 0 ? -n : n, unit);
    }
  }
  return 'just now';
}

/** Formats a timestamp as an absolute local date and time (for tooltips). */
export function absoluteTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  absolute ??= new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });
  return absolute.format(t);
}

// One formatter for every tooltip (toLocaleString builds one per call).
let absolute: Intl.DateTimeFormat | undefined;
