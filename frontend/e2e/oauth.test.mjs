// End-to-end test of OAuth (issue: loopback consent, reauthorization,
// refresh): connect a Generic OAuth 2.0 provider through the fake's consent
// page, break the grant at the fake, watch the connection go to error, and
// reconnect by consent. Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectionStatus, connectionsText, rpc, useDemo, waitForStatus } from './server.mjs';

const T = 15_000;
/** Seed 002, word for word. */
const SEED_002_ADMIN = 'A member of your team with administrative access to Jira needs to be signed in during the reauthorization.';
/** The HTTPS page a team registers with Jira Data Center; it forwards the browser to the callback port. */
const RELAY = 'https://relay.example.com/patchbay';

/** A loopback port nothing listens on now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Approves a consent at the fake provider as a browser would (the consent
 * page's form, then the redirect to Patchbay's loopback callback, through
 * the HTTPS relay when the provider redirects there).
 * @param {string} authUrl
 * @param {number} port
 */
async function approveByHttp(authUrl, port) {
  const page = await (await fetch(authUrl)).text();
  const form = new URLSearchParams({ decision: 'approve' });
  for (const m of page.matchAll(/type="hidden" name="([a-z_]+)" value="([^"]*)"/g)) form.set(m[1] ?? '', (m[2] ?? '').replaceAll('&amp;', '&').replaceAll('&#34;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>'));
  const decided = await fetch(new URL('/oauth/decide', authUrl), { method: 'POST', body: form, redirect: 'manual' });
  let back = decided.headers.get('location') ?? '';
  if (back.startsWith(RELAY)) back = `http://127.0.0.1:${port}/callback${new URL(back).search}`;
  const res = await fetch(back);
  assert.equal(res.status, 200, `the callback answered ${res.status}: ${await res.text()}`);
}

const ARTIFACTS = process.env.ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');

describe('oauth consent', { timeout: 120_000 }, () => {
  const demo = useDemo(['--demo-empty']);

  /** Approves access on the consent page the app opened in a new tab. */
  async function approveIn(popup) {
    await popup.waitForLoadState();
    await popup.getByRole('heading', { name: 'Authorize Patchbay?' }).waitFor({ timeout: T });
    await popup.getByRole('button', { name: 'Approve' }).click();
    await popup.getByText('You can close this tab.').waitFor({ timeout: T });
    await popup.close();
  }

  test('connect by consent, grant revoked, reconnect by consent', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    try {
      await page.goto(demo.server.url);
      await page.getByRole('heading', { name: 'My Integrations' }).waitFor({ timeout: T });
      const h = (await rpc(page, 'GetAppInfo')).demoHints;

      await page.getByRole('button', { name: 'Add integration' }).first().click();
      await page.getByLabel('Provider').selectOption({ label: 'Generic OAuth 2.0' });
      await page.getByLabel('Label').fill('Demo IdP');
      await page.getByLabel('Authorize URL').fill(h.oauthAuthorizeUrl);
      await page.getByLabel('Token URL').fill(h.oauthTokenUrl);
      await page.getByLabel('Userinfo URL').fill(h.oauthUserinfoUrl);
      await page.getByLabel('Scopes').fill('openid email offline_access');
      await page.getByLabel('Client ID').fill(h.oauthClientId);
      await page.getByRole('textbox', { name: 'Client secret' }).fill(h.oauthClientSecret);
      // The form says which redirect URI to register; a pinned port changes it.
      const redirect = page.getByRole('note', { name: 'Redirect URI' });
      await redirect.getByText('http://127.0.0.1/callback (any port; Patchbay picks a free one)').waitFor({ timeout: T });
      await page.getByLabel('Callback port').fill('8765');
      await redirect.getByText('http://127.0.0.1:8765/callback', { exact: true }).waitFor({ timeout: T });
      await page.getByLabel('Callback port').fill('');
      const [popup] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Connect' }).click()]);
      await approveIn(popup);
      await page.getByText('Integration added.').waitFor({ timeout: T });
      await page.getByRole('link', { name: 'Demo IdP' }).click();
      await waitForStatus(page, 'Connected and working.', T);

      // Refresh credential works while the grant is alive.
      await page.getByRole('button', { name: 'Refresh credential' }).click();
      await page.getByText('Connection refreshed.').waitFor({ timeout: T });

      // The user revokes the app at the provider: refresh fails permanently.
      const res = await fetch(`${h.fakeBaseUrl}/_fake/oauth/revoke`, { method: 'POST' });
      assert.equal(res.status, 204);
      await page.getByRole('button', { name: 'Refresh credential' }).click();
      await page.getByText('Connection cannot be refreshed. Please reconnect your connection.').first().waitFor({ timeout: T });
      await waitForStatus(page, 'Reconnection needed.', T);
      assert.equal(await connectionStatus(page, 'Demo IdP'), 'error');

      // Reconnect by consent with the existing credentials.
      await page.getByRole('button', { name: 'Re-Authenticate' }).click();
      const dialog = page.getByRole('dialog', { name: 'Re-authenticate Demo IdP' });
      await dialog.getByLabel('Reauthorize with existing credentials').check();
      const [again] = await Promise.all([context.waitForEvent('page'), dialog.getByRole('button', { name: 'Authorize' }).click()]);
      await approveIn(again);
      // Seeds 000/001: back on the re-authentication dialog, which says who
      // authorized and what was granted; nothing is replaced yet.
      const granted = dialog.getByRole('status').filter({ hasText: 'Access granted.' });
      await granted.waitFor({ timeout: T });
      await granted.getByText('Authorized by').waitFor({ timeout: T });
      assert.match((await granted.locator('dd').nth(1).textContent()) ?? '', /openid/, 'the granted scopes are not shown');
      assert.equal(await connectionStatus(page, 'Demo IdP'), 'error', 'the new token was used before Validate Connection');
      await dialog.getByRole('button', { name: 'Validate Connection' }).click();
      await page.getByText('Connection re-authenticated.').waitFor({ timeout: T });
      await waitForStatus(page, 'Connected and working.', T);
      assert.equal(await connectionStatus(page, 'Demo IdP'), 'active');
      assert.ok(!(await connectionsText(page)).includes(h.oauthClientSecret), 'client secret reached the frontend');
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'oauth.png') }).catch(() => {});
      throw e;
    }
  });

  /** Allows access on the fake Jira's Authorization URL page; returns the code. */
  async function allowIn(popup) {
    await popup.waitForLoadState();
    await popup.getByRole('button', { name: 'Allow' }).click();
    await popup.getByRole('heading', { name: 'Access Approved' }).waitFor({ timeout: T });
    const code = (await popup.locator('#verifier').textContent()) ?? '';
    await popup.close();
    return code;
  }

  test('Jira Cloud and Jira Data Center OAuth 2.0: the Jira administrator note and the Status choices (seed 002)', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    try {
      await page.goto(demo.server.url);
      const h = (await rpc(page, 'GetAppInfo')).demoHints;
      const ws = (await rpc(page, 'ListWorkspaces'))[0];
      for (const [provider, basePath, label, https] of /** @type {[string, string, string, boolean][]} */ ([
        ['jira_cloud', '/jira', 'Jira Cloud by OAuth', false],
        ['jira_dc', '/jiradc', 'Jira DC by OAuth', true],
      ])) {
        const port = await freePort();
        /** @type {Record<string, string>} */
        const config = { clientId: h.oauthClientId, redirectPort: String(port) };
        if (https) config.redirectUri = RELAY;
        let st = await rpc(page, 'StartConsent', [{ provider, authMode: 'oauth2', label, workspaceIds: [ws.id], baseUrl: h.fakeBaseUrl + basePath, config, secrets: { clientSecret: h.oauthClientSecret } }]);
        await approveByHttp(st.authUrl, port);
        const deadline = Date.now() + T;
        while (st.state === 'pending' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          st = await rpc(page, 'GetConsent', [st.id]);
        }
        assert.equal(st.state, 'done', `${label}: ${JSON.stringify(st)}`);

        // Seed 002's Edit connection page (Settings tab): Reauthorize connection for Jira Cloud, Re-Authenticate for Data Center.
        await page.goto(new URL(`/integrations/${st.connectionId}/settings`, demo.server.url).toString());
        const settings = page.getByRole('tabpanel', { name: 'Settings' });
        await settings.getByRole('button', { name: provider === 'jira_cloud' ? 'Reauthorize connection' : 'Re-Authenticate' }).click();
        const dialog = page.getByRole('dialog', { name: `Re-authenticate ${label}` });
        await dialog.getByText(SEED_002_ADMIN, { exact: true }).waitFor({ timeout: T });
        const status = dialog.getByRole('group', { name: 'Status' });
        await status.getByLabel('Reauthorize with existing credentials').waitFor({ timeout: T });
        await status.getByLabel('Reauthorize with new credentials').waitFor({ timeout: T });
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached', timeout: T });
      }
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'oauth-jira-admin.png') }).catch(() => {});
      throw e;
    }
  });

  test('Jira Data Center OAuth 1.0a: Generate URL, Allow, Verify, Complete connection; reauthorize after revocation', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    try {
      await page.goto(demo.server.url);
      const h = (await rpc(page, 'GetAppInfo')).demoHints;

      await page.getByRole('button', { name: 'Add integration' }).first().click();
      await page.getByLabel('Provider').selectOption({ label: 'Jira Data Center' });
      await page.getByLabel('Authentication').selectOption({ label: 'OAuth 1.0a (application link)' });
      await page.getByLabel('Label').fill('Jira DC link');
      await page.getByLabel('Base URL').fill(`${h.fakeBaseUrl}/jiradc`);
      await page.getByLabel('Consumer key').fill(h.oauth1ConsumerKey);
      await page.getByRole('textbox', { name: 'Private key', exact: true }).fill(h.oauth1PrivateKey);
      const [popup] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Generate URL' }).click()]);
      const code = await allowIn(popup);
      await page.getByLabel('Verification code from the Access Approved page').fill('wrong');
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByText(/Jira did not accept the verification code/).waitFor({ timeout: T });
      await page.getByLabel('Verification code from the Access Approved page').fill(code);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByText('Verified — signed in as oauth1-user@example.com.').waitFor({ timeout: T });
      await page.getByRole('button', { name: 'Complete connection' }).click();
      await page.getByText('Integration added.').waitFor({ timeout: T });
      await page.getByRole('link', { name: 'Jira DC link' }).click();
      await waitForStatus(page, 'Connected and working.', T);

      // The Jira admin revokes the link; the next check needs a human.
      assert.equal((await fetch(`${h.fakeBaseUrl}/_fake/oauth1/revoke`, { method: 'POST' })).status, 204);
      await page.getByRole('button', { name: 'Check now' }).click();
      await waitForStatus(page, 'Reconnection needed.', T);
      assert.equal(await connectionStatus(page, 'Jira DC link'), 'error');

      await page.getByRole('button', { name: 'Reauthorize connection' }).click();
      const dialog = page.getByRole('dialog', { name: 'Reauthorize Jira DC link' });
      // Seed 002: a Jira administrator must be signed in during the reauthorization.
      await dialog.getByText(/administrative access to Jira .* needs to be signed in/).waitFor({ timeout: T });
      await dialog.getByRole('button', { name: 'Continue' }).click();
      const [again] = await Promise.all([context.waitForEvent('page'), dialog.getByRole('button', { name: 'Generate URL' }).click()]);
      const code2 = await allowIn(again);
      await dialog.getByLabel('Verification code from the Access Approved page').fill(code2);
      await dialog.getByRole('button', { name: 'Verify' }).click();
      await dialog.getByRole('button', { name: 'Complete connection' }).click();
      await page.getByText('Connection reauthorized.').waitFor({ timeout: T });
      await waitForStatus(page, 'Connected and working.', T);
      assert.equal(await connectionStatus(page, 'Jira DC link'), 'active', 'reauthorizing did not restore the connection');
      assert.ok(!(await connectionsText(page)).includes('PRIVATE KEY'), 'the private key reached the frontend');
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'oauth1.png') }).catch(() => {});
      throw e;
    }
  });
});
