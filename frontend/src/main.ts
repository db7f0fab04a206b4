import { mount } from 'svelte';
import App from './App.svelte';
import { patchbay } from './lib/stores/patchbay.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
// index.html's static shell (header and "Loading Patchbay…") is the first
// frame, painted before this script runs; the operator app replaces it in
// the same task (no empty frame between), the portal before its chunk loads.
target.replaceChildren();

// Svelte 5: mount(), not `new App()` (which renders nothing).
// Clients opening a reconnection link get the portal, never the operator app.
// The portal is its own chunk: the operator's first frame does not parse it.
if (window.location.pathname.startsWith('/portal')) {
  void import('./routes/Portal.svelte').then(({ default: Portal }) => mount(Portal, { target }));
} else {
  // The data requests leave now, while the app mounts (App's onMount waits for them).
  void patchbay.load();
  mount(App, { target });
}
