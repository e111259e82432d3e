/**
 * Shared e2e helpers: open the app, wait for the facade, and fail on console errors.
 *
 * Every page of every test (the app, the embed example and its iframe alike) is watched: a
 * console error or an uncaught page error fails the test when it ends. A test that provokes
 * errors on purpose (a crashing worker) names the ones it expects with
 * `test.use({ allowConsoleErrors: /pattern/ })`.
 */
import { expect, test as base, type Page } from '@playwright/test';

interface Fixtures {
  /** The app page, with `window.rl` ready. */
  appPage: Page;
  /** Console and page errors seen so far in this test, from every page. */
  consoleErrors: string[];
}

interface Options {
  /** Errors matching this are expected by the test and not counted. */
  allowConsoleErrors: RegExp | null;
}

export const test = base.extend<Fixtures & Options>({
  allowConsoleErrors: [null, { option: true }],
  consoleErrors: async ({ context, allowConsoleErrors }, use) => {
    const errors: string[] = [];
    const record = (text: string): void => {
      if (!allowConsoleErrors?.test(text)) errors.push(text);
    };
    const watch = (page: Page): void => {
      page.on('console', (msg) => {
        if (msg.type() === 'error') record(msg.text());
      });
      page.on('pageerror', (err) => record(`pageerror: ${err.message}`));
    };
    context.pages().forEach(watch);
    context.on('page', watch);
    await use(errors);
    expect(errors, 'console errors during the test').toEqual([]);
  },
  // Depending on consoleErrors makes every test that opens a page watched, even one that only uses `page`.
  page: async ({ page, consoleErrors }, use) => {
    void consoleErrors;
    await use(page);
  },
  appPage: async ({ page }, use) => {
    await page.goto('/');
    await page.waitForFunction(() => typeof window.rl === 'object');
    await use(page);
  },
});

export { expect };
