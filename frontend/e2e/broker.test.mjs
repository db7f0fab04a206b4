// End-to-end test of the credential broker's UI (issue 17): configuring a
// signed webhook alert route in Settings, its Test delivery, the delivery a
// broken connection causes, and the Activity page listing the events.
// Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/broker.test.mjs
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { describe, test } from 'node:test';
import { rpc, useDemo } from './server.mjs';

const T = 15_000;
const JIRA = 'ATATT3xFfGF0demoJiraCloudToken=A1B2C3D4';
const SECRET = 'whsec-e2e-0123456789abcdef';

/** A local webhook receiver that keeps the bodies whose X-Patchbay-Signature verifies. */
function receiver() {
  const got = [];
  let bad = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const want = 'sha256=' + crypto.createHmac('sha256', SECRET).update(body).digest('hex');
      const sig = String(req.headers['x-patchbay-signature'] ?? '');
      if (sig.length !== want.length || !crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(want))) {
        bad++;
        res.writeHead(401).end();
        return;
      }
      got.push(JSON.parse(body.toString()));
      res.writeHead(204).end();
    });
  });
  return { server, got, bad: () => bad };
}

async function until(what, fn) {
  const deadline = Date.now() + T;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('alert routes and activity', { timeout: 120_000 }, () => {
  const demo = useDemo([]);

  test('a webhook route is configured, tested, and posted to when a connection breaks', async (t) => {
    const rv = receiver();
    await new Promise((r) => rv.server.listen(0, '127.0.0.1', r));
    t.after(() => rv.server.close());
    const hookURL = `http://127.0.0.1:${rv.server.address().port}/hook`;
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    await page.goto(demo.server.url);
    const fake = (await rpc(page, 'GetAppInfo')).demoHints.fakeBaseUrl;
    await page.getByRole('link', { name: 'Settings', exact: true }).click();

    await page.getByRole('heading', { name: 'Alert routes' }).waitFor({ timeout: T });
    await page.getByRole('button', { name: 'Add alert route' }).click();
    await page.getByLabel('Route name').fill('Ops hook');
    await page.getByLabel('Webhook URL').fill(hookURL);
    await page.getByLabel('Signing secret').fill('short');
    await page.getByRole('button', { name: 'Add route' }).click();
    await page.getByText('at least 16 characters').first().waitFor({ timeout: T });
    await page.getByLabel('Signing secret').fill(SECRET);
    await page.getByRole('button', { name: 'Add route' }).click();
    const row = page.getByRole('row', { name: /Ops hook/ });
    await row.waitFor({ timeout: T });

    await page.getByRole('button', { name: 'Test Ops hook' }).click();
    await page.getByText('Test message delivered to Ops hook.').waitFor({ timeout: T });
    await until('the test delivery', () => rv.got.find((b) => b.event === 'test'));

    // Break Jira at the provider and check it: one signed reauth_required post.
    await fetch(`${fake}/_fake/keys`, { method: 'POST', body: JSON.stringify({ key: JIRA, valid: false }) });
    const conns = await rpc(page, 'ListConnections');
    const jira = conns.find((c) => c.provider === 'jira_cloud' && c.authMode === 'api_token');
    assert.ok(jira, 'the demo has a Jira Cloud API token connection');
    await rpc(page, 'CheckConnection', [jira.id]);
    await rpc(page, 'CheckConnection', [jira.id]);
    const post = await until('the reauth_required post', () => rv.got.find((b) => b.event === 'connection.reauth_required'));
    assert.equal(post.connection.id, jira.id);
    assert.match(post.text, /reauth required: .*Reconnection needed\./);
    assert.ok(!JSON.stringify(rv.got).includes(JIRA), 'a token reached the webhook');
    assert.equal(rv.got.filter((b) => b.event === 'connection.reauth_required').length, 1, 'one message per state change');
    assert.equal(rv.bad(), 0, 'a delivery had a bad signature');
    await page.getByRole('table', { name: 'Recent deliveries' }).getByText('connection.reauth_required').first().waitFor({ timeout: T });

    // The Activity page lists the events, filterable by action.
    await page.getByRole('link', { name: 'Activity', exact: true }).click();
    await page.getByRole('heading', { name: 'Activity' }).waitFor({ timeout: T });
    await page.getByRole('cell', { name: 'created' }).first().waitFor({ timeout: T });
    await page.getByRole('combobox', { name: /^Action/ }).selectOption('validated');
    await page.getByRole('cell', { name: jira.label }).first().waitFor({ timeout: T });
    const actions = await page.locator('.audit-table tbody tr td:nth-child(3)').allTextContents();
    assert.ok(actions.length > 0 && actions.every((a) => a === 'validated'), `filtered actions: ${actions}`);
    await fetch(`${fake}/_fake/keys`, { method: 'POST', body: JSON.stringify({ key: JIRA, valid: true }) });
  });
});
