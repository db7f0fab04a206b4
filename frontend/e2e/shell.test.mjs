// The app shell (issue 18, first paint): index.html alone, before any script
// runs, paints the header and an accessible "Loading Patchbay…" status, so
// the desktop window's first frame does not wait for the app's scripts
// (scripts/bench-startup.sh measures it against the bare Wails template).
// The app then replaces the shell, with its header in the same place.
// The client portal's pages (/portal/…) get a shell without the operator's
// header: a client never sees the operator's navigation, neither in the HTML
// as served nor in any frame before the portal mounts.
// Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/shell.test.mjs
import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useDemo } from './server.mjs';

const T = 15_000;
const VIEWPORT = { width: 1280, height: 800 };

describe('app shell', { timeout: 300_000 }, () => {
  const demo = useDemo(['--demo-empty']);

  test('index.html paints the header and a loading status without scripts; the app replaces it in place', async (t) => {
    // The app's scripts never arrive: what the window shows before any of
    // them ran (axe still runs: Playwright's own scripts are not blocked).
    const bare = await demo.browser.newContext({ viewport: VIEWPORT });
    t.after(() => bare.close());
    await bare.route(/\/assets\/.*\.js(\?.*)?$/, (route) => route.abort());
    const before = await bare.newPage();
    await before.goto(demo.server.url);
    const banner = before.getByRole('banner');
    await banner.waitFor({ timeout: T });
    assert.match((await banner.innerText()).trim(), /^Patchbay\b/, 'the shell header names the app');
    assert.equal((await before.getByRole('status').innerText()).trim(), 'Loading Patchbay…');
    assert.equal(await before.getByRole('main').count(), 1, 'the shell has a main landmark');
    // Painted by the style sheet alone: the header is the dark bar at the top.
    const shellBar = await banner.boundingBox();
    assert.ok(shellBar && shellBar.y === 0 && shellBar.height > 40 && shellBar.width === VIEWPORT.width, `shell header box ${JSON.stringify(shellBar)}`);
    const barColour = await banner.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.notEqual(barColour, 'rgba(0, 0, 0, 0)', 'the shell header has no background: app.css does not style it');
    const res = await new AxeBuilder({ page: before }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
    const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.equal(bad.length, 0, `shell: serious/critical axe violations: ${bad.map((v) => v.id).join(', ')}`);

    // With JavaScript: the app replaces the shell; one header, where the shell's was.
    const live = await demo.browser.newContext({ viewport: VIEWPORT });
    t.after(() => live.close());
    const page = await live.newPage();
    await page.goto(demo.server.url);
    await page.getByRole('heading', { name: 'My Integrations' }).waitFor({ timeout: T });
    assert.equal(await page.locator('.boot').count(), 0, 'the shell is still in the page after the app mounted');
    assert.equal(await page.getByRole('banner').count(), 1, 'exactly one header after mount');
    assert.equal(await page.getByText('Loading Patchbay…').count(), 0);
    const appBar = await page.getByRole('banner').boundingBox();
    assert.deepEqual(appBar, shellBar, 'the app header is not where the shell header was (a layout jump)');
    const brand = await page.getByRole('link', { name: 'Patchbay' }).boundingBox();
    const shellBrand = await before.getByText('Patchbay', { exact: true }).boundingBox();
    assert.ok(brand && shellBrand && Math.abs(brand.x - shellBrand.x) < 1 && Math.abs(brand.y - shellBrand.y) < 1, `brand moved: shell ${JSON.stringify(shellBrand)}, app ${JSON.stringify(brand)}`);
    for (const item of ['Integrations', 'Settings']) {
      const a = await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: item }).boundingBox();
      const s = await before.getByText(item, { exact: true }).boundingBox();
      assert.ok(a && s && Math.abs(a.x - s.x) < 1 && Math.abs(a.width - s.width) < 1, `nav item ${item} moved: shell ${JSON.stringify(s)}, app ${JSON.stringify(a)}`);
    }
  });

  test('the portal never shows the operator navigation: not as served, not in its first paint, not before it mounts', async (t) => {
    const nav = ['Integrations', 'Health', 'Runs', 'Clients', 'Activity', 'Settings'];
    const paths = ['/portal/', '/portal/connections/conn_x', '/portal/connections?connected=conn_x'];
    const { origin } = demo.server;
    // The HTML as served (a client's first request for a portal page).
    for (const p of paths) {
      const res = await fetch(origin + p);
      const html = await res.text();
      assert.equal(res.status, 200, `GET ${p}`);
      assert.deepEqual(nav.filter((item) => html.includes(item)), [], `GET ${p} serves the operator's navigation:\n${html}`);
      assert.ok(!html.includes('boot-nav') && !html.includes('<header'), `GET ${p} serves the operator's header:\n${html}`);
      assert.ok(html.includes('id="app"') && html.includes('/assets/'), `GET ${p} is not the app's page:\n${html}`);
    }
    // The first paint: the page and its style sheet, before any script ran.
    const bare = await demo.browser.newContext({ viewport: VIEWPORT });
    t.after(() => bare.close());
    await bare.route(/\/assets\/.*\.js(\?.*)?$/, (route) => route.abort());
    const before = await bare.newPage();
    await before.goto(origin + '/portal/');
    await before.getByRole('status').waitFor({ timeout: T });
    assert.equal((await before.getByRole('status').innerText()).trim(), 'Loading your connections…');
    const painted = await before.locator('body').innerText();
    assert.deepEqual(nav.filter((item) => painted.includes(item)), [], `the portal's first paint shows the operator's navigation: ${painted}`);
    assert.equal(await before.getByRole('banner').count(), 0, "the portal's first paint has the operator's header");
    const res = await new AxeBuilder({ page: before }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
    const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.equal(bad.length, 0, `portal shell: serious/critical axe violations: ${bad.map((v) => v.id).join(', ')}`);

    // With scripts: nothing of the operator's header or navigation is in
    // the page at any moment until the portal has mounted (a recorder
    // installed before the document is parsed sees every node added).
    const live = await demo.browser.newContext({ viewport: VIEWPORT });
    t.after(() => live.close());
    await live.addInitScript((items) => {
      /** @type {string[]} */
      const seen = [];
      Object.assign(window, { __operatorNavSeen: seen });
      new MutationObserver((records) => {
        for (const r of records) {
          for (const n of r.addedNodes) {
            const text = n.textContent ?? '';
            const el = n instanceof Element ? n : null;
            if (el?.matches('header, nav, .boot-nav') || el?.querySelector('header, nav, .boot-nav') || items.some((i) => text.includes(i))) {
              seen.push(el ? el.outerHTML.slice(0, 200) : text.slice(0, 200));
            }
          }
        }
      }).observe(document, { childList: true, subtree: true });
    }, nav);
    const page = await live.newPage();
    await page.goto(origin + '/portal/');
    // No session in this browser: the portal mounts and says so.
    await page.locator('main.portal').getByRole('alert').waitFor({ timeout: T });
    assert.equal(await page.locator('.boot').count(), 0, 'the shell is still in the page after the portal mounted');
    const seen = await page.evaluate(() => /** @type {any} */ (window).__operatorNavSeen);
    assert.deepEqual(seen, [], 'the operator header or navigation was in the portal page before it mounted');
  });
});
