import { api, ApiError, errorMessage, onUnauthorized, type PatchbayAPI } from '../api';
import type { AppInfo, Connection, ConnectionSummary, Provider, Workspace } from '../api/types';
import { summarize } from '../status';

/**
 * Patchbay holds what the backend told us: app info, the catalogue,
 * workspaces and connections. It is the one place that subscribes to live
 * events, and it refreshes the connection list when one changes.
 */
export class Patchbay {
  info = $state<AppInfo | null>(null);
  providers = $state<Provider[]>([]);
  workspaces = $state<Workspace[]>([]);
  // The list's rows (the connection page reads the whole connection).
  // Raw: replaced whole on every change, so 10,000 rows cost no deep proxies.
  connections = $state.raw<ConnectionSummary[]>([]);
  /** True until the first load finished (with or without error). */
  loading = $state(true);
  /** Why the first load failed, if it did. */
  loadError = $state('');
  /** The HTTP session is gone (401): the whole page says so. */
  sessionExpired = $state(false);
  /** Bumped on every connection:changed event (pages re-read on it). */
  changes = $state(0);
  lastChanged = $state<{ id: string; deleted?: boolean } | null>(null);

  readonly api: PatchbayAPI;
  #refreshing: Promise<void> | null = null;
  #again = false;
  #loading: Promise<void> | null = null;
  // The catalogue by id: the list asks for a provider's name once per row.
  #byId = $derived(new Map(this.providers.map((p) => [p.id, p])));

  constructor(client: PatchbayAPI) {
    this.api = client;
  }

  /** The catalogue entry for a provider id. */
  provider(id: string): Provider | undefined {
    return this.#byId.get(id);
  }

  /** The provider's display name, or its id when the catalogue lacks it. */
  providerName(id: string): string {
    return this.provider(id)?.name ?? id;
  }

  /** Loads everything the shell needs and starts listening for changes. */
  async start(): Promise<() => void> {
    const offAuth = onUnauthorized(() => (this.sessionExpired = true));
    const offChanged = this.api.on('connection:changed', (p) => {
      this.lastChanged = p ?? null;
      this.changes++;
      void this.refreshConnections();
    });
    await (this.#loading ?? this.load());
    return () => {
      offAuth();
      offChanged();
    };
  }

  /**
   * (Re)loads app info, catalogue, workspaces and connections. main.ts calls
   * it before mounting the app, so the requests leave while the page renders
   * (start() waits for that load); the connection list, the largest answer,
   * is asked for first, before the browser's few connections per host are
   * taken by the rest.
   */
  load(): Promise<void> {
    const p = this.#load().finally(() => {
      if (this.#loading === p) this.#loading = null;
    });
    this.#loading = p;
    return p;
  }

  async #load(): Promise<void> {
    this.loadError = '';
    try {
      const list = this.api.listConnections();
      const [info, providers, workspaces, connections] = await Promise.all([
        this.api.getAppInfo(),
        this.api.listProviders(),
        this.api.listWorkspaces(),
        list,
      ]);
      this.info = info;
      this.providers = providers;
      this.workspaces = workspaces;
      this.connections = connections;
    } catch (err) {
      this.loadError = errorMessage(err);
      // main.ts starts this load before start() listens for a 401.
      if (err instanceof ApiError && err.code === 'unauthorized') this.sessionExpired = true;
    } finally {
      this.loading = false;
    }
  }

  /** Re-reads the connection list; concurrent calls coalesce into one more read. */
  refreshConnections(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      try {
        do {
          this.#again = false;
          this.connections = await this.api.listConnections();
        } while (this.#again);
      } catch (err) {
        this.loadError = errorMessage(err);
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }

  /** Puts (the row of) a connection the backend returned into the list without a re-read. */
  upsert(conn: Connection): void {
    const c = summarize(conn);
    const i = this.connections.findIndex((x) => x.id === c.id);
    if (i >= 0) this.connections = this.connections.map((x, j) => (j === i ? c : x));
    else this.connections = [...this.connections, c];
  }

  /** Drops a connection from the list. */
  remove(id: string): void {
    this.connections = this.connections.filter((c) => c.id !== id);
  }
}

/** The app's state, over the app's client. */
export const patchbay = new Patchbay(api);
