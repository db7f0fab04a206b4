// End-to-end test of seed 004's portal detail screen and of the portal's
// safety on a network (issue 15): a link's page names the client and only
// its "Continue as …" button uses it; each connection in /portal/connections
// opens a detail screen with its status, Refresh credential and Reconnect;
// a refresh shows the toast "Connection refreshed.", a permanently broken
// connection the error toast with the seed's 400 message; after the operator
// ends the client's sessions the portal says the link no longer works.
// Run: PATCHBAY_BIN=… node --test e2e/portaldetail.test.mjs
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rpc, useDemo } from './server.mjs';
import { T, approveConsent, continueAs, operatorAndClient, withScreenshots } from './portalsetup.mjs';

describe('client portal detail screen', { timeout: 120_000 }, () => {
  const demo = useDemo([]);

  test('detail screen, both toasts, Continue as, an ended session', async (t) => {
    const { client, page, fake } = await operatorAndClient(t, demo);
    /** @type {import('playwright-core').Page | undefined} */
    let portal;
    await withScreenshots('portaldetail', page, () => portal, async () => {
      const acme = await rpc(page, 'CreateClient', ['Acme Ltd']);
      const conn = (await rpc(page, 'ListConnections')).find((c) => c.label === 'Demo OAuth app');
      assert.ok(conn, 'the demo has an OAuth connection');
      await rpc(page, 'SetConnectionOwner', [conn.id, acme.id]);
      const { url: link } = await rpc(page, 'CreateReconnectRequest', [conn.id, new URL(demo.server.url).origin]);

      // A link preview (HEAD and GET) uses nothing.
      assert.equal((await fetch(link, { method: 'HEAD' })).status, 200);
      const preview = await fetch(link);
      assert.equal(preview.status, 200);
      assert.ok(!preview.headers.get('set-cookie'), 'the link preview set a cookie');
      assert.equal((await rpc(page, 'ListRequests', [acme.id]))[0].state, 'pending');

      portal = await continueAs(client, link, 'Acme Ltd');
      await portal.getByRole('heading', { name: 'Your connections' }).waitFor({ timeout: T });
      await portal.getByText('Signed in as Acme Ltd').waitFor({ timeout: T });

      // The detail screen: status and both actions.
      await portal.getByRole('link', { name: 'Demo OAuth app' }).click();
      await portal.waitForURL(new RegExp(`/portal/connections/${conn.id}$`), { timeout: T });
      await portal.getByRole('heading', { name: 'Demo OAuth app' }).waitFor({ timeout: T });
      await portal.getByText('Signed in as Acme Ltd').waitFor({ timeout: T });
      await portal.getByTestId('portal-status').getByText('Connected and working.').waitFor({ timeout: T });
      await portal.getByRole('button', { name: 'Reconnect' }).waitFor({ timeout: T });
      await portal.getByRole('button', { name: 'Refresh credential' }).click();
      await portal.locator('.toast.success', { hasText: 'Connection refreshed.' }).waitFor({ timeout: T });

      // The grant is revoked at the provider: refresh fails permanently.
      assert.equal((await fetch(`${fake}/_fake/oauth/revoke`, { method: 'POST' })).status, 204);
      await portal.getByRole('button', { name: 'Refresh credential' }).click();
      await portal.locator('.toast.error', { hasText: 'Connection cannot be refreshed. Please reconnect your connection.' }).waitFor({ timeout: T });
      await portal.getByTestId('portal-status').getByText('Reconnection needed.').waitFor({ timeout: T });
      // The API answer behind it is HTTP 400.
      const status = await portal.evaluate(async (id) => {
        const s = await (await fetch('/portal/api/session')).json();
        const r = await fetch(`/portal/api/connections/${id}/refresh`, { method: 'POST', headers: { 'X-CSRF-Token': s.csrf } });
        return r.status;
      }, conn.id);
      assert.equal(status, 400);

      // Reconnect by consent from the detail screen.
      await approveConsent(client, portal.getByRole('button', { name: 'Reconnect' }));
      await portal.getByTestId('portal-status').getByText('Connected and working.').waitFor({ timeout: T });

      // Back to the list and forward again with the browser's buttons.
      await portal.getByRole('link', { name: '← Your connections' }).click();
      await portal.getByRole('heading', { name: 'Your connections' }).waitFor({ timeout: T });
      await portal.goBack();
      await portal.getByRole('heading', { name: 'Demo OAuth app' }).waitFor({ timeout: T });

      // The operator ends Acme's sessions on the Clients page.
      await page.getByRole('link', { name: 'Clients' }).click();
      await page.getByText('1 open portal session').waitFor({ timeout: T });
      await page.getByRole('button', { name: 'End sessions of Acme Ltd' }).click();
      await page.getByText('Ended 1 portal session of Acme Ltd.').waitFor({ timeout: T });
      await portal.reload();
      await portal.getByRole('alert').getByText(/This link no longer works/).waitFor({ timeout: T });
    });
  });
});
