import { api, errorMessage, onUnauthorized, type PatchbayAPI } from '../api';
import type { AppInfo, Connection, Provider, Workspace } from '../api/types';

/**
 * Patchbay holds what the backend told us: app info, the catalogue,
 * workspaces and connections. It is the one place that subscribes to live
 * events, and it refreshes the connection list when one changes.
 */
export class Patchbay {
  info = $state<AppInfo | null>(null);
  providers = $state<Provider[]>([]);
  workspaces = $state<Workspace[]>([]);
  // Raw: replaced whole on every change, so 10,000 rows cost no deep proxies.
  connections = $state.raw<Connection[]>([]);
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

  constructor(client: PatchbayAPI) {
    this.api = client;
  }

  /** The catalogue entry for a provider id. */
  provider(id: string): Provider | undefined {
    return this.providers.find((p) => p.id === id);
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
    await this.load();
    return () => {
      offAuth();
      offChanged();
    };
  }

  /** (Re)loads app info, catalogue, workspaces and connections. */
  async load(): Promise<void> {
    this.loadError = '';
    try {
      const [info, providers, workspaces, connections] = await Promise.all([
        this.api.getAppInfo(),
        this.api.listProviders(),
        this.api.listWorkspaces(),
        this.api.listConnections(),
      ]);
      this.info = info;
      this.providers = providers;
      this.workspaces = workspaces;
      this.connections = connections;
    } catch (err) {
      this.loadError = errorMessage(err);
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

  /** Puts a connection the backend returned into the list without a re-read. */
  upsert(c: Connection): void {
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
