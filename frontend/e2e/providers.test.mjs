// End-to-end test of providers and re-authentication (issue: PAT / API key):
// a GitHub integration with two PATs, one broken at the fake and replaced;
// a failed re-authentication that keeps the old secret; and the Azure DevOps
// linked credential. Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectionStatus, rpc, useDemo, waitForStatus } from './server.mjs';

const T = 15_000;
const ARTIFACTS = process.env.ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');
const PAT1 = 'ghp_demoDEMOdemoDEMOdemoDEMOdemoDEMO0001';
const PAT2 = 'ghp_demoDEMOdemoDEMOdemoDEMOdemoDEMO0002';

describe('providers and re-authentication', { timeout: 180_000 }, () => {
  const demo = useDemo([]);
  let fakeBase = '';

  /** Makes a credential valid or invalid at the fake providers. */
  async function setKey(key, valid) {
    const res = await fetch(`${fakeBase}/_fake/keys`, { method: 'POST', body: JSON.stringify({ key, valid }) });
    assert.equal(res.status, 204, 'fake provider refused the key change');
  }

  async function openApp() {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(demo.server.url);
    await page.getByRole('heading', { name: 'My Integrations' }).waitFor({ timeout: T });
    if (!fakeBase) fakeBase = (await rpc(page, 'GetAppInfo')).demoHints.fakeBaseUrl;
    return { context, page };
  }

  async function shot(page, name) {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) }).catch(() => {});
  }

  async function openIntegration(page, label) {
    await page.goto(new URL('/integrations', demo.server.url).toString());
    await page.getByRole('link', { name: label, exact: true }).click();
    await page.getByRole('heading', { name: label, exact: true }).waitFor({ timeout: T });
  }

  test('GitHub with two PATs: one breaks, the diagnosis shows, it is replaced', async (t) => {
    const { context, page } = await openApp();
    t.after(() => context.close());
    try {
      await page.getByRole('button', { name: 'Add integration' }).click();
      await page.getByLabel('Provider').selectOption({ label: 'GitHub' });
      await page.getByLabel('Label').fill('GitHub bots');
      await page.getByLabel('Base URL').fill(`${fakeBase}/github`);
      await page.getByLabel('Email').fill('bots@example.com');
      await page.getByRole('textbox', { name: 'PAT Token' }).fill(`${PAT1}\n${PAT2}`);
      await page.getByRole('button', { name: 'Validate Connection' }).click();
      await page.getByText('Connection validated').waitFor({ timeout: T });
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Integration added.').waitFor({ timeout: T });

      await openIntegration(page, 'GitHub bots');
      const pats = page.getByRole('region', { name: 'Personal access tokens' });
      await pats.getByText('••••0001').waitFor({ timeout: T });
      await pats.getByText('••••0002').waitFor({ timeout: T });

      // PAT 2 is revoked at GitHub: Check now names it, the review explains.
      await setKey(PAT2, false);
      await page.getByRole('button', { name: 'Check now' }).click();
      await page.getByRole('button', { name: 'Review error message' }).waitFor({ timeout: T });
      await page.getByRole('button', { name: 'Review error message' }).click();
      const dialog = page.getByRole('dialog', { name: 'Error message' });
      await dialog.getByText('Likely causes').waitFor({ timeout: T });
      await dialog.getByText(/••••0002/).first().waitFor({ timeout: T });
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'detached', timeout: T });

      // Replace PAT 2 with a new one.
      const PAT3 = 'ghp_newNEWnewNEWnewNEWnewNEWnewNEW0003';
      await setKey(PAT3, true);
      await page.getByRole('button', { name: 'Replace PAT ••••0002' }).click();
      const re = page.getByRole('dialog', { name: 'Replace PAT ••••0002' });
      await re.getByText('You cannot switch the authentication type').waitFor({ timeout: T });
      await re.getByLabel('New PAT Token').fill(PAT3);
      await re.getByRole('button', { name: 'Validate Connection' }).click();
      await page.getByText('Connection re-authenticated.').waitFor({ timeout: T });
      await pats.getByText('••••0003').waitFor({ timeout: T });
      await page.getByRole('button', { name: 'Review error message' }).waitFor({ state: 'detached', timeout: T });
      assert.equal(await pats.getByText('••••0002').count(), 0, 'the replaced PAT is still listed');
    } catch (e) {
      await shot(page, 'providers-github');
      throw e;
    }
  });

  test('a failed re-authentication keeps the old secret; a good one restores the connection', async (t) => {
    const { context, page } = await openApp();
    t.after(() => context.close());
    try {
      await openIntegration(page, 'Alerts Slack');
      await waitForStatus(page, 'Reconnection needed.', T);
      assert.equal(await connectionStatus(page, 'Alerts Slack'), 'error');
      await page.getByRole('button', { name: 'Re-Authenticate' }).click();
      const dialog = page.getByRole('dialog', { name: 'Re-authenticate Alerts Slack' });
      await dialog.getByLabel('New Token').fill('xoxb-0000-0000-wrongToken');
      await dialog.getByRole('button', { name: 'Validate Connection' }).click();
      await dialog.getByRole('alert').getByText(/previous credential was kept/).waitFor({ timeout: T });
      assert.equal(await dialog.getByLabel('New Token').inputValue(), 'xoxb-0000-0000-wrongToken', 'typed value lost');

      const fresh = 'xoxb-9999-8888-newDemoSlackToken';
      await setKey(fresh, true);
      // Pasted with spaces around it: the server trims it and says so; the
      // dialog closes, so the toast carries the warning.
      await dialog.getByLabel('New Token').fill(`  ${fresh}  `);
      await dialog.getByRole('button', { name: 'Validate Connection' }).click();
      await page.getByRole('status').getByText('Connection re-authenticated. Removed spaces or line breaks around the Token.').waitFor({ timeout: T });
      await waitForStatus(page, 'Connected and working.', T);
      assert.equal(await connectionStatus(page, 'Alerts Slack'), 'active', 'a good re-authentication did not restore the connection');
    } catch (e) {
      await shot(page, 'providers-slack');
      throw e;
    }
  });

  test('re-authenticating Azure DevOps Boards updates Repos and Pipelines', async (t) => {
    const { context, page } = await openApp();
    t.after(() => context.close());
    try {
      await openIntegration(page, 'Demo Boards');
      await page.getByRole('button', { name: 'Re-Authenticate' }).click();
      const dialog = page.getByRole('dialog', { name: 'Re-authenticate Demo Boards' });
      await dialog.getByText(/also updates .*Repos.* and .*Pipelines|also updates .*Pipelines.* and .*Repos/).waitFor({ timeout: T });
      const pat = 'demoazuredevopspersonalaccesstoken000000000099';
      await setKey(pat, true);
      await dialog.getByLabel('New PAT Token').fill(pat);
      await dialog.getByRole('button', { name: 'Validate Connection' }).click();
      await page.getByText('Connection re-authenticated.').waitFor({ timeout: T });
      const conns = await rpc(page, 'ListConnections');
      const ado = conns.filter((c) => c.provider.startsWith('azure_devops'));
      assert.equal(ado.length, 3);
      for (const row of ado) {
        const c = await rpc(page, 'GetConnection', [row.id]);
        assert.equal(c.status, 'active', `${c.label} not active`);
        assert.ok(c.secretHint.endsWith('0099'), `${c.label} does not use the new PAT`);
      }
    } catch (e) {
      await shot(page, 'providers-ado');
      throw e;
    }
  });

  // An integration's page reloads its connection, checks and uptime when
  // that connection changes, not on every other connection's change (a sweep
  // of N connections used to reload it N times, each GetUptime covering all
  // of them). The other connection's change is seen through the list's own
  // reload (ListConnections), which the same event starts.
  test("an integration's page reloads on its own connection's changes only", async (t) => {
    const { context, page } = await openApp();
    t.after(() => context.close());
    try {
      await openIntegration(page, 'Demo GitHub');
      await waitForStatus(page, 'Connected and working.', T);
      const conns = await rpc(page, 'ListConnections');
      const self = conns.find((/** @type {{label: string}} */ c) => c.label === 'Demo GitHub');
      const other = conns.find((/** @type {{label: string}} */ c) => c.label === 'Demo Boards');
      /** @type {string[]} */
      const reloads = [];
      page.on('request', (r) => {
        const m = r.url().match(/\/api\/rpc\/(GetConnection|ListChecks|GetUptime)$/);
        if (m && (r.postData() ?? '').includes(self.id)) reloads.push(m[1] ?? '');
      });
      const listed = page.waitForResponse((r) => r.url().endsWith('/api/rpc/ListConnections'), { timeout: T });
      await rpc(page, 'CheckConnection', [other.id]);
      await listed;
      assert.deepEqual(reloads, [], "another connection's check reloaded this page");
      const reloaded = page.waitForRequest((r) => r.url().endsWith('/api/rpc/ListChecks') && (r.postData() ?? '').includes(self.id), { timeout: T });
      await rpc(page, 'CheckConnection', [self.id]);
      await reloaded;
    } catch (e) {
      await shot(page, 'providers-reload');
      throw e;
    }
  });
});
