// Accessibility: axe-core (@axe-core/playwright) on every page of the demo
// and its main dialogs; zero serious or critical violations (WCAG 2 A/AA
// rules and axe's best practices).
// Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/a11y.test.mjs
import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rpc, useDemo } from './server.mjs';

const T = 15_000;
const ARTIFACTS = process.env.ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');

/**
 * Runs axe on the page and fails on serious or critical violations.
 * @param {import('playwright-core').Page} page
 * @param {string} where
 */
async function audit(page, where) {
  const res = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const text = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n  ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n  ')}`).join('\n');
  assert.equal(bad.length, 0, `${where}: ${bad.length} serious/critical axe violations\n${text}`);
  return res.passes.length;
}

describe('accessibility (axe-core)', { timeout: 300_000 }, () => {
  const demo = useDemo([]);

  test('every page and the main dialogs have no serious or critical violation', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    const go = async (/** @type {string} */ p) => {
      await page.goto(new URL(p, demo.server.url).toString());
    };
    try {
      await page.goto(demo.server.url);
      const conns = await rpc(page, 'ListConnections');
      const broken = conns.find((/** @type {{status: string}} */ c) => c.status === 'error');
      const runs = await rpc(page, 'ListRuns', ['all']);
      const run = runs[0];
      const wf = (await rpc(page, 'ListWorkflows')).find((/** @type {{id: string}} */ w) => w.id === run.workflowId);
      const workspaces = await rpc(page, 'ListWorkspaces');
      const ws = workspaces.find((/** @type {{id: string}} */ w) => w.id === wf.workspaceId);
      const wsSlug = (/** @type {string} */ id) => workspaces.find((/** @type {{id: string}} */ w) => w.id === id).slug;

      const pages = [
        ['/integrations', 'My Integrations'],
        [`/integrations/${broken.id}`, broken.label],
        [`/integrations/${broken.id}/monitoring`, broken.label],
        [`/integrations/${broken.id}/settings`, broken.label],
        ['/health', 'Health'],
        ['/runs', 'Runs'],
        [`/${ws.slug}/monitoring/workflow-runs/${wf.id}/${run.id}`, null],
        ['/clients', 'Clients'],
        ['/settings', 'Settings'],
        ['/activity', 'Activity'],
        [`/${ws.slug}/connections`, 'Connections'],
        // Seed 002's project page, with and without the notification of a connection's error.
        ...(await rpc(page, 'ListWorkflows')).map((/** @type {{id: string, name: string, workspaceId: string}} */ w) => [
          `/${wsSlug(w.workspaceId)}/workflows/${w.id}`,
          w.name,
        ]),
      ];
      let checked = 0;
      for (const [p, heading] of pages) {
        await go(p);
        if (heading) await page.getByRole('heading', { name: heading, exact: true }).first().waitFor({ timeout: T });
        else await page.getByRole('main').getByRole('heading').first().waitFor({ timeout: T });
        checked += await audit(page, p);
      }

      // Dialogs: Add integration, Re-Authenticate, the row menu.
      await go('/integrations');
      await page.getByRole('button', { name: 'Add integration' }).first().click();
      await page.getByRole('dialog').waitFor({ timeout: T });
      await audit(page, 'Add integration dialog');
      await page.keyboard.press('Escape');
      await go(`/integrations/${broken.id}`);
      await page.getByRole('button', { name: 'Re-Authenticate' }).first().click();
      await page.getByRole('dialog').waitFor({ timeout: T });
      await audit(page, 'Re-Authenticate dialog');
      await page.keyboard.press('Escape');
      await go('/integrations');
      await page.getByRole('button', { name: `Actions for ${broken.label}` }).click();
      await page.getByRole('menu').waitFor({ timeout: T });
      await audit(page, 'row menu');
      // The client portal: the page a client reaches from a reconnection link.
      await go('/clients');
      await page.getByLabel('Assign a connection to Globex').selectOption({ label: 'Demo OAuth app' });
      await page.getByRole('article', { name: 'Globex' }).getByRole('button', { name: 'Assign' }).click();
      await page.getByText('Connection assigned.').waitFor({ timeout: T });
      await page.getByRole('button', { name: 'Request reconnection for Demo OAuth app' }).click();
      const link = await page.getByLabel('Reconnection link').inputValue();
      const client = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
      t.after(() => client.close());
      const portal = await client.newPage();
      await portal.goto(link);
      await audit(portal, 'portal link page');
      await portal.getByRole('button', { name: 'Continue as Globex' }).click();
      await portal.getByRole('heading', { name: 'Your connections' }).waitFor({ timeout: T });
      checked += await audit(portal, '/portal/connections');

      assert.ok(checked > 50, `axe checked only ${checked} rules`);
      // The audit can fail: an icon button without a name is a critical violation.
      await page.keyboard.press('Escape');
      await page.evaluate(() => document.querySelector('main')?.append(Object.assign(document.createElement('button'), { innerHTML: '<svg width="10" height="10"></svg>' })));
      await assert.rejects(audit(page, 'a page with an unnamed button'), /button-name/);
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'a11y.png'), fullPage: true }).catch(() => {});
      throw e;
    }
  });
});
