/**
 * `npm run pack:gpu-bench`: everything the Node learner bench needs, in one folder and one
 * tarball under 64 MiB, to carry to a machine with a GPU, no browser and no package registry:
 *
 *   dist-gpu-bench/gpu-bench/
 *     gpu-bench.mjs                 esbuild bundle: TF.js, its WebGPU backend, the PPO learner, the bench
 *     node_modules/webgpu/          Dawn's bindings: index.js + dist/<platform-arch>/dawn.node only
 *     lib/libvulkan.so.1            the Vulkan loader, for machines that have a driver but not the loader
 *     run.sh, README.txt
 *   dist-gpu-bench/gpu-bench.tar.gz
 *
 * Run there with `tar xzf gpu-bench.tar.gz && cd gpu-bench && ./run.sh` (plain `node gpu-bench.mjs`
 * works where libvulkan.so.1 is installed). `--platform linux-arm64` etc. adds other addons.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const MAX_BYTES = 64 * 2 ** 20;
const root = process.cwd();
const outRoot = path.join(root, 'dist-gpu-bench');
const dir = path.join(outRoot, 'gpu-bench');
const VULKAN_LOADERS = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1'];

function platforms(argv: string[]): string[] {
  const out = [`${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`];
  for (let i = 0; i < argv.length; i++) if (argv[i] === '--platform') out.push(argv[++i] ?? '');
  return [...new Set(out)];
}

function sizeOf(p: string): number {
  const s = statSync(p);
  if (!s.isDirectory()) return s.size;
  return readdirSync(p).reduce((n, e) => n + sizeOf(path.join(p, e)), 0);
}

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const webgpuDir = path.join(root, 'node_modules', 'webgpu');
  if (!existsSync(path.join(webgpuDir, 'index.js'))) {
    throw new Error(
      "node_modules/webgpu is missing: it is an optionalDependency ('npm install' brings it; 'npm install --no-save webgpu' alone).",
    );
  }
  rmSync(outRoot, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  // 1. One ESM file for Node. `require` for the CommonJS parts of TF.js; node-fetch is only for
  // loading models over HTTP, which the bench never does.
  await build({
    entryPoints: [path.join(root, 'bench/node/gpu-bench-entry.ts')],
    outfile: path.join(dir, 'gpu-bench.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['node-fetch'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });

  // 2. Dawn's bindings: the loader script and the addon of each platform asked for.
  const pkgOut = path.join(dir, 'node_modules', 'webgpu');
  mkdirSync(pkgOut, { recursive: true });
  for (const f of ['index.js', 'package.json', 'LICENSE.md'])
    copyFileSync(path.join(webgpuDir, f), path.join(pkgOut, f));
  for (const p of platforms(process.argv.slice(2))) {
    const src = path.join(webgpuDir, 'dist', p);
    if (!existsSync(src)) throw new Error(`--platform ${p}: node_modules/webgpu/dist has no '${p}'.`);
    cpSync(src, path.join(pkgOut, 'dist', p), { recursive: true });
  }

  // 3. The Vulkan loader (Dawn dlopens libvulkan.so.1; the driver itself comes from the machine).
  const loader = VULKAN_LOADERS.find((f) => existsSync(f));
  if (loader) {
    mkdirSync(path.join(dir, 'lib'));
    copyFileSync(loader, path.join(dir, 'lib', 'libvulkan.so.1'));
  }
  writeFileSync(
    path.join(dir, 'run.sh'),
    '#!/bin/sh\n# The packed Vulkan loader is a fallback: LD_LIBRARY_PATH is searched before the system paths,\n' +
      '# but only when the system has no libvulkan.so.1 is it put there.\n' +
      'here=$(cd "$(dirname "$0")" && pwd)\n' +
      'if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1 && [ -f "$here/lib/libvulkan.so.1" ]; then\n' +
      '  export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"\nfi\n' +
      'exec node "$here/gpu-bench.mjs" "$@"\n',
    { mode: 0o755 },
  );
  writeFileSync(
    path.join(dir, 'README.txt'),
    'Learner benchmark (PPO updates, TF.js WebGPU backend on Dawn) for Node 20+, no browser, no registry.\n\n' +
      '  ./run.sh                 WebGPU on the first adapter Dawn finds (a Vulkan driver is needed)\n' +
      '  ./run.sh --quick         shorter measurements\n' +
      '  ./run.sh --backend cpu   the same bench on TF.js cpu, to compare\n' +
      '  ./run.sh --swiftshader   a software adapter, where Chromium is installed\n\n' +
      'Prints a Markdown table and writes results/<date>-learner-<backend>-node.json. Exit code 3 and a\n' +
      'message saying what is missing when there is no adapter.\n',
  );

  // 4. The tarball, and the sizes against the 64 MiB limit.
  const tarball = path.join(outRoot, 'gpu-bench.tar.gz');
  execFileSync('tar', ['czf', tarball, '-C', outRoot, 'gpu-bench']);
  const folder = sizeOf(dir);
  const packed = statSync(tarball).size;
  console.log(
    `packed ${path.relative(root, dir)}/: ${mib(folder)} (bundle ${mib(sizeOf(path.join(dir, 'gpu-bench.mjs')))})`,
  );
  console.log(`       ${path.relative(root, tarball)}: ${mib(packed)} (limit ${mib(MAX_BYTES)})`);
  if (folder > MAX_BYTES || packed > MAX_BYTES) {
    throw new Error(`the pack is over ${mib(MAX_BYTES)}: drop --platform entries.`);
  }
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
