/**
 * One remote sub-env: answers SubEnvRequests with SubEnvReplies. The sub-env worker wraps it;
 * unit tests drive it in-process. Any error thrown by the env is a crash: the reply says so and
 * the worker ends (the runner builds a fresh one, as RLlib restarts a failed remote sub-env).
 */
import { getEnvSpec, makeVectorEnv, needsGpuError, type VectorEnv } from '../envs';
import type { SubEnvReply, SubEnvRequest } from './sub-env-protocol';

export class SubEnvHost {
  private env: VectorEnv | null = null;

  /** The reply to one request, and whether the host is dead afterwards. */
  handle(request: SubEnvRequest): { reply: SubEnvReply; dead: boolean } {
    try {
      return { reply: this.answer(request), dead: false };
    } catch (e) {
      return { reply: { type: 'crashed', message: e instanceof Error ? e.message : String(e) }, dead: true };
    }
  }

  private answer(request: SubEnvRequest): SubEnvReply {
    if (request.type === 'init') {
      if (getEnvSpec(request.env)?.requiresGpu) throw needsGpuError(request.env, 'a remote sub-env worker');
      this.env = makeVectorEnv(request.env, {
        numEnvs: 1,
        seed: request.seed,
        envConfig: request.envConfig,
        workerIndex: request.workerIndex,
        ...(request.maxEpisodeSteps !== null ? { maxEpisodeSteps: request.maxEpisodeSteps } : {}),
      });
      this.env.reset(request.seed);
      return { type: 'obs', obs: this.env.obs.slice() };
    }
    const env = this.env;
    if (!env) throw new Error(`sub-env got "${request.type}" before "init"`);
    if (request.type === 'reset') {
      env.reset();
      return { type: 'obs', obs: env.obs.slice() };
    }
    env.step(request.action);
    const terminated = env.terminated[0] === 1;
    const truncated = env.truncated[0] === 1;
    return {
      type: 'step',
      obs: env.obs.slice(),
      reward: env.rewards[0] ?? 0,
      terminated,
      truncated,
      finalObs: terminated || truncated ? env.finalObs.slice() : null,
    };
  }
}
