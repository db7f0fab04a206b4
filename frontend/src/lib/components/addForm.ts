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
