// End-to-end test of the integration page's tabs (seed 000: select the
// integration, click Monitoring, Re-Authenticate at the top right): each tab
// has its own URL, the tablist follows the WAI-ARIA pattern (one tab in the
// Tab order, arrow keys, Home and End move and select), and a reload or a
// pasted URL opens the same tab.
// Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/tabs.test.mjs
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rpc, useDemo } from './server.mjs';

const T = 15_000;
const ARTIFACTS = process.env.ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');

describe('integration page tabs', { timeout: 120_000 }, () => {
  const demo = useDemo([]);

  test('Overview, Monitoring and Settings by click, URL and keyboard', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    try {
      await page.goto(demo.server.url);
      const conns = await rpc(page, 'ListConnections');
      // The catalogue's id is jira_cloud; the demo's Jira Cloud connection uses an API key (no fallback to another row).
      const jira = conns.find((/** @type {{provider: string, authMode: string}} */ c) => c.provider === 'jira_cloud' && c.authMode === 'api_token');
      assert.ok(jira, `the demo has no Jira Cloud API key connection: ${JSON.stringify(conns.map((/** @type {{provider: string}} */ c) => c.provider))}`);

      // Pick the integration in the list: it opens on Overview.
      await page.getByRole('link', { name: jira.label, exact: true }).click();
      const tablist = page.getByRole('tablist', { name: 'Integration sections' });
      await tablist.waitFor({ timeout: T });
      const tab = (/** @type {string} */ name) => tablist.getByRole('tab', { name, exact: true });
      assert.deepEqual(await tablist.getByRole('tab').allTextContents(), ['Overview', 'Monitoring', 'Settings']);
      assert.equal(await tab('Overview').getAttribute('aria-selected'), 'true');
      assert.equal(new URL(page.url()).pathname, `/integrations/${jira.id}`);
      await page.getByRole('tabpanel', { name: 'Overview' }).getByText('Last checked').waitFor({ timeout: T });

      // Click Monitoring: its URL, its panel, and Re-Authenticate at the top right.
      await tab('Monitoring').click();
      await page.waitForURL((u) => u.pathname === `/integrations/${jira.id}/monitoring`, { timeout: T });
      const monitoring = page.getByRole('tabpanel', { name: 'Monitoring' });
      await monitoring.getByRole('heading', { name: 'Check log' }).waitFor({ timeout: T });
      assert.equal(await page.getByRole('tabpanel').count(), 1, 'more than one tab panel is shown');
      const reauth = page.getByRole('button', { name: 'Re-Authenticate' });
      await reauth.waitFor({ timeout: T });
      const box = await reauth.boundingBox();
      const vp = page.viewportSize();
      assert.ok(box && vp && box.x > vp.width / 2 && box.y < 200, `Re-Authenticate is not at the top right: ${JSON.stringify(box)}`);

      // Roving tabindex: only the selected tab is in the Tab order.
      assert.deepEqual(
        await tablist.getByRole('tab').evaluateAll((els) => els.map((e) => e.getAttribute('tabindex'))),
        ['-1', '0', '-1'],
      );

      // Keyboard: ArrowRight selects Settings (and its URL), wraps to Overview, ArrowLeft wraps back, End and Home jump.
      await tab('Monitoring').focus();
      await page.keyboard.press('ArrowRight');
      await page.waitForURL((u) => u.pathname === `/integrations/${jira.id}/settings`, { timeout: T });
      await page.getByRole('tabpanel', { name: 'Settings' }).getByRole('heading', { name: 'Workspace access' }).waitFor({ timeout: T });
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Settings', 'focus did not follow the arrow key');
      await page.keyboard.press('ArrowRight');
      await page.waitForURL((u) => u.pathname === `/integrations/${jira.id}`, { timeout: T });
      assert.equal(await tab('Overview').getAttribute('aria-selected'), 'true');
      await page.keyboard.press('ArrowLeft');
      await page.waitForURL((u) => u.pathname.endsWith('/settings'), { timeout: T });
      await page.keyboard.press('Home');
      await page.waitForURL((u) => u.pathname === `/integrations/${jira.id}`, { timeout: T });
      await page.keyboard.press('End');
      await page.waitForURL((u) => u.pathname.endsWith('/settings'), { timeout: T });

      // Tab leaves the tablist for the panel, not for the next tab.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'tabpanel');

      // Back goes to the previous tab; a pasted URL opens its tab directly.
      await page.goBack();
      await page.waitForURL((u) => u.pathname === `/integrations/${jira.id}`, { timeout: T });
      await page.goto(new URL(`/integrations/${jira.id}/monitoring`, demo.server.url).toString());
      await page.getByRole('tabpanel', { name: 'Monitoring' }).getByRole('heading', { name: 'Check log' }).waitFor({ timeout: T });
      assert.equal(await tab('Monitoring').getAttribute('aria-selected'), 'true');

      // An unknown tab is not a page.
      await page.goto(new URL(`/integrations/${jira.id}/nope`, demo.server.url).toString());
      await page.getByRole('heading', { name: 'Not found' }).waitFor({ timeout: T });
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'tabs.png') }).catch(() => {});
      throw e;
    }
  });
});
