/**
 * The bounded queue between asynchronous EnvRunners and the Learner (RLlib: IMPALA's learner
 * queue, `learner_queue_size`). Items leave oldest first. When it is full:
 *  - 'drop_oldest' (RLlib's new API stack, a `deque(maxlen=learner_queue_size)`): the oldest item
 *    is dropped and counted, so the Learner always trains on the freshest data and the policy lag
 *    stays bounded;
 *  - 'block' (RLlib's old stack, `queue.Queue(maxsize).put()`): `put` waits for room, which holds
 *    the runner's request slot and so slows sampling down to the Learner's pace.
 */
export type LearnerQueueFullPolicy = 'drop_oldest' | 'block';

export class LearnerQueue<T> {
  private readonly items: T[] = [];
  /** Producers waiting for room ('block'), oldest first. */
  private readonly waitingPutters: (() => void)[] = [];
  /** Consumers waiting for an item. */
  private readonly waitingTakers: (() => void)[] = [];
  /** Lifetime: items ever accepted. */
  numAdded = 0;
  /** Lifetime: items dropped because the queue was full ('drop_oldest'). Never goes back. */
  numDropped = 0;
  private closed = false;

  constructor(
    /** Most items held at once. RLlib: learner_queue_size. */
    readonly capacity: number,
    readonly fullPolicy: LearnerQueueFullPolicy,
    /** Told about each dropped item (to count its env steps). */
    private readonly onDrop: (item: T) => void = () => undefined,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`LearnerQueue capacity must be an integer >= 1, got ${capacity}`);
    }
  }

  get size(): number {
    return this.items.length;
  }

  /**
   * Adds an item. 'drop_oldest' never waits; 'block' resolves once the item is in the queue
   * (or the queue was closed, in which case the item is discarded).
   */
  async put(item: T): Promise<void> {
    if (this.fullPolicy === 'block') {
      while (!this.closed && this.items.length >= this.capacity) {
        await new Promise<void>((resolve) => this.waitingPutters.push(resolve));
      }
      if (this.closed) return;
    } else if (this.items.length >= this.capacity) {
      const dropped = this.items.shift()!;
      this.numDropped++;
      this.onDrop(dropped);
    }
    this.items.push(item);
    this.numAdded++;
    this.waitingTakers.splice(0).forEach((wake) => wake());
  }

  /** Removes and returns the oldest item, or undefined when empty; wakes one blocked producer. */
  take(): T | undefined {
    const item = this.items.shift();
    if (item !== undefined) this.waitingPutters.shift()?.();
    return item;
  }

  /** Resolves when the queue holds an item (at once if it does), or when it is closed. */
  async waitForItem(): Promise<void> {
    if (this.items.length > 0 || this.closed) return;
    await new Promise<void>((resolve) => this.waitingTakers.push(resolve));
  }

  /** Releases every waiter; later puts are discarded. */
  close(): void {
    this.closed = true;
    this.waitingPutters.splice(0).forEach((wake) => wake());
    this.waitingTakers.splice(0).forEach((wake) => wake());
  }
}
