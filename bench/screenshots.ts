/**
 * Screenshots of the driver page training CartPole, for the README:
 *   npm run screenshots [-- --iterations 8 --out docs --no-build] [--lessons fast-env,slow-env,heavy-env]
 * Builds the app (unless --no-build), serves dist/ with vite's preview server on a free port,
 * opens it in Chromium at desktop (1280x800) and narrow (400x850) sizes, presses Train like a
 * person would, waits for a few iterations and writes docs/screenshot-desktop.png and
 * docs/screenshot-narrow.png. `--lessons` instead runs each named lesson from the Trials panel's
 * Lessons menu to its end and writes docs/lesson-<name>.png: its claim, both curve charts and the
 * verdict (minutes per lesson: the trials run one after another).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from '@playwright/test';
import { build, preview } from 'vite';
import { chromiumArgs, ensureChromium } from '../src/cli/browser';

interface Shot {
  readonly name: string;
  readonly width: number;
  readonly height: number;
}

const SHOTS: readonly Shot[] = [
  { name: 'screenshot-desktop.png', width: 1280, height: 800 },
  { name: 'screenshot-narrow.png', width: 400, height: 850 },
];

async function shoot(browser: Browser, baseUrl: string, shot: Shot, iterations: number, outDir: string): Promise<void> {
  const context = await browser.newContext({
    viewport: { width: shot.width, height: shot.height },
    colorScheme: 'light',
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(baseUrl);
  await page.getByRole('button', { name: 'Train' }).click();
  await page
    .getByTestId('iteration')
    .filter({ hasText: new RegExp(`^([${iterations}-9]|\\d{2,})$`) })
    .waitFor({ timeout: 180_000 });
  // Let the charts and the preview draw the latest result before the picture.
  await page.waitForTimeout(1500);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(outDir, shot.name) });
  console.log(`wrote ${join(outDir, shot.name)} (${shot.width}x${shot.height})`);
  await page.getByRole('button', { name: 'Stop' }).click();
  await context.close();
}

/** Runs a lesson from the Lessons menu to its end and pictures the Trials panel. */
async function shootLesson(browser: Browser, baseUrl: string, name: string, outDir: string): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(baseUrl);
  const panel = page.getByTestId('trials-panel');
  await panel.locator('summary').first().click();
  await page.getByTestId('lesson-menu').selectOption(name);
  await page.getByTestId('sweep-start').click();
  // The verdict's outcome line is drawn once the last trial has ended.
  await page.getByTestId('compare-verdict').locator('.outcome').waitFor({ timeout: 1_800_000 });
  await page.waitForTimeout(1500);
  const verdict = await page.getByTestId('compare-verdict').textContent();
  console.log(`${name}: ${verdict?.replace(/\s+/g, ' ').trim() ?? '(no verdict)'}`);
  await page.getByTestId('sweep-text').evaluate((el) => ((el as HTMLElement).style.display = 'none'));
  await panel.screenshot({ path: join(outDir, `lesson-${name}.png`) });
  console.log(`wrote ${join(outDir, `lesson-${name}.png`)}`);
  await context.close();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      iterations: { type: 'string', default: '6' },
      out: { type: 'string', default: 'docs' },
      'no-build': { type: 'boolean', default: false },
      lessons: { type: 'string' },
    },
  });
  const lessons = values.lessons?.split(',').filter(Boolean) ?? [];
  const iterations = Math.min(9, Math.max(1, Number(values.iterations)));
  const outDir = values.out;
  mkdirSync(outDir, { recursive: true });
  if (!values['no-build']) await build({ logLevel: 'warn' });
  const server = await preview({ preview: { port: 0, host: '127.0.0.1', strictPort: false }, logLevel: 'warn' });
  const baseUrl = server.resolvedUrls?.local[0];
  if (!baseUrl) throw new Error('vite preview did not report a URL');
  const browser = await chromium.launch({ executablePath: ensureChromium(), args: chromiumArgs({ webgpu: true }) });
  try {
    if (lessons.length > 0) for (const name of lessons) await shootLesson(browser, baseUrl, name, outDir);
    else for (const shot of SHOTS) await shoot(browser, baseUrl, shot, iterations, outDir);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
