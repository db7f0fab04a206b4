import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './errors';
import { httpTransport, SESSION_EXPIRED, type EventSourceLike } from './http';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('httpTransport.invoke', () => {
  it('POSTs positional args as a JSON array with the CSRF header and returns the result', async () => {
    const fetch = vi.fn(async () => jsonResponse(200, { id: 'c1', label: 'Prod' }));
    const t = httpTransport({ fetch });
    const out = await t.invoke<{ id: string }>('RenameConnection', 'c1', 'Prod');
    expect(out).toEqual({ id: 'c1', label: 'Prod' });
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/rpc/RenameConnection');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect(init.body).toBe('["c1","Prod"]');
    expect(init.headers).toMatchObject({ 'Content-Type': 'application/json', 'X-Patchbay': '1' });
  });

  it('sends [] for a call without arguments and returns null for a null body', async () => {
    const fetch = vi.fn(async () => new Response('null\n', { status: 200 }));
    const t = httpTransport({ fetch });
    expect(await t.invoke('DeleteConnection')).toBeNull();
    const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.body).toBe('[]');
  });

  it('rejects with an ApiError carrying code, message, field and check', async () => {
    const check = { class: 'invalid_credentials', message: 'The key was rejected.', latencyMs: 3, checkedAt: '2026-01-01T00:00:00Z' };
    const fetch = vi.fn(async () =>
      jsonResponse(422, { error: { code: 'validation', message: 'The key was rejected.', field: 'apiKey', check } }),
    );
    const onUnauthorized = vi.fn();
    const t = httpTransport({ fetch, onUnauthorized });
    const err = await t.invoke('CreateConnection', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.code).toBe('validation');
    expect(e.message).toBe('The key was rejected.');
    expect(e.field).toBe('apiKey');
    expect(e.check).toEqual(check);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('reports a 401 as unauthorized and tells the app the session is gone', async () => {
    const fetch = vi.fn(async () => jsonResponse(401, { error: { code: 'unauthorized', message: SESSION_EXPIRED } }));
    const onUnauthorized = vi.fn();
    const t = httpTransport({ fetch, onUnauthorized });
    await expect(t.invoke('ListConnections')).rejects.toMatchObject({ code: 'unauthorized', message: SESSION_EXPIRED });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('reports a 401 without a JSON body as the session-expired message', async () => {
    const fetch = vi.fn(async () => new Response('Unauthorized', { status: 401 }));
    const onUnauthorized = vi.fn();
    const t = httpTransport({ fetch, onUnauthorized });
    await expect(t.invoke('ListConnections')).rejects.toMatchObject({ code: 'unauthorized', message: SESSION_EXPIRED });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('decodes a body that arrives in pieces, a character split between two of them', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify([{ id: 'c1', label: 'Zürich – prod ✓' }]));
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of ü
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, cut));
        c.enqueue(bytes.slice(cut));
        c.close();
      },
    });
    const t = httpTransport({ fetch: vi.fn(async () => new Response(body, { status: 200 })) });
    expect(await t.invoke('ListConnections')).toEqual([{ id: 'c1', label: 'Zürich – prod ✓' }]);
  });

  it('takes an answer prefetched for a call without arguments once, then fetches', async () => {
    const fetch = vi.fn(async () => jsonResponse(200, [{ id: 'fetched' }]));
    const early = new Map([['ListConnections', Promise.resolve(jsonResponse(200, [{ id: 'early' }]))]]);
    const prefetched = vi.fn((m: string) => {
      const p = early.get(m);
      early.delete(m);
      return p;
    });
    const t = httpTransport({ fetch, prefetched });
    expect(await t.invoke('ListConnections')).toEqual([{ id: 'early' }]);
    expect(fetch).not.toHaveBeenCalled();
    expect(await t.invoke('ListConnections')).toEqual([{ id: 'fetched' }]);
    expect(await t.invoke('GetConnection', 'c1')).toEqual([{ id: 'fetched' }]);
    expect(prefetched.mock.calls.map((c) => c[0])).toEqual(['ListConnections', 'ListConnections']);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('reports a prefetched answer that failed as a fetched one would', async () => {
    const onUnauthorized = vi.fn();
    const t = httpTransport({
      fetch: vi.fn(),
      onUnauthorized,
      prefetched: (m) =>
        m === 'ListConnections'
          ? Promise.resolve(jsonResponse(401, { error: { code: 'unauthorized', message: SESSION_EXPIRED } }))
          : Promise.reject(new TypeError('Failed to fetch')),
    });
    await expect(t.invoke('ListConnections')).rejects.toMatchObject({ code: 'unauthorized', message: SESSION_EXPIRED });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    await expect(t.invoke('GetAppInfo')).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('turns a non-JSON 500 body into an internal ApiError', async () => {
    const fetch = vi.fn(async () => new Response('<html>boom</html>', { status: 500, statusText: 'Internal Server Error' }));
    const t = httpTransport({ fetch });
    const err = (await t.invoke('ListConnections').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('internal');
    expect(err.message).toContain('500');
    expect(err.message).not.toContain('boom');
  });

  it('maps a 404 without our error body to not_found', async () => {
    const fetch = vi.fn(async () => new Response('nope', { status: 404 }));
    await expect(httpTransport({ fetch }).invoke('Nope')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reports a network failure as unavailable', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(httpTransport({ fetch }).invoke('ListConnections')).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('rejects a 200 answer that is not JSON', async () => {
    const fetch = vi.fn(async () => new Response('<html></html>', { status: 200 }));
    await expect(httpTransport({ fetch }).invoke('ListConnections')).rejects.toMatchObject({ code: 'internal' });
  });
});

class FakeEventSource implements EventSourceLike {
  listeners = new Map<string, Set<(ev: MessageEvent) => void>>();
  closed = false;
  constructor(public url: string) {}
  addEventListener(type: string, l: (ev: MessageEvent) => void) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(l);
  }
  removeEventListener(type: string, l: (ev: MessageEvent) => void) {
    this.listeners.get(type)?.delete(l);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data: string) {
    for (const l of this.listeners.get(type) ?? []) l(new MessageEvent(type, { data }));
  }
}

describe('httpTransport.on', () => {
  it('subscribes to named SSE events on one EventSource, parses JSON and closes when the last one leaves', () => {
    const opened: FakeEventSource[] = [];
    const t = httpTransport({
      fetch: vi.fn(),
      eventSource: (url) => {
        const es = new FakeEventSource(url);
        opened.push(es);
        return es;
      },
    });
    const a = vi.fn();
    const b = vi.fn();
    const offA = t.on('connection:changed', a);
    const offB = t.on('sweep:progress', b);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.url).toBe('/api/events');
    opened[0]!.emit('connection:changed', '{"id":"c1"}');
    expect(a).toHaveBeenCalledWith({ id: 'c1' });
    expect(b).not.toHaveBeenCalled();
    offA();
    offA();
    expect(opened[0]!.closed).toBe(false);
    offB();
    expect(opened[0]!.closed).toBe(true);
    opened[0]!.emit('connection:changed', '{"id":"c2"}');
    expect(a).toHaveBeenCalledTimes(1);
  });
});
