/**
 * Stands in for `@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js` in the
 * Vite build (vite.config.ts aliases it here). TF.js starts each XNNPACK pthread as a Worker from
 * `factory.toString()` (backend_wasm.js, `mainScriptUrlOrBlob`): once the bundler has wrapped and
 * minified the factory, its text names variables of the bundle's scope, and every pthread worker
 * dies with "ReferenceError: e is not defined" (the crash at start noted in bench/NOTES.md). Built
 * from the package's own, untouched source, the function's text is self-contained again.
 */
import factorySource from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';

// Evaluated as a classic script would be (no module, exports or define in scope), exactly as the
// pthread workers evaluate the same text.
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point: a function whose text is the package's
const evaluateFactory = new Function(`${factorySource}\nreturn WasmBackendModuleThreadedSimd;`) as () => unknown;

export default evaluateFactory();
