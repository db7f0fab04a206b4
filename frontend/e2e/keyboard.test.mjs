// Keyboard and screen readers (issue 18): the seeds' flows done with the
// keyboard alone — Add integration, Re-Authenticate, Resume run — with the
// focus visible on every control reached and back on the opener when a
// dialog closes; and axe-core (via @axe-core/playwright) finds no serious or
// critical violation on any page in dark mode (a11y.test.mjs audits light
// mode; scripts/webkit-axe.sh both in WebKitGTK, the window's engine).
// Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/keyboard.test.mjs
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { rpc, useDemo } from './server.mjs';

const T = 15_000;
const ARTIFACTS = process.env.ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');
const JIRA = 'ATATT3xFfGF0demoJiraCloudToken=A1B2C3D4';
const SLACK_FRESH = 'xoxb-5555-6666-keyboardFreshToken';

/**
 * What has the focus: its role-ish tag, accessible text and whether the
 * focus is drawn (an outline or a box shadow).
 * @param {import('playwright-core').Page} page
 */
function focused(page) {
  return page.evaluate(() => {
    const el = /** @type {HTMLElement | null} */ (document.activeElement);
    if (!el || el === document.body) return { tag: 'body', name: '', visible: false, inDialog: false };
    const cs = getComputedStyle(el);
    const labelled = el.getAttribute('aria-label') || (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent) || '';
    return {
      tag: el.tagName.toLowerCase(),
      name: (labelled || el.textContent || '').replace(/\s+/g, ' ').trim(),
      visible: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || (cs.boxShadow !== 'none' && cs.boxShadow !== ''),
      inDialog: !!el.closest('[role="dialog"]'),
    };
  });
}

/**
 * Presses Tab (or Shift+Tab) until the focused element's text matches name,
 * checking that the focus is visible on it.
 * @param {import('playwright-core').Page} page
 * @param {RegExp} name
 * @param {{ back?: boolean, max?: number }} [o]
 */
async function tabTo(page, name, { back = false, max = 120 } = {}) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    seen.push(f.name.slice(0, 30));
    if (name.test(f.name)) {
      assert.ok(f.visible, `the focus on "${f.name}" is not visible (no outline)`);
      return f;
    }
  }
  throw new Error(`Tab never reached ${name} in ${max} presses; reached: ${seen.join(' | ')}`);
}

describe('keyboard only', { timeout: 240_000 }, () => {
  const demo = useDemo([]);

  test('Add integration, Re-Authenticate and Resume run without the mouse', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    try {
      await page.goto(demo.server.url);
      const info = await rpc(page, 'GetAppInfo');
      const hints = info.demoHints;
      const setKey = (key, valid) => fetch(`${hints.fakeBaseUrl}/_fake/keys`, { method: 'POST', body: JSON.stringify({ key, valid }) });
      await page.getByRole('heading', { name: 'My Integrations' }).waitFor({ timeout: T });

      // 1. Add integration: Tab to the button, Enter, fill the form with the
      // keyboard, Enter validates, Enter saves; focus returns to the button.
      await tabTo(page, /^Add integration$/);
      await page.keyboard.press('Enter');
      const add = page.getByRole('dialog');
      await add.waitFor({ timeout: T });
      assert.ok((await focused(page)).inDialog, 'the focus did not move into the Add integration dialog');
      await page.keyboard.type('Keyboard API');
      await page.keyboard.press('Tab');
      await page.keyboard.type(hints.fakeBaseUrl);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.type(hints.genericGoodKey);
      await page.keyboard.press('Tab');
      await page.keyboard.type('/generic/v1/me');
      await page.keyboard.press('Enter');
      await add.getByRole('button', { name: 'Save' }).waitFor({ timeout: T });
      await page.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Save', null, { timeout: T });
      await page.keyboard.press('Enter');
      await page.getByText('Integration added.').waitFor({ timeout: T });
      await add.waitFor({ state: 'detached', timeout: T });
      assert.match((await focused(page)).name, /^Add integration$/, 'focus did not return to Add integration');
      assert.ok((await rpc(page, 'ListConnections')).some((c) => c.label === 'Keyboard API'), 'the new integration was not saved');

      // 2. Re-Authenticate the revoked Slack connection: open it with Enter,
      // Tab to Re-Authenticate, type the new token, Enter; focus returns.
      await setKey(SLACK_FRESH, true);
      await tabTo(page, /^Alerts Slack$/);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Alerts Slack' }).waitFor({ timeout: T });
      await tabTo(page, /^Re-Authenticate$/);
      await page.keyboard.press('Enter');
      const reauth = page.getByRole('dialog', { name: /Re-authenticate Alerts Slack/ });
      await reauth.waitFor({ timeout: T });
      const first = await focused(page);
      assert.ok(first.inDialog, 'the focus did not move into the Re-authenticate dialog');
      if (!/New/.test(first.name)) await tabTo(page, /New/);
      await page.keyboard.type(SLACK_FRESH);
      await page.keyboard.press('Enter');
      await page.getByText('Connection re-authenticated.').waitFor({ timeout: T });
      await reauth.waitFor({ state: 'detached', timeout: T });
      assert.match((await focused(page)).name, /^Re-Authenticate$/, 'focus did not return to Re-Authenticate');

      // 3. Resume run: a run parked on a broken Jira connection (set up with
      // the API), reached and resumed with the keyboard.
      await setKey(JIRA, false);
      const jira = (await rpc(page, 'ListConnections')).find((c) => c.label === 'Demo Jira Cloud');
      const gha = (await rpc(page, 'ListConnections')).find((c) => c.label === 'Demo GitHub Actions');
      const ws = (await rpc(page, 'ListWorkspaces'))[0];
      const wf = await rpc(page, 'CreateWorkflow', [{ workspaceId: ws.id, name: 'Keyboard sync',
        trigger: { kind: 'new_items', connectionId: jira.id }, actions: [{ kind: 'fetch_inventory', connectionId: gha.id }] }]);
      const run = await rpc(page, 'RunWorkflow', [wf.id]);
      await page.waitForFunction(async (id) => {
        const r = await fetch(`/api/rpc/GetRun`, { method: 'POST', headers: { 'X-Patchbay': '1' }, body: JSON.stringify([id]) }).then((x) => x.json());
        return r.status === 'paused';
      }, run.id, { timeout: T, polling: 200 });
      await setKey(JIRA, true);
      await tabTo(page, /^Runs$/, { back: true });
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: /Runs/ }).first().waitFor({ timeout: T });
      await tabTo(page, /^Paused for reauth$/);
      await page.keyboard.press('Enter');
      await page.getByRole('cell', { name: 'Keyboard sync' }).first().waitFor({ timeout: T });
      await tabTo(page, /^Open run$/);
      await page.keyboard.press('Enter');
      await page.getByText(/Status: Paused/).waitFor({ timeout: T });
      await tabTo(page, /^Resume$/);
      await page.keyboard.press('Enter');
      await page.getByText('Status: completed').waitFor({ timeout: T });
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'keyboard.png') }).catch(() => {});
      throw e;
    }
  });

  for (const scheme of /** @type {const} */ (['dark'])) {
    test(`axe: no serious or critical violations on any page (${scheme})`, async (t) => {
      const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: scheme });
      t.after(() => context.close());
      const page = await context.newPage();
      await page.goto(demo.server.url);
      await page.getByRole('heading', { name: 'My Integrations' }).waitFor({ timeout: T });
      const conn = (await rpc(page, 'ListConnections')).find((c) => c.label === 'Alerts Slack');
      const mirror = (await rpc(page, 'ListWorkflows')).find((w) => w.name === 'GitLab mirror check');
      // Each page with what shows it has arrived and loaded its data: its
      // own heading (a connection's label, a workflow's name) and, on an
      // integration's tabs, the selected tab. Waiting for any "main h1"
      // plus a fixed pause could audit the previous page under load.
      /** @type {[string, string, string?][]} */
      const pages = [
        ['/integrations', 'My Integrations'],
        [`/integrations/${conn.id}`, conn.label, 'Overview'],
        [`/integrations/${conn.id}/monitoring`, conn.label, 'Monitoring'],
        [`/integrations/${conn.id}/settings`, conn.label, 'Settings'],
        ['/health', 'Health'],
        ['/runs', 'Runs'],
        ['/clients', 'Clients'],
        ['/settings', 'Settings'],
        [`/default/workflows/${mirror.id}`, mirror.name],
      ];
      const found = [];
      for (const [p, heading, tab] of pages) {
        await page.evaluate((u) => {
          history.pushState({}, '', u);
          dispatchEvent(new PopStateEvent('popstate'));
        }, p);
        await page.getByRole('main').getByRole('heading', { name: heading, exact: true }).first().waitFor({ timeout: T });
        if (tab) await page.getByRole('tab', { name: tab, exact: true, selected: true }).waitFor({ timeout: T });
        const r = await new AxeBuilder({ page }).analyze();
        for (const v of r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
          found.push(`${p}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
        }
      }
      // The Add integration dialog too.
      await page.keyboard.press('Control+n');
      await page.getByRole('dialog').waitFor({ timeout: T });
      const r = await new AxeBuilder({ page }).include('[role="dialog"]').analyze();
      for (const v of r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
        found.push(`Add integration: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      }
      assert.deepEqual(found, [], `axe found serious or critical violations (${scheme}):\n${found.join('\n')}`);
    });
  }
});
