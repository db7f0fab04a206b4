import { describe, expect, it } from 'vitest';
import type { CheckClass, CheckResult, Connection, Status } from './api/types';
import { byAttention, isInterrupted, sortByAttention, statusDescription, statusView, summarize } from './status';

function check(cls: CheckClass): CheckResult {
  return { class: cls, message: `failed: ${cls}`, latencyMs: 1, checkedAt: '2026-01-01T00:00:00Z' };
}

describe('isInterrupted', () => {
  it.each<[Status, CheckClass | null, boolean]>([
    ['active', null, false],
    ['active', 'rate_limited', true],
    ['active', 'provider_unavailable', true],
    ['active', 'network', true],
    ['active', 'misconfigured', true],
    ['active', 'invalid_credentials', false],
    ['active', 'expired', false],
    ['active', 'revoked', false],
    ['active', 'insufficient_scope', false],
    ['error', 'network', false],
    ['pending', 'rate_limited', false],
    ['revoked', 'provider_unavailable', false],
  ])('%s with last error %s → %s', (status, cls, want) => {
    expect(isInterrupted({ status, lastError: cls ? check(cls) : undefined })).toBe(want);
  });
});

describe('statusView', () => {
  it('labels the four statuses and interrupted', () => {
    expect(statusView({ status: 'active', statusDescription: 'Connected and working.' })).toMatchObject({
      kind: 'active',
      label: 'Active',
    });
    expect(statusView({ status: 'pending', statusDescription: '' }).kind).toBe('pending');
    expect(statusView({ status: 'error', statusDescription: 'Reconnection needed.' })).toMatchObject({
      kind: 'error',
      label: 'Reconnection needed.',
    });
    expect(statusView({ status: 'revoked', statusDescription: '' }).label).toBe('Revoked');
    expect(statusView({ status: 'active', statusDescription: '', lastError: check('rate_limited') })).toMatchObject({
      kind: 'interrupted',
      label: 'Interrupted',
      description: 'failed: rate_limited',
    });
  });
});

describe('byAttention', () => {
  it('puts error, then interrupted, pending, revoked, active; then sorts by label', () => {
    const c = (label: string, status: Status, cls?: CheckClass) => ({
      label,
      status,
      statusDescription: '',
      lastError: cls ? check(cls) : undefined,
    });
    const list = [
      c('b active', 'active'),
      c('a active', 'active'),
      c('revoked', 'revoked'),
      c('interrupted', 'active', 'network'),
      c('pending', 'pending'),
      c('Broken', 'error', 'expired'),
    ];
    const want = ['Broken', 'interrupted', 'pending', 'revoked', 'a active', 'b active'];
    expect(sortByAttention(list).map((x) => x.label)).toEqual(want);
    expect(list.sort(byAttention).map((x) => x.label)).toEqual(want);
  });

  it('orders by label within a rank whether the input comes in label order (as the backend sends it) or not', () => {
    const c = (label: string, status: Status) => ({ label, status });
    const inOrder = [c('alpha', 'active'), c('Beta', 'error'), c('charlie', 'active'), c('Delta', 'error'), c('echo', 'pending')];
    const shuffled = [c('charlie', 'active'), c('alpha', 'active'), c('echo', 'pending'), c('Delta', 'error'), c('Beta', 'error')];
    const want = ['Beta', 'Delta', 'echo', 'alpha', 'charlie'];
    expect(sortByAttention(inOrder).map((x) => x.label)).toEqual(want);
    expect(sortByAttention([...inOrder].reverse()).map((x) => x.label)).toEqual(want);
    expect(sortByAttention(shuffled).map((x) => x.label)).toEqual(want);
  });
});

describe('statusDescription', () => {
  it("is the connection's own sentence, else the status's usual one (list rows leave that out)", () => {
    expect(statusDescription({ status: 'pending', statusDescription: 'Waiting for Acme to connect it.' })).toBe('Waiting for Acme to connect it.');
    expect(statusDescription({ status: 'pending' })).toBe('Waiting for validation or consent.');
    expect(statusDescription({ status: 'error', statusDescription: '' })).toBe('Reconnection needed.');
    expect(statusView({ status: 'revoked' }).description).toBe('Disconnected.');
  });
});

describe('summarize', () => {
  const full: Connection = {
    id: 'conn_1',
    provider: 'azure_devops_boards',
    authMode: 'oauth',
    label: 'Boards',
    owner: 'cl_1',
    workspaceIds: ['ws_1'],
    baseUrl: 'https://dev.azure.com/acme',
    config: { credentialGroup: 'conn_0', awaitingClient: '1', org: 'acme' },
    identity: 'me',
    scopes: ['vso.work'],
    status: 'active',
    statusDescription: 'Connected and working.',
    lastError: { ...check('network'), causes: ['a'], checks: ['b'], action: 'c' },
    secretHint: '••••abcd',
    lastCheckedAt: '2026-01-01T00:00:00Z',
    credentials: [],
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  };

  it('keeps what ListConnections sends of a connection (domain.Connection.Summary)', () => {
    expect(summarize(full)).toEqual({
      id: 'conn_1',
      provider: 'azure_devops_boards',
      authMode: 'oauth',
      label: 'Boards',
      owner: 'cl_1',
      workspaceIds: ['ws_1'],
      status: 'active',
      lastError: { class: 'network', message: 'failed: network' },
      lastCheckedAt: '2026-01-01T00:00:00Z',
      credentialGroup: 'conn_0',
      awaitingClient: true,
    });
    expect(statusView(summarize(full))).toEqual(statusView(full));
  });

  it("keeps a description that is not the status's usual one, and nothing a plain connection lacks", () => {
    const s = summarize({ ...full, status: 'pending', statusDescription: 'Waiting for Acme to connect it.', lastError: undefined, lastCheckedAt: undefined, config: {} });
    expect(s.statusDescription).toBe('Waiting for Acme to connect it.');
    expect(Object.keys(s).sort()).toEqual(['authMode', 'id', 'label', 'owner', 'provider', 'status', 'statusDescription', 'workspaceIds']);
  });
});
