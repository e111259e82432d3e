/**
 * WebGPU in plain Node through Dawn's bindings (the npm package `webgpu`, an optionalDependency):
 * load the addon, install its globals (GPUBufferUsage, ...) and a `navigator.gpu`, find an
 * adapter. Every way this can fail ends in one NodeWebGpuError whose message says what is missing
 * and how to get it, so a machine without a GPU (or without the package) gets an answer, not a
 * stack trace.
 */
import { existsSync } from 'node:fs';

/** What the `webgpu` package exports. */
export interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

export class NodeWebGpuError extends Error {
  constructor(
    readonly code: 'node-webgpu/no-package' | 'node-webgpu/no-adapter',
    message: string,
  ) {
    super(message);
    this.name = 'NodeWebGpuError';
  }
}

/** Where Vulkan software drivers usually are: Chromium ships SwiftShader, Mesa ships lavapipe. */
export const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
];
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'];

export interface NodeWebGpuOptions {
  /** Loads the `webgpu` package (tests pass a fake). */
  readonly loadDawn?: () => Promise<DawnModule>;
  /** Use a SwiftShader Vulkan ICD (a software adapter) instead of the system's drivers. */
  readonly swiftshader?: boolean;
  /** Files that exist (tests pass a fake). */
  readonly exists?: (file: string) => boolean;
  readonly env?: NodeJS.ProcessEnv;
}

// A variable specifier: TypeScript does not resolve it (the package is optional) and esbuild
// leaves it for Node to find next to the packed bundle (node_modules/webgpu).
const WEBGPU_PACKAGE = 'webgpu';
const loadWebGpuPackage = async (): Promise<DawnModule> => (await import(WEBGPU_PACKAGE)) as DawnModule;

/**
 * Dawn's `navigator.gpu` with an adapter behind it. Installs Dawn's globals and
 * `globalThis.navigator.gpu` (TF.js's WebGPU backend reads `GPUBufferUsage` and friends).
 */
export async function openNodeWebGpu(opts: NodeWebGpuOptions = {}): Promise<{ gpu: GPU; adapter: GPUAdapter }> {
  const env = opts.env ?? process.env;
  const exists = opts.exists ?? existsSync;
  if (opts.swiftshader) {
    const icd = SWIFTSHADER_ICDS.find(exists);
    if (!icd) {
      throw new NodeWebGpuError(
        'node-webgpu/no-adapter',
        `--swiftshader: no SwiftShader Vulkan driver found (looked for ${SWIFTSHADER_ICDS.join(', ')}). ` +
          'Install Chromium (apt-get install -y chromium), or set VK_ICD_FILENAMES to a Vulkan ICD json yourself.',
      );
    }
    // The Vulkan loader reads this when Dawn creates its instance, i.e. on create() below.
    env['VK_ICD_FILENAMES'] = icd;
  }
  let dawn: DawnModule;
  try {
    dawn = await (opts.loadDawn ?? loadWebGpuPackage)();
  } catch (e) {
    throw new NodeWebGpuError(
      'node-webgpu/no-package',
      `The 'webgpu' package (Dawn's WebGPU for Node) could not be loaded: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}. ` +
        "It is an optionalDependency: install it with 'npm install --no-save webgpu', or run the packed " +
        'bench (npm run pack:gpu-bench), which carries it.',
    );
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new NodeWebGpuError('node-webgpu/no-adapter', noAdapterMessage(env, exists));
  return { gpu, adapter };
}

/** Why Dawn found no adapter, as far as the files on this machine tell, and what to try. */
export function noAdapterMessage(env: NodeJS.ProcessEnv, exists: (file: string) => boolean): string {
  const lines = ['Dawn found no WebGPU adapter.'];
  const loader = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1'].some(exists);
  if (process.platform === 'linux' && !loader) {
    lines.push('  No Vulkan loader (libvulkan.so.1): apt-get install -y libvulkan1, plus a driver (below).');
  }
  if (env['VK_ICD_FILENAMES']) lines.push(`  VK_ICD_FILENAMES=${env['VK_ICD_FILENAMES']} gave no usable device.`);
  const icdDirs = ICD_DIRS.filter(exists);
  lines.push(
    icdDirs.length
      ? `  Vulkan drivers are listed in ${icdDirs.join(', ')}; none gave Dawn a usable device (Dawn printed why ` +
          "above; e.g. Debian 12's lavapipe, Mesa 22.3, lacks shaderUniform*ArrayDynamicIndexing, which Dawn requires)."
      : '  No Vulkan driver is installed (no ICD files): a GPU driver (NVIDIA, Mesa), or mesa-vulkan-drivers for lavapipe.',
  );
  const swift = SWIFTSHADER_ICDS.find(exists);
  lines.push(
    swift
      ? `  A software adapter is available: add --swiftshader (uses ${swift}); it is correct but slow.`
      : '  For a software adapter install Chromium (it ships SwiftShader) and add --swiftshader.',
  );
  lines.push(
    '  On a GPU machine: check the driver (nvidia-smi) and its Vulkan ICD (nvidia_icd.json); a container needs ' +
      'NVIDIA_DRIVER_CAPABILITIES to include graphics for Vulkan.',
  );
  return lines.join('\n');
}
