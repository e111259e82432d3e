/**
 * Starts the app: the facade on `window.rl`, the env modules named in the URL hash
 * (`env_module=/my-envs/corridor.js`, loaded before the form reads the hash so their ids are
 * known), then the Svelte page. Loaded by main.ts with a dynamic import, so a throw from a user's
 * env module while this graph loads is caught and shown instead of leaving a blank page.
 */
import { mount } from 'svelte';
import App from './ui/App.svelte';
import { AppFacade } from './app';
import { envModulesFromHash } from './app/url-state';

export async function startApp(): Promise<void> {
  const app = new AppFacade();
  window.rl = app;
  // A module that fails is reported in the page's error panel (app.envs.fault); the rest runs.
  for (const url of envModulesFromHash(location.hash)) await app.envs.load(url).catch(() => {});
  const target = document.getElementById('app');
  if (!target) throw new Error('index.html has no #app element');
  mount(App, { target, props: { app } });
}
