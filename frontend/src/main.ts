import { mount } from 'svelte';
import App from './App.svelte';
import { patchbay } from './lib/stores/patchbay.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
// Svelte 5: mount(), not `new App()` (which renders nothing).
// Clients opening a reconnection link get the portal, never the operator app.
// The portal is its own chunk: the operator's first frame does not parse it.
if (window.location.pathname.startsWith('/portal')) {
  target.replaceChildren();
  void import('./routes/Portal.svelte').then(({ default: Portal }) => mount(Portal, { target }));
} else {
  // index.html's static shell (header and "Loading Patchbay…") is the first
  // frame, painted before this script runs. The app's work (its data
  // requests through the bindings, mount) starts after the next frame, so it
  // does not compete with showing that frame (scripts/bench-startup.sh); a
  // hidden page gets no frames, hence the timer. The shell goes in the same
  // task as the app mounts (no empty frame between).
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    // The data requests leave now, while the app mounts (App's onMount waits for them).
    void patchbay.load();
    target.replaceChildren();
    mount(App, { target });
  };
  requestAnimationFrame(() => setTimeout(start));
  setTimeout(start, 200);
}
