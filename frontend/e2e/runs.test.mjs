// End-to-end test of runs (seed 004): a workflow runs, its Jira connection
// breaks at the fake, the run shows under "Paused for reauth", the banner
// appears, the user re-authenticates, the run completes without a click.
// Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rpc, useDemo } from './server.mjs';

const T = 15_000;
const ARTIFACTS = process.env.ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');
const JIRA = 'ATATT3xFfGF0demoJiraCloudToken=A1B2C3D4';

describe('runs pause for reauthorization', { timeout: 120_000 }, () => {
  const demo = useDemo([]);

  test('a run parks on a broken Jira connection and resumes after re-authentication', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    try {
      await page.goto(demo.server.url);
      const fake = (await rpc(page, 'GetAppInfo')).demoHints.fakeBaseUrl;
      const setKey = (key, valid) => fetch(`${fake}/_fake/keys`, { method: 'POST', body: JSON.stringify({ key, valid }) });

      await page.getByRole('link', { name: 'Runs' }).click();
      // The demo has runs of its own workflows in every state.
      await page.getByRole('button', { name: 'New workflow' }).click();
      await page.getByLabel('Name').fill('Nightly sync');
      await page.getByLabel('Trigger connection').selectOption({ label: 'Demo Jira Cloud' });
      await page.getByLabel('Action connection').selectOption({ label: 'Demo GitHub Actions' });
      await page.getByRole('button', { name: 'Create workflow' }).click();
      await page.getByText('Workflow created.').waitFor({ timeout: T });

      await setKey(JIRA, false);
      await page.getByRole('button', { name: 'Run now Nightly sync' }).click();
      await page.getByRole('button', { name: 'Paused for reauth' }).click();
      await page.getByRole('table').first().getByRole('cell', { name: 'Nightly sync' }).first().waitFor({ timeout: T });
      const parked = page.getByRole('table').first().getByRole('row').filter({ hasText: 'Nightly sync' });
      assert.equal(await parked.count(), 1, 'want exactly one run of Nightly sync under Paused for reauth');
      // Seed 004's publish gate: with its trigger's connection broken the
      // workflow is not published, and the toast says why.
      await page.getByRole('button', { name: 'Publish Nightly sync' }).click();
      await page.getByRole('status').getByText('Trigger node has an inactive connection').waitFor({ timeout: T });
      const nightly = (await rpc(page, 'ListWorkflows')).find((/** @type {{name: string}} */ w) => w.name === 'Nightly sync');
      assert.equal(nightly.published, false, 'a workflow with a broken trigger connection was published');
      await page.getByRole('alert').filter({ hasText: 'reauthorized' }).waitFor({ timeout: T });

      await parked.getByRole('link', { name: 'Open run' }).click();
      assert.match(new URL(page.url()).pathname, /^\/default\/monitoring\/workflow-runs\/wf_[0-9a-f]+\/run_[0-9a-f]+$/);
      const runURL = page.url();
      await page.getByText('Waiting for Demo Jira Cloud to be reauthorized').waitFor({ timeout: T });
      // The deep link works on reload.
      await page.reload();
      await page.getByText('Waiting for Demo Jira Cloud to be reauthorized').waitFor({ timeout: T });

      // Re-authenticate Jira with a new token; the run finishes by itself.
      const fresh = 'ATATT3xFfGF0freshJiraToken=9F8E7D6C';
      await setKey(fresh, true);
      await page.getByRole('link', { name: 'Open the connection' }).click();
      await page.getByRole('button', { name: 'Re-Authenticate' }).click();
      const dialog = page.getByRole('dialog', { name: 'Re-authenticate Demo Jira Cloud' });
      assert.equal(await dialog.getByLabel('Email').inputValue(), 'ops@example.com');
      await dialog.getByLabel('New API Key').fill(fresh);
      await dialog.getByRole('button', { name: 'Validate Connection' }).click();
      await page.getByText('Connection re-authenticated.').waitFor({ timeout: T });

      await page.goto(runURL);
      await page.getByText('Status: completed').waitFor({ timeout: T });
      assert.equal(await page.getByRole('button', { name: 'Replay' }).count(), 1, 'Replay not offered for a completed run');
      assert.equal(await page.getByRole('button', { name: 'Resume' }).count(), 0, 'Resume offered for a completed run');
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'runs.png') }).catch(() => {});
      throw e;
    }
  });

  // Seed 004: an operator's Pause parks a running run, which does not go on
  // by itself; Resume (shown while paused) sets it running again. The demo's
  // GitLab mirror check stays running (its step retries the GitLab outage).
  test('Pause and Resume on a running run', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    try {
      await page.goto(demo.server.url);
      await page.getByRole('heading', { name: 'My Integrations' }).waitFor({ timeout: T });
      const mirror = (await rpc(page, 'ListWorkflows')).find((/** @type {{name: string}} */ w) => w.name === 'GitLab mirror check');
      const running = (await rpc(page, 'ListRuns', ['running'])).find((/** @type {{workflowId: string}} */ r) => r.workflowId === mirror?.id);
      assert.ok(running, 'the demo has no running GitLab mirror check run');
      const ws = (await rpc(page, 'ListWorkspaces')).find((/** @type {{id: string}} */ w) => w.id === mirror.workspaceId);
      await page.goto(new URL(`/${ws.slug}/monitoring/workflow-runs/${mirror.id}/${running.id}`, demo.server.url).href);
      await page.getByText('Status: running').waitFor({ timeout: T });
      assert.equal(await page.getByRole('button', { name: 'Resume' }).count(), 0, 'Resume offered for a running run');
      await page.getByRole('button', { name: 'Pause' }).click();
      await page.getByText('Run paused.').waitFor({ timeout: T });
      await page.getByText('Status: Paused', { exact: true }).waitFor({ timeout: T });
      assert.equal((await rpc(page, 'GetRun', [running.id])).status, 'paused');
      await page.getByRole('button', { name: 'Resume' }).click();
      await page.getByText('Run resumed.').waitFor({ timeout: T });
      await page.getByText('Status: running').waitFor({ timeout: T });
      assert.equal(await page.getByRole('button', { name: 'Resume' }).count(), 0, 'Resume still offered after resuming');
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'runs-pause.png') }).catch(() => {});
      throw e;
    }
  });
});
