/** `npm run test:e2e` runs this first so a fresh machine gets a browser before Playwright starts. */
import { ensureChromium } from './browser';

try {
  const path = ensureChromium();
  console.log(`Chromium: ${path}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
}
