/**
 * The Lessons menu: ready sweeps that show RLlib's scaling rules of thumb happen (or not) in this
 * tab. Each is a sweep file in `lessons/` (the same files `npm run tune -- --config <name>` runs)
 * with a `lesson` section: its claim and the trials it expects to win on env steps and on wall
 * time (tune/compare.ts decides after the run).
 */
import fastEnv from '../../lessons/fast-env.json';
import heavyEnv from '../../lessons/heavy-env.json';
import slowEnv from '../../lessons/slow-env.json';

export interface LessonEntry {
  /** The file's name in lessons/ (and `--config NAME` for npm run tune). */
  readonly name: string;
  readonly title: string;
  readonly claim: string;
  /** The sweep's JSON, as in the file. */
  readonly sweep: unknown;
}

function entry(
  name: string,
  sweep: { readonly lesson: { readonly title: string; readonly claim: string } },
): LessonEntry {
  return { name, title: sweep.lesson.title, claim: sweep.lesson.claim, sweep };
}

export const LESSONS: readonly LessonEntry[] = [
  entry('fast-env', fastEnv),
  entry('slow-env', slowEnv),
  entry('heavy-env', heavyEnv),
];
