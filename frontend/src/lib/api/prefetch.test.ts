import { describe, expect, it } from 'vitest';
import source from '../../../public/assets/prefetch.js?raw';

// public/assets/prefetch.js: the classic script index.html loads before the
// app's modules, run here against a fake window.

function run(location: { protocol: string; pathname: string }, extra: Record<string, unknown> = {}) {
  const calls: [string, RequestInit][] = [];
  const window: Record<string, unknown> = { ...extra };
  const fetch = (url: string, init: RequestInit) => {
    calls.push([url, init]);
    return Promise.resolve(new Response('[]'));
  };
  new Function('window', 'location', 'fetch', source)(window, location, fetch);
  return { calls, sent: window.__patchbayPrefetch as Record<string, Promise<Response>> | undefined };
}

describe('prefetch.js', () => {
  it('asks for the list and the shell data over HTTP as the app would, the list first', () => {
    const { calls, sent } = run({ protocol: 'http:', pathname: '/integrations' });
    expect(calls.map(([url]) => url)).toEqual([
      '/api/rpc/ListConnections',
      '/api/rpc/GetAppInfo',
      '/api/rpc/ListProviders',
      '/api/rpc/ListWorkspaces',
    ]);
    for (const [, init] of calls) {
      expect(init).toMatchObject({ method: 'POST', body: '[]', credentials: 'same-origin' });
      expect(init.headers).toMatchObject({ 'Content-Type': 'application/json', 'X-Patchbay': '1' });
    }
    expect(Object.keys(sent ?? {})).toEqual(['ListConnections', 'GetAppInfo', 'ListProviders', 'ListWorkspaces']);
  });

  it('sends nothing in the desktop window, on another scheme or on the client portal', () => {
    expect(run({ protocol: 'http:', pathname: '/' }, { WailsInvoke: () => {} }).calls).toEqual([]);
    expect(run({ protocol: 'wails:', pathname: '/' }).calls).toEqual([]);
    const portal = run({ protocol: 'https:', pathname: '/portal/r/abc' });
    expect(portal.calls).toEqual([]);
    expect(portal.sent).toBeUndefined();
  });
});
