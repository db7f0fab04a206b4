// A tiny history-API router: real hrefs, pushState, and one reactive route.

/** The tabs of an integration's page; overview is the page's own URL. */
export const INTEGRATION_TABS = ['overview', 'monitoring', 'settings'] as const;
/** One tab of an integration's page. */
export type IntegrationTab = (typeof INTEGRATION_TABS)[number];

/** A matched route: what page to show and its parameters. */
export type Route =
  | { name: 'integrations' }
  | { name: 'integration'; id: string; tab?: IntegrationTab }
  | { name: 'runs' }
  | { name: 'health' }
  | { name: 'run'; workspace: string; workflowId: string; runId: string }
  | { name: 'workflow'; workspace: string; workflowId: string }
  | { name: 'clients' }
  | { name: 'connections'; workspace: string }
  | { name: 'settings' }
  | { name: 'activity' }
  | { name: 'notfound'; path: string };

interface Pattern {
  parts: string[];
  make: (params: Record<string, string>) => Route;
}

function pattern(path: string, make: Pattern['make']): Pattern {
  return { parts: path.split('/').filter(Boolean), make };
}

const PATTERNS: Pattern[] = [
  pattern('/', () => ({ name: 'integrations' })),
  pattern('/integrations', () => ({ name: 'integrations' })),
  pattern('/integrations/:id', (p) => ({ name: 'integration', id: p.id ?? '' })),
  pattern('/integrations/:id/monitoring', (p) => ({ name: 'integration', id: p.id ?? '', tab: 'monitoring' })),
  pattern('/integrations/:id/settings', (p) => ({ name: 'integration', id: p.id ?? '', tab: 'settings' })),
  pattern('/runs', () => ({ name: 'runs' })),
  pattern('/health', () => ({ name: 'health' })),
  pattern('/:workspace/monitoring/workflow-runs/:workflowId/:runId', (p) => ({
    name: 'run',
    workspace: p.workspace ?? '',
    workflowId: p.workflowId ?? '',
    runId: p.runId ?? '',
  })),
  // Seed 002's project page: a workflow and the connections it depends on.
  pattern('/:workspace/workflows/:workflowId', (p) => ({ name: 'workflow', workspace: p.workspace ?? '', workflowId: p.workflowId ?? '' })),
  pattern('/clients', () => ({ name: 'clients' })),
  pattern('/settings', () => ({ name: 'settings' })),
  pattern('/activity', () => ({ name: 'activity' })),
  // Seed 004: the banner and the bell open the workspace's Connections page.
  // Last, so /integrations/{id} and the other fixed paths win.
  pattern('/:workspace/connections', (p) => ({ name: 'connections', workspace: p.workspace ?? '' })),
];

/** Matches a path (without query or hash) to a route; unknown paths are notfound. */
export function matchRoute(path: string): Route {
  const clean = path.split(/[?#]/)[0] ?? '';
  const segs = clean.split('/').filter(Boolean);
  for (const p of PATTERNS) {
    if (p.parts.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segs.length; i++) {
      const want = p.parts[i] ?? '';
      const got = segs[i] ?? '';
      if (want.startsWith(':')) {
        try {
          params[want.slice(1)] = decodeURIComponent(got);
        } catch {
          ok = false;
          break;
        }
      } else if (want !== got) {
        ok = false;
        break;
      }
    }
    if (ok) return p.make(params);
  }
  return { name: 'notfound', path: clean || '/' };
}

/** Builds the href of a route. */
export function hrefFor(route: Route): string {
  switch (route.name) {
    case 'integrations':
      return '/integrations';
    case 'integration':
      return `/integrations/${encodeURIComponent(route.id)}${route.tab && route.tab !== 'overview' ? `/${route.tab}` : ''}`;
    case 'runs':
      return '/runs';
    case 'health':
      return '/health';
    case 'run':
      return `/${encodeURIComponent(route.workspace)}/monitoring/workflow-runs/${encodeURIComponent(route.workflowId)}/${encodeURIComponent(route.runId)}`;
    case 'workflow':
      return `/${encodeURIComponent(route.workspace)}/workflows/${encodeURIComponent(route.workflowId)}`;
    case 'clients':
      return '/clients';
    case 'connections':
      return `/${encodeURIComponent(route.workspace)}/connections`;
    case 'settings':
      return '/settings';
    case 'activity':
      return '/activity';
    case 'notfound':
      return route.path;
  }
}

/** The pieces of window the router touches (injectable for tests). */
export interface RouterHost {
  location: { pathname: string; href: string };
  history: { pushState(data: unknown, unused: string, url?: string): void };
  addEventListener(type: 'popstate', cb: () => void): void;
  removeEventListener(type: 'popstate', cb: () => void): void;
}

/** Router holds the current path and the route matched from it. */
export class Router {
  path = $state('/');
  route: Route = $derived(matchRoute(this.path));
  #host: RouterHost | null = null;

  /** Starts following the host's location and back/forward buttons. */
  start(host: RouterHost): () => void {
    this.#host = host;
    this.path = host.location.pathname;
    const onPop = () => {
      this.path = host.location.pathname;
    };
    host.addEventListener('popstate', onPop);
    return () => host.removeEventListener('popstate', onPop);
  }

  /** Goes to an in-app path, adding a history entry. */
  navigate(href: string): void {
    const host = this.#host;
    // Resolve against href, not origin: under Wails (wails://wails/) the origin is "null".
    const url = new URL(href, host ? host.location.href : 'http://localhost/');
    if (url.pathname === this.path) return;
    host?.history.pushState({}, '', url.pathname + url.search + url.hash);
    this.path = url.pathname;
  }

  /** Reports whether a nav link to href is the current page (for aria-current). */
  isCurrent(href: string): boolean {
    const want = matchRoute(href).name;
    const have = this.route.name === 'integration' ? 'integrations' : this.route.name === 'workflow' || this.route.name === 'run' ? 'runs' : this.route.name;
    return want === have;
  }
}

/** The app's router. */
export const router = new Router();

/**
 * Click handler for the whole document: plain left clicks on same-origin
 * links become pushState navigations; modified clicks, downloads, new tabs
 * and other origins behave as usual.
 */
export function interceptLinks(e: MouseEvent, r: Router = router): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const target = e.target as Element | null;
  const a = target?.closest?.('a[href]') as HTMLAnchorElement | null;
  if (!a || a.target || a.hasAttribute('download') || a.dataset.external !== undefined) return;
  const url = new URL(a.href, document.baseURI);
  // Compare scheme and host rather than origin, which is "null" for custom schemes.
  if (url.protocol !== location.protocol || url.host !== location.host) return;
  e.preventDefault();
  r.navigate(url.pathname + url.search + url.hash);
}
