/** Named checkpoints in the browser's IndexedDB (structured clone keeps typed arrays as they are). */
import type { Checkpoint } from '../algorithms/checkpoint';

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

async function withStore<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const req = fn(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
    });
  } finally {
    db.close();
  }
}

export function storeCheckpoint(name: string, ckpt: Checkpoint): Promise<IDBValidKey> {
  return withStore('readwrite', (s) => s.put(ckpt, name));
}

export function loadStoredCheckpoint(name: string): Promise<Checkpoint | undefined> {
  return withStore<Checkpoint | undefined>('readonly', (s) => s.get(name) as IDBRequest<Checkpoint | undefined>);
}

export async function listStoredCheckpoints(): Promise<string[]> {
  const keys = await withStore('readonly', (s) => s.getAllKeys());
  return keys.map(String);
}

export function deleteStoredCheckpoint(name: string): Promise<undefined> {
  return withStore('readwrite', (s) => s.delete(name));
}
