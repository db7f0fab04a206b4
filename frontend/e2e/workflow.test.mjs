// End-to-end test of seed 002, "Reauthorize the connection from the Project
// page" (Patchbay's projects are workflows), driven by the keyboard: a
// workflow whose connections are healthy offers nothing; once its Jira
// Cloud connection has an error the workflow's page shows a notification
// and Edit issue tracking connection, which opens the connection's Edit
// connection page (its Settings tab) with Review error message, Close and
// Reauthorize connection; reauthorizing clears the notification.
// Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/workflow.test.mjs
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rpc, useDemo } from './server.mjs';

const T = 15_000;
const ARTIFACTS = process.env.ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');
const JIRA = 'ATATT3xFfGF0demoJiraCloudToken=A1B2C3D4';

/**
 * Presses Tab until target has the focus (at most max times): the user
 * reaches it with the keyboard alone, or the test fails.
 * @param {import('playwright-core').Page} page
 * @param {import('playwright-core').Locator} target
 * @param {number} [max]
 */
async function tabTo(page, target, max = 80) {
  await target.waitFor({ timeout: T });
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  assert.fail(`${target} is not reachable with Tab within ${max} presses`);
}

describe('seed 002: reauthorize from the workflow page', { timeout: 150_000 }, () => {
  const demo = useDemo([]);

  test('no error: no offer; an error: notification › Edit issue tracking connection › Review error message › Close › Reauthorize connection', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    try {
      await page.goto(demo.server.url);
      const fake = (await rpc(page, 'GetAppInfo')).demoHints.fakeBaseUrl;
      const setKey = (/** @type {string} */ key, /** @type {boolean} */ valid) => fetch(`${fake}/_fake/keys`, { method: 'POST', body: JSON.stringify({ key, valid }) });
      const wf = (await rpc(page, 'ListWorkflows')).find((/** @type {{name: string}} */ w) => w.name === 'Nightly inventory');
      const jira = (await rpc(page, 'ListConnections')).find((/** @type {{label: string}} */ c) => c.label === 'Demo Jira Cloud');
      assert.ok(wf && jira, 'the demo has no Nightly inventory workflow or Demo Jira Cloud connection');

      // From the Runs page, by keyboard, to the workflow's page.
      await page.goto(new URL('/runs', demo.server.url).toString());
      const link = page.getByRole('link', { name: 'Nightly inventory', exact: true });
      await tabTo(page, link);
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.pathname === `/default/workflows/${wf.id}`, { timeout: T });
      await page.getByRole('heading', { name: 'Nightly inventory', level: 1 }).waitFor({ timeout: T });
      const conns = page.getByRole('table').first();
      await conns.getByRole('link', { name: 'Demo Jira Cloud' }).waitFor({ timeout: T });
      await conns.getByRole('link', { name: 'Demo GitHub', exact: true }).waitFor({ timeout: T });

      // Seed: "only if you have an error". Healthy connections: no notification, no edit offer.
      assert.equal(await page.getByRole('alert').count(), 0, 'a notification without an error');
      assert.equal(await page.getByRole('button', { name: /^Edit (issue tracking )?connection/ }).count(), 0, 'an edit offer without an error');

      // Jira Cloud's API key stops working; a check finds it.
      await setKey(JIRA, false);
      assert.equal((await rpc(page, 'CheckConnection', [jira.id])).status, 'error');
      const notice = page.getByRole('alert').filter({ hasText: 'A connection of this workflow has an error' });
      await notice.waitFor({ timeout: T });
      await notice.locator('strong', { hasText: 'Demo Jira Cloud' }).waitFor({ timeout: T });
      // Only the broken connection is offered (GitHub is fine).
      assert.equal(await page.getByRole('button', { name: /^Edit (issue tracking )?connection/ }).count(), 1);
      const edit = notice.getByRole('button', { name: 'Edit issue tracking connection Demo Jira Cloud' });
      await tabTo(page, edit);
      await page.keyboard.press('Enter');

      // The Edit connection page: the connection's Settings tab.
      await page.waitForURL((u) => u.pathname === `/integrations/${jira.id}/settings`, { timeout: T });
      const settings = page.getByRole('tabpanel', { name: 'Settings' });
      await settings.getByRole('heading', { name: 'Status' }).waitFor({ timeout: T });
      assert.equal(await page.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected'), 'true');

      // Review error message, then Close.
      await tabTo(page, page.getByRole('button', { name: 'Review error message' }));
      await page.keyboard.press('Enter');
      const review = page.getByRole('dialog', { name: 'Error message' });
      await review.waitFor({ timeout: T });
      await tabTo(page, review.getByRole('button', { name: 'Close' }), 10);
      await page.keyboard.press('Enter');
      await review.waitFor({ state: 'detached', timeout: T });

      // Jira Cloud: Reauthorize connection.
      const fresh = 'ATATT3xFfGF0workflowJiraToken=5E6F7A8B';
      await setKey(fresh, true);
      await tabTo(page, settings.getByRole('button', { name: 'Reauthorize connection' }));
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Re-authenticate Demo Jira Cloud' });
      await dialog.waitFor({ timeout: T });
      await tabTo(page, dialog.getByLabel('New API Key'), 20);
      await page.keyboard.type(fresh);
      await tabTo(page, dialog.getByRole('button', { name: 'Validate Connection' }), 20);
      await page.keyboard.press('Enter');
      await page.getByText('Connection re-authenticated.').waitFor({ timeout: T });

      // Back on the workflow's page the notification is gone.
      await page.goto(new URL(`/default/workflows/${wf.id}`, demo.server.url).toString());
      await page.getByRole('heading', { name: 'Nightly inventory', level: 1 }).waitFor({ timeout: T });
      await conns.getByRole('link', { name: 'Demo Jira Cloud' }).waitFor({ timeout: T });
      assert.equal(await page.getByRole('alert').filter({ hasText: 'has an error' }).count(), 0, 'the notification stayed after reauthorizing');
      assert.equal(await page.getByRole('button', { name: /^Edit (issue tracking )?connection/ }).count(), 0);

      // An interrupted connection is an error too; a non-issue-tracking app gets "Edit connection".
      const mirror = (await rpc(page, 'ListWorkflows')).find((/** @type {{name: string}} */ w) => w.name === 'GitLab mirror check');
      await page.goto(new URL(`/default/workflows/${mirror.id}`, demo.server.url).toString());
      await page.getByRole('alert').filter({ hasText: 'Self-managed GitLab' }).getByRole('button', { name: 'Edit connection Self-managed GitLab' }).waitFor({ timeout: T });

      // A run's page links to its workflow's page.
      await page.goto(new URL(`/default/monitoring/workflow-runs/${wf.id}/run_demo_paused`, demo.server.url).toString());
      await page.getByRole('main').getByRole('link', { name: 'Nightly inventory' }).click();
      await page.waitForURL((u) => u.pathname === `/default/workflows/${wf.id}`, { timeout: T });
      // A workflow of another workspace is not found under this one.
      await page.goto(new URL(`/support-team/workflows/${wf.id}`, demo.server.url).toString());
      await page.getByRole('heading', { name: 'Workflow not found' }).waitFor({ timeout: T });
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'workflow.png'), fullPage: true }).catch(() => {});
      throw e;
    }
  });
});
