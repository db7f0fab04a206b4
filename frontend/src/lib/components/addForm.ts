import type { AuthMode, ProviderField } from '../api/types';

/** The starting values of a mode's fields: their catalogue defaults. */
export function initialValues(mode: AuthMode | undefined): Record<string, string> {
  const v: Record<string, string> = {};
  for (const f of mode?.fields ?? []) v[f.key] = f.default ?? '';
  return v;
}

/** The message next to an empty required field. */
export function requiredMessage(f: ProviderField): string {
  return `${f.label} is required.`;
}

/**
 * A soft warning when a value does not look like the catalogue's format
 * (providers change token formats, so this never blocks validation).
 */
export function formatWarning(f: ProviderField, value: string): string {
  if (!f.format || value.trim() === '') return '';
  let re: RegExp;
  try {
    re = new RegExp(f.format);
  } catch {
    return '';
  }
  if (re.test(value.trim())) return '';
  return f.formatHint || `This does not look like a ${f.label}. Check that you pasted the whole value.`;
}

/**
 * The redirect URI the user registers with their OAuth app, from the form's
 * callback port and registered HTTPS URI (backend: service.consentOptions).
 */
export function redirectToRegister(redirect: string | undefined, values: Record<string, string>): string {
  const port = (values.redirectPort ?? '').trim();
  const https = (values.redirectUri ?? '').trim();
  if (https) return `${https} (forwarding to http://127.0.0.1:${port || '<callback port>'}/)`;
  if (port) return `http://127.0.0.1:${port}/callback`;
  if (redirect === 'exact') return 'http://127.0.0.1:<callback port>/callback — enter the callback port first';
  if (redirect === 'https') return 'an HTTPS page you host — enter it and the callback port';
  return 'http://127.0.0.1/callback (any port; Patchbay picks a free one)';
}
