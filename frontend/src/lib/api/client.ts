import type {
  AppInfo,
  Connection,
  ConnectionDraft,
  DraftCheck,
  EventMap,
  Provider,
  Topic,
  Workspace,
  WorkspaceDraft,
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
}

/**
 * PatchbayAPI is the one typed client the UI uses. Components call it (through
 * the stores), never a transport directly.
 */
export interface PatchbayAPI {
  readonly transport: Transport['kind'];
  invoke<T>(method: string, ...args: unknown[]): Promise<T>;
  on<K extends Topic>(topic: K, cb: (payload: EventMap[K]) => void): () => void;

  getAppInfo(): Promise<AppInfo>;
  listWorkspaces(): Promise<Workspace[]>;
  createWorkspace(draft: WorkspaceDraft): Promise<Workspace>;
  listProviders(): Promise<Provider[]>;
  listConnections(): Promise<Connection[]>;
  getConnection(id: string): Promise<Connection>;
  validateDraft(draft: ConnectionDraft): Promise<DraftCheck>;
  createConnection(draft: ConnectionDraft): Promise<Connection>;
  renameConnection(id: string, label: string): Promise<Connection>;
  deleteConnection(id: string): Promise<null>;
  checkConnection(id: string): Promise<Connection>;
}

/** Builds the typed client over a transport. */
export function createClient(t: Transport): PatchbayAPI {
  const invoke = <T>(method: string, ...args: unknown[]): Promise<T> => t.invoke<T>(method, ...args);
  return {
    transport: t.kind,
    invoke,
    on: (topic, cb) => t.on(topic, (p) => cb(p as never)),
    getAppInfo: () => invoke('GetAppInfo'),
    listWorkspaces: async () => (await invoke<Workspace[] | null>('ListWorkspaces')) ?? [],
    createWorkspace: (draft) => invoke('CreateWorkspace', draft),
    listProviders: async () => (await invoke<Provider[] | null>('ListProviders')) ?? [],
    listConnections: async () => (await invoke<Connection[] | null>('ListConnections')) ?? [],
    getConnection: (id) => invoke('GetConnection', id),
    validateDraft: (draft) => invoke('ValidateDraft', draft),
    createConnection: (draft) => invoke('CreateConnection', draft),
    renameConnection: (id, label) => invoke('RenameConnection', id, label),
    deleteConnection: async (id) => {
      await invoke<unknown>('DeleteConnection', id);
      return null;
    },
    checkConnection: (id) => invoke('CheckConnection', id),
  };
}
