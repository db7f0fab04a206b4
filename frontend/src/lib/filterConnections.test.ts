import { describe, expect, it } from 'vitest';
import type { Connection } from './api/types';
import { filterConnections } from './filterConnections';

type C = Pick<Connection, 'label' | 'provider' | 'status' | 'lastError' | 'statusDescription'>;
const list: C[] = [
  { label: 'Demo GitHub', provider: 'github', status: 'active', statusDescription: 'Connected and working.' },
  { label: 'Alerts Slack', provider: 'slack', status: 'error', statusDescription: 'Reconnection needed.' },
  { label: 'Self-managed GitLab', provider: 'gitlab', status: 'active', statusDescription: '', lastError: { class: 'provider_unavailable', message: 'HTTP 503', latencyMs: 1, checkedAt: '' } },
];
const names: Record<string, string> = { github: 'GitHub', slack: 'Slack', gitlab: 'GitLab' };

describe('filterConnections', () => {
  it.each<[string, string[]]>([
    ['', ['Demo GitHub', 'Alerts Slack', 'Self-managed GitLab']],
    ['git', ['Demo GitHub', 'Self-managed GitLab']],
    ['GITLAB interrupted', ['Self-managed GitLab']],
    ['error', ['Alerts Slack']],
    ['  slack   alerts ', ['Alerts Slack']],
    ['nothing', []],
  ])('%j', (q, want) => {
    expect(filterConnections(list, q, (id) => names[id] ?? id).map((c) => c.label)).toEqual(want);
  });
});
