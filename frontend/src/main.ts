import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

// Svelte 5: mount(), not `new App()` (which renders nothing).
const app = mount(App, { target });

export default app;
