// Seed 003's diagnosis panel rendered on the server (svelte/server): the
// seed's sentence first, then the steps in the seed's order, and "Check
// permission settings" for every authorization error (invalid, expired or
// revoked credentials, missing scopes, any HTTP 401 or 403), never for an
// outage, a rate limit or the network.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import type { AuthMode, CheckClass, CheckResult, Provider } from '../api/types';
import Diagnosis from './Diagnosis.svelte';
import { SEED_003_SENTENCE } from './diagnosis';

const provider = { id: 'slack', name: 'Slack', category: 'Chat', selfHosted: false, docsUrl: 'https://api.slack.com/authentication', statusPageUrl: 'https://slack-status.com', modes: [] } as Provider;
const mode = { id: 'token', name: 'Bot token', reauth: true, fields: [{ key: 'token', label: 'Bot token', kind: 'secret' }] } as unknown as AuthMode;

function panel(cls: CheckClass, httpStatus?: number): { html: string; steps: string[] } {
  const check = { class: cls, message: 'It failed.', latencyMs: 1, checkedAt: '2026-12-04T12:00:00Z', ...(httpStatus ? { httpStatus } : {}) } as CheckResult;
  const html = render(Diagnosis, { props: { check, provider, mode, interrupted: false, onreauth: () => {}, onreview: () => {} } }).body;
  const ol = html.slice(html.indexOf('<ol class="steps'));
  const steps = [...ol.matchAll(/<h3[^>]*>([^<]+)<\/h3>/g)].map((m) => (m[1] ?? '').trim());
  return { html, steps };
}

describe('Diagnosis (seed 003)', () => {
  for (const [cls, status] of [['invalid_credentials'], ['expired'], ['revoked'], ['insufficient_scope'], ['misconfigured', 401], ['provider_unavailable', 403]] as [CheckClass, number?][]) {
    it(`${cls}${status ? ` (HTTP ${status})` : ''}: Check permission settings, in the seed's order`, () => {
      const { html, steps } = panel(cls, status);
      expect(html.indexOf(SEED_003_SENTENCE)).toBeGreaterThan(-1);
      expect(html.indexOf(SEED_003_SENTENCE)).toBeLessThan(html.indexOf('Likely causes'));
      expect(steps).toEqual(['Verify credentials', 'Check permission settings', 'Check for reported downtime', 'Re-authorize', 'Still not working?']);
      expect(html).toContain('href="https://api.slack.com/authentication"');
    });
  }
  for (const [cls, status] of [['rate_limited', 429], ['provider_unavailable', 503], ['network']] as [CheckClass, number?][]) {
    it(`${cls}: no permission step (not an authorization error)`, () => {
      expect(panel(cls, status).steps).toEqual(['Verify credentials', 'Check for reported downtime', 'Re-authorize', 'Still not working?']);
    });
  }
});
