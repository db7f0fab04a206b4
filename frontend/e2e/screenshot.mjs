// Takes the README screenshot: the Integrations page of `patchbay serve --demo`
// with a few integrations, at 1280x800.
// Run: PATCHBAY_BIN=/abs/path/patchbay node e2e/screenshot.mjs [out.png] [--form out-form.png] [--health out-health.png]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, rpc, startServer } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const formAt = args.indexOf('--form');
const formOut = formAt >= 0 ? args.splice(formAt, 2)[1] : '';
const healthAt = args.indexOf('--health');
const healthOut = healthAt >= 0 ? args.splice(healthAt, 2)[1] : '';
const out = path.resolve(args[0] ?? path.join(here, '../../docs/screenshot.png'));

const server = await startServer();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'My Integrations' }).waitFor();
  const { demoHints: h } = await rpc(page, 'GetAppInfo');
  const [ws] = await rpc(page, 'ListWorkspaces');
  const draft = (label, key) => ({
    provider: 'generic_api_key',
    authMode: 'api_key',
    label,
    workspaceIds: [ws.id],
    baseUrl: '',
    config: { headerName: h.genericHeaderName, validationUrl: h.genericValidationUrl },
    secrets: { apiKey: key },
  });
  // `--demo` seeds one integration per provider in every state; add a few of
  // our own only when the binary started empty.
  if ((await rpc(page, 'ListConnections')).length === 0) {
    await rpc(page, 'CreateConnection', [draft('Billing API (production)', h.genericGoodKey)]);
    await rpc(page, 'CreateConnection', [draft('Inventory service', h.genericGoodKey)]);

    // A connection whose key the fake provider later revokes: Reconnection needed.
    const fake = new URL(h.genericValidationUrl).origin;
    const extra = 'demo-key-extra-0002';
    const added = await fetch(`${fake}/_fake/keys`, { method: 'POST', body: JSON.stringify({ key: extra, valid: true }) }).catch(() => null);
    if (added?.ok) {
      const c = await rpc(page, 'CreateConnection', [draft('Partner webhook key', extra)]);
      await fetch(`${fake}/_fake/keys`, { method: 'POST', body: JSON.stringify({ key: extra, valid: false }) });
      await rpc(page, 'CheckConnection', [c.id]);
    }
  }

  await page.reload();
  await page.getByRole('row').nth(1).waitFor();
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);

  if (healthOut) {
    // The Health page's fleet charts (the demo has 29 days of history).
    await page.getByRole('link', { name: 'Health', exact: true }).click();
    await page.getByTestId('chart-budget').waitFor();
    await page.screenshot({ path: path.resolve(healthOut), fullPage: true });
    console.log(`wrote ${healthOut}`);
    await page.goto(new URL('/integrations', server.url).toString());
  }

  if (formOut) {
    await page.getByRole('button', { name: 'Add integration' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add integration' });
    await dialog.getByLabel('Label', { exact: true }).fill('Demo API');
    await dialog.getByLabel('API key', { exact: true }).fill(h.genericBadKey);
    await dialog.getByLabel('Validation URL', { exact: true }).fill(h.genericValidationUrl);
    await dialog.getByRole('button', { name: 'Validate Connection' }).click();
    await dialog.getByRole('alert').waitFor();
    await page.screenshot({ path: path.resolve(formOut), fullPage: true });
    console.log(`wrote ${formOut}`);
  }
} finally {
  await browser.close();
  await server.stop();
}
