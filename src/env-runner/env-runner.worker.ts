/// <reference lib="webworker" />
/** Web Worker entry: exposes one EnvRunner over Comlink and says when it is ready. */
import * as Comlink from 'comlink';
import { EnvRunnerHost } from './env-runner-host';
import type { WorkerControlMessage } from './protocol';

const host = new EnvRunnerHost((value, buffers) => Comlink.transfer(value, buffers));
Comlink.expose(host);

const post = (message: WorkerControlMessage): void => self.postMessage(message);
self.addEventListener('error', (event) => post({ type: 'env-runner/fatal', message: event.message }));
post({ type: 'env-runner/ready' });
