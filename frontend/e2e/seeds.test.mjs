// End-to-end tests of the seed documents' steps that have no other e2e:
// seed 003's diagnosis of a failing connection; seed 002's three-dot Edit
// path, workspace creation and renaming, and the Resync all tasks rule.
// Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/seeds.test.mjs
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rpc, rpcInPage, useDemo } from './server.mjs';

const T = 15_000;
const ARTIFACTS = process.env.ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');
const SEED_003 = "We're having some trouble connecting to your integration. Please verify that your credentials are correct and up-to-date.";

describe('seed steps', { timeout: 180_000 }, () => {
  const demo = useDemo([]);

  test('seed 003: the error panel diagnoses a broken connection step by step', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 1000 } });
    t.after(() => context.close());
    const page = await context.newPage();
    try {
      await page.goto(demo.server.url);
      const info = await rpc(page, 'GetAppInfo');
      const catalogue = await rpc(page, 'ListProviders');
      const slackProvider = catalogue.find((/** @type {{id: string}} */ p) => p.id === 'slack');
      const slack = (await rpc(page, 'ListConnections')).find((/** @type {{provider: string, status: string}} */ c) => c.provider === 'slack' && c.status === 'error');
      assert.ok(slack, 'the demo has no broken Slack connection');
      await page.goto(new URL(`/integrations/${slack.id}`, demo.server.url).toString());

      const panel = page.getByTestId('diagnosis');
      await panel.waitFor({ timeout: T });
      // It starts with the seed's sentence, word for word.
      assert.equal((await panel.locator('p').first().textContent())?.trim(), SEED_003);
      await panel.getByRole('heading', { name: 'Likely causes' }).waitFor({ timeout: T });
      const steps = await panel.locator('ol > li > h3').allTextContents();
      assert.deepEqual(steps, ['Verify credentials', 'Check permission settings', 'Check for reported downtime', 'Re-authorize', 'Still not working?']);
      // Verify credentials links to the provider's own setup instructions.
      assert.equal(await panel.getByRole('link', { name: 'Slack setup instructions' }).getAttribute('href'), slackProvider.docsUrl);
      assert.equal(await panel.getByRole('link', { name: 'Permissions Slack requires' }).getAttribute('href'), slackProvider.docsUrl);
      // Downtime: the provider's status page.
      assert.equal(await panel.getByRole('link', { name: 'Slack status page' }).getAttribute('href'), slackProvider.statusPageUrl);
      // Where to look next: the log file, as the app reports it.
      assert.ok(info.logFile?.endsWith('patchbay.log'), `no log file in GetAppInfo: ${JSON.stringify(info.logFile)}`);
      assert.equal(await panel.getByTestId('log-file').textContent(), info.logFile);
      // Review error message opens the full message; Close closes it.
      await panel.getByRole('button', { name: 'Review error message' }).click();
      const review = page.getByRole('dialog', { name: 'Error message' });
      await review.getByRole('button', { name: 'Close' }).click();
      await review.waitFor({ state: 'detached', timeout: T });
      // Re-authorize opens the dialog.
      await panel.getByRole('button', { name: 'Re-authorize', exact: true }).click();
      await page.getByRole('dialog', { name: /Re-authenticate/ }).waitFor({ timeout: T });
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'seeds-003.png') }).catch(() => {});
      throw e;
    }
  });

  test('seed 002: three-dot menu › Edit › workspaces dropdown › Save; workspaces created and renamed in the UI', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 1000 } });
    t.after(() => context.close());
    const page = await context.newPage();
    try {
      await page.goto(demo.server.url);
      const conns = await rpc(page, 'ListConnections');
      const jira = conns.find((/** @type {{provider: string, status: string}} */ c) => c.provider === 'jira_cloud' && c.status === 'active');
      const broken = conns.find((/** @type {{status: string}} */ c) => c.status === 'error');
      assert.ok(jira && broken, 'the demo lacks an active Jira Cloud or a broken connection');

      // Create a workspace, then rename it, from Settings.
      await page.getByRole('link', { name: 'Settings', exact: true }).click();
      const wsSection = page.getByRole('region', { name: 'Workspaces' });
      await wsSection.getByLabel('New workspace').fill('Client Acme');
      await wsSection.getByRole('button', { name: 'Create workspace' }).click();
      await wsSection.getByText('Client Acme').waitFor({ timeout: T });
      await wsSection.getByRole('button', { name: 'Rename workspace Client Acme' }).click();
      const renameDlg = page.getByRole('dialog', { name: 'Rename workspace' });
      await renameDlg.getByLabel('Workspace name').fill('Acme Corp');
      await renameDlg.getByRole('button', { name: 'Save' }).click();
      await wsSection.getByText('Acme Corp', { exact: true }).waitFor({ timeout: T });
      const acme = (await rpc(page, 'ListWorkspaces')).find((/** @type {{name: string}} */ w) => w.name === 'Acme Corp');
      assert.equal(acme?.slug, 'client-acme', 'renaming changed the slug (and so the links)');
      // A name that is taken is refused with a message.
      await wsSection.getByLabel('New workspace').fill('Acme Corp');
      await wsSection.getByRole('button', { name: 'Create workspace' }).click();
      await wsSection.getByRole('alert').waitFor({ timeout: T });

      // A workflow in the Default workspace uses the Jira connection.
      const ws = await rpc(page, 'ListWorkspaces');
      const def = ws.find((/** @type {{slug: string}} */ w) => w.slug === 'default');
      await rpc(page, 'CreateWorkflow', [{ workspaceId: def.id, name: 'Sync Jira issues', trigger: { kind: 'schedule' }, actions: [{ kind: 'check', connectionId: jira.id }] }]);

      // The integrations list: each row has a three-dot menu.
      await page.getByRole('link', { name: 'Integrations', exact: true }).click();
      const menuButton = page.getByRole('button', { name: `Actions for ${jira.label}` });
      await menuButton.click();
      const menu = page.getByRole('menu', { name: `Actions for ${jira.label}` });
      assert.deepEqual(await menu.getByRole('menuitem').allTextContents(), ['Edit', 'Rename', 'Resync all tasks', 'Delete']);
      // Keyboard: focus is on the first item; Escape closes and returns to the button.
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Edit');
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Rename');
      await page.keyboard.press('Escape');
      await menu.waitFor({ state: 'detached', timeout: T });
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), `Actions for ${jira.label}`);

      // Resync all tasks is not offered for a broken connection, and the backend refuses it.
      await page.getByRole('button', { name: `Actions for ${broken.label}` }).click();
      const brokenMenu = page.getByRole('menu', { name: `Actions for ${broken.label}` });
      assert.deepEqual(await brokenMenu.getByRole('menuitem').allTextContents(), ['Edit', 'Rename', 'Delete']);
      await page.keyboard.press('Escape');
      const refused = await rpcInPage(page, 'ResyncConnection', [broken.id]);
      assert.equal(refused.status, 409, refused.text);
      assert.match(refused.text, /Resync all tasks is available only when the connection is active or interrupted/);

      // Edit opens the connection's Settings tab.
      await menuButton.click();
      await menu.getByRole('menuitem', { name: 'Edit' }).click();
      await page.waitForURL((u) => u.pathname === `/integrations/${jira.id}/settings`, { timeout: T });
      const settings = page.getByRole('tabpanel', { name: 'Settings' });
      await settings.getByRole('heading', { name: 'Status' }).waitFor({ timeout: T });
      // Seed 002: Jira Cloud's Edit page offers Reauthorize connection, and Resync all tasks.
      await settings.getByRole('button', { name: 'Reauthorize connection' }).waitFor({ timeout: T });
      // The demo's failed Nightly inventory run failed on Jira's step: Resync all tasks replays it and says so.
      await settings.getByRole('button', { name: 'Resync all tasks' }).click();
      await page.getByRole('status').getByText(`Resyncing 1 failed task(s) of ${jira.label}.`).waitFor({ timeout: T });
      await settings.getByText('If you deselect a workspace with linked workflows, saving disconnects those workflows').waitFor({ timeout: T });

      // The workspaces dropdown: grant Acme Corp, Save.
      await settings.getByRole('button', { name: /^Workspaces: Default/ }).click();
      await settings.getByRole('checkbox', { name: 'Acme Corp' }).check();
      await settings.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Workspace access saved.').waitFor({ timeout: T });
      const granted = (await rpc(page, 'GetConnection', [jira.id])).workspaceIds;
      assert.deepEqual([...granted].sort(), [def.id, acme.id].sort());

      // Deselect Default: the workflow that would be disconnected is named before Save.
      await settings.getByRole('button', { name: /^Workspaces: / }).click();
      await settings.getByRole('checkbox', { name: 'Default' }).uncheck();
      await settings.getByText(/Saving disconnects these workflows from this integration: .*Sync Jira issues/).waitFor({ timeout: T });
      // At least one workspace: deselecting every one cannot be saved.
      await settings.getByRole('checkbox', { name: 'Acme Corp' }).uncheck();
      await settings.getByRole('button', { name: 'Save', exact: true }).click();
      await settings.getByText('Select at least one workspace.').waitFor({ timeout: T });
      assert.deepEqual([...(await rpc(page, 'GetConnection', [jira.id])).workspaceIds].sort(), [def.id, acme.id].sort());
      await settings.getByRole('checkbox', { name: 'Acme Corp' }).check();
      await settings.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText(/Workspace access saved; \d+ workflow\(s\) disconnected\./).waitFor({ timeout: T });
      assert.deepEqual((await rpc(page, 'GetConnection', [jira.id])).workspaceIds, [acme.id]);
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'seeds-002.png') }).catch(() => {});
      throw e;
    }
  });

  test('seed 001: no Re-Authenticate for the GitHub App; the backend refuses it too', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    try {
      await page.goto(demo.server.url);
      // The demo has a GitHub App connection.
      const app = (await rpc(page, 'ListConnections')).find((/** @type {{authMode: string}} */ c) => c.authMode === 'github_app');
      assert.ok(app, 'the demo has no GitHub App connection');
      await page.goto(new URL(`/integrations/${app.id}`, demo.server.url).toString());
      await page.getByRole('heading', { name: app.label }).waitFor({ timeout: T });
      await page.getByText('Re-authentication is not supported for the GitHub App', { exact: false }).first().waitFor({ timeout: T });
      assert.equal(await page.getByRole('button', { name: /Re-Authenticate|Reauthorize connection|Re-authorize/ }).count(), 0, 'a re-authentication button shows on Overview');
      await page.getByRole('tab', { name: 'Settings' }).click();
      await page.getByRole('tabpanel', { name: 'Settings' }).getByRole('heading', { name: 'Status' }).waitFor({ timeout: T });
      assert.equal(await page.getByRole('button', { name: /Re-Authenticate|Reauthorize connection|Re-authorize/ }).count(), 0, 'a re-authentication button shows on Settings');
      const refused = await rpcInPage(page, 'ReauthenticateConnection', [app.id, { config: {}, secrets: { privateKey: '-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----' } }]);
      assert.equal(refused.status, 409, refused.text);
      assert.match(refused.text, /Re-authentication is not supported for the GitHub App/);
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'seeds-001-app.png') }).catch(() => {});
      throw e;
    }
  });

  test('the demo shows everything: two workspaces, clients, workflows and runs in every state, 30 days of history', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    try {
      await page.goto(demo.server.url);
      assert.ok((await rpc(page, 'ListWorkspaces')).length >= 2, 'one workspace');
      const clients = await rpc(page, 'ListClients');
      const conns = await rpc(page, 'ListConnections');
      assert.ok(clients.length >= 2 && conns.some((/** @type {{owner: string}} */ c) => clients.some((/** @type {{id: string}} */ k) => k.id === c.owner)), 'no client owns a connection');
      const fleet = await rpc(page, 'GetFleetHealth');
      assert.ok(fleet.rows.some((/** @type {{checks: number[]}} */ r) => r.checks[0] > 0), 'no history 29 days back');
      // Runs: completed, running (its step retries the GitLab outage for the
      // whole demo session), paused for reauth, paused by an operator, failed.
      await page.getByRole('link', { name: 'Runs', exact: true }).click();
      for (const [chip, rx] of /** @type {[string, RegExp][]} */ ([['Running', /GitLab mirror check/], ['Paused for reauth', /Support digest/], ['Failed', /Nightly inventory/], ['Completed', /Nightly inventory/]])) {
        await page.getByRole('button', { name: chip, exact: true }).click();
        await page.getByRole('table').first().getByRole('row').filter({ hasText: rx }).first().waitFor({ timeout: T });
      }
      const all = await rpc(page, 'ListRuns', ['all']);
      const states = new Set(all.map((/** @type {{status: string, pauseReason?: string}} */ r) => `${r.status}${r.pauseReason ? `:${r.pauseReason}` : ''}`));
      for (const want of ['completed', 'running', 'failed', 'paused:reauth', 'paused:operator']) assert.ok(states.has(want), `no ${want} run in the demo: ${[...states]}`);
      await page.getByRole('link', { name: 'Clients', exact: true }).click();
      await page.getByRole('heading', { name: 'Initech' }).waitFor({ timeout: T });
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'seeds-demo.png') }).catch(() => {});
      throw e;
    }
  });
});
