/**
 * `rl.envs`: the app's side of user envs: loading env modules by URL (Gymnasium's entry_point),
 * the registry's metadata for an env id, the preflight check before a build, and the last env
 * fault for the page's error panel and the CLI. Every failure becomes an EnvFault
 * (message, env id, file:line) and is thrown as an EnvFaultError whose code decides the CLI's
 * exit code: 2 for a module that does not load or an env that breaks its contract, 1 for an env
 * that throws while it runs.
 */
import { RLError } from '../core/errors';
import { describeEnvError, EnvFaultError, FaultLocator, type EnvFault, type EnvFaultCode } from '../envs/env-fault';
import { loadEnvModule, resolveEnvModuleUrl, type LoadedEnvModule } from '../envs/env-modules';
import { preflightEnv, type PreflightOptions } from '../envs/env-preflight';
import { getEnvSpec, isBuiltinEnv, registrationStack } from '../envs/registry';
import type { EnvSpec } from '../envs/types';
import { Subscriptions, type Listener } from './subscriptions';

export type { EnvFault } from '../envs/env-fault';
export type { LoadedEnvModule } from '../envs/env-modules';

export class UserEnvs {
  /** The last fault (null after a clean build or a dismiss). */
  fault: EnvFault | null = null;
  private readonly subscriptions = new Subscriptions<{ fault: EnvFault | null }>();
  private readonly locator = new FaultLocator();

  /**
   * Loads a same-origin env module (URL relative to the page) on the page; every EnvRunner worker
   * built afterwards imports it too. Throws EnvFaultError (`env/module-load`) with the file:line.
   */
  async load(raw: string): Promise<LoadedEnvModule> {
    try {
      const loaded = await loadEnvModule(resolveEnvModuleUrl(raw, location.href));
      this.report(null);
      return loaded;
    } catch (e) {
      throw await this.fail(e, 'env/module-load', null);
    }
  }

  /** A registered env's metadata (time limit, reward threshold), or null. */
  spec(id: string): EnvSpec | null {
    return getEnvSpec(id) ?? null;
  }

  /** checkEnv on a user env before it trains; throws EnvFaultError with the first fault. */
  async preflight(envId: string, opts: PreflightOptions): Promise<void> {
    const fault = await preflightEnv(envId, this.locator, opts);
    this.report(fault);
    if (fault) throw new EnvFaultError(fault);
  }

  /**
   * An error out of a training iteration, told as the user env's fault when its stack runs through
   * the user's code (a step() that throws on the page's local runner); otherwise returned as it is.
   */
  async runtimeError(e: unknown, envId: string): Promise<unknown> {
    if (e instanceof RLError || isBuiltinEnv(envId)) return e;
    const fault = await describeEnvError(e, 'env/runtime-error', envId, this.locator);
    if (fault.location === null) return e;
    this.report(fault);
    return new EnvFaultError(fault);
  }

  /** Locates a fault and reports it; returns the error to throw. */
  private async fail(e: unknown, code: EnvFaultCode, envId: string | null): Promise<EnvFaultError> {
    const fault = await describeEnvError(e, code, envId, this.locator, envId ? registrationStack(envId) : undefined);
    this.report(fault);
    return new EnvFaultError(fault);
  }

  /** The page's error panel was closed. */
  dismiss(): void {
    this.report(null);
  }

  /** `fault`: the last fault changed (null: dismissed or cleared by a clean load or build). */
  on(type: 'fault', listener: Listener<EnvFault | null>): () => void {
    return this.subscriptions.on(type, listener);
  }

  private report(fault: EnvFault | null): void {
    if (fault === this.fault) return;
    this.fault = fault;
    if (fault) console.error(`[env] ${fault.envId ?? 'env module'}: ${fault.message} ${fault.location ?? ''}`);
    this.subscriptions.emit('fault', fault);
  }
}
