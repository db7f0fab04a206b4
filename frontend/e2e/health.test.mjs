// End-to-end test of the bell, the reauthorization banner and Check all now
// (seed 004 rules) on the seeded demo.
// Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rpc, useDemo } from './server.mjs';

const T = 15_000;
const ARTIFACTS = process.env.ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');
const JIRA = 'ATATT3xFfGF0demoJiraCloudToken=A1B2C3D4';

describe('bell and banner', { timeout: 120_000 }, () => {
  const demo = useDemo([]);

  test('banner counts broken connections, deep-links, and clears as they are fixed', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    const banner = page.getByRole('alert').filter({ hasText: 'reauthorized' });
    try {
      await page.goto(demo.server.url);
      const fake = (await rpc(page, 'GetAppInfo')).demoHints.fakeBaseUrl;
      const setKey = (key, valid) => fetch(`${fake}/_fake/keys`, { method: 'POST', body: JSON.stringify({ key, valid }) });

      // The seeded demo has one revoked Slack token.
      await banner.getByText('A connection needs to be reauthorized').waitFor({ timeout: T });
      await banner.getByRole('link', { name: 'Slack reauth required' }).waitFor({ timeout: T });

      // Jira's token is revoked too; Check all now finds it.
      await setKey(JIRA, false);
      await page.getByRole('button', { name: 'Check all now' }).click();
      await page.getByText(/Checked \d+ of \d+ connections/).waitFor({ timeout: T });
      await banner.getByText('2 connections need to be reauthorized').waitFor({ timeout: T });
      await banner.getByText('and 1 more').waitFor({ timeout: T });
      await page.getByRole('button', { name: 'Notifications, 2 unread' }).waitFor({ timeout: T });

      // The banner deep-links to the workspace's Connections page (seed 004):
      // app, label and status, only those needing attention.
      await banner.getByRole('link', { name: 'Slack reauth required' }).click();
      await page.getByRole('heading', { name: 'Connections', exact: true }).waitFor({ timeout: T });
      assert.equal(new URL(page.url()).pathname, '/default/connections');
      const table = page.getByRole('table', { name: /Connections of workspace/ });
      await table.getByRole('link', { name: 'Alerts Slack' }).waitFor({ timeout: T });
      assert.deepEqual(await table.locator('thead th').allTextContents(), ['App', 'Label', 'Status']);
      const attention = Number((await page.getByText(/\d+ connections need attention\./).textContent())?.match(/\d+/)?.[0]);
      assert.ok(attention >= 2, `only ${attention} connections need attention`);
      assert.equal(await table.locator('tbody tr').count(), attention, 'the Connections page lists more than those needing attention');
      const statuses = (await table.locator('tbody tr td:nth-child(3)').allTextContents()).map((x) => x.trim());
      assert.ok(statuses.every((x) => x !== 'Active'), `a working connection is listed as needing attention: ${statuses}`);
      await page.getByRole('checkbox', { name: /Show all \d+ connections/ }).check();
      await table.locator('tbody tr td:nth-child(3)').filter({ hasText: 'Active' }).first().waitFor({ timeout: T });
      await table.getByRole('link', { name: 'Alerts Slack' }).click();
      await page.getByRole('heading', { name: 'Alerts Slack' }).waitFor({ timeout: T });

      // Fix Jira at the provider and check again: back to the singular text.
      await setKey(JIRA, true);
      await page.goto(new URL('/integrations', demo.server.url).toString());
      await page.getByRole('button', { name: 'Check all now' }).click();
      await banner.getByText('A connection needs to be reauthorized').waitFor({ timeout: T });

      // The bell lists the notifications; opening one marks it read and
      // deep-links; a read critical notification no longer drives the banner.
      await page.getByRole('button', { name: /Notifications, \d+ unread/ }).click();
      const list = page.getByRole('region', { name: 'Notifications' });
      await list.getByRole('button', { name: /Slack reauth required/ }).click();
      await page.waitForURL((u) => u.pathname === '/default/connections', { timeout: T });
      await page.getByRole('table', { name: /Connections of workspace/ }).getByRole('link', { name: 'Alerts Slack' }).click();
      await page.getByRole('heading', { name: 'Alerts Slack' }).waitFor({ timeout: T });
      await page.getByRole('button', { name: 'Notifications, 0 unread' }).waitFor({ timeout: T });

      // The Monitoring tab charts latency and shows uptime.
      await page.getByRole('tab', { name: 'Monitoring' }).click();
      await page.getByRole('img', { name: /Latency of the last \d+ checks/ }).waitFor({ timeout: T });
      await page.getByText(/Uptime 24 h:/).waitFor({ timeout: T });

      // The status timeline shows when it broke; the check log filters down to failures.
      await page.getByRole('list', { name: /Status timeline/ }).getByRole('listitem', { name: /Needs reauthorization/ }).first().waitFor({ timeout: T });
      const log = page.getByRole('region', { name: 'Check log' });
      await log.locator('td.ok').first().waitFor({ timeout: T });
      await log.getByLabel('Result').selectOption('failures');
      await log.locator('td.bad').first().waitFor({ timeout: T });
      assert.equal(await log.locator('td.ok').count(), 0, 'Failures only still lists successful checks');
      await log.getByLabel('Message').fill('no such text anywhere');
      await log.getByText('No check matches these filters.').waitFor({ timeout: T });
      await log.getByRole('button', { name: 'Clear filters' }).click();
      await log.locator('td.ok').first().waitFor({ timeout: T });

      // The Health page summarises and exports a report with no secret in it.
      await page.getByRole('link', { name: 'Health', exact: true }).click();
      await page.getByRole('heading', { name: 'Needs attention' }).waitFor({ timeout: T });
      await page.getByRole('listitem').getByRole('link', { name: 'Alerts Slack' }).waitFor({ timeout: T });
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export HTML' }).click()]);
      const file = path.join(ARTIFACTS, 'report.html');
      await download.saveAs(file);
      const { readFile } = await import('node:fs/promises');
      const body = await readFile(file, 'utf8');
      assert.ok(body.includes('Patchbay health report') && body.includes('<svg'), 'report lacks its title or charts');
      assert.ok(!body.includes(JIRA), 'the report contains a secret');

      // Desktop notifications can be switched off in Settings, and stay off.
      await page.getByRole('link', { name: 'Settings', exact: true }).click();
      const desktop = page.getByRole('checkbox', { name: 'Desktop notifications' });
      await desktop.waitFor({ timeout: T });
      assert.equal(await desktop.isChecked(), true, 'desktop notifications are not on by default');
      await desktop.uncheck();
      await page.getByText('Desktop notifications are off.').waitFor({ timeout: T });
      await page.reload();
      await desktop.waitFor({ timeout: T });
      assert.equal(await desktop.isChecked(), false, 'the switch did not stay off after a reload');

      // Each workspace has its own background check interval.
      const interval = page.getByRole('combobox', { name: 'Default' });
      await interval.selectOption({ label: 'Every 5 minutes' });
      await page.getByText(/Health checks for Default: every 5 minutes/).waitFor({ timeout: T });
      await page.reload();
      await interval.waitFor({ timeout: T });
      assert.equal(await interval.inputValue(), '5', 'the interval did not persist');
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'health.png') }).catch(() => {});
      throw e;
    }
  });
});
