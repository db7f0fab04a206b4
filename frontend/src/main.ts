import { mount } from 'svelte';
import App from './App.svelte';
import Portal from './routes/Portal.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

// Svelte 5: mount(), not `new App()` (which renders nothing).
// Clients opening a reconnection link get the portal, never the operator app.
const app = window.location.pathname.startsWith('/portal') ? mount(Portal, { target }) : mount(App, { target });

export default app;
