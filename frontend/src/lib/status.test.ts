import { describe, expect, it } from 'vitest';
import type { CheckClass, CheckResult, Status } from './api/types';
import { byAttention, isInterrupted, sortByAttention, statusView } from './status';

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
});
