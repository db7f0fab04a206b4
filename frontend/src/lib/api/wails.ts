import { ApiError, isErrorBody } from './errors';
import type { Transport } from './client';

type Bound = (...args: unknown[]) => Promise<unknown>;

/** The globals the Wails runtime injects into the window (window.go, window.runtime). */
export interface WailsGlobals {
  go?: { main?: { App?: Record<string, Bound | undefined> } };
  runtime?: {
    EventsOn?: (topic: string, cb: (...data: unknown[]) => void) => () => void;
    EventsEmit?: (topic: string, ...data: unknown[]) => void;
  };
}

/** Reports whether the page runs inside the Wails window with the App bound. */
export function hasWails(win: unknown): win is WailsGlobals {
  const w = win as WailsGlobals | undefined;
  return typeof w?.go?.main?.App === 'object' && w.go.main.App !== null;
}

/**
 * Turns a Wails rejection into an ApiError. app.go rejects with the JSON of
 * domain.Error; Wails v2.15+ wraps that string in an Error (older versions
 * reject with the bare string). Anything that is not our JSON is internal.
 */
export function wailsError(reason: unknown): ApiError {
  if (isErrorBody(reason)) return new ApiError(reason);
  let text: string;
  if (typeof reason === 'string') text = reason;
  else if (reason instanceof Error) text = reason.message;
  else if (reason && typeof reason === 'object' && 'message' in reason) text = String((reason as { message: unknown }).message);
  else text = String(reason);
  try {
    const parsed: unknown = JSON.parse(text);
    if (isErrorBody(parsed)) return new ApiError(parsed);
  } catch {
    // not JSON: a Wails-level failure such as a timeout or a bad argument
  }
  return new ApiError({ code: 'internal', message: text || 'Internal error.' });
}

/** The transport of the desktop window: generated Go bindings and runtime events. */
export function wailsTransport(win: WailsGlobals): Transport {
  return {
    kind: 'wails',
    async invoke<T>(method: string, ...args: unknown[]): Promise<T> {
      const fn = win.go?.main?.App?.[method];
      if (typeof fn !== 'function') {
        throw new ApiError({ code: 'internal', message: `This Patchbay window has no method ${method}. Rebuild the app.` });
      }
      try {
        return (await fn(...args)) as T;
      } catch (reason) {
        throw wailsError(reason);
      }
    },
    on(topic, cb) {
      const eventsOn = win.runtime?.EventsOn;
      if (typeof eventsOn !== 'function') return () => {};
      const off = eventsOn(topic, (...data: unknown[]) => cb(data[0]));
      return typeof off === 'function' ? off : () => {};
    },
    emit(topic) {
      win.runtime?.EventsEmit?.(topic);
    },
  };
}
