/// <reference lib="webworker" />
/** Web Worker entry of one remote sub-env (remoteWorkerEnvs), started by its runner. */
import { SubEnvHost } from './sub-env-host';
import type { SubEnvRequest } from './sub-env-protocol';

const host = new SubEnvHost();
self.addEventListener('message', (event: MessageEvent<SubEnvRequest>) => {
  const { reply, dead } = host.handle(event.data);
  self.postMessage(reply);
  if (dead) self.close();
});
