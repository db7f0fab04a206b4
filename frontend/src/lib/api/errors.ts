import type { CheckResult, ErrorCode } from './types';

const CODES: ReadonlySet<string> = new Set([
  'invalid',
  'not_found',
  'conflict',
  'unavailable',
  'validation',
  'internal',
  'unauthorized',
]);

/** The shape of a backend error in JSON (domain.Error). */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  field?: string;
  check?: CheckResult;
}

/**
 * ApiError is how both transports reject: a machine code, a message the user
 * can read, and optionally the form field it concerns and the provider check
 * behind it.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly check?: CheckResult;

  constructor(body: ErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.code = body.code;
    if (body.field) this.field = body.field;
    if (body.check) this.check = body.check;
  }
}

/** Reports whether v looks like a backend error body. */
export function isErrorBody(v: unknown): v is ErrorBody {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.code === 'string' && CODES.has(o.code) && typeof o.message === 'string';
}

/** Returns err as an ApiError, wrapping anything else as an internal error. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isErrorBody(err)) return new ApiError(err);
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError({ code: 'internal', message: message || 'Internal error.' });
}

/** The message to show the user for any thrown value. */
export function errorMessage(err: unknown): string {
  return toApiError(err).message;
}
