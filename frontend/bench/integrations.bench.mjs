// Render benchmark of the Integrations page with 10,000 connections in
// headless Chromium (`make bench`, through scripts/bench.sh).
//
// First render: a fresh browser context (cold cache, the session cookie
// only) navigates to the app; the time runs from the navigation's start
// (performance.timeOrigin) to the frame after the first row appears, so it
// includes loading the page and its scripts, the ListConnections call, its
// JSON parse and the render. Target < 1000 ms.
// Filtering: each keystroke of a query, from the input event to the next
// paint. Target < 50 ms (median).
//
// Besides the human-readable lines it prints one machine line per figure:
//   BENCH <name> <value> <unit> <op> <target>   (op: < or <=)
// which scripts/bench.sh turns into PASS / FALLS SHORT. It never fails on
// speed, only when the page did not show what it should.
import { launchChromium, rpc, startServer } from '../e2e/server.mjs';

const N = Number(process.env.BENCH_CONNECTIONS || 10000);
const FIRST_RENDER_TARGET = 1000;
const KEYSTROKE_TARGET = 50;
const SAMPLES = 5;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await startServer({ timeoutMs: 120_000, extraArgs: ['--demo-bulk', String(N), '--sweep-interval', '0'] });
const browser = await launchChromium();
try {
  // The start URL's token becomes the session cookie; each measured page
  // gets only that cookie, in its own context.
  const login = await browser.newContext();
  const loginPage = await login.newPage();
  await loginPage.goto(server.url);
  const cookies = await login.cookies();
  const all = await rpc(loginPage, 'ListConnections');
  const bulk = all.filter((c) => /^Bulk integration /.test(c.label)).length;
  if (bulk !== N) throw new Error(`the server holds ${bulk} bulk connections, want ${N}`);
  await login.close();

  const first = [];
  const fetches = [];
  let rows = { dom: 0, count: '' };
  let page;
  for (let i = 0; i < SAMPLES; i++) {
    await page?.context().close();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.addCookies(cookies);
    page = await ctx.newPage();
    await page.addInitScript(() => {
      const w = /** @type {any} */ (window);
      const tick = () => {
        if (document.querySelector('table.list tbody tr td a')) {
          requestAnimationFrame(() => (w.__rowsPaintedAt = performance.now()));
          return;
        }
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.goto(server.origin + '/');
    await page.waitForFunction(() => /** @type {any} */ (window).__rowsPaintedAt !== undefined, undefined, { timeout: 60_000 });
    const m = await page.evaluate(() => {
      const rpcEntry = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/rpc/ListConnections'));
      return { painted: /** @type {any} */ (window).__rowsPaintedAt, fetchStart: rpcEntry ? rpcEntry.startTime : NaN, fetchEnd: rpcEntry ? rpcEntry.responseEnd : NaN };
    });
    first.push(m.painted);
    fetches.push(m);
    rows = await page.evaluate(() => ({
      dom: document.querySelectorAll('table.list tbody tr:not(.pad)').length,
      count: document.querySelector('.filter [aria-live]')?.textContent ?? '',
    }));
  }
  if (!page) throw new Error('no page was measured');
  if (rows.count !== `${all.length} integrations`) throw new Error(`the list shows "${rows.count}", want "${all.length} integrations" (${N} bulk + ${all.length - N} demo)`);

  // Type a query one key at a time; time each keystroke to the next paint.
  const keys = [];
  for (const q of ['B', 'Bu', 'Bul', 'Bulk', 'Bulk ', 'Bulk i', 'Bulk in', 'Bulk int', 'Bulk integration 0', 'Bulk integration 00', 'Bulk integration 001', 'Bulk integration 0012']) {
    keys.push(
      await page.evaluate(async (value) => {
        const input = /** @type {HTMLInputElement} */ (document.querySelector('#int-filter'));
        const t0 = performance.now();
        input.value = value;
        input.dispatchEvent(new Event('input', { bubbles: true }));
        await new Promise((r) => requestAnimationFrame(() => r(undefined)));
        await new Promise((r) => setTimeout(r, 0));
        return performance.now() - t0;
      }, q),
    );
  }
  const matched = await page.evaluate(() => document.querySelector('.filter [aria-live]')?.textContent ?? '');
  if (!/^\d+ of \d+ integrations$/.test(matched)) throw new Error(`filtering did not narrow the list: "${matched}"`);

  const f = median(first);
  const k = median(keys);
  const kmax = Math.max(...keys);
  console.log(`Integrations page, ${N} connections (${rows.count}; ${rows.dom} rows in the DOM):`);
  console.log(`  first render from navigation  median ${f.toFixed(1)} ms of ${SAMPLES} cold loads (ListConnections sent at ${median(fetches.map((x) => x.fetchStart)).toFixed(0)} ms, answered at ${median(fetches.map((x) => x.fetchEnd)).toFixed(0)} ms)  target < ${FIRST_RENDER_TARGET} ms`);
  console.log(`  filter / keystroke            median ${k.toFixed(1)} ms, max ${kmax.toFixed(1)} ms  target < ${KEYSTROKE_TARGET} ms (median)`);
  console.log(`  last query matched: ${matched}`);
  console.log(`BENCH integrations-first-render-10k ${f.toFixed(1)} ms < ${FIRST_RENDER_TARGET}`);
  console.log(`BENCH integrations-filter-per-key ${k.toFixed(1)} ms < ${KEYSTROKE_TARGET}`);
} finally {
  await browser.close();
  await server.stop();
}
