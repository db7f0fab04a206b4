import { createClient, type PatchbayAPI, type Transport } from './client';
import { httpTransport, type HttpOptions } from './http';
import { hasWails, wailsTransport } from './wails';

export { ApiError, errorMessage, toApiError } from './errors';
export { SESSION_EXPIRED } from './http';
export type { PatchbayAPI, Transport } from './client';
export type * from './types';

/**
 * Picks the transport for this page: the Wails bindings inside the desktop
 * window (the runtime injects window.go before any module script runs),
 * HTTP everywhere else.
 */
export function pickTransport(win: unknown, http: HttpOptions = {}): Transport {
  return hasWails(win) ? wailsTransport(win) : httpTransport(http);
}

const unauthorizedHandlers = new Set<() => void>();

/** Registers a callback for a 401 from the HTTP transport (session gone). */
export function onUnauthorized(cb: () => void): () => void {
  unauthorizedHandlers.add(cb);
  return () => unauthorizedHandlers.delete(cb);
}

/**
 * Takes (once) the answer to `method` that public/assets/prefetch.js asked
 * for while the page loaded; it leaves them in win.__patchbayPrefetch.
 */
export function takePrefetched(win: unknown, method: string): Promise<Response> | undefined {
  const sent = (win as { __patchbayPrefetch?: Record<string, Promise<Response> | undefined> } | undefined)?.__patchbayPrefetch;
  const p = sent?.[method];
  if (sent && p) delete sent[method];
  return p;
}

/** The app's client, on the transport picked at start. */
export const api: PatchbayAPI = createClient(
  pickTransport(typeof window === 'undefined' ? undefined : window, {
    onUnauthorized: () => unauthorizedHandlers.forEach((cb) => cb()),
    prefetched: (method) => takePrefetched(typeof window === 'undefined' ? undefined : window, method),
  }),
);
