import { describe, expect, it, vi } from 'vitest';
import { createClient } from './client';
import { pickTransport, takePrefetched } from './index';

describe('pickTransport', () => {
  it('picks Wails when the bindings exist', () => {
    const win = { go: { main: { App: { ListConnections: async () => [] } } } };
    expect(pickTransport(win).kind).toBe('wails');
  });

  it('picks HTTP in a plain browser and without a window', () => {
    expect(pickTransport({ location: {} }).kind).toBe('http');
    expect(pickTransport(undefined).kind).toBe('http');
  });
});

describe('takePrefetched', () => {
  it('hands out what prefetch.js left in the window once per method', async () => {
    const answer = Promise.resolve(new Response('[]'));
    const win = { __patchbayPrefetch: { ListConnections: answer } };
    expect(takePrefetched(win, 'ListConnections')).toBe(answer);
    expect(takePrefetched(win, 'ListConnections')).toBeUndefined();
    expect(takePrefetched(win, 'GetAppInfo')).toBeUndefined();
    expect(takePrefetched({}, 'ListConnections')).toBeUndefined();
    expect(takePrefetched(undefined, 'ListConnections')).toBeUndefined();
  });
});

describe('createClient', () => {
  it('maps typed methods to Go method names and positional args', async () => {
    const invoke = vi.fn(async (..._args: unknown[]): Promise<unknown> => null);
    const api = createClient({ kind: 'http', invoke: invoke as never, on: () => () => {} });
    await api.renameConnection('c1', 'Prod');
    await api.validateDraft({
      provider: 'p',
      authMode: 'm',
      label: 'l',
      workspaceIds: ['w'],
      baseUrl: '',
      config: {},
      secrets: { apiKey: 'k' },
    });
    expect(invoke.mock.calls[0]).toEqual(['RenameConnection', 'c1', 'Prod']);
    expect(invoke.mock.calls[1]?.[0]).toBe('ValidateDraft');
    expect(await api.listConnections()).toEqual([]);
    expect(invoke.mock.calls[2]).toEqual(['ListConnections']);
  });
});
