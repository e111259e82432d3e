import { defineConfig } from '@playwright/test';
import { chromiumArgs, findChromium } from './src/cli/browser';

// E2E_PORT lets several checkouts (git worktrees) run their e2e suites side by side.
const PORT = Number(process.env['E2E_PORT'] ?? 4173);
const OUT_DIR = PORT === 4173 ? 'dist' : `dist-e2e-${PORT}`;
const executablePath = findChromium();

export default defineConfig({
  testDir: 'test/e2e',
  // One worker: the machine has 2 cores and every test already runs Web Workers of its own.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  retries: 0,
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: chromiumArgs({ webgpu: true }),
    },
  },
  webServer: {
    command: `npx vite build --logLevel warn --outDir ${OUT_DIR} && npx vite preview --outDir ${OUT_DIR} --port ${PORT} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: !process.env['CI'],
    timeout: 240_000,
  },
});
