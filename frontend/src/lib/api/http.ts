import { ApiError, isErrorBody } from './errors';
import type { Transport } from './client';
import type { ErrorCode } from './types';

/** The minimal EventSource the HTTP transport needs (injectable for tests). */
export interface EventSourceLike {
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void;
  removeEventListener(type: string, listener: (ev: MessageEvent) => void): void;
  close(): void;
}

/** Options of the HTTP transport. */
export interface HttpOptions {
  /** Prefix of the API paths; "" means the page's own origin. */
  base?: string;
  fetch?: typeof fetch;
  eventSource?: (url: string) => EventSourceLike;
  /** Called when the server answers 401: the session cookie is gone or stale. */
  onUnauthorized?: (err: ApiError) => void;
  /**
   * An answer already asked for (public/assets/prefetch.js sends the first
   * data requests before the app's scripts load): the first call of a
   * method without arguments takes it, if there is one, instead of fetching.
   */
  prefetched?: (method: string) => Promise<Response> | undefined;
}

/** Message of the full-page notice shown when the session is gone. */
export const SESSION_EXPIRED =
  'This Patchbay session has expired. Open the URL that `patchbay serve` printed again.';

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
    case 403:
      return 'unauthorized';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 422:
      return 'validation';
    case 502:
    case 503:
    case 504:
      return 'unavailable';
  }
  return 'internal';
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const e = (body as { error?: unknown } | undefined)?.error;
  if (isErrorBody(e)) return new ApiError(e);
  const code = codeForStatus(res.status);
  if (code === 'unauthorized') return new ApiError({ code, message: SESSION_EXPIRED });
  return new ApiError({
    code,
    message: `Patchbay answered ${res.status}${res.statusText ? ' ' + res.statusText : ''}. The details are in Patchbay's log.`,
  });
}

/**
 * The body of res as text, read as a stream and decoded as it arrives
 * (UTF-8, as Response.text()). In Chromium, Response.text() of the list of
 * 10,000 connections (2.2 MB) took some 125 ms after the last byte arrived,
 * this about 30 ms (frontend/bench/integrations.bench.mjs).
 */
async function readText(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.join('');
}

/**
 * The transport of `patchbay serve`: POST /api/rpc/{Method} with a JSON array
 * of arguments, and server-sent events from /api/events. Authentication is the
 * HttpOnly session cookie the server set when the start URL was opened.
 */
export function httpTransport(opts: HttpOptions = {}): Transport {
  const base = opts.base ?? '';
  const doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const openEvents = opts.eventSource ?? ((url: string) => new EventSource(url));
  let source: EventSourceLike | null = null;
  let listeners = 0;

  return {
    kind: 'http',
    async invoke<T>(method: string, ...args: unknown[]): Promise<T> {
      let res: Response;
      try {
        res = await ((args.length === 0 ? opts.prefetched?.(method) : undefined) ??
          doFetch(`${base}/api/rpc/${encodeURIComponent(method)}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-Patchbay': '1' },
            body: JSON.stringify(args),
            credentials: 'same-origin',
          }));
      } catch {
        throw new ApiError({
          code: 'unavailable',
          message: 'Cannot reach Patchbay. Is `patchbay serve` still running?',
        });
      }
      if (!res.ok) {
        const err = await errorFrom(res);
        if (res.status === 401) opts.onUnauthorized?.(err);
        throw err;
      }
      const text = await readText(res);
      if (text.trim() === '') return null as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new ApiError({ code: 'internal', message: `Patchbay sent an answer to ${method} that is not JSON.` });
      }
    },
    on(topic, cb) {
      if (!source) source = openEvents(`${base}/api/events`);
      const es = source;
      const listener = (ev: MessageEvent) => {
        let payload: unknown = ev.data;
        try {
          payload = JSON.parse(String(ev.data));
        } catch {
          // deliver the raw text
        }
        cb(payload);
      };
      es.addEventListener(topic, listener);
      listeners++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        es.removeEventListener(topic, listener);
        listeners--;
        if (listeners === 0 && source === es) {
          es.close();
          source = null;
        }
      };
    },
  };
}
