/**
 * The fused MLP kernels: a register-tiled matrix product and the elementwise steps of a dense
 * layer's forward, backward and Adam update, in wasm SIMD (f32x4), over one WebAssembly.Memory.
 *
 * Why: a small MLP's gradient step through TF.js is dispatch-bound: a 128-row DQN step on a
 * [64, 64] net is ~340 kernels, ~3-4 ms on wasm, of which the arithmetic (~2.8 M multiply-adds) is
 * ~0.5 ms (bench/NOTES.md, round 3). Plain JS runs a multiply-add in ~0.9 ns (js-sequential.ts),
 * too slow for the learner's products; f32x4 lanes with a 4 x 8 register tile (XNNPACK's
 * "loadsplat" shape) run them several times faster, with no dispatch at all. Pointers are byte
 * offsets into the memory; strides and sizes count floats.
 */
import { Body, F32, I32, V128, encodeModule, type ValType, type WasmFunction } from './wasm-emit';

/** The exported kernels (pointers are byte offsets into `memory`). */
export interface SimdKernelExports {
  /**
   * C[i, j] = init + sum_k A(i, k) B[k, j] for i < m, j < n, with A(i, k) at a + 4 (i sai + k sak),
   * B[k, j] at b + 4 (k ldb + j) and C[i, j] at c + 4 (i ldc + j). init: 0 zero, 1 C's value
   * (accumulate), 2 bias[j].
   */
  gemm(
    a: number,
    sai: number,
    sak: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    m: number,
    k: number,
    n: number,
    init: number,
    bias: number,
  ): void;
  /**
   * C[i, j] = init + sum_k A[i, k] Bt[j, k], A at a (row stride lda), Bt at bt (row stride ldbt),
   * C at c (ldc): the product with B given transposed, vectorised along k. For outputs narrower
   * than a lane group (a Q head of 2 actions, a value head), where `gemm` would run scalar.
   */
  gemmDot(
    a: number,
    lda: number,
    bt: number,
    ldbt: number,
    c: number,
    ldc: number,
    m: number,
    k: number,
    n: number,
    init: number,
    bias: number,
  ): void;
  /** y = tanh(x) (Eigen's rational approximation, as js-sequential.ts's fastTanh), n floats. */
  tanh(x: number, y: number, n: number): void;
  /** y = max(x, 0). */
  relu(x: number, y: number, n: number): void;
  /** dz = dy (1 - y^2): tanh's gradient from its output. */
  tanhGrad(dy: number, y: number, dz: number, n: number): void;
  /** dz = dy where y > 0, else 0: relu's gradient from its output. */
  reluGrad(dy: number, y: number, dz: number, n: number): void;
  /** sum of x^2 over n floats. */
  sumSquares(x: number, n: number): number;
  /**
   * One Adam step's update (FlatAdam's arithmetic) for n floats, without writing it: with
   * g' = scale g, m' = b1 m + (1 - b1) g', v' = b2 v + (1 - b2) g'^2,
   * u = m' / (sqrt(v') / sqrtBc2 + eps) * stepSize; returns sum(u) and writes sum(u^2) to out.
   */
  adamCheck(
    g: number,
    m: number,
    v: number,
    n: number,
    scale: number,
    b1: number,
    b2: number,
    stepSize: number,
    sqrtBc2: number,
    eps: number,
    out: number,
  ): number;
  /** The same step, applied: m = m', v = v', w -= u. */
  adamApply(
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    scale: number,
    b1: number,
    b2: number,
    stepSize: number,
    sqrtBc2: number,
    eps: number,
  ): void;
  /** target = tau online + (1 - tau) target, n floats (a Polyak step of a target network). */
  polyak(target: number, online: number, n: number, tau: number): void;
}

const TANH_CLAMP = 7.90531110763549805;
const TANH_NUM = [4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8];
const TANH_NUM_HI = [-8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16];
const TANH_DEN = [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6];

const GEMM_PARAMS = [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32] as const;

/** The matrix product, tiled 4 rows x 8 columns (then 4 x 4, 1 x 8, 1 x 4, and scalars at the edges). */
function gemm(): WasmFunction {
  const f = new Body(GEMM_PARAMS);
  const [a, sai, sak, b, ldb, c, ldc, m, k, n, init, bias] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const i = f.local(I32);
  const j = f.local(I32);
  const kk = f.local(I32);
  const pB = f.local(I32);
  const pA = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  const acc = Array.from({ length: 8 }, () => f.local(V128));
  const bv = [f.local(V128), f.local(V128)];
  const av = f.local(V128);
  const s = f.local(F32);
  // Strides in bytes.
  for (const p of [sai, sak, ldb, ldc]) f.get(p).i32(2).shl().set(p);

  const cAddr = (r: number) => f.get(c).get(i).i32(r).add().get(ldc).mul().add().get(j).i32(2).shl().add();

  const tile = (rows: number, vecs: number): void => {
    for (let r = 0; r < rows; r++) f.get(a).get(i).i32(r).add().get(sai).mul().add().set(pA[r]!);
    f.get(b).get(j).i32(2).shl().add().set(pB);
    // Start from C (accumulate), the bias row, or zeros.
    f.get(init).i32(1).eq().if();
    for (let r = 0; r < rows; r++)
      for (let v = 0; v < vecs; v++)
        cAddr(r)
          .load(16 * v)
          .set(acc[r * 2 + v]!);
    f.else().get(init).i32(2).eq().if();
    for (let v = 0; v < vecs; v++) {
      f.get(bias)
        .get(j)
        .i32(2)
        .shl()
        .add()
        .load(16 * v)
        .set(bv[v]!);
      for (let r = 0; r < rows; r++) f.get(bv[v]!).set(acc[r * 2 + v]!);
    }
    f.else();
    for (let r = 0; r < rows; r++) for (let v = 0; v < vecs; v++) f.f32x4(0).set(acc[r * 2 + v]!);
    f.end().end();
    f.get(k).set(kk);
    f.block().loop();
    f.get(kk).eqz().brIf(1);
    for (let v = 0; v < vecs; v++)
      f.get(pB)
        .load(16 * v)
        .set(bv[v]!);
    for (let r = 0; r < rows; r++) {
      f.get(pA[r]!).loadSplat().set(av);
      for (let v = 0; v < vecs; v++) {
        const x = acc[r * 2 + v]!;
        f.get(x).get(av).get(bv[v]!).vmul().vadd().set(x);
      }
      f.get(pA[r]!).get(sak).add().set(pA[r]!);
    }
    f.get(pB).get(ldb).add().set(pB);
    f.get(kk).i32(1).sub().set(kk);
    f.br(0).end().end();
    for (let r = 0; r < rows; r++)
      for (let v = 0; v < vecs; v++)
        cAddr(r)
          .get(acc[r * 2 + v]!)
          .store(16 * v);
    f.get(j)
      .i32(4 * vecs)
      .add()
      .set(j);
  };

  // One element C[i + r, j], for the columns left over after the 4-wide tiles.
  const scalar = (r: number): void => {
    f.get(init).i32(1).eq().if();
    cAddr(r).f32Load().set(s);
    f.else().get(init).i32(2).eq().if();
    f.get(bias).get(j).i32(2).shl().add().f32Load().set(s);
    f.else().f32(0).set(s).end().end();
    f.get(a).get(i).i32(r).add().get(sai).mul().add().set(pA[0]!);
    f.get(b).get(j).i32(2).shl().add().set(pB);
    f.get(k).set(kk);
    f.block().loop();
    f.get(kk).eqz().brIf(1);
    f.get(s).get(pA[0]!).f32Load().get(pB).f32Load().fmul().fadd().set(s);
    f.get(pA[0]!).get(sak).add().set(pA[0]!);
    f.get(pB).get(ldb).add().set(pB);
    f.get(kk).i32(1).sub().set(kk);
    f.br(0).end().end();
    cAddr(r).get(s).f32Store();
  };

  const columns = (rows: number): void => {
    f.i32(0).set(j);
    f.block().loop();
    f.get(j).i32(8).add().get(n).gtS().brIf(1);
    tile(rows, 2);
    f.br(0).end().end();
    f.get(j).i32(4).add().get(n).leS().if();
    tile(rows, 1);
    f.end();
    f.block().loop();
    f.get(j).get(n).geS().brIf(1);
    for (let r = 0; r < rows; r++) scalar(r);
    f.get(j).i32(1).add().set(j);
    f.br(0).end().end();
  };

  f.i32(0).set(i);
  f.block().loop();
  f.get(i).i32(4).add().get(m).gtS().brIf(1);
  columns(4);
  f.get(i).i32(4).add().set(i);
  f.br(0).end().end();
  f.block().loop();
  f.get(i).get(m).geS().brIf(1);
  columns(1);
  f.get(i).i32(1).add().set(i);
  f.br(0).end().end();
  return { name: 'gemm', body: f, results: [] };
}

/** The dot-product form of the matrix product (gemmDot in SimdKernelExports). */
function gemmDot(): WasmFunction {
  const f = new Body([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [a, lda, bt, ldbt, c, ldc, m, k, n, init, bias] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const i = f.local(I32);
  const j = f.local(I32);
  const kk = f.local(I32);
  const pa = f.local(I32);
  const pb = f.local(I32);
  const acc = f.local(V128);
  const s = f.local(F32);
  for (const p of [lda, ldbt, ldc]) f.get(p).i32(2).shl().set(p);
  const cAddr = () => f.get(c).get(i).get(ldc).mul().add().get(j).i32(2).shl().add();
  f.i32(0).set(i);
  f.block().loop();
  f.get(i).get(m).geS().brIf(1);
  f.i32(0).set(j);
  f.block().loop();
  f.get(j).get(n).geS().brIf(1);
  f.get(a).get(i).get(lda).mul().add().set(pa);
  f.get(bt).get(j).get(ldbt).mul().add().set(pb);
  f.get(k).set(kk);
  f.f32x4(0).set(acc);
  f.block().loop();
  f.get(kk).i32(4).ltS().brIf(1);
  f.get(acc).get(pa).load().get(pb).load().vmul().vadd().set(acc);
  f.get(pa).i32(16).add().set(pa);
  f.get(pb).i32(16).add().set(pb);
  f.get(kk).i32(4).sub().set(kk);
  f.br(0).end().end();
  f.get(acc).lane(0).get(acc).lane(1).fadd().get(acc).lane(2).get(acc).lane(3).fadd().fadd().set(s);
  f.block().loop();
  f.get(kk).eqz().brIf(1);
  f.get(s).get(pa).f32Load().get(pb).f32Load().fmul().fadd().set(s);
  f.get(pa).i32(4).add().set(pa);
  f.get(pb).i32(4).add().set(pb);
  f.get(kk).i32(1).sub().set(kk);
  f.br(0).end().end();
  f.get(init).i32(1).eq().if();
  cAddr().f32Load().get(s).fadd().set(s);
  f.else().get(init).i32(2).eq().if();
  f.get(bias).get(j).i32(2).shl().add().f32Load().get(s).fadd().set(s);
  f.end().end();
  cAddr().get(s).f32Store();
  f.get(j).i32(1).add().set(j);
  f.br(0).end().end();
  f.get(i).i32(1).add().set(i);
  f.br(0).end().end();
  return { name: 'gemmDot', body: f, results: [] };
}

/**
 * An elementwise kernel over n floats: `vector` computes 4 lanes from the inputs' v128 locals,
 * `scalar` one float from their f32 locals; each leaves its result on the stack, stored to `out`.
 */
function elementwise(
  name: string,
  numInputs: number,
  vector: (f: Body, ins: number[]) => void,
  scalar: (f: Body, ins: number[]) => void,
): WasmFunction {
  const params: ValType[] = Array.from({ length: numInputs + 2 }, () => I32);
  const f = new Body(params);
  const out = numInputs;
  const n = numInputs + 1;
  const i = f.local(I32);
  const vIns = Array.from({ length: numInputs }, () => f.local(V128));
  const sIns = Array.from({ length: numInputs }, () => f.local(F32));
  const at = (p: number) => f.get(p).get(i).i32(2).shl().add();
  f.i32(0).set(i);
  f.block().loop();
  f.get(i).i32(4).add().get(n).gtS().brIf(1);
  for (let q = 0; q < numInputs; q++) at(q).load().set(vIns[q]!);
  at(out);
  vector(f, vIns);
  f.store();
  f.get(i).i32(4).add().set(i);
  f.br(0).end().end();
  f.block().loop();
  f.get(i).get(n).geS().brIf(1);
  for (let q = 0; q < numInputs; q++) at(q).f32Load().set(sIns[q]!);
  at(out);
  scalar(f, sIns);
  f.f32Store();
  f.get(i).i32(1).add().set(i);
  f.br(0).end().end();
  return { name, body: f, results: [] };
}

/** Eigen's rational tanh on the value in local `x` (clamped first), lanes or scalar. */
function tanhOf(f: Body, x: number, x2: number, vector: boolean): void {
  const k = (c: number) => (vector ? f.f32x4(c) : f.f32(c));
  const [mul, add, min, max, div] = vector
    ? [() => f.vmul(), () => f.vadd(), () => f.vpmin(), () => f.vpmax(), () => f.vdiv()]
    : [() => f.fmul(), () => f.fadd(), () => f.fmin(), () => f.fmax(), () => f.fdiv()];
  f.get(x);
  k(TANH_CLAMP);
  min();
  k(-TANH_CLAMP);
  max();
  f.set(x);
  f.get(x).get(x);
  mul();
  f.set(x2);
  // p = x (a1 + x2 (a3 + x2 (a5 + x2 (a7 + x2 (a9 + x2 (a11 + x2 a13))))))
  const num = [...TANH_NUM, ...TANH_NUM_HI];
  k(num[num.length - 1]!);
  for (let q = num.length - 2; q >= 0; q--) {
    f.get(x2);
    mul();
    k(num[q]!);
    add();
  }
  f.get(x);
  mul();
  k(TANH_DEN[TANH_DEN.length - 1]!);
  for (let q = TANH_DEN.length - 2; q >= 0; q--) {
    f.get(x2);
    mul();
    k(TANH_DEN[q]!);
    add();
  }
  div();
}

function tanhKernel(): WasmFunction {
  let vx2 = -1;
  let sx2 = -1;
  const fn = elementwise(
    'tanh',
    1,
    (f, [x]) => tanhOf(f, x!, (vx2 = vx2 < 0 ? f.local(V128) : vx2), true),
    (f, [x]) => tanhOf(f, x!, (sx2 = sx2 < 0 ? f.local(F32) : sx2), false),
  );
  return fn;
}

function sumSquares(): WasmFunction {
  const f = new Body([I32, I32]);
  const [x, n] = [0, 1];
  const i = f.local(I32);
  const acc = f.local(V128);
  const t = f.local(V128);
  const s = f.local(F32);
  const e = f.local(F32);
  f.f32x4(0).set(acc);
  f.i32(0).set(i);
  f.block().loop();
  f.get(i).i32(4).add().get(n).gtS().brIf(1);
  f.get(x).get(i).i32(2).shl().add().load().set(t);
  f.get(acc).get(t).get(t).vmul().vadd().set(acc);
  f.get(i).i32(4).add().set(i);
  f.br(0).end().end();
  f.get(acc).lane(0).get(acc).lane(1).fadd().get(acc).lane(2).get(acc).lane(3).fadd().fadd().set(s);
  f.block().loop();
  f.get(i).get(n).geS().brIf(1);
  f.get(x).get(i).i32(2).shl().add().f32Load().set(e);
  f.get(s).get(e).get(e).fmul().fadd().set(s);
  f.get(i).i32(1).add().set(i);
  f.br(0).end().end();
  f.get(s);
  return { name: 'sumSquares', body: f, results: [F32] };
}

/**
 * Adam's per-element update into locals (m', v', u), lanes or scalar, from g, m, v at index i.
 * Parameters: scale, b1, b2, stepSize, sqrtBc2, eps (as splatted locals for lanes).
 */
function adamElement(
  f: Body,
  vector: boolean,
  load: (ptr: number) => void,
  ptrs: { g: number; m: number; v: number },
  k: { scale: number; b1: number; c1: number; b2: number; c2: number; step: number; bc2: number; eps: number },
  out: { g: number; m: number; v: number; u: number },
): void {
  const [mul, add, div, sqrt] = vector
    ? [() => f.vmul(), () => f.vadd(), () => f.vdiv(), () => f.vsqrt()]
    : [() => f.fmul(), () => f.fadd(), () => f.fdiv(), () => f.fsqrt()];
  load(ptrs.g);
  f.get(k.scale);
  mul();
  f.set(out.g);
  load(ptrs.m);
  f.get(k.b1);
  mul();
  f.get(out.g).get(k.c1);
  mul();
  add();
  f.set(out.m);
  load(ptrs.v);
  f.get(k.b2);
  mul();
  f.get(out.g).get(out.g);
  mul();
  f.get(k.c2);
  mul();
  add();
  f.set(out.v);
  // u = m' / (sqrt(v') / sqrtBc2 + eps) * stepSize
  f.get(out.m).get(out.v);
  sqrt();
  f.get(k.bc2);
  div();
  f.get(k.eps);
  add();
  div();
  f.get(k.step);
  mul();
  f.set(out.u);
}

function adam(apply: boolean): WasmFunction {
  // (w,) g, m, v, n, scale, b1, b2, stepSize, sqrtBc2, eps(, out)
  const params: ValType[] = apply
    ? [I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32]
    : [I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, I32];
  const f = new Body(params);
  const o = apply ? 1 : 0;
  const [w, g, m, v, n] = [0, o, o + 1, o + 2, o + 3];
  const [scale, b1, b2, step, bc2, eps] = [o + 4, o + 5, o + 6, o + 7, o + 8, o + 9];
  const outPtr = 10;
  const i = f.local(I32);
  const c1 = f.local(F32);
  const c2 = f.local(F32);
  const vk = Array.from({ length: 8 }, () => f.local(V128));
  const vo = Array.from({ length: 4 }, () => f.local(V128));
  const so = Array.from({ length: 4 }, () => f.local(F32));
  const sumV = f.local(V128);
  const sqV = f.local(V128);
  const sum = f.local(F32);
  const sq = f.local(F32);
  f.f32(1).get(b1).fsub().set(c1);
  f.f32(1).get(b2).fsub().set(c2);
  [scale, b1, c1, b2, c2, step, bc2, eps].forEach((p, q) => f.get(p).splat().set(vk[q]!));
  const vkNamed = {
    scale: vk[0]!,
    b1: vk[1]!,
    c1: vk[2]!,
    b2: vk[3]!,
    c2: vk[4]!,
    step: vk[5]!,
    bc2: vk[6]!,
    eps: vk[7]!,
  };
  const skNamed = { scale, b1, c1, b2, c2, step, bc2, eps };
  const at = (p: number) => f.get(p).get(i).i32(2).shl().add();
  const vOut = { g: vo[0]!, m: vo[1]!, v: vo[2]!, u: vo[3]! };
  const sOut = { g: so[0]!, m: so[1]!, v: so[2]!, u: so[3]! };
  f.f32x4(0).set(sumV).f32x4(0).set(sqV);
  f.i32(0).set(i);
  f.block().loop();
  f.get(i).i32(4).add().get(n).gtS().brIf(1);
  adamElement(f, true, (p) => at(p).load(), { g, m, v }, vkNamed, vOut);
  if (apply) {
    at(m).get(vOut.m).store();
    at(v).get(vOut.v).store();
    at(w);
    at(w).load().get(vOut.u).vsub().store();
  } else {
    f.get(sumV).get(vOut.u).vadd().set(sumV);
    f.get(sqV).get(vOut.u).get(vOut.u).vmul().vadd().set(sqV);
  }
  f.get(i).i32(4).add().set(i);
  f.br(0).end().end();
  if (!apply) {
    f.get(sumV).lane(0).get(sumV).lane(1).fadd().get(sumV).lane(2).get(sumV).lane(3).fadd().fadd().set(sum);
    f.get(sqV).lane(0).get(sqV).lane(1).fadd().get(sqV).lane(2).get(sqV).lane(3).fadd().fadd().set(sq);
  }
  f.block().loop();
  f.get(i).get(n).geS().brIf(1);
  adamElement(f, false, (p) => at(p).f32Load(), { g, m, v }, skNamed, sOut);
  if (apply) {
    at(m).get(sOut.m).f32Store();
    at(v).get(sOut.v).f32Store();
    at(w);
    at(w).f32Load().get(sOut.u).fsub().f32Store();
  } else {
    f.get(sum).get(sOut.u).fadd().set(sum);
    f.get(sq).get(sOut.u).get(sOut.u).fmul().fadd().set(sq);
  }
  f.get(i).i32(1).add().set(i);
  f.br(0).end().end();
  if (!apply) {
    f.get(outPtr).get(sq).f32Store();
    f.get(sum);
  }
  return { name: apply ? 'adamApply' : 'adamCheck', body: f, results: apply ? [] : [F32] };
}

function polyak(): WasmFunction {
  const f = new Body([I32, I32, I32, F32]);
  const [target, online, n, tau] = [0, 1, 2, 3];
  const i = f.local(I32);
  const vt = f.local(V128);
  const vc = f.local(V128);
  const c = f.local(F32);
  f.f32(1).get(tau).fsub().set(c);
  f.get(tau).splat().set(vt);
  f.get(c).splat().set(vc);
  const at = (p: number) => f.get(p).get(i).i32(2).shl().add();
  f.i32(0).set(i);
  f.block().loop();
  f.get(i).i32(4).add().get(n).gtS().brIf(1);
  at(target);
  at(online).load().get(vt).vmul();
  at(target).load().get(vc).vmul().vadd().store();
  f.get(i).i32(4).add().set(i);
  f.br(0).end().end();
  f.block().loop();
  f.get(i).get(n).geS().brIf(1);
  at(target);
  at(online).f32Load().get(tau).fmul();
  at(target).f32Load().get(c).fmul().fadd().f32Store();
  f.get(i).i32(1).add().set(i);
  f.br(0).end().end();
  return { name: 'polyak', body: f, results: [] };
}

function kernels(): WasmFunction[] {
  return [
    gemm(),
    gemmDot(),
    tanhKernel(),
    elementwise(
      'relu',
      1,
      (f, [x]) => f.get(x!).f32x4(0).vpmax(),
      (f, [x]) => f.get(x!).f32(0).fmax(),
    ),
    elementwise(
      'tanhGrad',
      2,
      (f, [dy, y]) => f.get(dy!).f32x4(1).get(y!).get(y!).vmul().vsub().vmul(),
      (f, [dy, y]) => f.get(dy!).f32(1).get(y!).get(y!).fmul().fsub().fmul(),
    ),
    elementwise(
      'reluGrad',
      2,
      (f, [dy, y]) => f.get(dy!).get(y!).f32x4(0).vgt().vand(),
      (f, [dy, y]) => f.get(dy!).f32(0).get(y!).f32(0).fgt().select(),
    ),
    sumSquares(),
    adam(false),
    adam(true),
    polyak(),
  ];
}

/** The module's bytes (compiled once by arena.ts's loadFusedKernels). */
export function simdModuleBytes(): Uint8Array<ArrayBuffer> {
  return encodeModule(kernels(), 1);
}

/** The kernels of a compiled module, bound to `memory`. */
export function instantiateKernels(memory: WebAssembly.Memory, mod: WebAssembly.Module): SimdKernelExports {
  const instance = new WebAssembly.Instance(mod, { env: { memory } });
  return instance.exports as unknown as SimdKernelExports;
}
