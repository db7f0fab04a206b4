import { describe, expect, it } from 'vitest';
import { bannerParts, sweepText } from './alerts.svelte';

describe('banner and sweep text', () => {
  it('names the first app and how many more', () => {
    expect(bannerParts({ text: '3 connections need to be reauthorized', count: 3, linkTitle: 'Slack reauth required', connectionId: 'c', more: 2 })).toEqual({
      link: 'Slack reauth required',
      more: 'and 2 more',
    });
    expect(bannerParts({ text: 'A connection needs to be reauthorized', count: 1, linkTitle: 'Jira reauth required', connectionId: 'c', more: 0 }).more).toBe('');
  });

  it('describes running and finished sweeps', () => {
    const base = { id: 's', total: 15, done: 7, failures: 2, skipped: 0, running: true, cancelled: false, startedAt: '2026-11-24T10:00:00Z', notes: [] };
    expect(sweepText(base)).toBe('Checking 7 of 15 · 2 failing');
    expect(sweepText({ ...base, done: 15, running: false, finishedAt: '2026-11-24T10:00:02.100Z' })).toBe('Checked 15 of 15 connections in 2.1 s · 2 failing');
    expect(sweepText({ ...base, running: false, cancelled: true, finishedAt: '2026-11-24T10:00:01Z', skipped: 1 })).toBe(
      'Cancelled after checking 7 of 15 connections in 1.0 s · 2 failing · 1 skipped',
    );
    expect(sweepText({ ...base, running: false, interrupted: true })).toBe('The last sweep was interrupted when Patchbay stopped after 7 of 15 connections');
    expect(sweepText({ ...base, running: false })).toBe('Another Patchbay process is checking connections (7 of 15 so far)');
  });
});
