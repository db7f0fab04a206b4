// A long Integrations list stays usable: it is asked for once while the page
// loads, only the rows in view are in the DOM, scrolling reaches the last
// one, and the filter narrows it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useDemo } from './server.mjs';

const T = 15_000;

describe('a long integrations list', { timeout: 120_000 }, () => {
  const demo = useDemo(['--demo-bulk', '2000', '--sweep-interval', '0'], { timeoutMs: 60_000 });

  test('renders only what is in view, scrolls to the end and filters', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const lists = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/rpc/ListConnections')) lists.push(r.method());
    });
    await page.goto(demo.server.url);
    await page.getByText('2016 integrations').waitFor({ timeout: T });
    // public/assets/prefetch.js asked for the list before the app's scripts
    // ran, and the app took that answer instead of asking again.
    assert.deepEqual(lists, ['POST'], 'the list is asked for once while the page loads');
    const inDom = await page.locator('table.list tbody tr:not(.pad)').count();
    assert.ok(inDom > 10 && inDom < 100, `${inDom} rows in the DOM for 2016 integrations`);

    // Scroll to the bottom: the last integration by label is rendered.
    await page.locator('.scroller').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.getByRole('link', { name: 'Bulk integration 01999' }).waitFor({ timeout: T });

    // Filter: owner, provider and label words all count.
    await page.getByLabel('Filter integrations').fill('bulk 00123');
    await page.getByText('1 of 2016 integrations').waitFor({ timeout: T });
    await page.getByRole('link', { name: 'Bulk integration 00123' }).waitFor({ timeout: T });
    await page.getByLabel('Filter integrations').fill('no such integration');
    await page.getByText(/No integration matches/).waitFor({ timeout: T });
    await page.getByRole('button', { name: 'Clear the filter' }).click();
    await page.getByText('2016 integrations').waitFor({ timeout: T });
  });
});
