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
  /** Each secret of a pooled connection (several PATs); empty otherwise. */
  credentials?: CredentialInfo[] | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * One row of the connection list (ListConnections; domain.ConnectionSummary):
 * what the lists, filters, counts, banner and bell links show. The
 * connection page reads the whole Connection (getConnection).
 */
export interface ConnectionSummary {
  id: string;
  provider: string;
  authMode: string;
  label: string;
  owner: string;
  workspaceIds: string[];
  status: Status;
  /** Only when it is not the status's usual sentence (statusDescription() fills that in). */
  statusDescription?: string;
  /** Class and message of the last failed check. */
  lastError?: Pick<CheckResult, 'class' | 'message'>;
  lastCheckedAt?: string;
  /** The connections sharing one sign-in (Azure DevOps) have the same group. */
  credentialGroup?: string;
  /** A requested connection the client has not connected yet. */
  awaitingClient?: boolean;
}

/** A workspace groups connections and the work that uses them. */
export interface Workspace {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
  /** Background sweep interval in minutes; absent: the app's default; 0: only Check all now. */
  sweepMinutes?: number;
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
  /** A secret field that holds several values, one per line (a PAT pool). */
  multiple?: boolean;
  /** One value over several lines (a PEM private key). */
  multiline?: boolean;
}

/** One way to authenticate with a provider. */
export interface AuthMode {
  id: string;
  name: string;
  reauth: boolean;
  reauthNote?: string;
  fields: ProviderField[];
  /** OAuth 1.0a (RSA-SHA1) application-link flow. */
  oauth1?: { requestTokenUrl: string; authorizeUrl: string; accessTokenUrl: string };
  /** Set for modes connected by OAuth consent rather than a typed token. */
  oauth?: {
    authorizeUrl: string;
    tokenUrl: string;
    scopes: string[];
    pkce: boolean;
    rotatesTokens: boolean;
    /** Which redirect URIs the provider accepts. */
    redirect?: 'any-port' | 'exact' | 'https';
    redirectHelp?: string;
  };
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
  /** The fake providers' address (each provider under its own path). */
  fakeBaseUrl?: string;
  oauthAuthorizeUrl?: string;
  oauthTokenUrl?: string;
  oauthUserinfoUrl?: string;
  oauthClientId?: string;
  oauthClientSecret?: string;
  oauth1ConsumerKey?: string;
  oauth1PrivateKey?: string;
}

/** The running app: version, data directory, secret backend, demo mode. */
export interface AppInfo {
  version: string;
  dataDir: string;
  /** Where this process writes its log (patchbay.log in the data directory). */
  logFile?: string;
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
  /** One entry per pooled secret (several PATs). */
  credentials?: CredentialInfo[] | null;
  warnings: string[] | null;
}

/** What is known about one secret of a pooled connection (never the secret). */
export interface CredentialInfo {
  hint: string;
  identity: string;
  class: CheckClass;
  message: string;
  rateRemaining?: number;
  rateLimit?: number;
  rateResetAt?: string;
  checkedAt: string;
}

/** What the Re-Authenticate form submits. */
export interface ReauthDraft {
  config: Record<string, string>;
  secrets: Record<string, string>;
  /** For pooled secrets: add one, replace the one at index, or remove it. */
  pool?: 'add' | 'replace' | 'remove';
  index?: number;
}

/** Answer to a successful re-authentication. */
export interface ReauthResult {
  connection: Connection;
  warnings: string[] | null;
}

/** One stored check of a connection. */
export interface CheckRecord {
  checkedAt: string;
  latencyMs: number;
  class: CheckClass;
  httpStatus: number;
  message: string;
  rateRemaining?: number;
}

/** A running or finished OAuth consent. */
export interface ConsentStatus {
  id: string;
  state: 'pending' | 'authorized' | 'done' | 'failed' | 'cancelled';
  authUrl: string;
  redirectUri: string;
  message?: string;
  check?: CheckResult;
  connectionId?: string;
  /** Once authorized: the account that authorized, and the scopes granted. */
  authorizedAs?: string;
  granted?: string[];
}

/** Reauthorize by consent: empty = existing credentials; else new client. */
export interface ReauthorizeDraft {
  /** Stop after consent for Validate Connection (completeConsent). */
  confirm?: boolean;
  clientId: string;
  clientSecret: string;
}

/** One entry of the bell. */
export interface Notification {
  id: string;
  connectionId: string;
  severity: 'critical' | 'warning';
  kind: string;
  title: string;
  body: string;
  createdAt: string;
  readAt?: string;
  resolvedAt?: string;
}

/** The reauthorization banner; empty text means none. */
export interface Banner {
  text: string;
  count: number;
  linkTitle: string;
  connectionId: string;
  more: number;
}

/** A health sweep's live state. */
export interface SweepProgress {
  id: string;
  total: number;
  done: number;
  failures: number;
  skipped: number;
  running: boolean;
  cancelled: boolean;
  startedAt: string;
  finishedAt?: string;
  /** Patchbay stopped before the sweep finished. */
  interrupted?: boolean;
  notes: string[] | null;
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
  'consent:changed': { id: string; state: ConsentStatus['state'] };
  'notifications:changed': Record<string, never>;
  'sweep:progress': SweepProgress;
  'run:changed': { id: string; status: string };
  'request:changed': { id: string; state: string };
  'audit:changed': Record<string, never>;
  'alerts:changed': Record<string, never>;
}

/** What a connection serves to git (patchbay git-credential). */
export interface GitSettings {
  supported: boolean;
  /** "host/path prefix"; empty: the provider's default (effectiveScope). */
  scope: string;
  effectiveScope: string;
  username: string;
  defaultUsername: string;
}

/** One credential event of the audit log (never a secret). */
export interface AuditEvent {
  id: number;
  at: string;
  connectionId: string;
  connectionLabel: string;
  provider: string;
  action: string;
  outcome: 'ok' | 'failed' | 'transient' | string;
  actor: string;
  detail: string;
}

/** Where alerts go: a signed webhook or a Slack channel (through a Slack connection). */
export interface AlertRoute {
  id: string;
  name: string;
  kind: 'webhook' | 'slack';
  url: string;
  slackConnectionId: string;
  channel: string;
  /** "" = every workspace. */
  workspaceId: string;
  minSeverity: 'critical' | 'warning';
  enabled: boolean;
  createdAt: string;
}

/** A new route; secret is the webhook's signing secret (kept in the keyring). */
export interface AlertRouteDraft extends Omit<AlertRoute, 'id' | 'createdAt' | 'enabled'> {
  secret: string;
}

/** One message to one route about one state change. */
export interface AlertDelivery {
  id: string;
  routeId: string;
  connectionId: string;
  event: string;
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string;
  nextAttemptAt: string;
  createdAt: string;
  deliveredAt?: string;
}

/** Filters of the audit log; empty fields match everything. */
export interface AuditFilter {
  connectionId?: string;
  action?: string;
  actor?: string;
  outcome?: string;
  limit?: number;
}

export type Topic = keyof EventMap;

/** A workflow node (trigger or action), bound to a connection. */
export interface WorkflowNode {
  kind: string;
  connectionId?: string;
  params?: Record<string, string>;
}

/** A workflow: a trigger and actions in a workspace. */
export interface Workflow {
  id: string;
  workspaceId: string;
  name: string;
  published: boolean;
  trigger: WorkflowNode;
  actions: WorkflowNode[];
  createdAt: string;
  updatedAt: string;
  /** When the trigger last fired on its own (absent: never). */
  lastTriggeredAt?: string;
}

/** What the New workflow form submits. */
export interface WorkflowDraft {
  workspaceId: string;
  name: string;
  trigger: WorkflowNode;
  actions: WorkflowNode[];
}

/** One step of a run. */
export interface RunStep {
  index: number;
  name: string;
  kind: string;
  connectionId?: string;
  status: string;
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  output?: string;
  error?: string;
}

/** One run of a workflow. */
export interface Run {
  id: string;
  workflowId: string;
  status: 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';
  pauseReason?: string;
  pausedConnectionId?: string;
  replayOf?: string;
  currentStep: number;
  error?: string;
  steps: RunStep[];
  createdAt: string;
  updatedAt: string;
}

/** One of the team's clients. */
export interface Client {
  id: string;
  name: string;
  archived: boolean;
  createdAt: string;
}

/** A signed, expiring, single-use reconnection link. */
export interface ReconnectRequest {
  id: string;
  clientId: string;
  connectionId: string;
  state: string;
  createdAt: string;
  expiresAt: string;
  usedAt?: string;
  url?: string;
  mailto?: string;
}

/** A client's live portal session (its cookie never leaves the backend). */
export interface PortalSession {
  clientId: string;
  clientName: string;
  requestId: string;
  createdAt: string;
  expiresAt: string;
}

/** A connection's checks over a window. */
export interface Uptime {
  checks: number;
  ok: number;
  percent: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
}

/** The Health page's summary. */
export interface HealthOverview {
  byStatus: Record<string, number>;
  byProvider: Record<string, number>;
  attention: Connection[];
  lastSweep?: SweepProgress;
  offline: boolean;
  oldestCheck?: string;
}

/** The user's settings (backend/domain/settings.go). */
export interface Settings {
  /** OS notification for a new critical notification while in the background. */
  desktopNotifications: boolean;
  /** Where the client portal listens (host:port); empty: off (serve mode still serves it). */
  portalAddress: string;
  /** The address clients reach the portal at (LAN name or tunnel). */
  publicBaseUrl: string;
  trustedProxy?: string;
  /** The portal listener's state (read-only). */
  portalListening?: string;
  /** Desktop app: closing the window hides it and checks keep running. */
  keepRunning: boolean;
  /** Desktop app: an XDG autostart entry starts it at login. */
  startAtLogin: boolean;
  /** False where the autostart entry cannot be managed (a throwaway --demo). */
  startAtLoginAvailable: boolean;
}

/** A running OAuth 1.0a authorization (Jira Data Center application link). */
export interface OAuth1Flow {
  id: string;
  authorizeUrl: string;
  verified: boolean;
  identity?: string;
  check?: CheckResult;
  connectionId?: string;
}

/** The Health page's charts (domain.FleetHealth). */
export interface FleetHealth {
  /** Heat map columns, oldest first (YYYY-MM-DD, UTC). */
  days: string[];
  /** Heat map rows, worst 30-day uptime first. */
  rows: { connectionId: string; label: string; provider: string; uptime: (number | null)[]; checks: number[] }[];
  statusByDay: { day: string; healthy: number; degraded: number; failing: number; noChecks: number }[];
  latency: { provider: string; p50Ms: number; p95Ms: number; checks: number }[];
  latencyDays: number;
  budgets: { connectionId: string; label: string; pats: number; remaining: number; limit: number }[];
}
