/** A set of callbacks for one kind of event: `add` returns the unsubscribe function. */
export type Listener<T> = (value: T) => void;

export class Listeners<T> {
  private readonly set = new Set<Listener<T>>();

  get size(): number {
    return this.set.size;
  }

  add(l: Listener<T>): () => void {
    this.set.add(l);
    return () => this.set.delete(l);
  }

  emit(value: T): void {
    for (const l of this.set) l(value);
  }
}
