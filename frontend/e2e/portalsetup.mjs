// What the client-portal end-to-end tests (portal.test.mjs,
// portaldetail.test.mjs) share: the operator's and a client's browsers, a
// client opening a reconnection link, the provider's consent tab, and
// screenshots of both sides when a step fails.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rpc } from './server.mjs';

/** How long one step may take. */
export const T = 15_000;
const ARTIFACTS = process.env.ARTIFACTS || path.join(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/e2e');

/**
 * Opens the operator's browser context (signed in to the app through the
 * start URL) and a separate one for the client, both closed after the test.
 * @param {import('node:test').TestContext} t
 * @param {{server: {url: string}, browser: import('playwright-core').Browser}} demo
 */
export async function operatorAndClient(t, demo) {
  const operator = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const client = await demo.browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(async () => {
    await operator.close();
    await client.close();
  });
  const page = await operator.newPage();
  await page.goto(demo.server.url);
  /** The fake providers' base URL (POST /_fake/oauth/revoke breaks the OAuth grants). */
  const fake = /** @type {string} */ ((await rpc(page, 'GetAppInfo')).demoHints.fakeBaseUrl);
  return { operator, client, page, fake };
}

/**
 * The client opens a reconnection link in a new tab of their browser and
 * uses it: the link's page names the client and only its "Continue as …"
 * button signs them in.
 * @param {import('playwright-core').BrowserContext} client
 * @param {string} link
 * @param {string} name the client's name
 */
export async function continueAs(client, link, name) {
  const portal = await client.newPage();
  await portal.goto(link);
  await portal.getByText(`This link opens the connections of ${name}`).waitFor({ timeout: T });
  await portal.getByRole('button', { name: `Continue as ${name}` }).click();
  return portal;
}

/**
 * Clicks a button that opens the provider's consent in a new tab of
 * context, approves it at the fake provider and closes the tab once it says
 * the tab can be closed.
 * @param {import('playwright-core').BrowserContext} context
 * @param {import('playwright-core').Locator} button
 */
export async function approveConsent(context, button) {
  const [consent] = await Promise.all([context.waitForEvent('page'), button.click()]);
  await consent.getByRole('button', { name: 'Approve' }).click();
  await consent.getByText('You can close this tab.').waitFor({ timeout: T });
  await consent.close();
}

/**
 * Runs a test's steps; when one fails, saves what the operator and the
 * client saw (NAME-operator.png, NAME-client.png) and fails with its error.
 * @param {string} name
 * @param {import('playwright-core').Page} page the operator's page
 * @param {() => import('playwright-core').Page | undefined} portal the client's page, once there is one
 * @param {() => Promise<void>} steps
 */
export async function withScreenshots(name, page, portal, steps) {
  try {
    await steps();
  } catch (e) {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-operator.png`) }).catch(() => {});
    await portal()?.screenshot({ path: path.join(ARTIFACTS, `${name}-client.png`) }).catch(() => {});
    throw e;
  }
}
