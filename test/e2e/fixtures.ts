/** Shared e2e helpers: open the app, wait for the facade, and fail on page errors. */
import { expect, test as base, type Page } from '@playwright/test';

export const test = base.extend<{ appPage: Page; consoleErrors: string[] }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a destructured object.
  consoleErrors: async ({}, use) => {
    await use([]);
  },
  appPage: async ({ page, consoleErrors }, use) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
    await page.goto('/');
    await page.waitForFunction(() => typeof window.rl === 'object');
    await use(page);
  },
});

export { expect };
