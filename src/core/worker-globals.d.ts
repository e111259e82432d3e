// Type-only: VectorEnv.render accepts a page canvas context or an OffscreenCanvas one. Under the
// WebWorker lib (tsconfig.worker.json) the DOM type does not exist, so it is declared here as the
// offscreen context's shape; under the DOM lib this merges harmlessly into the real declaration.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
interface CanvasRenderingContext2D extends OffscreenCanvasRenderingContext2D {}
