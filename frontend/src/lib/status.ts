import type { CheckClass, Connection } from './api/types';

/** What a status badge shows: the four statuses plus "interrupted". */
export type StatusKind = 'active' | 'pending' | 'error' | 'revoked' | 'interrupted';

/** Classes that mean the credential itself is bad (domain.Class.Permanent). */
const PERMANENT: ReadonlySet<CheckClass> = new Set<CheckClass>([
  'invalid_credentials',
  'expired',
  'revoked',
  'insufficient_scope',
]);

/** Reports whether a check class is permanent (moves a connection to error). */
export function isPermanent(cls: CheckClass): boolean {
  return PERMANENT.has(cls);
}

/**
 * Reports whether a connection is interrupted: still active, but its last
 * check failed for a transient reason (rate limit, provider down, network,
 * misconfiguration). Mirrors domain.Connection.Interrupted.
 */
export function isInterrupted(c: Pick<Connection, 'status' | 'lastError'>): boolean {
  return c.status === 'active' && c.lastError != null && c.lastError.class !== 'ok' && !isPermanent(c.lastError.class);
}

/** The badge of a connection: its kind, short label and a sentence. */
export interface StatusView {
  kind: StatusKind;
  label: string;
  description: string;
}

/** Describes a connection's status for the badge and the detail page. */
export function statusView(c: Pick<Connection, 'status' | 'lastError' | 'statusDescription'>): StatusView {
  if (isInterrupted(c)) {
    return {
      kind: 'interrupted',
      label: 'Interrupted',
      description: c.lastError?.message || 'The last check failed for a temporary reason.',
    };
  }
  switch (c.status) {
    case 'active':
      return { kind: 'active', label: 'Active', description: c.statusDescription || 'Connected and working.' };
    case 'pending':
      return { kind: 'pending', label: 'Pending', description: c.statusDescription || 'Waiting for validation or consent.' };
    case 'error':
      return { kind: 'error', label: 'Reconnection needed.', description: c.statusDescription || 'Reconnection needed.' };
    case 'revoked':
      return { kind: 'revoked', label: 'Revoked', description: c.statusDescription || 'Disconnected.' };
  }
  return { kind: 'pending', label: String(c.status), description: c.statusDescription };
}

const ATTENTION: Record<StatusKind, number> = { error: 0, interrupted: 1, pending: 2, revoked: 3, active: 4 };

/** Orders connections for lists: those that need attention first, then by label. */
export function byAttention(
  a: Pick<Connection, 'status' | 'lastError' | 'statusDescription' | 'label'>,
  b: Pick<Connection, 'status' | 'lastError' | 'statusDescription' | 'label'>,
): number {
  const d = ATTENTION[statusView(a).kind] - ATTENTION[statusView(b).kind];
  return d !== 0 ? d : labels.compare(a.label, b.label);
}

// One collator for every comparison ('en': a C locale in WebKitGTK must not break sorting).
const labels = new Intl.Collator('en', { sensitivity: 'base' });

/**
 * Sorts connections as byAttention does, computing each one's status once
 * (10,000 rows sort in a few milliseconds).
 */
export function sortByAttention<T extends Pick<Connection, 'status' | 'lastError' | 'statusDescription' | 'label'>>(list: readonly T[]): T[] {
  return list
    .map((c) => ({ c, rank: ATTENTION[statusView(c).kind] }))
    .sort((a, b) => a.rank - b.rank || labels.compare(a.c.label, b.c.label))
    .map((x) => x.c);
}
