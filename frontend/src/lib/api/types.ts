// Types mirroring the JSON of the Go backend (backend/domain and
// backend/providers). Field names are the wire format: keep them in step
// with the `json:"…"` tags there.

/** One of the four connection statuses (seed 004). */
export type Status = 'active' | 'pending' | 'error' | 'revoked';

/** Classification of one validation, refresh or run step. */
export type CheckClass =
  | 'ok'
  | 'invalid_credentials'
  | 'expired'
  | 'revoked'
  | 'insufficient_scope'
  | 'rate_limited'
  | 'provider_unavailable'
  | 'network'
  | 'misconfigured';

/** Classified outcome of one request to a provider, with the seed-003 guidance. */
export interface CheckResult {
  class: CheckClass;
  httpStatus?: number;
  message: string;
  causes?: string[];
  checks?: string[];
  action?: string;
  statusPageUrl?: string;
  missingScopes?: string[];
  retryAt?: string;
  identity?: string;
  scopes?: string[];
  expiresAt?: string;
  rateRemaining?: number;
  latencyMs: number;
  checkedAt: string;
}

/** One integration instance. Never carries a secret; secretHint is masked. */
export interface Connection {
  id: string;
  provider: string;
  authMode: string;
  label: string;
  owner: string;
  workspaceIds: string[];
  baseUrl: string;
  config: Record<string, string>;
  identity: string;
  scopes: string[] | null;
  tokenExpiresAt?: string;
  rateLimitRemaining?: number;
  status: Status;
  statusDescription: string;
  lastError?: CheckResult;
  secretHint: string;
  lastCheckedAt?: string;
  createdAt: string;
  updatedAt: string;
}

/** A workspace groups connections and the work that uses them. */
export interface Workspace {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

/** What the New workspace form submits. */
export interface WorkspaceDraft {
  name: string;
}

/** Input kinds of a catalogue field. */
export type FieldKind = 'text' | 'email' | 'url' | 'secret';

/** One input of an auth mode's form. */
export interface ProviderField {
  key: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  default?: string;
  help?: string;
  format?: string;
  formatHint?: string;
}

/** One way to authenticate with a provider. */
export interface AuthMode {
  id: string;
  name: string;
  reauth: boolean;
  reauthNote?: string;
  fields: ProviderField[];
}

/** One catalogue entry. */
export interface Provider {
  id: string;
  name: string;
  category: string;
  cloudBaseUrl?: string;
  selfHosted: boolean;
  statusPageUrl?: string;
  docsUrl?: string;
  modes: AuthMode[];
}

/** What to type in --demo to try each flow against the fake providers. */
export interface DemoHints {
  genericValidationUrl: string;
  genericHeaderName: string;
  genericGoodKey: string;
  genericBadKey: string;
}

/** The running app: version, data directory, secret backend, demo mode. */
export interface AppInfo {
  version: string;
  dataDir: string;
  secretBackend: string;
  secretWarning?: string;
  demo: boolean;
  demoHints?: DemoHints;
}

/** What the Add integration form submits. */
export interface ConnectionDraft {
  provider: string;
  authMode: string;
  label: string;
  workspaceIds: string[];
  baseUrl: string;
  /** Non-secret field values. */
  config: Record<string, string>;
  /** Secret field values; stored only in the keyring. */
  secrets: Record<string, string>;
}

/** Answer to Validate Connection on a draft. */
export interface DraftCheck {
  check: CheckResult;
  warnings: string[] | null;
}

/** Error codes the backend uses (backend/domain/errors.go). */
export type ErrorCode =
  | 'invalid'
  | 'not_found'
  | 'conflict'
  | 'unavailable'
  | 'validation'
  | 'internal'
  | 'unauthorized';

/** Payload of the connection:changed event. */
export interface ConnectionChanged {
  id: string;
  deleted?: boolean;
}

/** Live-update topics and their payloads. */
export interface EventMap {
  'connection:changed': ConnectionChanged;
}

export type Topic = keyof EventMap;
