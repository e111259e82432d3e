/**
 * Gives the event loop a turn: long synchronous work (a learner update on wasm, a sampling loop)
 * calls it between chunks so the page keeps painting and answering clicks, and a worker keeps
 * answering health probes. A MessageChannel message is an ordinary task, queued behind messages
 * already waiting, and is not clamped to 4 ms the way nested `setTimeout(0)` is.
 * (`scheduler.yield()` is avoided on purpose: its continuation jumps ahead of waiting messages.)
 */
/**
 * Channels whose message has not landed yet. Held here so nothing can collect the ports (and with
 * them the awaiting promise) before it does: a page-side `rl.step()` once ended in Playwright's
 * "Resulting promise was garbage collected" while its learner was yielding.
 */
const channelsInFlight = new Set<MessageChannel>();

function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel !== 'function') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channelsInFlight.add(channel);
    channel.port1.onmessage = () => {
      channelsInFlight.delete(channel);
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** When code in this realm last gave the event loop a turn through `takeTurn`. */
let lastTurnAt = 0;

/** Set by whoever may cut the current work short (the app's interrupt); null: nothing can. */
let interruptSignal: AbortSignal | null = null;

/**
 * From now on every yield point in this realm throws `signal.reason` once `signal` is aborted, so
 * long work (the learner's minibatch loop, page-side sampling) stops within one turn budget
 * (~40 ms) instead of at the end of the iteration. The yield points are where the work already
 * gives up the thread, so nothing is left half-applied inside a TF.js kernel. Returns a function
 * that stops it (a no-op once another signal has taken over).
 */
export function interruptYieldsWith(signal: AbortSignal): () => void {
  interruptSignal = signal;
  return () => {
    if (interruptSignal === signal) interruptSignal = null;
  };
}

/** Throws if the current work was interrupted (see interruptYieldsWith). */
export function throwIfInterrupted(): void {
  interruptSignal?.throwIfAborted();
}

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
  throwIfInterrupted();
}

/** `takeTurn()` if `turnDue(budgetMs)`; throws if the work was interrupted either way. */
export async function yieldIfBusy(budgetMs: number): Promise<void> {
  if (turnDue(budgetMs)) await takeTurn();
  else throwIfInterrupted();
}

/** Resolves like `p`, or rejects with the signal's reason once `signal` aborts (a pending runner call included). */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
