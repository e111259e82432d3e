/**
 * Named checkpoints in the browser's IndexedDB (structured clone keeps typed arrays as they are).
 * A write counts as done only when its transaction commits: a request's `success` fires before the
 * commit, and a quota abort comes after it, so resolving on `success` reported "Saved" for
 * checkpoints that were never stored.
 */
import type { Checkpoint } from '../algorithms/checkpoint';
import { RLError } from '../core/errors';

const DB_NAME = 'browser-rl';
const STORE = 'checkpoints';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
  });
}

const MB = 1024 * 1024;

/** `storage/quota` with what the browser says about its usage, when it says anything. */
async function quotaError(cause: DOMException): Promise<RLError> {
  let usage = '';
  try {
    const { usage: used, quota } = await navigator.storage.estimate();
    if (used !== undefined && quota !== undefined) {
      usage = ` (used ${(used / MB).toFixed(1)} MB of ${(quota / MB).toFixed(1)} MB available)`;
    }
  } catch {
    // No estimate (older browsers, some private modes): the message goes without figures.
  }
  return new RLError(
    'storage/quota',
    `Checkpoint not saved: storage is full${usage}. Delete stored checkpoints or use "Download checkpoint" instead.`,
    { cause },
  );
}

/** Runs one request in its own transaction; settles when the transaction completes or aborts. */
async function withStore<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      const failed = (): void => {
        const error = tx.error ?? req.error;
        if (error?.name === 'QuotaExceededError') void quotaError(error).then(reject);
        else reject(error ?? new RLError('storage/aborted', 'Browser storage aborted the operation.'));
      };
      tx.oncomplete = () => resolve(req.result);
      // A failed request aborts the transaction too, so `abort` reports every failure once.
      tx.onabort = failed;
    });
  } finally {
    db.close();
  }
}

export function storeCheckpoint(name: string, ckpt: Checkpoint): Promise<IDBValidKey> {
  return withStore('readwrite', (s) => s.put(ckpt, name));
}

/** The stored value as it is: `Algorithm.restore` validates it like any other checkpoint. */
export function loadStoredCheckpoint(name: string): Promise<unknown> {
  return withStore<unknown>('readonly', (s) => s.get(name));
}

export async function listStoredCheckpoints(): Promise<string[]> {
  const keys = await withStore('readonly', (s) => s.getAllKeys());
  return keys.map(String);
}
