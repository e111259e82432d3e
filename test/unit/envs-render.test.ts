/**
 * Rendering with a recording 2D context (no canvas in Node): every env draws inside the canvas,
 * scaled to its size, and the picture follows the state.
 */
import { describe, expect, it } from 'vitest';
import { listEnvs, makeVectorEnv, registerEnv, unregisterEnv, vectorize, type RenderContext } from '../../src/envs';
import { gridWalkSpec } from '../../src/envs/examples/grid-walk';

interface Recorder {
  ctx: RenderContext;
  /** Canvas-pixel positions of every moveTo/lineTo/arc centre, with the fillStyle current at the next fill. */
  points: { x: number; y: number }[];
  fills: string[];
  calls: string[];
}

/** A 2D context that tracks translate/scale/setTransform/save/restore and records path points in pixels. */
function recorder(width: number, height: number): Recorder {
  let m = [1, 0, 0, 1, 0, 0]; // a b c d e f
  const stack: number[][] = [];
  const rec: Recorder = { ctx: undefined as unknown as RenderContext, points: [], fills: [], calls: [] };
  const map = (x: number, y: number): void => {
    rec.points.push({ x: m[0]! * x + m[2]! * y + m[4]!, y: m[1]! * x + m[3]! * y + m[5]! });
  };
  const state = { fillStyle: '#000', strokeStyle: '#000', lineWidth: 1 };
  const ctx = {
    canvas: { width, height },
    ...state,
    save: () => stack.push([...m]),
    restore: () => {
      m = stack.pop() ?? [1, 0, 0, 1, 0, 0];
    },
    setTransform: (a: number, b: number, c: number, d: number, e: number, f: number) => {
      m = [a, b, c, d, e, f];
    },
    translate: (x: number, y: number) => {
      m = [m[0]!, m[1]!, m[2]!, m[3]!, m[0]! * x + m[2]! * y + m[4]!, m[1]! * x + m[3]! * y + m[5]!];
    },
    scale: (sx: number, sy: number) => {
      m = [m[0]! * sx, m[1]! * sx, m[2]! * sy, m[3]! * sy, m[4]!, m[5]!];
    },
    fillRect: () => undefined,
    strokeRect: () => undefined,
    beginPath: () => undefined,
    closePath: () => undefined,
    moveTo: map,
    lineTo: map,
    arc: (x: number, y: number) => map(x, y),
    fill: () => rec.fills.push(String(ctx.fillStyle)),
    stroke: () => undefined,
    fillText: () => undefined,
  };
  // Record every method call by name.
  for (const [name, value] of Object.entries(ctx)) {
    if (typeof value !== 'function') continue;
    const fn = value as (...args: unknown[]) => unknown;
    (ctx as Record<string, unknown>)[name] = (...args: unknown[]) => {
      rec.calls.push(name);
      return fn(...args);
    };
  }
  rec.ctx = ctx as unknown as RenderContext;
  return rec;
}

describe('render', () => {
  it.each(listEnvs())('%s draws inside canvases of different sizes and balances save/restore', (id) => {
    const env = makeVectorEnv(id, {
      numEnvs: 2,
      seed: 0,
      envConfig: id === 'CartPoleCrashing-v1' ? { pCrash: 0 } : {},
    });
    env.reset(0);
    // A GPU env cannot step in Node (no WebGPU); it draws its first state.
    if (!env.stepAsync)
      env.step(env.singleActionSpace.kind === 'discrete' ? new Int32Array(2).fill(1) : new Float32Array(2).fill(0.5));
    for (const [w, h] of [
      [600, 400],
      [200, 300],
    ] as const) {
      const r = recorder(w, h);
      env.render(1, r.ctx);
      expect(r.calls[0]).toBe('save');
      expect(r.calls.filter((c) => c === 'save').length).toBe(r.calls.filter((c) => c === 'restore').length);
      expect(r.calls).toContain('fillRect');
      expect(r.fills.length).toBeGreaterThanOrEqual(2);
      expect(r.points.length).toBeGreaterThan(4);
      for (const p of r.points) {
        expect(p.x).toBeGreaterThanOrEqual(-1);
        expect(p.x).toBeLessThanOrEqual(w + 1);
        expect(p.y).toBeGreaterThanOrEqual(-1);
        expect(p.y).toBeLessThanOrEqual(h + 1);
      }
    }
  });

  it('CartPole: the cart follows x (125 px per unit on a 600 px canvas) and y points up', () => {
    const env = makeVectorEnv('CartPole-v1', { numEnvs: 1, seed: 0 });
    env.reset(0);
    const cartLeftX = (x: number): number => {
      env.setState(0, [x, 0, 0, 0]);
      const r = recorder(600, 400);
      env.render(0, r.ctx);
      // Points: track line (2), then the cart polygon's first corner (l, b).
      return r.points[2]!.x;
    };
    expect(cartLeftX(1) - cartLeftX(0)).toBeCloseTo(125, 9);
    expect(cartLeftX(0)).toBeCloseTo(300 - 25, 9);
    // The pole leans right (toward larger x pixels) for positive theta.
    env.setState(0, [0, 0, 0.2, 0]);
    const r = recorder(600, 400);
    env.render(0, r.ctx);
    const poleTop = r.points[7]!; // pole polygon: (l, b), (l, t), ...
    expect(poleTop.x).toBeGreaterThan(300);
    expect(poleTop.y).toBeLessThan(400 - 100); // above the track, in a y-down canvas
  });

  it('Pendulum: the rod tip is at the top for theta = 0', () => {
    const env = makeVectorEnv('Pendulum-v1', { numEnvs: 1, seed: 0 });
    env.reset(0);
    env.setState(0, [0, 0]);
    const r = recorder(500, 500);
    env.render(0, r.ctx);
    const tip = r.points[5]!; // rod polygon (4 points), axle circle, rod-end circle
    expect(tip.x).toBeCloseTo(250, 6);
    expect(tip.y).toBeCloseTo(250 - 500 / 4.4, 6);
  });

  it('vectorized envs use their own render(ctx, width, height)', () => {
    registerEnv('GridWalkRender-v0', vectorize(gridWalkSpec));
    try {
      const env = makeVectorEnv('GridWalkRender-v0', { numEnvs: 1, seed: 0 });
      env.reset(0);
      const r = recorder(320, 80);
      env.render(0, r.ctx);
      expect(r.calls).toContain('stroke');
      expect(r.calls).toContain('arc');
    } finally {
      unregisterEnv('GridWalkRender-v0');
    }
  });
});
