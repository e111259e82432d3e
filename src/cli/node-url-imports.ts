// Node loader hooks for Vite's `?url` imports (src/backend/tf-backend.ts imports the TF.js
// wasm binaries that way), so Node-side CLIs can load the engine: the import yields the file path.
// Registered by `node --import tsx --import ./src/cli/node-url-imports.ts`.
import { register } from 'node:module';

const hooks = `
import { fileURLToPath } from 'node:url';
export async function resolve(specifier, context, next) {
  if (!specifier.endsWith('?url')) return next(specifier, context);
  const resolved = await next(specifier.slice(0, -4), context);
  return { url: resolved.url + '?url', format: 'module', shortCircuit: true };
}
export async function load(url, context, next) {
  if (!url.endsWith('?url')) return next(url, context);
  const file = fileURLToPath(url.slice(0, -4));
  return { format: 'module', source: 'export default ' + JSON.stringify(file) + ';', shortCircuit: true };
}
`;
register('data:text/javascript,' + encodeURIComponent(hooks), import.meta.url);
