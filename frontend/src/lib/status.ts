import type { CheckClass, CheckResult, Connection, ConnectionSummary, Status } from './api/types';

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

/** What a status needs of a connection: a full Connection or a list row (ConnectionSummary). */
export interface StatusFields {
  status: Status;
  statusDescription?: string;
  lastError?: Pick<CheckResult, 'class' | 'message'> | null;
}

/**
 * Reports whether a connection is interrupted: still active, but its last
 * check failed for a transient reason (rate limit, provider down, network,
 * misconfiguration). Mirrors domain.Connection.Interrupted.
 */
export function isInterrupted(c: Pick<StatusFields, 'status' | 'lastError'>): boolean {
  return c.status === 'active' && c.lastError != null && c.lastError.class !== 'ok' && !isPermanent(c.lastError.class);
}

/** The badge of a connection: its kind, short label and a sentence. */
export interface StatusView {
  kind: StatusKind;
  label: string;
  description: string;
}

/** The usual sentence of each status (domain.Status.Description, seed 004). */
const DESCRIPTION: Record<Status, string> = {
  active: 'Connected and working.',
  pending: 'Waiting for validation or consent.',
  error: 'Reconnection needed.',
  revoked: 'Disconnected.',
};

/**
 * The sentence describing a connection's status: its own (such as "Waiting
 * for Acme to connect it.") or the status's usual one, which list rows leave
 * out.
 */
export function statusDescription(c: Pick<StatusFields, 'status' | 'statusDescription'>): string {
  return c.statusDescription || DESCRIPTION[c.status] || '';
}

/** Describes a connection's status for the badge and the detail page. */
export function statusView(c: StatusFields): StatusView {
  if (isInterrupted(c)) {
    return {
      kind: 'interrupted',
      label: 'Interrupted',
      description: c.lastError?.message || 'The last check failed for a temporary reason.',
    };
  }
  switch (c.status) {
    case 'active':
      return { kind: 'active', label: 'Active', description: statusDescription(c) };
    case 'pending':
      return { kind: 'pending', label: 'Pending', description: statusDescription(c) };
    case 'error':
      return { kind: 'error', label: 'Reconnection needed.', description: statusDescription(c) };
    case 'revoked':
      return { kind: 'revoked', label: 'Revoked', description: statusDescription(c) };
  }
  return { kind: 'pending', label: String(c.status), description: statusDescription(c) };
}

const ATTENTION: Record<StatusKind, number> = { error: 0, interrupted: 1, pending: 2, revoked: 3, active: 4 };

/** Orders connections for lists: those that need attention first, then by label. */
export function byAttention(a: StatusFields & { label: string }, b: StatusFields & { label: string }): number {
  const d = ATTENTION[statusView(a).kind] - ATTENTION[statusView(b).kind];
  return d !== 0 ? d : labels.compare(a.label, b.label);
}

// One collator for every comparison ('en': a C locale in WebKitGTK must not break sorting).
const labels = new Intl.Collator('en', { sensitivity: 'base' });

/**
 * Sorts connections as byAttention does, computing each one's status once.
 * The backend sends the list ordered by label: when that order holds for
 * this collator too (one pass to see), a stable sort by rank alone keeps
 * it, which spares 10,000 rows some 130,000 collator comparisons.
 */
export function sortByAttention<T extends StatusFields & { label: string }>(list: readonly T[]): T[] {
  let byLabel = true;
  let prev: string | undefined;
  for (const c of list) {
    if (prev !== undefined && labels.compare(prev, c.label) > 0) {
      byLabel = false;
      break;
    }
    prev = c.label;
  }
  return list
    .map((c) => ({ c, rank: ATTENTION[statusView(c).kind] }))
    .sort(byLabel ? (a, b) => a.rank - b.rank : (a, b) => a.rank - b.rank || labels.compare(a.c.label, b.c.label))
    .map((x) => x.c);
}

/**
 * A connection's row of the list, as ListConnections sends it
 * (domain.Connection.Summary): for putting a connection the backend returned
 * into the list without a re-read.
 */
export function summarize(c: Connection): ConnectionSummary {
  const s: ConnectionSummary = {
    id: c.id,
    provider: c.provider,
    authMode: c.authMode,
    label: c.label,
    owner: c.owner,
    workspaceIds: c.workspaceIds ?? [],
    status: c.status,
  };
  if (c.statusDescription && c.statusDescription !== DESCRIPTION[c.status]) s.statusDescription = c.statusDescription;
  if (c.lastError) s.lastError = { class: c.lastError.class, message: c.lastError.message };
  if (c.lastCheckedAt) s.lastCheckedAt = c.lastCheckedAt;
  if (c.config?.credentialGroup) s.credentialGroup = c.config.credentialGroup;
  if (c.config?.awaitingClient) s.awaitingClient = true;
  return s;
}
