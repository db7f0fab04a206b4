import { describe, expect, it } from 'vitest';
import type { CheckClass, CheckRecord } from './api/types';
import { checkState, classesIn, filterChecks, timeline } from './checks';

function rec(minute: number, cls: CheckClass, message: string = cls, httpStatus = cls === 'ok' ? 200 : 401): CheckRecord {
  return { checkedAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(), latencyMs: 10, class: cls, httpStatus, message };
}

describe('checkState', () => {
  it.each<[CheckClass, string]>([
    ['ok', 'up'],
    ['rate_limited', 'interrupted'],
    ['provider_unavailable', 'interrupted'],
    ['network', 'interrupted'],
    ['invalid_credentials', 'down'],
    ['revoked', 'down'],
    ['expired', 'down'],
    ['insufficient_scope', 'down'],
  ])('%s is %s', (cls, want) => expect(checkState(cls)).toBe(want));
});

describe('timeline', () => {
  it('is empty without checks', () => expect(timeline([])).toEqual([]));

  it('merges consecutive checks of the same state, whatever their order', () => {
    // Newest first, as the API returns them.
    const checks = [rec(50, 'ok'), rec(40, 'revoked'), rec(30, 'invalid_credentials'), rec(20, 'network'), rec(10, 'ok'), rec(0, 'ok')];
    const t = timeline(checks);
    expect(t.map((s) => [s.state, s.checks, s.lastClass])).toEqual([
      ['up', 2, 'ok'],
      ['interrupted', 1, 'network'],
      ['down', 2, 'revoked'],
      ['up', 1, 'ok'],
    ]);
    // A segment lasts until the next one starts.
    expect(t[0]!.from).toBe(rec(0, 'ok').checkedAt);
    expect(t[0]!.to).toBe(rec(20, 'ok').checkedAt);
    // Shares follow durations (20, 10, 20 minutes + a sliver for the last) and sum to 1.
    expect(t.reduce((a, s) => a + s.share, 0)).toBeCloseTo(1);
    expect(t[0]!.share).toBeCloseTo(t[2]!.share);
    expect(t[0]!.share).toBeGreaterThan(t[1]!.share);
    expect(t[3]!.share).toBeGreaterThan(0);
  });

  it('splits the width evenly when every check has the same time', () => {
    const t = timeline([rec(0, 'ok'), rec(0, 'revoked')]);
    expect(t.map((s) => s.share)).toEqual([0.5, 0.5]);
  });
});

describe('filterChecks', () => {
  const checks = [rec(3, 'ok'), rec(2, 'rate_limited', 'Rate limit reached; resets at 10:00', 429), rec(1, 'revoked', 'Token revoked'), rec(0, 'ok')];
  it.each<[Parameters<typeof filterChecks>[1], number[]]>([
    [{ outcome: 'all', text: '' }, [3, 2, 1, 0]],
    [{ outcome: 'failures', text: '' }, [2, 1]],
    [{ outcome: 'ok', text: '' }, [3, 0]],
    [{ outcome: 'revoked', text: '' }, [1]],
    [{ outcome: 'all', text: 'RATE' }, [2]],
    [{ outcome: 'all', text: '429' }, [2]],
    [{ outcome: 'failures', text: 'token' }, [1]],
    [{ outcome: 'ok', text: 'revoked' }, []],
  ])('%o', (f, minutes) => {
    expect(filterChecks(checks, f)).toEqual(minutes.map((m) => checks.find((c) => c.checkedAt === rec(m, 'ok').checkedAt)));
  });

  it('lists the classes present', () => expect(classesIn(checks)).toEqual(['ok', 'rate_limited', 'revoked']));
});
