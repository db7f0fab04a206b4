import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/** The operator's navigation, which the portal's page must never show. */
export const operatorNav = ['Integrations', 'Health', 'Runs', 'Clients', 'Activity', 'Settings'];

/**
 * portal.html, the page backend/httpapi serves for /portal paths: the built
 * index.html without the operator's header, so a client opening a
 * reconnection link never sees the operator's navigation, not even in the
 * first frame before main.ts replaces the shell with the portal. The desktop
 * window and the operator keep index.html's shell as it is. The build fails
 * when index.html's shell no longer has the header this removes.
 */
export function portalShell(html: string): string {
  const portal = html
    .replace(/\s*<!-- The app shell[\s\S]*?-->/, '')
    .replace(/\s*<header class="boot-bar">[\s\S]*?<\/header>/, '')
    // The operator's first data requests (public/assets/prefetch.js) are not the portal's.
    .replace(/\s*<script src="\/assets\/prefetch\.js"[^>]*><\/script>/, '')
    .replace('Loading Patchbay…', 'Loading your connections…');
  const left = operatorNav.filter((item) => portal.includes(item));
  if (portal.includes('boot-bar') || portal.includes('prefetch.js') || left.length > 0 || !portal.includes('Loading your connections…')) {
    throw new Error(`portal.html: index.html's shell changed; still there: ${left.join(', ') || 'the header or prefetch.js'} (vite.config.ts, portalShell)`);
  }
  return portal;
}

function portalPage(): Plugin {
  return {
    name: 'patchbay-portal-page',
    apply: 'build',
    enforce: 'post',
    generateBundle(_, bundle) {
      const index = bundle['index.html'];
      if (!index || index.type !== 'asset') this.error('no index.html in the bundle');
      this.emitFile({ type: 'asset', fileName: 'portal.html', source: portalShell(String(index.source)) });
    },
  };
}

export default defineConfig({
  plugins: [svelte(), portalPage()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline module-preload polyfill: the served CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
