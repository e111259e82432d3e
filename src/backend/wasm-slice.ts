/**
 * Contiguous Slice and SplitV on the wasm backend without copying the whole input.
 *
 * TF.js 4.22's wasm Slice kernel starts with `backend.readSync(x)`, which copies the entire input
 * out of the wasm heap, for every slice; SplitV slices once per piece. FlatAdam splits its
 * 9k-float update into 12 variables every Adam step, so each step copied ~110k floats and
 * allocated 12 buffers: 7% of a CleanRL-preset run's CPU time in a profile (bench/NOTES.md,
 * change 7). For contiguous slices (rows of a matrix, pieces of a vector) these kernels copy just
 * the slice, heap to heap; everything else goes to TF.js's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type KernelArgs = Parameters<KernelFunc>[0];

let installed = false;

/** Replaces the wasm Slice and SplitV kernels (once; a no-op if the wasm backend is not registered). */
export function installWasmSliceKernels(): void {
  if (installed) return;
  const slice = tf.getKernel('Slice', 'wasm');
  const splitV = tf.getKernel('SplitV', 'wasm');
  if (!slice || !splitV) return;
  const originalSlice = slice.kernelFunc;
  const sliceKernel = (args: KernelArgs): tf.TensorInfo =>
    contiguousSlice(args) ?? (originalSlice(args) as tf.TensorInfo);
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ ...slice, kernelFunc: sliceKernel });
  tf.unregisterKernel('SplitV', 'wasm');
  tf.registerKernel({ ...splitV, kernelFunc: (args) => splitVBySlices(args, sliceKernel) });
  installed = true;
}

function contiguousSlice({ inputs, attrs = {}, backend }: KernelArgs): tf.TensorInfo | null {
  const x = inputs.x as tf.TensorInfo;
  if (x.dtype === 'string') return null;
  const [begin, size] = tf.slice_util.parseSliceParams(
    x,
    attrs.begin as number | number[],
    attrs.size as number | number[] | undefined,
  ) as [number[], number[]];
  if (!tf.slice_util.isSliceContinous(x.shape, begin, size)) return null;
  const wasm = backend as BackendWasm;
  // Allocate first: growing the heap would detach a view of the input taken before.
  const out = wasm.makeOutput(size, x.dtype);
  const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
  const length = tf.util.sizeFromShape(size);
  wasm.typedArrayFromHeap(out).set(wasm.typedArrayFromHeap(x).subarray(offset, offset + length));
  return out;
}

/** TF.js's wasm SplitV, through the given Slice kernel. */
function splitVBySlices(args: KernelArgs, slice: (args: KernelArgs) => tf.TensorInfo): tf.TensorInfo[] {
  const x = args.inputs.x as tf.TensorInfo;
  const attrs = args.attrs ?? {};
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x, attrs.numOrSizeSplits as number[] | number, axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((pieceSize) => {
    const size = [...x.shape];
    size[axis] = pieceSize;
    const piece = slice({ ...args, attrs: { begin: [...begin], size } });
    begin[axis]! += pieceSize;
    return piece;
  });
}
