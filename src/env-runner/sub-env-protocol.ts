/**
 * Runner <-> sub-env-worker messages (remoteWorkerEnvs). Plain postMessage, not Comlink: a step is
 * one small message each way, and this is the hot path.
 */

/** Builds the sub-env (a 1-env VectorEnv) and resets it; answered with `obs`. */
export interface SubEnvInit {
  readonly type: 'init';
  readonly env: string;
  readonly envConfig: Readonly<Record<string, unknown>>;
  readonly maxEpisodeSteps: number | null;
  readonly seed: number;
  readonly workerIndex: number;
}

export type SubEnvRequest =
  | SubEnvInit
  /** Starts a new episode (answered with `obs`). */
  | { readonly type: 'reset' }
  /** One step with this action (actionDim values); answered with `step`. */
  | { readonly type: 'step'; readonly action: Int32Array | Float32Array };

export type SubEnvReply =
  | { readonly type: 'obs'; readonly obs: Float32Array }
  | {
      readonly type: 'step';
      readonly obs: Float32Array;
      readonly reward: number;
      readonly terminated: boolean;
      readonly truncated: boolean;
      /** The episode's last observation when it ended in this step (obs is then the next episode's first). */
      readonly finalObs: Float32Array | null;
    }
  /** The env threw; the worker closes itself after posting this. */
  | { readonly type: 'crashed'; readonly message: string };
