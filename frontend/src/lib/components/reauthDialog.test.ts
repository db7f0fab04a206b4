// ReauthDialog rendered on the server (svelte/server): what each kind of
// connection is told and asked before it reauthorizes. Seed 002: for Jira
// OAuth 2.0 (Cloud and Data Center) "a member of your team with
// administrative access to Jira needs to be signed in during the
// reauthorization", and the choices sit under a Status heading.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { AuthMode, Connection } from '../api/types';
import ReauthDialog from './ReauthDialog.svelte';

const SEED_002_ADMIN = 'A member of your team with administrative access to Jira needs to be signed in during the reauthorization.';

const conn = (provider: string, authMode: string): Connection =>
  ({ id: 'c1', provider, authMode, label: 'Team connection', baseUrl: 'https://jira.example.com', config: { email: 'ops@example.com' }, status: 'error' }) as unknown as Connection;

const oauth2 = { id: 'oauth2', name: 'OAuth 2.0', reauth: true, fields: [], oauth: { scopes: [] } } as unknown as AuthMode;
const token = {
  id: 'api_token', name: 'API token', reauth: true,
  fields: [{ key: 'email', label: 'Email', kind: 'email' }, { key: 'apiToken', label: 'API Key', kind: 'secret' }],
} as unknown as AuthMode;
const oauth1 = { id: 'oauth1', name: 'OAuth 1.0a', reauth: true, fields: [], oauth1: {} } as unknown as AuthMode;

function dialog(provider: string, mode: AuthMode): string {
  return render(ReauthDialog, { props: { connection: conn(provider, mode.id), mode, linked: [], onclose: () => {} } }).body.replace(/\s+/g, ' ');
}

describe('ReauthDialog: the Jira administrator note (seed 002)', () => {
  for (const provider of ['jira_cloud', 'jira_dc']) {
    it(`${provider} OAuth 2.0: the seed's sentence, and the Status choices`, () => {
      const html = dialog(provider, oauth2);
      expect(html).toContain(SEED_002_ADMIN);
      expect(html).toMatch(/<legend[^>]*>Status<\/legend>/);
      expect(html).toContain('Reauthorize with existing credentials');
      expect(html).toContain('Reauthorize with new credentials');
    });
  }

  it('Jira Data Center OAuth 1.0a: the administrator must be signed in to that Jira', () => {
    expect(dialog('jira_dc', oauth1)).toMatch(/administrative access to Jira \(https:\/\/jira\.example\.com\) needs to be signed in/);
  });

  it('not for OAuth 2.0 outside Jira, nor for a Jira API key', () => {
    for (const [provider, mode] of [['bitbucket', oauth2], ['slack', oauth2], ['jira_cloud', token]] as const) {
      const html = dialog(provider, mode);
      expect(html, `${provider} ${mode.id}`).not.toContain('administrative access to Jira');
    }
    // The API key dialog asks for the seed's fields instead.
    expect(dialog('jira_cloud', token)).toContain('New API Key');
  });
});
