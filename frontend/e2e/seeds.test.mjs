// End-to-end tests of the seed documents' steps that have no other e2e:
// seed 003's diagnosis of a failing connection.
// Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/seeds.test.mjs
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rpc, useDemo } from './server.mjs';

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
});
