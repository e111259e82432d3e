import { mount } from 'svelte';
import App from './ui/App.svelte';
import { TrainerApp } from './app';
import './ui/theme.css';

declare global {
  interface Window {
    /** The app facade: the UI, the headless CLI and the tests drive training through it. */
    rl: TrainerApp;
  }
}

window.rl = new TrainerApp();
const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target, props: { app: window.rl } });
