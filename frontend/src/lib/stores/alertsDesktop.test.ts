import { describe, expect, it } from 'vitest';
import type { PatchbayAPI } from '../api';
import type { Notification } from '../api/types';
import { Alerts } from './alerts.svelte';

function note(id: string, extra: Partial<Notification> = {}): Notification {
  return { id, connectionId: 'c', severity: 'critical', kind: 'reauth', title: `${id} reauth required`, body: 'Reconnection needed.', createdAt: '2026-11-24T10:00:00Z', ...extra };
}

function fakeApi(lists: Notification[][]) {
  const shown: string[] = [];
  let i = 0;
  const api = {
    listNotifications: async () => lists[Math.min(i++, lists.length - 1)] ?? [],
    getBanner: async () => ({ text: '', count: 0, linkTitle: '', connectionId: '', more: 0 }),
    showDesktopNotification: async (id: string) => {
      shown.push(id);
      return true;
    },
  } as unknown as PatchbayAPI;
  return { api, shown };
}

describe('desktop notifications', () => {
  it.each<[string, boolean, Notification[][], string[]]>([
    ['the first load only learns what exists', true, [[note('a')]], []],
    ['a new critical one in the background reaches the desktop once', true, [[note('a')], [note('b'), note('a')], [note('b'), note('a')]], ['b']],
    ['nothing while the window has focus', false, [[], [note('b')]], []],
    ['warnings, read and resolved ones never do', true, [[], [note('w', { severity: 'warning' }), note('r', { readAt: 'x' }), note('s', { resolvedAt: 'x' })]], []],
    ['several new ones each do', true, [[], [note('b'), note('c')]], ['b', 'c']],
  ])('%s', async (_name, background, lists, want) => {
    const { api, shown } = fakeApi(lists);
    const alerts = new Alerts(api, () => background);
    for (let i = 0; i < lists.length; i++) await alerts.reload();
    expect(shown).toEqual(want);
  });

  it('a desktop without a notification service does not break the bell', async () => {
    const { api } = fakeApi([[], [note('b')]]);
    (api as { showDesktopNotification: unknown }).showDesktopNotification = async () => {
      throw new Error('no session bus');
    };
    const alerts = new Alerts(api, () => true);
    await alerts.reload();
    await alerts.reload();
    expect(alerts.notifications.map((n) => n.id)).toEqual(['b']);
  });
});
