/** Exit codes are decided by the error's code in one place (issue 12, item 12). */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args';
import { PageError } from '../../src/cli/app-session';
import { chromiumArgs, useChromiumSandbox } from '../../src/cli/browser';
import { exitCodeForError } from '../../src/cli/exit-codes';
import { ConfigError, RLError } from '../../src/core/errors';

describe('exitCodeForError', () => {
  it.each([
    ['cli/usage', 2],
    ['cli/no-browser', 2],
    ['config/invalid', 2],
    ['checkpoint/parse', 2],
    ['checkpoint/invalid', 2],
    ['env/unknown', 2],
    ['env/module-load', 2],
    ['env/module-url', 2],
    ['env/check-failed', 2],
    ['env/runtime-error', 1],
    ['offline/bad-file', 2],
    ['offline/missing-file', 2],
    ['offline/multi-agent', 2],
    ['offline/no-progress', 1],
    ['device/no-webgpu', 2],
    ['device/unavailable', 2],
    ['learner/diverged', 1],
    ['env-runner/unavailable', 1],
    ['device/lost', 1],
    ['app/interrupted', 1],
  ])('a page error coded %s exits %i', (code, exit) => {
    expect(exitCodeForError(new PageError(code, 'm', null))).toBe(exit);
    expect(exitCodeForError(new RLError(code, 'm'))).toBe(exit);
  });

  it('input errors thrown in Node exit 2; uncoded errors are failed runs', () => {
    expect(exitCodeForError(new UsageError('bad flag'))).toBe(2);
    expect(exitCodeForError(new ConfigError([{ path: 'x', message: 'y', severity: 'error' }]))).toBe(2);
    expect(exitCodeForError(new Error('boom'))).toBe(1);
    expect(exitCodeForError(new PageError(null, 'boom', null))).toBe(1);
    expect(exitCodeForError('a string')).toBe(1);
  });
});

describe('Chromium sandbox (issue 12, item 11)', () => {
  it('keeps the sandbox unless running as root', () => {
    expect(useChromiumSandbox(1000)).toBe(true);
    expect(chromiumArgs({ webgpu: false, uid: 1000 })).not.toContain('--no-sandbox');
    expect(chromiumArgs({ webgpu: true, uid: 1000 })).not.toContain('--no-sandbox');
    expect(useChromiumSandbox(0)).toBe(false);
    expect(chromiumArgs({ webgpu: false, uid: 0 })).toContain('--no-sandbox');
  });
});
