/// <reference lib="webworker" />
/** Web Worker entry: exposes one learner of a data-parallel group over Comlink, then says it is ready. */
import * as Comlink from 'comlink';
import { LearnerHost } from '../learner/learner-host';
import type { LearnerControlMessage } from '../learner/learner-worker-protocol';
import { makeLearner } from './learner-classes';

const host = new LearnerHost(makeLearner, (value, buffers) => Comlink.transfer(value, buffers));
Comlink.expose(host);

const post = (message: LearnerControlMessage): void => self.postMessage(message);
self.addEventListener('error', (event) => post({ type: 'learner/fatal', message: event.message }));
post({ type: 'learner/ready' });
