import type {
  FleetHealth,
  HealthOverview,
  Uptime,
  Client,
  ReconnectRequest,
  PortalSession,
  Run,
  Workflow,
  WorkflowDraft,
  AppInfo,
  Banner,
  CheckRecord,
  ConsentStatus,
  Notification,
  OAuth1Flow,
  Settings,
  ReauthDraft,
  ReauthorizeDraft,
  ReauthResult,
  SweepProgress,
  Connection,
  ConnectionDraft,
  ConnectionSummary,
  DraftCheck,
  EventMap,
  Provider,
  Topic,
  Workspace,
  WorkspaceDraft,
  GitSettings,
  AuditEvent,
  AuditFilter,
  AlertRoute,
  AlertRouteDraft,
  AlertDelivery,
} from './types';

/**
 * Transport moves one service call to the Go backend and back, and delivers
 * live events. Both implementations reject with ApiError.
 */
export interface Transport {
  /** Which transport this is, for the about box and tests. */
  readonly kind: 'wails' | 'http';
  /** Calls the Go service method `method` with positional arguments. */
  invoke<T>(method: string, ...args: unknown[]): Promise<T>;
  /** Subscribes to a live-update topic; returns the unsubscribe function. */
  on(topic: string, cb: (payload: unknown) => void): () => void;
  /** Sends an event to the Go side (the desktop window only; HTTP has none). */
  emit?(topic: string): void;
}

/**
 * PatchbayAPI is the one typed client the UI uses. Components call it (through
 * the stores), never a transport directly.
 */
export interface PatchbayAPI {
  readonly transport: Transport['kind'];
  invoke<T>(method: string, ...args: unknown[]): Promise<T>;
  on<K extends Topic>(topic: K, cb: (payload: EventMap[K]) => void): () => void;
  /** Ends the desktop app, even when it keeps running in the background (window.go). */
  quit(): void;

  getAppInfo(): Promise<AppInfo>;
  listWorkspaces(): Promise<Workspace[]>;
  createWorkspace(draft: WorkspaceDraft): Promise<Workspace>;
  renameWorkspace(id: string, name: string): Promise<Workspace>;
  listProviders(): Promise<Provider[]>;
  /** Every connection's row of the list; getConnection has the details. */
  listConnections(): Promise<ConnectionSummary[]>;
  getConnection(id: string): Promise<Connection>;
  validateDraft(draft: ConnectionDraft): Promise<DraftCheck>;
  createConnection(draft: ConnectionDraft): Promise<Connection>;
  renameConnection(id: string, label: string): Promise<Connection>;
  /** Deletes; the message says when an OAuth token could not be revoked at the provider ("" otherwise). */
  deleteConnection(id: string): Promise<string>;
  /** What an integration serves to git (patchbay git-credential). */
  getGitSettings(id: string): Promise<GitSettings>;
  setGitSettings(id: string, settings: Pick<GitSettings, 'scope' | 'username'>): Promise<GitSettings>;
  /** The audit log of credential events, newest first. */
  listAudit(filter: AuditFilter): Promise<AuditEvent[]>;
  /** Alert routes: where a connection needing reauthorization (and its recovery) is posted. */
  createAlertRoute(draft: AlertRouteDraft): Promise<AlertRoute>;
  listAlertRoutes(): Promise<AlertRoute[]>;
  deleteAlertRoute(id: string): Promise<null>;
  testAlertRoute(id: string): Promise<AlertDelivery>;
  listAlertDeliveries(limit: number): Promise<AlertDelivery[]>;
  retryAlertDelivery(id: string): Promise<AlertDelivery>;
  checkConnection(id: string): Promise<Connection>;
  reauthenticate(id: string, draft: ReauthDraft): Promise<ReauthResult>;
  updateWorkspaces(id: string, workspaceIds: string[]): Promise<Connection>;
  workspaceImpact(id: string, workspaceIds: string[]): Promise<{ id: string; name: string }[]>;
  listChecks(id: string, limit: number): Promise<CheckRecord[]>;
  startConsent(draft: ConnectionDraft): Promise<ConsentStatus>;
  reauthorize(id: string, draft: ReauthorizeDraft): Promise<ConsentStatus>;
  getConsent(id: string): Promise<ConsentStatus>;
  cancelConsent(id: string): Promise<null>;
  completeConsent(id: string): Promise<Connection>;
  refreshCredential(id: string): Promise<Connection>;
  disconnectConnection(id: string): Promise<Connection>;
  startOAuth1(start: { connectionId?: string; draft?: ConnectionDraft }): Promise<OAuth1Flow>;
  verifyOAuth1(id: string, code: string): Promise<OAuth1Flow>;
  completeOAuth1(id: string): Promise<Connection>;
  listNotifications(limit: number): Promise<Notification[]>;
  markNotificationRead(id: string): Promise<null>;
  showDesktopNotification(id: string): Promise<boolean>;
  getSettings(): Promise<Settings>;
  setWorkspaceSweep(id: string, minutes: number | null): Promise<Workspace>;
  updateSettings(s: Settings): Promise<Settings>;
  getBanner(): Promise<Banner>;
  startSweep(): Promise<SweepProgress>;
  cancelSweep(): Promise<null>;
  /** The running sweep's progress, else the last one's. */
  getSweep(): Promise<SweepProgress>;
  listRuns(chip: string): Promise<Run[]>;
  getRun(id: string): Promise<Run>;
  pauseRun(id: string): Promise<Run>;
  resumeRun(id: string): Promise<Run>;
  cancelRun(id: string): Promise<Run>;
  replayRun(id: string): Promise<Run>;
  listWorkflows(): Promise<Workflow[]>;
  createWorkflow(draft: WorkflowDraft): Promise<Workflow>;
  updateWorkflow(id: string, draft: WorkflowDraft): Promise<Workflow>;
  resyncConnection(id: string): Promise<number>;
  listClients(): Promise<Client[]>;
  createClient(name: string): Promise<Client>;
  archiveClient(id: string, archived: boolean): Promise<Client>;
  renameClient(id: string, name: string): Promise<Client>;
  setConnectionOwner(connectionId: string, clientId: string): Promise<Connection>;
  createReconnectRequest(connectionId: string, baseUrl: string): Promise<ReconnectRequest>;
  requestCredentials(req: { clientId: string; baseUrl: string; draft: ConnectionDraft }): Promise<ReconnectRequest>;
  revokeRequest(id: string): Promise<null>;
  listRequests(clientId: string): Promise<ReconnectRequest[]>;
  listPortalSessions(clientId: string): Promise<PortalSession[]>;
  endPortalSessions(clientId: string): Promise<number>;
  getUptime(id: string): Promise<{ h24: Uptime; d7: Uptime; d30: Uptime }>;
  getHealthOverview(): Promise<HealthOverview>;
  getFleetHealth(): Promise<FleetHealth>;
  listChecksOn(id: string, day: string): Promise<CheckRecord[]>;
  exportReport(format: 'html' | 'json' | 'csv'): Promise<{ filename: string; contentType: string; body: string }>;
  publishWorkflow(id: string, publish: boolean): Promise<Workflow>;
  runWorkflow(id: string): Promise<Run>;
}

/** Builds the typed client over a transport. */
export function createClient(t: Transport): PatchbayAPI {
  const invoke = <T>(method: string, ...args: unknown[]): Promise<T> => t.invoke<T>(method, ...args);
  return {
    transport: t.kind,
    invoke,
    on: (topic, cb) => t.on(topic, (p) => cb(p as never)),
    quit: () => t.emit?.('app:quit'),
    getAppInfo: () => invoke('GetAppInfo'),
    listWorkspaces: async () => (await invoke<Workspace[] | null>('ListWorkspaces')) ?? [],
    createWorkspace: (draft) => invoke('CreateWorkspace', draft),
    renameWorkspace: (id, name) => invoke('RenameWorkspace', id, name),
    listProviders: async () => (await invoke<Provider[] | null>('ListProviders')) ?? [],
    listConnections: async () => (await invoke<ConnectionSummary[] | null>('ListConnections')) ?? [],
    getConnection: (id) => invoke('GetConnection', id),
    validateDraft: (draft) => invoke('ValidateDraft', draft),
    createConnection: (draft) => invoke('CreateConnection', draft),
    renameConnection: (id, label) => invoke('RenameConnection', id, label),
    deleteConnection: async (id) => (await invoke<string | null>('DeleteConnection', id)) ?? '',
    getGitSettings: (id) => invoke('GetGitSettings', id),
    setGitSettings: (id, settings) => invoke('SetGitSettings', id, settings),
    listAudit: async (filter) => (await invoke<AuditEvent[] | null>('ListAudit', filter)) ?? [],
    createAlertRoute: (draft) => invoke('CreateAlertRoute', draft),
    listAlertRoutes: async () => (await invoke<AlertRoute[] | null>('ListAlertRoutes')) ?? [],
    deleteAlertRoute: async (id) => {
      await invoke<unknown>('DeleteAlertRoute', id);
      return null;
    },
    testAlertRoute: (id) => invoke('TestAlertRoute', id),
    listAlertDeliveries: async (limit) => (await invoke<AlertDelivery[] | null>('ListAlertDeliveries', limit)) ?? [],
    retryAlertDelivery: (id) => invoke('RetryAlertDelivery', id),
    checkConnection: (id) => invoke('CheckConnection', id),
    reauthenticate: (id, draft) => invoke('ReauthenticateConnection', id, draft),
    updateWorkspaces: (id, ids) => invoke('UpdateConnectionWorkspaces', id, ids),
    workspaceImpact: async (id, ids) => (await invoke<{ id: string; name: string }[] | null>('WorkspaceImpact', id, ids)) ?? [],
    listChecks: async (id, limit) => (await invoke<CheckRecord[] | null>('ListChecks', id, limit)) ?? [],
    startConsent: (draft) => invoke('StartConsent', draft),
    reauthorize: (id, draft) => invoke('ReauthorizeConnection', id, draft),
    getConsent: (id) => invoke('GetConsent', id),
    completeConsent: (id) => invoke('CompleteConsent', id),
    cancelConsent: async (id) => {
      await invoke<unknown>('CancelConsent', id);
      return null;
    },
    refreshCredential: (id) => invoke('RefreshCredential', id),
    disconnectConnection: (id) => invoke('DisconnectConnection', id),
    startOAuth1: (start) => invoke('StartOAuth1', start),
    verifyOAuth1: (id, code) => invoke('VerifyOAuth1', id, code),
    completeOAuth1: (id) => invoke('CompleteOAuth1', id),
    listNotifications: async (limit) => (await invoke<Notification[] | null>('ListNotifications', limit)) ?? [],
    markNotificationRead: async (id) => {
      await invoke<unknown>('MarkNotificationRead', id);
      return null;
    },
    showDesktopNotification: (id) => invoke('ShowDesktopNotification', id),
    getSettings: () => invoke('GetSettings'),
    setWorkspaceSweep: (id, minutes) => invoke('SetWorkspaceSweep', id, minutes),
    updateSettings: (x) => invoke('UpdateSettings', x),
    getBanner: () => invoke('GetBanner'),
    startSweep: () => invoke('StartSweep'),
    cancelSweep: async () => {
      await invoke<unknown>('CancelSweep');
      return null;
    },
    getSweep: () => invoke('GetSweep'),
    listRuns: async (chip) => (await invoke<Run[] | null>('ListRuns', chip)) ?? [],
    getRun: (id) => invoke('GetRun', id),
    pauseRun: (id) => invoke('PauseRun', id),
    resumeRun: (id) => invoke('ResumeRun', id),
    cancelRun: (id) => invoke('CancelRun', id),
    replayRun: (id) => invoke('ReplayRun', id),
    listWorkflows: async () => (await invoke<Workflow[] | null>('ListWorkflows')) ?? [],
    createWorkflow: (draft) => invoke('CreateWorkflow', draft),
    updateWorkflow: (id, draft) => invoke('UpdateWorkflow', id, draft),
    resyncConnection: (id) => invoke('ResyncConnection', id),
    listClients: async () => (await invoke<Client[] | null>('ListClients')) ?? [],
    createClient: (name) => invoke('CreateClient', name),
    archiveClient: (id, archived) => invoke('ArchiveClient', id, archived),
    renameClient: (id, name) => invoke('RenameClient', id, name),
    setConnectionOwner: (connectionId, clientId) => invoke('SetConnectionOwner', connectionId, clientId),
    createReconnectRequest: (connectionId, baseUrl) => invoke('CreateReconnectRequest', connectionId, baseUrl),
    requestCredentials: (req) => invoke('RequestCredentials', req),
    revokeRequest: async (id) => {
      await invoke<unknown>('RevokeRequest', id);
      return null;
    },
    getUptime: (id) => invoke('GetUptime', id),
    getHealthOverview: () => invoke('GetHealthOverview'),
    getFleetHealth: () => invoke('GetFleetHealth'),
    listChecksOn: async (id, day) => (await invoke<CheckRecord[] | null>('ListChecksOn', id, day)) ?? [],
    exportReport: (format) => invoke('ExportReport', format),
    listRequests: async (clientId) => (await invoke<ReconnectRequest[] | null>('ListRequests', clientId)) ?? [],
    listPortalSessions: async (clientId) => (await invoke<PortalSession[] | null>('ListPortalSessions', clientId)) ?? [],
    endPortalSessions: (clientId) => invoke('EndPortalSessions', clientId),
    publishWorkflow: (id, publish) => invoke('PublishWorkflow', id, publish),
    runWorkflow: (id) => invoke('RunWorkflow', id),
  };
}
