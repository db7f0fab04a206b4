// The app shell (issue 18, first paint): index.html alone, before any script
// runs, paints the header and an accessible "Loading Patchbay…" status, so
// the desktop window's first frame does not wait for the app's scripts
// (scripts/bench-startup.sh measures it against the bare Wails template).
// The app then replaces the shell, with its header in the same place.
// Run: PATCHBAY_BIN=/abs/path/patchbay node --test e2e/shell.test.mjs
import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useDemo } from './server.mjs';

const T = 15_000;
const VIEWPORT = { width: 1280, height: 800 };

describe('app shell', { timeout: 120_000 }, () => {
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
});
