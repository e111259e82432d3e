/**
 * Embedding safely (issue 12, item 11): `<rl-trainer src>` loads only http(s) URLs, the embed
 * bridge starts only with `embed=1`, and `allow_origin` limits who may command the trainer and
 * who hears from it. The host pages are served from the app's own origin through page.route.
 */
import type { Frame, Page } from '@playwright/test';
import { expect, test } from './fixtures';

const TINY =
  'env=CartPole-v1&num_env_runners=0&num_envs_per_env_runner=4&rollout_fragment_length=32' +
  '&train_batch_size_per_learner=128&minibatch_size=64&num_epochs=1&fcnet_hiddens=16,16&stop_iters=1';

test.use({ allowConsoleErrors: /<rl-trainer>: src must be an http\(s\) URL/ });

/** Serves `body` as /host.html on the app's origin and opens it. */
async function openHost(page: Page, body: string): Promise<void> {
  await page.route('**/host.html', (route) => route.fulfill({ contentType: 'text/html', body }));
  await page.goto('/host.html');
}

/** A host page with one iframe on `appHash`; it records every message from the frame. */
async function hostWithFrame(page: Page, appHash: string): Promise<Frame> {
  await openHost(
    page,
    `<!doctype html><body><script>
      window.received = [];
      addEventListener('message', (e) => window.received.push(e.data));
    </script><iframe id="app" src="/#${appHash}" style="width:900px;height:600px"></iframe></body>`,
  );
  const frame = await expect
    .poll(() => page.frames().find((f) => f.url().includes('/#')) ?? null, { timeout: 30_000 })
    .not.toBeNull()
    .then(() => page.frames().find((f) => f.url().includes('/#'))!);
  await frame.waitForFunction(() => typeof window.rl === 'object', null, { timeout: 60_000 });
  return frame;
}

const received = (page: Page): Promise<unknown[]> =>
  page.evaluate(() => (window as unknown as { received: unknown[] }).received);
const sendCommand = (page: Page, type: string): Promise<void> =>
  page.evaluate((t) => {
    (document.getElementById('app') as HTMLIFrameElement).contentWindow!.postMessage({ type: t }, '*');
  }, type);

test('<rl-trainer> refuses a javascript: src with a console error and an error event', async ({ page }) => {
  await openHost(
    page,
    `<!doctype html><body><script type="module">
      await import('/rl-trainer.js');
      window.trainerErrors = [];
      const bad = document.createElement('rl-trainer');
      bad.addEventListener('error', (e) => window.trainerErrors.push(e.detail.message));
      bad.setAttribute('src', 'javascript:parent.pwned = 1; //');
      document.body.append(bad);
      const good = document.createElement('rl-trainer');
      good.id = 'good';
      good.setAttribute('src', './');
      document.body.append(good);
      window.hostReady = true;
    </script></body>`,
  );
  await page.waitForFunction(() => (window as unknown as { hostReady?: boolean }).hostReady === true);
  await page.waitForTimeout(1000);
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  const errors = await page.evaluate(() => (window as unknown as { trainerErrors: string[] }).trainerErrors);
  expect(errors).toEqual([
    "<rl-trainer>: src must be an http(s) URL, got 'javascript:parent.pwned = 1; //'; the trainer is not loaded.",
  ]);
  // A relative URL is resolved against the document and loads, restricted to this page's origin.
  const origin = new URL(page.url()).origin;
  const goodSrc = await page.evaluate(() => document.getElementById('good')!.shadowRoot!.querySelector('iframe')!.src);
  expect(goodSrc.startsWith(`${origin}/#`)).toBe(true);
  expect(goodSrc).toContain(`allow_origin=${origin}`);
});

test('framed without embed=1, the app neither posts to nor obeys its parent', async ({ page }) => {
  const frame = await hostWithFrame(page, TINY);
  await page.waitForTimeout(1500);
  await sendCommand(page, 'train');
  await page.waitForTimeout(1500);
  expect(await received(page)).toEqual([]);
  expect(await frame.evaluate(() => window.rl.status)).toBe('idle');
});

test('allow_origin set to another origin: nothing is posted here and commands from here are ignored', async ({
  page,
}) => {
  const frame = await hostWithFrame(page, `${TINY}&embed=1&allow_origin=https://teacher.example`);
  await page.waitForTimeout(1500);
  await sendCommand(page, 'train');
  await page.waitForTimeout(1500);
  expect(await received(page)).toEqual([]);
  expect(await frame.evaluate(() => window.rl.status)).toBe('idle');
});

test('allow_origin set to this origin: events arrive and commands are obeyed', async ({ page }) => {
  const origin = 'http://127.0.0.1:' + (process.env['E2E_PORT'] ?? '4173');
  const frame = await hostWithFrame(page, `${TINY}&embed=1&allow_origin=${encodeURIComponent(origin)}`);
  await expect.poll(() => received(page), { timeout: 30_000 }).toContainEqual({ source: 'browser-rl', type: 'ready' });
  await sendCommand(page, 'train');
  await expect
    .poll(() => received(page), { timeout: 120_000 })
    .toContainEqual(expect.objectContaining({ source: 'browser-rl', type: 'done', reason: 'stop-criterion' }));
  expect(await frame.evaluate(() => window.rl.results.length)).toBe(1);
});
