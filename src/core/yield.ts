/**
 * Gives the event loop a turn: long synchronous work (a learner update on wasm, a sampling loop)
 * calls it between chunks so the page keeps painting and answering clicks, and a worker keeps
 * answering health probes. A MessageChannel message is an ordinary task, queued behind messages
 * already waiting, and is not clamped to 4 ms the way nested `setTimeout(0)` is.
 * (`scheduler.yield()` is avoided on purpose: its continuation jumps ahead of waiting messages.)
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel !== 'function') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
