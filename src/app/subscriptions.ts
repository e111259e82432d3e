/**
 * Callbacks by event name, the one way to watch the app's objects: the run (`rl.on('result', l)`),
 * a sweep (`rl.sweeps.on('trial', l)`) and the env modules (`rl.envs.on('fault', l)`). `on`
 * returns the function that unsubscribes.
 */
export type Listener<T> = (value: T) => void;

export class Subscriptions<Events extends object> {
  private readonly listeners: { [K in keyof Events]?: Set<Listener<Events[K]>> } = {};

  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    const set = (this.listeners[type] ??= new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<K extends keyof Events>(type: K, value: Events[K]): void {
    for (const listener of this.listeners[type] ?? []) listener(value);
  }

  /** Whether anyone listens (a checkpoint is only read back from the GPU for someone). */
  has(type: keyof Events): boolean {
    return (this.listeners[type]?.size ?? 0) > 0;
  }
}
