import { describe, expect, it } from 'vitest';
import type { Connection, Provider, Workflow } from './api/types';
import { workflowConnections } from './workflowConnections';

const conn = (id: string, provider: string, extra: Partial<Connection> = {}): Connection =>
  ({ id, provider, label: id, status: 'active', statusDescription: 'Connected and working.', ...extra }) as Connection;
const providers = [
  { id: 'jira_cloud', name: 'Jira Cloud', category: 'Issue tracking' },
  { id: 'github', name: 'GitHub', category: 'Source control' },
] as Provider[];
const wf = (trigger: string, ...actions: string[]): Workflow =>
  ({ id: 'wf', workspaceId: 'ws', name: 'Nightly', published: false, trigger: { kind: trigger ? 'new_items' : 'schedule', connectionId: trigger },
    actions: actions.map((a) => ({ kind: 'fetch_inventory', connectionId: a })), createdAt: '', updatedAt: '' }) as Workflow;

describe('workflowConnections (seed 002: reauthorize from the project page)', () => {
  it('offers nothing when no connection has an error', () => {
    const list = workflowConnections(wf('jira', 'gh'), [conn('jira', 'jira_cloud'), conn('gh', 'github')], providers);
    expect(list.map((x) => x.hasError)).toEqual([false, false]);
  });

  it('flags an unauthorized connection, with the seed words for an issue tracker', () => {
    const list = workflowConnections(wf('jira', 'gh'), [conn('jira', 'jira_cloud', { status: 'error' }), conn('gh', 'github')], providers);
    expect(list[0]).toMatchObject({ connectionId: 'jira', hasError: true, editLabel: 'Edit issue tracking connection', nodes: ['Trigger'] });
    expect(list[1]).toMatchObject({ hasError: false, editLabel: 'Edit connection' });
  });

  it('flags an interrupted connection (active with a temporary error), a revoked one and a deleted one', () => {
    const interrupted = conn('gh', 'github', { lastError: { class: 'provider_unavailable', message: 'down', latencyMs: 0, checkedAt: '' } as Connection['lastError'] });
    const list = workflowConnections(wf('', 'gh', 'gone', 'old'), [interrupted, conn('old', 'github', { status: 'revoked' })], providers);
    expect(list.map((x) => [x.connectionId, x.hasError])).toEqual([['gh', true], ['gone', true], ['old', true]]);
  });

  it('lists a connection used by several nodes once, naming every node', () => {
    const list = workflowConnections(wf('jira', 'jira'), [conn('jira', 'jira_cloud')], providers);
    expect(list).toHaveLength(1);
    expect(list[0]?.nodes).toEqual(['Trigger', 'Action 1']);
  });
});
