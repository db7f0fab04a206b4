// End-to-end test of the Health page's fleet charts: the heat map, the
// stacked status chart, latency percentiles and PAT pool budgets are drawn
// (screenshots of each chart area are not blank), a heat map cell opens that
// day's checks, and the exported HTML report carries the charts inline.
// Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/fleet.test.mjs
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inkShare } from './png.mjs';
import { rpc, useDemo } from './server.mjs';

const T = 15_000;
const ARTIFACTS = process.env.ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');

describe('fleet health charts', { timeout: 120_000 }, () => {
  const demo = useDemo([]);

  test('the Health page shows the fleet at a glance', async (t) => {
    const context = await demo.browser.newContext({ viewport: { width: 1280, height: 1000 } });
    t.after(() => context.close());
    const page = await context.newPage();
    try {
      await page.goto(demo.server.url);
      const fleet = await rpc(page, 'GetFleetHealth');
      assert.equal(fleet.days.length, 30);
      assert.ok(fleet.rows.length > 5 && fleet.latency.length > 0 && fleet.budgets.length > 0, `the demo fleet is empty: ${JSON.stringify(fleet).slice(0, 300)}`);

      await page.getByRole('link', { name: 'Health', exact: true }).click();
      for (const id of ['chart-heatmap', 'chart-status', 'chart-latency', 'chart-budget']) {
        const area = page.getByTestId(id);
        await area.locator('svg, table').first().waitFor({ timeout: T });
        const shot = await area.locator('svg, table').first().screenshot();
        const ink = inkShare(shot);
        assert.ok(ink > 0.01, `${id} looks blank (${(ink * 100).toFixed(2)} % of its pixels drawn)`);
      }
      // The latency chart names each provider's percentiles.
      await page.getByTestId('chart-latency').getByText(/p50 \d+ \/ p95 \d+ ms/).first().waitFor({ timeout: T });

      // Today's cell of the worst connection opens that day's checks.
      const worst = fleet.rows[0];
      const today = fleet.days[29];
      const cellName = new RegExp(`^${worst.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, ${today}: `);
      const heat = page.getByRole('table', { name: /Uptime heat map/ });
      await heat.getByRole('button', { name: cellName }).click();
      const dialog = page.getByRole('dialog', { name: `${worst.label}, ${today}` });
      await dialog.getByRole('table').waitFor({ timeout: T });
      assert.ok((await dialog.getByRole('row').count()) > 1, 'no checks listed for the day');
      await dialog.getByRole('button', { name: 'Close' }).click();

      // Keyboard: one Tab stop, arrows move between cells.
      const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
      await heat.getByRole('button', { name: cellName }).focus();
      await page.keyboard.press('ArrowLeft');
      assert.match(await focused(), new RegExp(`, ${fleet.days[28]}: `));
      assert.equal(await heat.locator('button[tabindex="0"]').count(), 1, 'more than one heat map cell is in the Tab order');

      // The exported report draws the same charts inline.
      const exp = await rpc(page, 'ExportReport', ['html']);
      for (const heading of ['Uptime, last 30 days', 'Connections by status, per day', 'Latency by provider', 'Rate limit left per PAT pool']) {
        assert.ok(exp.body.includes(heading), `the report lacks ${heading}`);
      }
      assert.ok(!exp.body.includes('<script'), 'the report has a script');
      await page.screenshot({ path: path.join(ARTIFACTS, 'fleet.png'), fullPage: true });
    } catch (e) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-failed.png'), fullPage: true }).catch(() => {});
      throw e;
    }
  });
});
