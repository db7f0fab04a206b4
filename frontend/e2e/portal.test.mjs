// End-to-end test of the client portal: the operator assigns a connection to
// a client and sends a reconnection link; the connection's grant breaks at
// the fake; the client, in a fresh browser, tries Refresh credential (sees
// the 400 message), reconnects by consent, and sees "Connected and working.";
// the operator's view turns active. Run: PATCHBAY_BIN=… node --test e2e/
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { rpc, useDemo } from './server.mjs';
import { T, approveConsent, continueAs, operatorAndClient, withScreenshots } from './portalsetup.mjs';

describe('client portal', { timeout: 120_000 }, () => {
  const demo = useDemo([]);

  test('a client reconnects their own connection by consent', async (t) => {
    const { client, page, fake } = await operatorAndClient(t, demo);
    /** @type {import('playwright-core').Page | undefined} */
    let portal;
    await withScreenshots('portal', page, () => portal, async () => {
      await page.getByRole('link', { name: 'Clients' }).click();
      await page.getByLabel('New client').fill('Acme');
      await page.getByRole('button', { name: 'Add client' }).click();
      await page.getByRole('heading', { name: 'Acme' }).waitFor({ timeout: T });
      await page.getByLabel('Assign a connection to Acme').selectOption({ label: 'Demo OAuth app' });
      // The demo has clients of its own: use Acme's card.
      await page.getByRole('article', { name: 'Acme' }).getByRole('button', { name: 'Assign' }).click();
      await page.getByText('Connection assigned.').waitFor({ timeout: T });

      // The client removed the app at the provider: the grant is revoked.
      assert.equal((await fetch(`${fake}/_fake/oauth/revoke`, { method: 'POST' })).status, 204);

      await page.getByRole('button', { name: 'Request reconnection for Demo OAuth app' }).click();
      const link = await page.getByLabel('Reconnection link').inputValue();
      assert.match(link, /\/portal\/r\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      await page.getByText(/Request for Demo OAuth app: pending/).waitFor({ timeout: T });

      // The client opens the link in their own browser.
      portal = await continueAs(client, link, 'Acme');
      await portal.getByText('Signed in as Acme').waitFor({ timeout: T });
      await portal.getByRole('heading', { name: 'Your connections' }).waitFor({ timeout: T });
      await portal.locator('strong', { hasText: 'Demo OAuth app' }).waitFor({ timeout: T });
      assert.equal(await portal.getByText('Demo GitHub').count(), 0, 'the portal shows a team connection');
      const html = await portal.content();
      assert.ok(!html.includes('demo-client-secret'), 'the portal page contains a secret');

      await portal.getByRole('button', { name: 'Refresh credential Demo OAuth app' }).click();
      await portal.getByRole('alert').getByText('Connection cannot be refreshed. Please reconnect your connection.').waitFor({ timeout: T });
      await portal.getByText('Reconnection needed.').waitFor({ timeout: T });

      await approveConsent(client, portal.getByRole('button', { name: 'Reconnect Demo OAuth app' }));
      await portal.getByText('Connection reconnected.').waitFor({ timeout: T });
      await portal.getByText('Connected and working.').waitFor({ timeout: T });

      // The link was single use.
      const again = await client.newPage();
      await again.goto(link);
      await again.getByText(/already used/).waitFor({ timeout: T });

      // The operator sees the connection active again.
      let conns = await rpc(page, 'ListConnections');
      assert.equal(conns.find((c) => c.label === 'Demo OAuth app')?.status, 'active');

      // Request credentials for a connection that does not exist yet: the
      // client's consent creates it.
      await page.getByRole('button', { name: 'Request credentials from Acme' }).click();
      const form = page.getByRole('form', { name: 'Request credentials from Acme' });
      await form.getByLabel('Provider').selectOption({ label: 'Generic OAuth 2.0 — OAuth 2.0 consent' });
      await form.getByLabel('Label').fill('Acme analytics');
      await form.getByLabel('OpenID Connect issuer (optional)').fill(`${fake}/oauth`);
      await form.getByLabel('Client ID').fill((await rpc(page, 'GetAppInfo')).demoHints.oauthClientId);
      await form.getByLabel('Client secret').fill('demo-client-secret-0001');
      await form.getByRole('button', { name: 'Create link' }).click();
      await page.getByText('Link created: send it to Acme.').waitFor({ timeout: T });
      const link2 = await page.getByLabel('Reconnection link').inputValue();
      await page.getByText(/Acme analytics — Waiting for Acme to connect it./).waitFor({ timeout: T });

      const portal2 = await continueAs(client, link2, 'Acme');
      await portal2.getByText('Waiting for you to connect it.').waitFor({ timeout: T });
      await approveConsent(client, portal2.getByRole('button', { name: 'Connect Acme analytics' }));
      await portal2.getByText('Connected. Thank you!').waitFor({ timeout: T });
      await page.getByText(/Request for Acme analytics: active/).waitFor({ timeout: T });
      conns = await rpc(page, 'ListConnections');
      assert.equal(conns.find((c) => c.label === 'Acme analytics')?.status, 'active');

      // The portal gets its own address (Settings): links point there, and
      // only the portal is served on it.
      const port = await new Promise((resolve) => {
        const srv = net.createServer().listen(0, '127.0.0.1', () => {
          const p = srv.address().port;
          srv.close(() => resolve(p));
        });
      });
      await page.getByRole('link', { name: 'Settings', exact: true }).click();
      await page.getByLabel('Portal address').fill(`127.0.0.1:${port}`);
      await page.getByRole('button', { name: 'Save portal settings' }).click();
      await page.getByText(`Listening on 127.0.0.1:${port}`).waitFor({ timeout: T });
      await page.getByLabel('Portal address').fill('0.0.0.0:1');
      await page.getByText(/This exposes the client portal to every machine/).waitFor({ timeout: T });
      await page.getByLabel('Portal address').fill(`127.0.0.1:${port}`);
      await page.getByRole('link', { name: 'Clients', exact: true }).click();
      await page.getByRole('button', { name: 'Request reconnection for Acme analytics' }).click();
      const link3 = await page.getByLabel('Reconnection link').inputValue();
      assert.ok(link3.startsWith(`http://127.0.0.1:${port}/portal/r/`), `link ${link3} does not use the portal address`);
      const portal3 = await continueAs(client, link3, 'Acme');
      await portal3.locator('strong', { hasText: 'Acme analytics' }).waitFor({ timeout: T });
      const api = await fetch(`http://127.0.0.1:${port}/api/rpc/GetAppInfo`, { method: 'POST', body: '[]' });
      assert.equal(api.status, 404, 'the operator API answers on the portal address');

      // Clients can be renamed.
      await page.getByRole('button', { name: 'Rename Acme' }).click();
      const rename = page.getByRole('dialog', { name: 'Rename client' });
      await rename.getByLabel('Label').fill('Acme Corp');
      await rename.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('heading', { name: 'Acme Corp' }).waitFor({ timeout: T });
    });
  });
});
