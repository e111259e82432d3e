import type { AppFacade } from './app';
import { describeBootError, type BootError } from './app/boot-error';
import './ui/theme.css';

declare global {
  interface Window {
    /** The app facade: the UI, the headless CLI and the tests drive training through it. */
    rl: AppFacade;
    /** Set instead of `rl` when the app's scripts threw while loading (the CLI reports it at once). */
    rlBootError?: BootError;
  }
}

/** A plain-DOM error panel: the Svelte page is part of what failed to load. */
function showBootError(error: BootError): void {
  const panel = document.createElement('div');
  panel.className = 'boot-error';
  panel.setAttribute('role', 'alert');
  panel.dataset['testid'] = 'env-error';
  const title = document.createElement('h2');
  title.textContent = 'The app could not start';
  const message = document.createElement('pre');
  message.textContent = error.message;
  panel.append(title, message);
  (document.getElementById('app') ?? document.body).append(panel);
}

try {
  const { startApp } = await import('./app-main');
  await startApp();
} catch (e) {
  const error = await describeBootError(e);
  console.error(`[boot] ${error.message}`);
  window.rlBootError = error;
  showBootError(error);
}
