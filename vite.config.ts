import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

// Cross-origin isolation makes SharedArrayBuffer and wasm threads available. Embedding in a
// third-party page cannot rely on it, so nothing requires it: the app reports whether it has it.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const entry = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  plugins: [svelte()],
  server: { headers: isolationHeaders, port: 5173 },
  preview: { headers: isolationHeaders, port: 4173 },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
  resolve: {
    // What env modules import (src/envs/env-module-api.ts); a module loaded at run time gets the
    // same names from /env-api.js instead (see src/envs/env-modules.ts).
    alias: [
      { find: 'browser-rl/envs', replacement: entry('./src/envs/env-module-api.ts') },
      // TF.js's threaded wasm factory, kept unminified so its pthread workers can start
      // (src/backend/wasm-threaded-factory.ts says why). Only backend_wasm.js imports this path.
      {
        find: /^\.\.\/wasm-out\/tfjs-backend-wasm-threaded-simd\.js$/,
        replacement: entry('./src/backend/wasm-threaded-factory.ts'),
      },
    ],
  },
  build: {
    target: 'es2022',
    // Stack traces from a user's env map back to their file:line (src/envs/env-fault.ts).
    sourcemap: true,
    chunkSizeWarningLimit: 4000,
    rolldownOptions: {
      // The app, plus the <rl-trainer> custom element as its own script at a stable URL (/rl-trainer.js)
      // that teaching pages can include; it has no imports, so it shares no chunk with the app.
      input: { main: entry('./index.html'), 'rl-trainer': entry('./src/rl-trainer-element.ts') },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'rl-trainer' ? 'rl-trainer.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});
