import { describe, expect, it } from 'vitest';
import { resyncNotice } from './resync';

describe('resyncNotice', () => {
  it("counts the failed tasks in the seed's words", () => {
    expect(resyncNotice(2, 'Demo Jira Cloud')).toBe('Resyncing 2 failed task(s) of Demo Jira Cloud.');
    expect(resyncNotice(0, 'Demo Jira Cloud')).toBe('Demo Jira Cloud has no failed tasks to resync.');
  });
});
