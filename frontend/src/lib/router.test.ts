import { describe, expect, it, vi } from 'vitest';
import { hrefFor, matchRoute, Router, type RouterHost } from './router.svelte';

describe('matchRoute', () => {
  it.each([
    ['/', { name: 'integrations' }],
    ['/integrations', { name: 'integrations' }],
    ['/integrations/', { name: 'integrations' }],
    ['/integrations/conn_42', { name: 'integration', id: 'conn_42' }],
    ['/integrations/a%20b?tab=x#top', { name: 'integration', id: 'a b' }],
    ['/integrations/conn_42/monitoring', { name: 'integration', id: 'conn_42', tab: 'monitoring' }],
    ['/integrations/conn_42/settings', { name: 'integration', id: 'conn_42', tab: 'settings' }],
    ['/runs', { name: 'runs' }],
    ['/clients', { name: 'clients' }],
    ['/activity', { name: 'activity' }],
  ])('%s', (path, want) => {
    expect(matchRoute(path)).toEqual(want);
  });

  it.each(['/nope', '/integrations/a/b', '/integrations/a/overview', '/integrations/a/monitoring/x', '/runs/1', '/Integrations', '/integrations/%E0%A4%A'])(
    'sends unknown path %s to notfound',
    (path) => {
      expect(matchRoute(path)).toEqual({ name: 'notfound', path });
    },
  );

  it('round-trips hrefs', () => {
    expect(matchRoute(hrefFor({ name: 'integration', id: 'x/y' }))).toEqual({ name: 'integration', id: 'x/y' });
    for (const tab of ['monitoring', 'settings'] as const) {
      expect(matchRoute(hrefFor({ name: 'integration', id: 'x/y', tab }))).toEqual({ name: 'integration', id: 'x/y', tab });
    }
    expect(hrefFor({ name: 'integration', id: 'c', tab: 'overview' })).toBe('/integrations/c');
  });
});

function fakeHost(path: string): RouterHost & { pop: () => void; pushed: string[] } {
  let onPop: (() => void) | null = null;
  const host = {
    pushed: [] as string[],
    location: { pathname: path, href: 'wails://wails' + path },
    history: {
      pushState: (_: unknown, __: string, url?: string) => {
        host.pushed.push(url ?? '');
        host.location.pathname = (url ?? '').split(/[?#]/)[0] ?? '';
      },
    },
    addEventListener: (_: 'popstate', cb: () => void) => (onPop = cb),
    removeEventListener: vi.fn(),
    pop: () => onPop?.(),
  };
  return host;
}

describe('Router', () => {
  it('starts at the host location, pushes history on navigate and follows popstate', () => {
    const r = new Router();
    const host = fakeHost('/runs');
    const stop = r.start(host);
    expect(r.route).toEqual({ name: 'runs' });
    r.navigate('/integrations/c1');
    expect(host.pushed).toEqual(['/integrations/c1']);
    expect(r.route).toEqual({ name: 'integration', id: 'c1' });
    expect(r.isCurrent('/integrations')).toBe(true);
    expect(r.isCurrent('/runs')).toBe(false);
    r.navigate('/integrations/c1');
    expect(host.pushed).toHaveLength(1);
    host.location.pathname = '/clients';
    host.pop();
    expect(r.route).toEqual({ name: 'clients' });
    stop();
    expect(host.removeEventListener).toHaveBeenCalled();
  });
});

describe('run deep link', () => {
  it('matches /{workspaceSlug}/monitoring/workflow-runs/{workflowId}/{runId} and builds it back', () => {
    const r = matchRoute('/default/monitoring/workflow-runs/wf_1/run_2');
    expect(r).toEqual({ name: 'run', workspace: 'default', workflowId: 'wf_1', runId: 'run_2' });
    expect(hrefFor(r)).toBe('/default/monitoring/workflow-runs/wf_1/run_2');
    expect(matchRoute('/default/monitoring/workflow-runs/wf_1').name).toBe('notfound');
  });
});

describe('workflow page (seed 002: the project page)', () => {
  it('matches /{workspaceSlug}/workflows/{workflowId}, builds it back and keeps Runs current in the nav', () => {
    const r = matchRoute('/support-team/workflows/wf_9');
    expect(r).toEqual({ name: 'workflow', workspace: 'support-team', workflowId: 'wf_9' });
    expect(hrefFor(r)).toBe('/support-team/workflows/wf_9');
    expect(matchRoute('/support-team/workflows').name).toBe('notfound');
    // The integration's Settings tab still wins over a workspace named "integrations".
    expect(matchRoute('/integrations/c1/settings')).toEqual({ name: 'integration', id: 'c1', tab: 'settings' });
    const router = new Router();
    router.start(fakeHost('/default/workflows/wf_1'));
    expect(router.isCurrent('/runs')).toBe(true);
    expect(router.isCurrent('/integrations')).toBe(false);
  });
});
