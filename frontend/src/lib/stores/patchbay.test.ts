import { describe, expect, it, vi } from 'vitest';
import { createClient, type Transport } from '../api/client';
import { ApiError } from '../api/errors';
import type { Connection } from '../api/types';
import { Patchbay } from './patchbay.svelte';

function conn(id: string, label = id): Connection {
  return {
    id,
    provider: 'generic_api_key',
    authMode: 'api_key',
    label,
    owner: 'team',
    workspaceIds: ['ws1'],
    baseUrl: '',
    config: {},
    identity: '',
    scopes: null,
    status: 'active',
    statusDescription: 'Connected and working.',
    secretHint: '••••',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  };
}

function fakeTransport(lists: Connection[][]) {
  const handlers = new Map<string, (p: unknown) => void>();
  let calls = 0;
  const invoke = vi.fn(async (method: string): Promise<unknown> => {
    switch (method) {
      case 'GetAppInfo':
        return { version: 'test', dataDir: '/d', secretBackend: 'memory', demo: false };
      case 'ListProviders':
        return [{ id: 'generic_api_key', name: 'Generic API key', category: 'Other', selfHosted: true, modes: [] }];
      case 'ListWorkspaces':
        return null;
      case 'ListConnections':
        return lists[Math.min(calls++, lists.length - 1)];
    }
    throw new Error('unexpected ' + method);
  });
  const t: Transport = {
    kind: 'http',
    invoke: invoke as Transport['invoke'],
    on: (topic, cb) => {
      handlers.set(topic, cb);
      return () => handlers.delete(topic);
    },
  };
  return { t, invoke, handlers, listCalls: () => calls };
}

describe('Patchbay store', () => {
  it('loads everything, then refreshes the list on connection:changed', async () => {
    const f = fakeTransport([[conn('a')], [conn('a'), conn('b')]]);
    const s = new Patchbay(createClient(f.t));
    const stop = await s.start();
    expect(s.loading).toBe(false);
    expect(s.workspaces).toEqual([]);
    expect(s.providerName('generic_api_key')).toBe('Generic API key');
    expect(s.providerName('unknown')).toBe('unknown');
    expect(s.connections.map((c) => c.id)).toEqual(['a']);

    f.handlers.get('connection:changed')?.({ id: 'b' });
    expect(s.changes).toBe(1);
    await vi.waitFor(() => expect(s.connections.map((c) => c.id)).toEqual(['a', 'b']));

    stop();
    expect(f.handlers.size).toBe(0);
  });

  it('asks for the connection list first, and start() waits for a load already under way (main.ts starts one)', async () => {
    const f = fakeTransport([[conn('a')]]);
    const s = new Patchbay(createClient(f.t));
    const early = s.load();
    const stop = await s.start();
    await early;
    expect(f.invoke.mock.calls[0]).toEqual(['ListConnections']);
    expect(f.listCalls()).toBe(1);
    expect(s.connections.map((c) => c.id)).toEqual(['a']);
    await s.start().then((again) => again());
    expect(f.listCalls()).toBe(2);
    stop();
  });

  it('coalesces refreshes requested while one is running into one more read', async () => {
    const f = fakeTransport([[], [conn('a')], [conn('a'), conn('b')]]);
    const s = new Patchbay(createClient(f.t));
    await s.load();
    expect(f.listCalls()).toBe(1);
    const p1 = s.refreshConnections();
    const p2 = s.refreshConnections();
    const p3 = s.refreshConnections();
    await Promise.all([p1, p2, p3]);
    expect(f.listCalls()).toBe(3);
    expect(s.connections.map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('reports a failed first load', async () => {
    const t: Transport = {
      kind: 'http',
      invoke: () => Promise.reject(new Error('boom')),
      on: () => () => {},
    };
    const s = new Patchbay(createClient(t));
    await s.load();
    expect(s.loading).toBe(false);
    expect(s.loadError).toBe('boom');
  });

  it('says the session expired when the load main.ts starts before start() is refused (401)', async () => {
    const t: Transport = {
      kind: 'http',
      invoke: () => Promise.reject(new ApiError({ code: 'unauthorized', message: 'expired' })),
      on: () => () => {},
    };
    const s = new Patchbay(createClient(t));
    await s.load();
    expect(s.sessionExpired).toBe(true);
  });

  it('upserts and removes connections locally', () => {
    const s = new Patchbay(createClient({ kind: 'http', invoke: () => Promise.resolve(null as never), on: () => () => {} }));
    s.upsert(conn('a', 'A'));
    s.upsert(conn('a', 'A2'));
    s.upsert(conn('b'));
    expect(s.connections.map((c) => c.label)).toEqual(['A2', 'b']);
    s.remove('a');
    expect(s.connections.map((c) => c.id)).toEqual(['b']);
  });
});
