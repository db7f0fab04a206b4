import { describe, expect, it, vi } from 'vitest';
import { ApiError } from './errors';
import { hasWails, wailsError, wailsTransport, type WailsGlobals } from './wails';

function fakeWindow(app: Record<string, (...args: unknown[]) => Promise<unknown>>): WailsGlobals & {
  handlers: Map<string, (...data: unknown[]) => void>;
} {
  const handlers = new Map<string, (...data: unknown[]) => void>();
  return {
    handlers,
    go: { main: { App: app } },
    runtime: {
      EventsOn: (topic, cb) => {
        handlers.set(topic, cb);
        return () => handlers.delete(topic);
      },
    },
  };
}

describe('wailsTransport', () => {
  it('calls the bound Go method with positional args', async () => {
    const Rename = vi.fn(async (id: unknown, label: unknown) => ({ id, label }));
    const t = wailsTransport(fakeWindow({ RenameConnection: Rename }));
    expect(t.kind).toBe('wails');
    await expect(t.invoke('RenameConnection', 'c1', 'New')).resolves.toEqual({ id: 'c1', label: 'New' });
    expect(Rename).toHaveBeenCalledWith('c1', 'New');
  });

  it('parses a JSON error string rejection (older Wails) into an ApiError', async () => {
    const t = wailsTransport(
      fakeWindow({
        CreateConnection: () => Promise.reject('{"code":"invalid","message":"Enter a name.","field":"label"}'),
      }),
    );
    const err = (await t.invoke('CreateConnection', {}).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('invalid');
    expect(err.message).toBe('Enter a name.');
    expect(err.field).toBe('label');
  });

  it('parses an Error whose message is our JSON (Wails v2.15+) including the check', async () => {
    const body = {
      code: 'validation',
      message: 'Rejected.',
      check: { class: 'invalid_credentials', message: 'Rejected.', latencyMs: 1, checkedAt: '2026-01-01T00:00:00Z' },
    };
    const t = wailsTransport(fakeWindow({ CreateConnection: () => Promise.reject(new Error(JSON.stringify(body))) }));
    const err = (await t.invoke('CreateConnection', {}).catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('validation');
    expect(err.check?.class).toBe('invalid_credentials');
  });

  it('wraps a plain-string rejection as internal', async () => {
    const t = wailsTransport(fakeWindow({ ListConnections: () => Promise.reject('Call to ListConnections timed out.') }));
    await expect(t.invoke('ListConnections')).rejects.toMatchObject({
      code: 'internal',
      message: 'Call to ListConnections timed out.',
    });
  });

  it('rejects a method the window does not bind', async () => {
    const t = wailsTransport(fakeWindow({}));
    await expect(t.invoke('Nope')).rejects.toMatchObject({ code: 'internal' });
  });

  it('subscribes through runtime.EventsOn and unsubscribes', () => {
    const win = fakeWindow({});
    const cb = vi.fn();
    const off = wailsTransport(win).on('connection:changed', cb);
    win.handlers.get('connection:changed')?.({ id: 'c9' });
    expect(cb).toHaveBeenCalledWith({ id: 'c9' });
    off();
    expect(win.handlers.has('connection:changed')).toBe(false);
  });
});

describe('wailsError', () => {
  it('ignores JSON that is not an error body', () => {
    expect(wailsError('{"hello":1}')).toMatchObject({ code: 'internal', message: '{"hello":1}' });
  });
  it('accepts an error body object as is', () => {
    expect(wailsError({ code: 'not_found', message: 'Gone.' })).toMatchObject({ code: 'not_found', message: 'Gone.' });
  });
});

describe('hasWails', () => {
  it('is true only when window.go.main.App exists', () => {
    expect(hasWails(fakeWindow({}))).toBe(true);
    expect(hasWails({ go: { main: {} } })).toBe(false);
    expect(hasWails({ go: {} })).toBe(false);
    expect(hasWails({})).toBe(false);
    expect(hasWails(undefined)).toBe(false);
  });
});
