/**
 * The Node WebGPU learner bench, in the parts that need no adapter: its options, and the message
 * and exit code when the `webgpu` package or an adapter is missing (fakes stand in for Dawn).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parityError, type ParityRun } from '../../src/algorithms/ppo/backend-parity';
import { parseBenchArgs, SECTIONS } from '../../bench/args';
import { EXIT_NO_WEBGPU, nodeLearnerBenchMain } from '../../bench/node/learner-bench';
import { NodeWebGpuError, openNodeWebGpu, SWIFTSHADER_ICDS, type DawnModule } from '../../bench/node/webgpu';

describe('parseBenchArgs', () => {
  it('runs every browser section by default', () => {
    const a = parseBenchArgs([]);
    expect([...a.only]).toEqual([...SECTIONS]);
    expect(a.nodeBackend).toBeNull();
  });

  it('--only learner --backend webgpu is the Node bench', () => {
    const a = parseBenchArgs(['--only', 'learner', '--backend', 'webgpu', '--swiftshader', '--quick']);
    expect(a).toMatchObject({ nodeBackend: 'webgpu', swiftshader: true, quick: true });
    expect([...a.only]).toEqual(['learner']);
  });

  it('reports every problem at once, each with its fix', () => {
    let message = '';
    try {
      parseBenchArgs(['--backend', 'metal', '--swiftshader', '--only', 'ppo,nope']);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("--backend: 'metal' is not one of webgpu, cpu");
    expect(message).toContain("unknown or missing section(s) 'nope'");
    expect(message).toContain('--swiftshader picks the Vulkan driver of the Node WebGPU bench');
  });

  it('writes into bench/results unless --out names a folder', () => {
    expect(parseBenchArgs([]).outDir).toBe('bench/results');
    expect(parseBenchArgs(['--only', 'envs', '--out', '/tmp/b']).outDir).toBe('/tmp/b');
    expect(() => parseBenchArgs(['--out'])).toThrow(/--out needs a folder/);
    expect(() => parseBenchArgs(['--out', '--quick'])).toThrow(/--out needs a folder/);
  });

  it('--backend without --only learner says to add it', () => {
    expect(() => parseBenchArgs(['--backend', 'webgpu'])).toThrow(/add --only learner/);
    expect(() => parseBenchArgs(['--backend', 'cpu', '--only', 'learner,ppo'])).toThrow(/add --only learner/);
  });
});

/** A Dawn whose requestAdapter finds nothing. */
const noAdapterDawn = (): Promise<DawnModule> =>
  Promise.resolve({ create: () => ({ requestAdapter: () => Promise.resolve(null) }) as unknown as GPU, globals: {} });

async function errorOf(p: Promise<unknown>): Promise<NodeWebGpuError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof NodeWebGpuError) return e;
    throw e;
  }
  throw new Error('expected a NodeWebGpuError');
}

describe('openNodeWebGpu', () => {
  it('without the webgpu package: names it and how to install it', async () => {
    const e = await errorOf(
      openNodeWebGpu({ loadDawn: () => Promise.reject(new Error("Cannot find package 'webgpu'")), env: {} }),
    );
    expect(e.code).toBe('node-webgpu/no-package');
    expect(e.message).toContain("Cannot find package 'webgpu'");
    expect(e.message).toContain('npm install --no-save webgpu');
    expect(e.message).toContain('npm run pack:gpu-bench');
  });

  it('no loader, no driver: says which packages give one', async () => {
    const e = await errorOf(openNodeWebGpu({ loadDawn: noAdapterDawn, exists: () => false, env: {} }));
    expect(e.code).toBe('node-webgpu/no-adapter');
    expect(e.message).toContain('Dawn found no WebGPU adapter.');
    if (process.platform === 'linux') expect(e.message).toContain('apt-get install -y libvulkan1');
    expect(e.message).toContain('No Vulkan driver is installed');
    expect(e.message).toContain('install Chromium (it ships SwiftShader) and add --swiftshader');
  });

  it('drivers present but unusable: points at the SwiftShader it found', async () => {
    const present = new Set(['/usr/share/vulkan/icd.d', SWIFTSHADER_ICDS[0]!]);
    const e = await errorOf(openNodeWebGpu({ loadDawn: noAdapterDawn, exists: (f) => present.has(f), env: {} }));
    expect(e.message).toContain('Vulkan drivers are listed in /usr/share/vulkan/icd.d');
    expect(e.message).toContain(`add --swiftshader (uses ${SWIFTSHADER_ICDS[0]!})`);
  });

  it('--swiftshader points the Vulkan loader at the ICD it found, or says none is there', async () => {
    const env: NodeJS.ProcessEnv = {};
    const found = (f: string): boolean => f === SWIFTSHADER_ICDS[1];
    const e = await errorOf(openNodeWebGpu({ loadDawn: noAdapterDawn, exists: found, env, swiftshader: true }));
    expect(env['VK_ICD_FILENAMES']).toBe(SWIFTSHADER_ICDS[1]);
    expect(e.message).toContain(`VK_ICD_FILENAMES=${SWIFTSHADER_ICDS[1]!} gave no usable device`);
    const none = await errorOf(
      openNodeWebGpu({ loadDawn: noAdapterDawn, exists: () => false, swiftshader: true, env: {} }),
    );
    expect(none.message).toContain('--swiftshader: no SwiftShader Vulkan driver found');
  });
});

describe('nodeLearnerBenchMain', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  it('exits 3 with the reason, no stack trace, when there is no adapter', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'node-bench-'));
    dirs.push(out);
    const printed: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => void printed.push(String(m)));
    const code = await nodeLearnerBenchMain(
      { backend: 'webgpu', quick: true, swiftshader: false, gpu: { loadDawn: noAdapterDawn, exists: () => false } },
      out,
    );
    expect(code).toBe(EXIT_NO_WEBGPU);
    expect(printed.join('\n')).toMatch(/^error: Dawn found no WebGPU adapter\./);
    expect(printed.join('\n')).not.toMatch(/\n\s+at /);
  });
});

describe('parityError', () => {
  const run = (gradients: number[], finalWeights: number[]): ParityRun => ({
    backend: 'x',
    gradients,
    updates: [],
    finalWeights,
  });

  it('is the largest difference relative to the largest reference value', () => {
    const err = parityError(run([1, 2.002, 0], [0.5, -4]), run([1, 2, 0.001], [0.5, -4.004]));
    expect(err.gradients).toBeCloseTo(0.002 / 2, 9);
    expect(err.weights).toBeCloseTo(0.004 / 4.004, 9);
  });

  it('a length mismatch is an infinite error', () => {
    expect(parityError(run([1], [1]), run([1, 2], [1])).gradients).toBe(Infinity);
  });
});
