// End-to-end test of the foundation: the real `patchbay serve --demo` binary
// driven in headless Chromium, found by role and label like a user would.
// Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rpc, rpcInPage, useDemo } from './server.mjs';

const T = 10_000; // per-step wait
const ARTIFACTS = process.env.ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');

describe('foundation', { timeout: 120_000 }, () => {
  const demo = useDemo(['--demo-empty']);

  /** A fresh page logged in through the printed URL, with error collection. */
  async function openApp() {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    await page.goto(demo.server.url);
    return { context, page, problems };
  }

  test('add, validate (bad then good key), save, reload, delete an integration', async (t) => {
    const { context, page, problems } = await openApp();
    t.after(() => context.close());
    /** @type {{url: string, body: string}[]} */
    const rpcBodies = [];
    page.on('response', async (res) => {
      const u = new URL(res.url());
      if (!u.pathname.startsWith('/api/rpc/') || u.pathname.endsWith('/GetAppInfo')) return;
      rpcBodies.push({ url: u.pathname, body: await res.text().catch(() => '') });
    });

    try {
      // The start URL's token is exchanged for a cookie and stripped.
      assert.equal(new URL(page.url()).search, '', 'token left in the address bar');
      await page.getByRole('heading', { name: 'My Integrations' }).waitFor({ timeout: T });
      await page.getByText('No integrations yet. Add one to start monitoring it.').waitFor({ timeout: T });
      await page.getByText('Demo mode').waitFor({ timeout: T });

      const info = await rpc(page, 'GetAppInfo');
      const hints = info.demoHints;
      assert.ok(hints?.genericGoodKey && hints.genericBadKey && hints.genericValidationUrl, 'demo hints missing');

      await page.getByRole('button', { name: 'Add integration' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add integration' });
      await dialog.waitFor({ timeout: T });
      const label = dialog.getByLabel('Label', { exact: true });
      const header = dialog.getByLabel('Header name', { exact: true });
      const key = dialog.getByLabel('API key', { exact: true });
      const vurl = dialog.getByLabel('Validation URL', { exact: true });

      // Label is focused when the form opens; then the documented tab order.
      const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
      await page.waitForFunction(() => document.activeElement?.id === 'add-label', null, { timeout: T });
      const order = ['add-label'];
      for (let i = 0; i < 4; i++) {
        await page.keyboard.press('Tab');
        order.push(await focusedId());
      }
      assert.deepEqual(order, ['add-label', 'add-baseUrl', 'add-field-headerName', 'add-field-apiKey', 'add-field-validationUrl']);
      assert.equal(await header.inputValue(), 'X-API-Key', 'header name default from the catalogue');
      assert.equal(await key.getAttribute('type'), 'password');

      // Enter with nothing filled: field errors next to the fields, no request.
      await label.focus();
      await page.keyboard.press('Enter');
      await dialog.getByText('Enter a name for this integration.').waitFor({ timeout: T });

      await label.fill('Demo API');
      await header.fill(hints.genericHeaderName);
      await key.fill(hints.genericBadKey);
      await vurl.fill(hints.genericValidationUrl);
      await dialog.getByRole('button', { name: 'Validate Connection' }).click();

      const alert = dialog.getByRole('alert');
      await alert.waitFor({ timeout: T });
      const alertText = await alert.innerText();
      assert.ok(alertText.trim().length > 20, `failure view too thin: ${alertText}`);
      assert.equal(await dialog.getByRole('button', { name: 'Save', exact: true }).count(), 0, 'Save shown after a failed check');
      // Every typed value is kept.
      assert.equal(await label.inputValue(), 'Demo API');
      assert.equal(await header.inputValue(), hints.genericHeaderName);
      assert.equal(await key.inputValue(), hints.genericBadKey);
      assert.equal(await vurl.inputValue(), hints.genericValidationUrl);

      // The good key; Enter in a field validates.
      await key.fill(hints.genericGoodKey);
      await key.press('Enter');
      await dialog.getByText('Connection validated').waitFor({ timeout: T });
      const save = dialog.getByRole('button', { name: 'Save', exact: true });
      await save.waitFor({ timeout: T });
      assert.ok(await save.evaluate((el) => el === document.activeElement), 'Save is not focused after validation');

      // Editing a field hides Save again; validate once more, then Enter saves.
      await label.fill('Demo API ');
      assert.equal(await save.count(), 0, 'Save still shown after an edit');
      await label.fill('Demo API');
      await label.press('Enter');
      await save.waitFor({ timeout: T });
      await page.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Save', null, { timeout: T });
      await page.keyboard.press('Enter');

      await dialog.waitFor({ state: 'detached', timeout: T });
      await page.getByText('Integration added.').waitFor({ timeout: T });
      const row = page.getByRole('row').filter({ hasText: 'Demo API' });
      await row.waitFor({ timeout: T });
      await row.getByText('Active', { exact: true }).waitFor({ timeout: T });
      assert.match(await row.innerText(), /Generic API key/);

      // Still there after a reload (stored in SQLite, not only in the page).
      await page.reload();
      await page.getByRole('heading', { name: 'My Integrations' }).waitFor({ timeout: T });
      const rowAfter = page.getByRole('row').filter({ hasText: 'Demo API' });
      await rowAfter.waitFor({ timeout: T });
      await rowAfter.getByText('Active', { exact: true }).waitFor({ timeout: T });

      // The detail page opens from the label link.
      await rowAfter.getByRole('link', { name: 'Demo API' }).click();
      await page.getByRole('heading', { name: 'Demo API' }).waitFor({ timeout: T });
      assert.match(new URL(page.url()).pathname, /^\/integrations\/.+/);
      await page.getByRole('button', { name: 'Check now' }).click();
      await page.getByText('Connection checked: working.').waitFor({ timeout: T });
      await page.getByRole('link', { name: 'Integrations', exact: true }).click();
      await page.getByRole('heading', { name: 'My Integrations' }).waitFor({ timeout: T });

      // Delete with confirmation.
      await page.getByRole('row').filter({ hasText: 'Demo API' }).getByRole('button', { name: /^Actions for / }).click();
      await page.getByRole('menuitem', { name: 'Delete' }).click();
      const confirm = page.getByRole('alertdialog', { name: 'Delete integration' });
      await confirm.waitFor({ timeout: T });
      await confirm
        .getByText('Delete Demo API? Its stored secret is removed from the keyring. This cannot be undone.')
        .waitFor({ timeout: T });
      await confirm.getByRole('button', { name: 'Delete' }).click();
      await confirm.waitFor({ state: 'detached', timeout: T });
      await page.getByText('No integrations yet. Add one to start monitoring it.').waitFor({ timeout: T });
      assert.equal(await page.getByRole('row').filter({ hasText: 'Demo API' }).count(), 0);

      // No API answer the page received carried the secret.
      assert.ok(rpcBodies.length > 0, 'no RPC responses recorded');
      for (const r of rpcBodies) {
        assert.ok(!r.body.includes(hints.genericGoodKey), `${r.url} answered with the secret`);
      }
      assert.deepEqual(problems, []);
    } catch (err) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'foundation-failure.png') }).catch(() => {});
      err.message += `\n--- server ${demo.server.logs()}`;
      throw err;
    }
  });

  test('keyboard shortcuts, focus trap, navigation and not-found page', async (t) => {
    const { context, page, problems } = await openApp();
    t.after(() => context.close());
    await page.getByRole('heading', { name: 'My Integrations' }).waitFor({ timeout: T });

    // Ctrl+N opens Add integration with Label focused; focus stays in the dialog; Escape closes.
    await page.keyboard.press('Control+n');
    const dialog = page.getByRole('dialog', { name: 'Add integration' });
    await dialog.waitFor({ timeout: T });
    await page.waitForFunction(() => document.activeElement?.id === 'add-label', null, { timeout: T });
    await dialog.getByRole('button', { name: 'Cancel' }).focus();
    await page.keyboard.press('Tab');
    assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), 'Tab left the dialog');
    await page.keyboard.press('Shift+Tab');
    assert.ok(await dialog.evaluate((d) => d.contains(document.activeElement)), 'Shift+Tab left the dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: T });

    // "?" shows the shortcuts help.
    await page.keyboard.press('Shift+?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor({ timeout: T });
    await help.getByText('Add integration', { exact: true }).waitFor({ timeout: T });
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached', timeout: T });

    // With nothing to report (--demo-empty) the bell counts 0 unread and its
    // panel says so; notifications themselves are in health.test.mjs.
    await page.getByRole('button', { name: 'Notifications, 0 unread' }).click();
    await page.getByRole('region', { name: 'Notifications' }).getByText('No notifications yet.').waitFor({ timeout: T });

    // Navigation uses real URLs; back works; unknown paths say so.
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.getByText('No workflow runs yet.').waitFor({ timeout: T });
    assert.equal(new URL(page.url()).pathname, '/runs');
    await page.getByRole('link', { name: 'Clients', exact: true }).click();
    await page.getByText('No clients yet.').waitFor({ timeout: T });
    await page.goBack();
    await page.getByText('No workflow runs yet.').waitFor({ timeout: T });
    await page.goto(new URL('/no/such/page', demo.server.origin).href);
    await page.getByRole('heading', { name: 'Not found' }).waitFor({ timeout: T });
    await page.getByRole('link', { name: 'Go to My Integrations' }).click();
    await page.getByRole('heading', { name: 'My Integrations' }).waitFor({ timeout: T });
    assert.deepEqual(problems, []);
  });

  test('API refuses calls without the session; connections never carry the secret', async (t) => {
    // A plain call from outside the page has no cookie: 401.
    const res = await fetch(`${demo.server.origin}/api/rpc/ListConnections`, {
      method: 'POST',
      headers: { 'X-Patchbay': '1', 'Content-Type': 'application/json' },
      body: '[]',
    });
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.equal(body.error?.code, 'unauthorized');

    const { context, page } = await openApp();
    t.after(() => context.close());
    await page.getByRole('heading', { name: 'My Integrations' }).waitFor({ timeout: T });
    const { demoHints: hints } = await rpc(page, 'GetAppInfo');
    const [ws] = await rpc(page, 'ListWorkspaces');
    const created = await rpc(page, 'CreateConnection', [
      {
        provider: 'generic_api_key',
        authMode: 'api_key',
        label: 'Secret check',
        workspaceIds: [ws.id],
        baseUrl: '',
        config: { headerName: hints.genericHeaderName, validationUrl: hints.genericValidationUrl },
        secrets: { apiKey: hints.genericGoodKey },
      },
    ]);
    try {
      const list = await rpcInPage(page, 'ListConnections');
      assert.equal(list.status, 200);
      assert.ok(list.text.includes('Secret check'), 'created connection not listed');
      assert.ok(!list.text.includes(hints.genericGoodKey), 'ListConnections carries the secret');
      const one = await rpcInPage(page, 'GetConnection', [created.id]);
      assert.ok(!one.text.includes(hints.genericGoodKey), 'GetConnection carries the secret');
      assert.ok(!JSON.stringify(created).includes(hints.genericGoodKey), 'CreateConnection answered with the secret');
      // Without the CSRF header the call is refused even with the cookie.
      const noHeader = await page.evaluate(async () => (await fetch('/api/rpc/ListConnections', { method: 'POST', body: '[]' })).status);
      assert.equal(noHeader, 401);
    } finally {
      await rpc(page, 'DeleteConnection', [created.id]);
    }
  });
});
