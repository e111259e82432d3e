/**
 * CartPoleGpu-v1: CartPole-v1 whose physics steps on the GPU, every sub-env in one compute
 * dispatch (a thread each), for envs that "themselves require a GPU" (RLlib's reason for
 * num_gpus_per_env_runner). The EnvRunner hands the env its WebGPU device (EnvFactoryOptions.gpuDevice);
 * without one it fails with `env/needs-gpu`.
 *
 * The shader runs Gymnasium's equations (cartpole.py, explicit Euler) in float32 and decides
 * termination; the time limit, the rewards and the same-step autoreset stay on the CPU in
 * BaseVectorEnv, so seeding, initial states and episode bookkeeping are CartPole-v1's own. Given
 * the same state and action, the next state agrees with CartPoleVectorEnv (float64) within float32
 * rounding and the terminations are the same (the e2e test `gpu-env.spec.ts` checks it over states
 * the CPU env visits). Per step: upload states and actions, one dispatch, one read back.
 */
import { RLError } from '../core/errors';
import {
  CartPoleVectorEnv,
  FORCE_MAG,
  GRAVITY,
  LENGTH,
  MASSPOLE,
  POLEMASS_LENGTH,
  TAU,
  THETA_THRESHOLD_RADIANS,
  TOTAL_MASS,
  X_THRESHOLD,
} from './cartpole';
import { needsGpuError } from './needs-gpu';
import type { EnvFactoryOptions } from './types';

/** Threads per workgroup: one sub-env each. */
const WORKGROUP_SIZE = 64;
const STATE_DIM = 4;

/** A float literal WGSL reads as f32 (`9.8` would do; `1` would be an integer). */
const f = (x: number): string => (Number.isInteger(x) ? `${x}.0` : String(x));

/** Gymnasium's CartPole step for sub-env `i`: the same lines as CartPoleVectorEnv.step, in WGSL. */
export const CARTPOLE_WGSL = /* wgsl */ `
struct Params { numEnvs: u32 }
@group(0) @binding(0) var<storage, read_write> state: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> actions: array<i32>;
@group(0) @binding(2) var<storage, read_write> terminated: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

// WGSL lets sin and cos be off by 2^-11 (absolute, on [-pi, pi]), and SwiftShader's are: that is
// 100x float32 rounding once g * sin(theta) is integrated. A running pole has |theta| <= 12 deg
// (0.21 rad) before it terminates, where these Taylor polynomials are exact to float32 rounding
// (the first left-out term is below 1e-9); anything wider falls back to the builtins.
fn sinPrecise(x: f32) -> f32 {
  if (abs(x) > 0.5) { return sin(x); }
  let x2 = x * x;
  return x * (1.0 - x2 / 6.0 * (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0 * (1.0 - x2 / 72.0))));
}
fn cosPrecise(x: f32) -> f32 {
  if (abs(x) > 0.5) { return cos(x); }
  let x2 = x * x;
  return 1.0 - x2 / 2.0 * (1.0 - x2 / 12.0 * (1.0 - x2 / 30.0 * (1.0 - x2 / 56.0 * (1.0 - x2 / 90.0))));
}

@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= params.numEnvs) { return; }
  let s = state[i];
  let x = s.x;
  let xDot = s.y;
  let theta = s.z;
  let thetaDot = s.w;
  let force = select(-${f(FORCE_MAG)}, ${f(FORCE_MAG)}, actions[i] == 1);
  let costheta = cosPrecise(theta);
  let sintheta = sinPrecise(theta);
  let temp = (force + ${f(POLEMASS_LENGTH)} * (thetaDot * thetaDot) * sintheta) / ${f(TOTAL_MASS)};
  let thetaacc = (${f(GRAVITY)} * sintheta - costheta * temp) /
    (${f(LENGTH)} * (4.0 / 3.0 - (${f(MASSPOLE)} * (costheta * costheta)) / ${f(TOTAL_MASS)}));
  let xacc = temp - (${f(POLEMASS_LENGTH)} * thetaacc * costheta) / ${f(TOTAL_MASS)};
  let next = vec4<f32>(x + ${f(TAU)} * xDot, xDot + ${f(TAU)} * xacc, theta + ${f(TAU)} * thetaDot, thetaDot + ${f(TAU)} * thetaacc);
  state[i] = next;
  let out = next.x < -${f(X_THRESHOLD)} || next.x > ${f(X_THRESHOLD)} ||
    next.z < -${f(THETA_THRESHOLD_RADIANS)} || next.z > ${f(THETA_THRESHOLD_RADIANS)};
  terminated[i] = select(0u, 1u, out);
}
`;

/** The device side: buffers, the pipeline, and one step (upload, dispatch, read back). */
class CartPoleKernel {
  private readonly state: GPUBuffer;
  private readonly actions: GPUBuffer;
  private readonly terminated: GPUBuffer;
  private readonly params: GPUBuffer;
  private readonly read: GPUBuffer;
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroup: GPUBindGroup;

  constructor(
    private readonly device: GPUDevice,
    private readonly numEnvs: number,
  ) {
    const n = numEnvs;
    const storage = (size: number, usage: number): GPUBuffer =>
      device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | usage });
    this.state = storage(n * 16, GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC);
    this.actions = storage(n * 4, GPUBufferUsage.COPY_DST);
    this.terminated = storage(n * 4, GPUBufferUsage.COPY_SRC);
    this.params = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.read = device.createBuffer({ size: n * 20, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(this.params, 0, Uint32Array.of(n, 0, 0, 0));
    this.pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: CARTPOLE_WGSL }), entryPoint: 'main' },
    });
    this.bindGroup = device.createBindGroup({
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [this.state, this.actions, this.terminated, this.params].map((buffer, binding) => ({
        binding,
        resource: { buffer },
      })),
    });
  }

  /** Steps `state` (numEnvs x 4, float32) by `actions` in place and fills `terminated`. */
  async step(state: Float32Array, actions: Int32Array, terminated: Uint32Array): Promise<void> {
    const n = this.numEnvs;
    const queue = this.device.queue;
    queue.writeBuffer(this.state, 0, state);
    queue.writeBuffer(this.actions, 0, actions);
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.dispatchWorkgroups(Math.ceil(n / WORKGROUP_SIZE));
    pass.end();
    encoder.copyBufferToBuffer(this.state, 0, this.read, 0, n * 16);
    encoder.copyBufferToBuffer(this.terminated, 0, this.read, n * 16, n * 4);
    queue.submit([encoder.finish()]);
    await this.read.mapAsync(GPUMapMode.READ);
    const mapped = this.read.getMappedRange();
    state.set(new Float32Array(mapped, 0, n * STATE_DIM));
    terminated.set(new Uint32Array(mapped, n * 16, n));
    this.read.unmap();
  }

  destroy(): void {
    for (const b of [this.state, this.actions, this.terminated, this.params, this.read]) b.destroy();
  }
}

export class CartPoleGpuVectorEnv extends CartPoleVectorEnv {
  private readonly kernel: CartPoleKernel | null;
  private readonly stateF32: Float32Array;
  private readonly actionsI32: Int32Array;
  private readonly terminatedU32: Uint32Array;
  private stepping = false;

  constructor(options: EnvFactoryOptions) {
    super(options);
    // Without a device the env still builds (its spaces are read on the page), but never steps.
    this.kernel = options.gpuDevice ? new CartPoleKernel(options.gpuDevice, this.numEnvs) : null;
    this.stateF32 = new Float32Array(this.numEnvs * STATE_DIM);
    this.actionsI32 = new Int32Array(this.numEnvs);
    this.terminatedU32 = new Uint32Array(this.numEnvs);
  }

  /** Whether a GPU device was handed to this copy. */
  get onGpu(): boolean {
    return this.kernel !== null;
  }

  override step(): void {
    throw new RLError(
      'env/async-step',
      `${this.id} steps on the GPU, asynchronously: call \`await env.stepAsync(actions)\` (an EnvRunner does); ` +
        'a synchronous step() has no GPU result to return.',
    );
  }

  async stepAsync(actions: Int32Array | Float32Array): Promise<void> {
    this.beginStep(actions);
    if (this.kernel === null) throw needsGpuError(this.id, 'this copy of the env');
    if (this.stepping) {
      throw new RLError('env/step-in-flight', `${this.id}: stepAsync() called before the previous step finished.`);
    }
    const n = this.numEnvs;
    for (let i = 0; i < n; i++) {
      const action = actions[i]!;
      if (action !== 0 && action !== 1) this.invalidAction(i, action);
      this.actionsI32[i] = action;
    }
    this.stepping = true;
    try {
      this.stateF32.set(this.state); // float64 -> float32, the shader's precision
      await this.kernel.step(this.stateF32, this.actionsI32, this.terminatedU32);
    } finally {
      this.stepping = false;
    }
    this.state.set(this.stateF32);
    this.obs.set(this.stateF32);
    for (let i = 0; i < n; i++) {
      const terminated = this.terminatedU32[i] === 1;
      this.rewards[i] = this.suttonBartoReward ? (terminated ? -1 : 0) : 1;
      this.finishStep(i, terminated);
    }
  }

  close(): void {
    this.kernel?.destroy();
  }
}
