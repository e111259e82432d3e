/**
 * The `remote-envs` bench section: SlowCartPole-v1 sampled by ONE runner whose sub-envs step
 * inline (one thread) or each in its own worker (remoteWorkerEnvs), at the same numEnvs. With a
 * 2 ms step the workers spread the env cost over the cores; with 0 ms the rows show what the
 * messages cost. Every pair is measured `repeats` times, interleaved, because other load on the
 * machine drifts.
 */
import type { AppSession } from '../src/cli/app-session';
import { samplingRate } from './sections';

export interface RemoteEnvsRow {
  stepCostMs: number;
  numEnvs: number;
  remoteWorkerEnvs: boolean;
  /** Env steps/s of each repeat, in order. */
  stepsPerSecond: number[];
}

export async function benchRemoteEnvs(
  session: AppSession,
  stepCosts: readonly number[],
  numEnvs: readonly number[],
  seconds: number,
  repeats: number,
  log: (msg: string) => void,
): Promise<RemoteEnvsRow[]> {
  const rows: RemoteEnvsRow[] = [];
  for (const stepCostMs of stepCosts) {
    for (const n of numEnvs) {
      const pair = [false, true].map((remote) => ({
        stepCostMs,
        numEnvs: n,
        remoteWorkerEnvs: remote,
        stepsPerSecond: [] as number[],
      }));
      for (let k = 0; k < repeats; k++) {
        for (const row of pair) {
          const sps = await measureSampling(session, row, seconds);
          row.stepsPerSecond.push(sps);
          log(
            `  SlowCartPole stepCostMs ${stepCostMs} x ${n} envs, ${row.remoteWorkerEnvs ? 'remote' : 'inline'}: ${Math.round(sps)} steps/s`,
          );
        }
      }
      rows.push(...pair);
    }
  }
  return rows;
}

/** Env steps/s of one runner sampling `numEnvs` SlowCartPole-v1 sub-envs, inline or each in a worker. */
async function measureSampling(
  session: AppSession,
  a: { stepCostMs: number; numEnvs: number; remoteWorkerEnvs: boolean },
  seconds: number,
): Promise<number> {
  const fragment = Math.ceil(512 / a.numEnvs); // PPO preset: minibatch 512 <= batch
  await session.build(
    {
      preset: 'CartPole-v1',
      environment: { env: 'SlowCartPole-v1', envConfig: { stepCostMs: a.stepCostMs } },
      rlModule: { fcnetHiddens: [64, 64] },
      envRunners: {
        numEnvRunners: 1,
        numEnvsPerEnvRunner: a.numEnvs,
        rolloutFragmentLength: fragment,
        remoteWorkerEnvs: a.remoteWorkerEnvs,
        remoteEnvBatchWaitMs: 0,
      },
      training: { trainBatchSizePerLearner: fragment * a.numEnvs },
      learners: { numGpusPerLearner: 0 },
      debugging: { seed: 1 },
    },
    undefined,
  );
  const sps = await samplingRate(session, fragment * a.numEnvs, seconds);
  await session.dispose();
  return sps;
}
