// Helpers shared by the end-to-end tests and the screenshot script: start
// `patchbay serve --demo`, read the URL it prints, call its RPC API, and
// launch Debian's chromium through playwright-core.
import { spawn } from 'node:child_process';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const URL_LINE = /Patchbay is running at (http:\/\/\S+)/;

/**
 * Starts `$PATCHBAY_BIN serve --demo --addr 127.0.0.1:0` and resolves once it
 * printed its URL. The demo makes (and removes) its own throwaway data dir.
 * @returns {Promise<{url: string, origin: string, token: string, proc: import('node:child_process').ChildProcess, logs: () => string, stop: () => Promise<void>}>}
 */
export async function startServer({ timeoutMs = 20_000, extraArgs = [] } = {}) {
  const bin = process.env.PATCHBAY_BIN;
  if (!bin) throw new Error('Set PATCHBAY_BIN to the path of the built patchbay binary.');
  const proc = spawn(bin, ['serve', '--demo', '--addr', '127.0.0.1:0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATCHBAY_DATA_DIR: '' },
  });
  let out = '';
  let err = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => (err += d));
  proc.stdout.setEncoding('utf8');

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`patchbay serve printed no URL within ${timeoutMs} ms.\nstdout:\n${out}\nstderr:\n${err}`));
    }, timeoutMs);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = URL_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`patchbay serve exited (${code ?? signal}) before printing its URL.\nstdout:\n${out}\nstderr:\n${err}`));
    });
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });

  const parsed = new URL(url);
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token') ?? '',
    proc,
    logs: () => `stdout:\n${out}\nstderr:\n${err}`,
    stop,
  };
}

/** Launches Debian's chromium (never a downloaded browser). */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Calls an RPC method from inside the page (with its session cookie) and
 * returns {status, text}.
 * @param {import('playwright-core').Page} page
 * @param {string} method
 * @param {unknown[]} args
 */
export function rpcInPage(page, method, args = []) {
  return page.evaluate(
    async ([m, a]) => {
      const res = await fetch(`/api/rpc/${m}`, {
        method: 'POST',
        headers: { 'X-Patchbay': '1', 'Content-Type': 'application/json' },
        body: JSON.stringify(a),
      });
      return { status: res.status, text: await res.text() };
    },
    [method, args],
  );
}

/** Like rpcInPage, but parses the JSON and throws on a non-2xx answer. */
export async function rpc(page, method, args = []) {
  const { status, text } = await rpcInPage(page, method, args);
  if (status < 200 || status > 299) throw new Error(`${method} answered ${status}: ${text}`);
  return JSON.parse(text);
}

/**
 * The connection page's status line (badge and description), not the check
 * log below it, whose rows repeat "Connected and working." for every good
 * check the connection ever had.
 * @param {import('playwright-core').Page} page
 */
export function statusLine(page) {
  return page.getByTestId('connection-status');
}

/**
 * Resolves once the connection page's status line shows text.
 * @param {import('playwright-core').Page} page
 * @param {string} text
 * @param {number} timeout
 */
export async function waitForStatus(page, text, timeout) {
  await statusLine(page).getByText(text, { exact: true }).first().waitFor({ timeout });
}

/**
 * The status the API reports for the connection labelled label.
 * @param {import('playwright-core').Page} page
 * @param {string} label
 */
export async function connectionStatus(page, label) {
  const c = (await rpc(page, 'ListConnections')).find((/** @type {{label: string}} */ x) => x.label === label);
  if (!c) throw new Error(`No connection is labelled ${label}.`);
  return c.status;
}

/**
 * The connection labelled label as GetConnection returns it, with its
 * details (ListConnections has only the list's rows).
 * @param {import('playwright-core').Page} page
 * @param {string} label
 */
export async function connectionByLabel(page, label) {
  const c = (await rpc(page, 'ListConnections')).find((/** @type {{label: string}} */ x) => x.label === label);
  if (!c) throw new Error(`No connection is labelled ${label}.`);
  return rpc(page, 'GetConnection', [c.id]);
}

/**
 * The JSON text of every answer the UI can get about connections: the list
 * and each connection's details, for scanning for secret bytes.
 * @param {import('playwright-core').Page} page
 */
export async function connectionsText(page) {
  const list = await rpcInPage(page, 'ListConnections');
  const ids = JSON.parse(list.text).map((/** @type {{id: string}} */ c) => c.id);
  const each = await Promise.all(ids.map((/** @type {string} */ id) => rpcInPage(page, 'GetConnection', [id])));
  return [list.text, ...each.map((x) => x.text)].join('\n');
}

/**
 * Registers before/after hooks of a node:test suite that start
 * `patchbay serve --demo` with extraArgs and a Chromium, and stop both.
 * Read `.server` and `.browser` inside the tests.
 * @param {string[]} extraArgs
 * @param {{timeoutMs?: number}} [opts]
 */
export function useDemo(extraArgs = [], opts = {}) {
  /** @type {{server: Awaited<ReturnType<typeof startServer>>, browser: import('playwright-core').Browser}} */
  const ctx = /** @type {any} */ ({});
  before(async () => {
    ctx.server = await startServer({ extraArgs, ...opts });
    ctx.browser = await launchChromium();
  });
  after(async () => {
    await ctx.browser?.close().catch(() => {});
    await ctx.server?.stop();
  });
  return ctx;
}
