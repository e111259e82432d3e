import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // As in vite.config.ts: what env modules import.
  resolve: { alias: { 'browser-rl/envs': fileURLToPath(new URL('./src/envs/env-module-api.ts', import.meta.url)) } },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    reporters: ['default'],
  },
});
