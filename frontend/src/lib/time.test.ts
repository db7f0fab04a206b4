import { describe, expect, it } from 'vitest';
import { formatRelative, relativeTime, type RelativeUnit } from './time';

const now = new Date('2026-03-10T12:00:00Z');
const ago = (secs: number) => new Date(now.getTime() - secs * 1000).toISOString();

describe('relativeTime', () => {
  it.each<[string | undefined | null, string]>([
    [undefined, 'never'],
    [null, 'never'],
    ['', 'never'],
    ['not a date', 'never'],
    ['0001-01-01T00:00:00Z', 'never'],
    [ago(0), 'just now'],
    [ago(30), 'just now'],
    [ago(50), '1 minute ago'],
    [ago(5 * 60), '5 minutes ago'],
    [ago(59 * 60), '59 minutes ago'],
    [ago(2 * 3600), '2 hours ago'],
    [ago(26 * 3600), '1 day ago'],
    [ago(3 * 86400), '3 days ago'],
    [ago(14 * 86400), '2 weeks ago'],
    [ago(-3 * 3600), 'in 3 hours'],
  ])('%s → %s', (iso, want) => {
    expect(relativeTime(iso, now)).toBe(want);
  });
});

describe('formatRelative', () => {
  it('says what Intl.RelativeTimeFormat en (numeric always) says', () => {
    const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'always' });
    for (const unit of ['year', 'month', 'week', 'day', 'hour', 'minute'] as RelativeUnit[]) {
      for (const n of [1, 2, 5, 11, 59, 999, 1000, 12345, 1234567, -1, -2, -5, -11, -59, -1000, -1234567]) {
        expect(formatRelative(n, unit)).toBe(rtf.format(n, unit));
      }
    }
  });
});
