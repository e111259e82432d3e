/**
 * Gives the event loop a turn: long synchronous work (a learner update on wasm, a sampling loop)
 * calls it between chunks so the page keeps painting and answering clicks, and a worker keeps
 * answering health probes. A MessageChannel message is an ordinary task, queued behind messages
 * already waiting, and is not clamped to 4 ms the way nested `setTimeout(0)` is.
 * (`scheduler.yield()` is avoided on purpose: its continuation jumps ahead of waiting messages.)
 */
function yieldToEventLoop(): Promise<void> {
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

/** When code in this realm last gave the event loop a turn through `takeTurn`. */
let lastTurnAt = 0;

/**
 * Whether `budgetMs` has passed since the last turn. The clock is shared by every caller in the
 * realm, so work that runs back to back (a learner update, then the weight sync, then sampling on
 * the page) is cut into tasks of about `budgetMs` as a whole, not per part. A plain check, so a
 * hot loop pays no promise per iteration when no turn is due.
 */
export function turnDue(budgetMs: number): boolean {
  return performance.now() - lastTurnAt >= budgetMs;
}

/** Gives the event loop a turn and restarts the shared clock. */
export async function takeTurn(): Promise<void> {
  await yieldToEventLoop();
  lastTurnAt = performance.now();
}

/** `takeTurn()` if `turnDue(budgetMs)`. */
export async function yieldIfBusy(budgetMs: number): Promise<void> {
  if (turnDue(budgetMs)) await takeTurn();
}
