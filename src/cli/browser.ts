/**
 * Finds a Chromium for Playwright (shared by the e2e config, the headless CLI and the benchmarks),
 * installing one when none is found. Order: $CHROMIUM_PATH, Playwright's own download, then the
 * usual system paths. Playwright cannot download browsers on every machine (offline CI), so the
 * system package manager is the fallback.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Always: no background traffic to hosts we cannot reach. */
export const BASE_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Chromium keeps its sandbox, which confines a compromised renderer, except as root, where it
 * refuses to start with one (containers, CI). `uid` is the process's user id (undefined on Windows).
 * Pass the result as Playwright's `chromiumSandbox` too: Playwright adds --no-sandbox by default.
 */
export function useChromiumSandbox(uid: number | undefined = process.getuid?.()): boolean {
  return uid !== 0;
}

function sandboxArgs(uid: number | undefined): string[] {
  return useChromiumSandbox(uid) ? [] : ['--no-sandbox'];
}

/** WebGPU on a machine without a GPU: SwiftShader's Vulkan. Correct, but ~30-200x slower than wasm. */
export const SOFTWARE_WEBGPU_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
];

export function chromiumArgs(opts: { webgpu: boolean; uid?: number | undefined }): string[] {
  const base = [...sandboxArgs('uid' in opts ? opts.uid : process.getuid?.()), ...BASE_ARGS];
  return opts.webgpu ? [...base, ...SOFTWARE_WEBGPU_ARGS] : base;
}

export const INSTALL_HINT =
  'No Chromium found. Install one with `apt-get install -y chromium` (Debian/Ubuntu, as root), ' +
  'or `npx playwright install chromium`, or point CHROMIUM_PATH at a Chromium/Chrome binary.';

function playwrightBundledPath(): string | undefined {
  try {
    const p = chromium.executablePath();
    return p && existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

/** The first Chromium found, or undefined. Throws if CHROMIUM_PATH is set but wrong (a typo should not fall through). */
export function findChromium(): string | undefined {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH is set to ${fromEnv}, which does not exist.`);
    return fromEnv;
  }
  return playwrightBundledPath() ?? SYSTEM_PATHS.find((p) => existsSync(p));
}

function tryInstall(log: (msg: string) => void): void {
  log('No Chromium found: trying `npx playwright install chromium` ...');
  const viaPlaywright = spawnSync('npx', ['playwright', 'install', 'chromium'], { stdio: 'inherit', timeout: 600_000 });
  if (viaPlaywright.status === 0 && findChromium()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) return;
  log('Playwright could not install its browser: trying `apt-get install -y chromium` ...');
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit' });
  } catch {
    // Reported below through the missing browser.
  }
}

/** A Chromium path, installing a browser first if none is found; throws with the install hint otherwise. */
export function ensureChromium(log: (msg: string) => void = (m) => console.error(m)): string {
  const found = findChromium();
  if (found) return found;
  tryInstall(log);
  const installed = findChromium();
  if (!installed) throw new Error(INSTALL_HINT);
  log(`Installed Chromium at ${installed}`);
  return installed;
}
