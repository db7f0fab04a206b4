import type { CheckClass, CheckRecord } from './api/types';
import { isPermanent } from './status';

/** How a connection stood during a stretch of checks. */
export type TimelineState = 'up' | 'interrupted' | 'down';

/** A stretch of consecutive checks with the same outcome, oldest first. */
export interface TimelineSegment {
  state: TimelineState;
  from: string;
  to: string;
  checks: number;
  /** The class of the segment's last check ('ok' when up). */
  lastClass: CheckClass;
  /** Share of the timeline's duration, 0..1 (at least a sliver each). */
  share: number;
}

/** Classifies one check: ok is up, a transient failure interrupted, a bad credential down. */
export function checkState(cls: CheckClass): TimelineState {
  if (cls === 'ok') return 'up';
  return isPermanent(cls) ? 'down' : 'interrupted';
}

/**
 * Builds the status timeline of a connection from its checks (any order):
 * consecutive checks with the same state become one segment, and each
 * segment's share of the width follows the time it lasted until the next one.
 */
export function timeline(checks: readonly CheckRecord[]): TimelineSegment[] {
  const sorted = [...checks].sort((a, b) => Date.parse(a.checkedAt) - Date.parse(b.checkedAt));
  const out: TimelineSegment[] = [];
  for (const c of sorted) {
    const state = checkState(c.class);
    const last = out[out.length - 1];
    if (last && last.state === state) {
      last.to = c.checkedAt;
      last.checks++;
      last.lastClass = c.class;
    } else {
      if (last) last.to = c.checkedAt;
      out.push({ state, from: c.checkedAt, to: c.checkedAt, checks: 1, lastClass: c.class, share: 0 });
    }
  }
  const span = out.length ? Date.parse(out[out.length - 1]!.to) - Date.parse(out[0]!.from) : 0;
  const sliver = out.length ? 0.02 : 0;
  let total = 0;
  for (const s of out) {
    const d = span > 0 ? (Date.parse(s.to) - Date.parse(s.from)) / span : 1 / out.length;
    s.share = Math.max(sliver, d);
    total += s.share;
  }
  for (const s of out) s.share = total > 0 ? s.share / total : 0;
  return out;
}

/** The check log's filters. */
export interface CheckFilter {
  /** 'all', 'failures', 'ok', or one class. */
  outcome: 'all' | 'failures' | CheckClass;
  /** Case-insensitive text in the message or the HTTP status. */
  text: string;
}

/** Returns the checks that pass the filter, in their original order. */
export function filterChecks(checks: readonly CheckRecord[], f: CheckFilter): CheckRecord[] {
  const text = f.text.trim().toLowerCase();
  return checks.filter((c) => {
    if (f.outcome === 'failures' && c.class === 'ok') return false;
    if (f.outcome !== 'all' && f.outcome !== 'failures' && c.class !== f.outcome) return false;
    if (!text) return true;
    return c.message.toLowerCase().includes(text) || String(c.httpStatus || '').includes(text) || c.class.includes(text);
  });
}

/** The classes present in the checks, for the outcome filter's options. */
export function classesIn(checks: readonly CheckRecord[]): CheckClass[] {
  return [...new Set(checks.map((c) => c.class))].sort();
}
