// axe-core in WebKitGTK, the engine of the desktop window (issue 18): drives
// Debian's MiniBrowser of the same libwebkit2gtk-4.1 through WebKitWebDriver
// (W3C WebDriver over HTTP, no client library), opens every page of
// `patchbay serve --demo` and fails on any serious or critical violation,
// in light and dark mode. scripts/webkit-axe.sh starts Xvfb, the driver and
// the server and passes their addresses.
// Usage: DRIVER=http://127.0.0.1:PORT APP_URL=http://127.0.0.1:PORT/?token=… node e2e-webkit/axe-webkit.mjs
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const driver = process.env.DRIVER;
const appURL = process.env.APP_URL;
if (!driver || !appURL) throw new Error('set DRIVER and APP_URL (scripts/webkit-axe.sh does)');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const MINIBROWSER = process.env.MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** One WebDriver command; throws with the driver's message. */
async function wd(method, path, body) {
  const res = await fetch(driver + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

/** Polls fn (in the page) until it returns true, for at most ms. */
async function waitIn(session, fn, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await wd('POST', `/session/${session}/execute/sync`, { script: `return (${fn})()`, args: [] })) return;
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const found = [];
// SCHEME=dark: the driver (and so MiniBrowser) runs with GTK_THEME=Adwaita:dark,
// the desktop's dark preference, which WebKitGTK reports as prefers-color-scheme.
const scheme = process.env.SCHEME === 'dark' ? 'dark' : 'light';
{
  const session = (
    await wd('POST', '/session', {
      capabilities: {
        alwaysMatch: {
          'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
        },
      },
    })
  ).sessionId;
  try {
    await wd('POST', `/session/${session}/url`, { url: appURL });
    await waitIn(session, () => !!document.querySelector('main h1'), 30_000, 'the Integrations page');
    const info = await wd('POST', `/session/${session}/execute/async`, {
      script: `const done = arguments[arguments.length - 1];
        fetch('/api/rpc/ListConnections', { method: 'POST', headers: { 'X-Patchbay': '1' }, body: '[]' })
          .then((r) => r.json()).then((list) => done(list.find((c) => c.label === 'Alerts Slack').id), (e) => done('ERR ' + e));`,
      args: [],
    });
    if (String(info).startsWith('ERR')) throw new Error(`ListConnections in WebKit: ${info}`);
    const dark = await wd('POST', `/session/${session}/execute/sync`, { script: `return matchMedia('(prefers-color-scheme: dark)').matches`, args: [] });
    if (dark !== (scheme === 'dark')) throw new Error(`WebKitGTK reports prefers-color-scheme ${dark ? 'dark' : 'light'}, want ${scheme} (GTK_THEME=${process.env.GTK_THEME ?? ''})`);
    await wd('POST', `/session/${session}/execute/sync`, { script: axeSource + ';return true;', args: [] });
    // The audit can fail here: an unnamed button is a critical violation.
    const probe = await wd('POST', `/session/${session}/execute/async`, {
      script: `const done = arguments[arguments.length - 1];
        const b = document.createElement('button'); b.id = 'axe-probe'; document.body.append(b);
        axe.run('#axe-probe', { resultTypes: ['violations'] }).then((r) => { b.remove(); done(r.violations.map((v) => v.id + ':' + v.impact)); }, (e) => { b.remove(); done(['error ' + e]); });`,
      args: [],
    });
    if (!probe.includes('button-name:critical')) throw new Error(`axe in WebKitGTK did not flag an unnamed button: ${JSON.stringify(probe)}`);
    const pages = ['/integrations', `/integrations/${info}`, `/integrations/${info}/monitoring`, `/integrations/${info}/settings`, '/health', '/runs', '/clients', '/settings'];
    for (const p of pages) {
      await wd('POST', `/session/${session}/execute/sync`, {
        script: `history.pushState({}, '', arguments[0]); dispatchEvent(new PopStateEvent('popstate')); return true;`,
        args: [p],
      });
      await waitIn(session, () => !!document.querySelector('main h1') && !document.querySelector('.lazy-loading'), 15_000, `page ${p}`);
      await new Promise((r) => setTimeout(r, 300));
      const violations = await wd('POST', `/session/${session}/execute/async`, {
        script: `const done = arguments[arguments.length - 1];
          axe.run(document, { resultTypes: ['violations'] }).then(
            (r) => done(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
              .map((v) => v.id + ' (' + v.impact + ') ' + v.help + ': ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '))),
            (e) => done(['axe failed: ' + e]));`,
        args: [scheme],
      });
      for (const v of violations) found.push(`${scheme} ${p}: ${v}`);
      console.log(`webkit-axe: ${scheme} ${p}: ${violations.length} serious or critical`);
    }
  } finally {
    await wd('DELETE', `/session/${session}`).catch(() => {});
  }
}
if (found.length) {
  console.error(`webkit-axe: axe found serious or critical violations in WebKitGTK:\n${found.join('\n')}`);
  process.exit(1);
}
console.log(`webkit-axe: no serious or critical violations in WebKitGTK (${scheme})`);
