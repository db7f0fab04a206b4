import { describe, expect, it } from 'vitest';
import { formatWarning, initialValues, redirectToRegister, requiredMessage } from './addForm';

describe('initialValues', () => {
  it('fills catalogue defaults and leaves the rest empty', () => {
    const mode = {
      id: 'api_key',
      name: 'API key',
      reauth: true,
      fields: [
        { key: 'headerName', label: 'Header name', kind: 'text' as const, required: true, default: 'X-API-Key' },
        { key: 'apiKey', label: 'API key', kind: 'secret' as const, required: true },
      ],
    };
    expect(initialValues(mode)).toEqual({ headerName: 'X-API-Key', apiKey: '' });
    expect(initialValues(undefined)).toEqual({});
  });
});

describe('formatWarning', () => {
  const f = { key: 't', label: 'Token', kind: 'secret' as const, required: true, format: '^ghp_[A-Za-z0-9]{36}$', formatHint: 'Starts with ghp_.' };
  it('warns only for a non-empty value that does not match', () => {
    expect(formatWarning(f, '')).toBe('');
    expect(formatWarning(f, 'ghp_' + 'a'.repeat(36))).toBe('');
    expect(formatWarning(f, 'nope')).toBe('Starts with ghp_.');
  });
  it('ignores a pattern JavaScript cannot compile', () => {
    expect(formatWarning({ ...f, format: '(?P<x>a' }, 'b')).toBe('');
  });
  it('says which field is required', () => {
    expect(requiredMessage(f)).toBe('Token is required.');
  });
});

describe('redirectToRegister', () => {
  it.each<[string | undefined, Record<string, string>, string]>([
    ['any-port', {}, 'http://127.0.0.1/callback (any port; Patchbay picks a free one)'],
    ['any-port', { redirectPort: '8765' }, 'http://127.0.0.1:8765/callback'],
    ['exact', {}, 'http://127.0.0.1:<callback port>/callback — enter the callback port first'],
    ['exact', { redirectPort: ' 8765 ' }, 'http://127.0.0.1:8765/callback'],
    ['https', {}, 'an HTTPS page you host — enter it and the callback port'],
    ['https', { redirectUri: 'https://relay.example.com/cb', redirectPort: '8765' }, 'https://relay.example.com/cb (forwarding to http://127.0.0.1:8765/)'],
  ])('%s %o', (rule, values, want) => expect(redirectToRegister(rule, values)).toBe(want));
});
