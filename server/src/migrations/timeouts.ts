/**
 * Time limits on the waits that run the project's own code or reach its database: loading the knexfile and
 * the migration modules (a knexfile may export `new Promise(() => {})`, an `.mjs` migration may await forever at
 * top level) and the first connection (a server that accepts TCP and never answers). Issue 13, item 4.
 *
 * Each wait is listed while it lasts ({@link pendingWaits}), so that a process that runs out of work while one
 * is still unsettled (nothing left to wake it: Node then emits `beforeExit`) can say what never settled instead
 * of exiting 0 in silence (cli/main.ts `runAsProgram`).
 */
import { DEFAULT_CONNECT_TIMEOUT_SECONDS, DEFAULT_LOAD_TIMEOUT_SECONDS } from '../protocol';
import { EngineError, type EngineErrorCode } from './errors';

/** Default limit on loading the knexfile and the migration modules, in milliseconds (CLI `--load-timeout`, protocol/cli.ts). */
export const DEFAULT_LOAD_TIMEOUT_MS = DEFAULT_LOAD_TIMEOUT_SECONDS * 1000;

/** Default limit on opening the first database connection, in milliseconds (CLI `--connect-timeout`, protocol/cli.ts). */
export const DEFAULT_CONNECT_TIMEOUT_MS = DEFAULT_CONNECT_TIMEOUT_SECONDS * 1000;

/** Time limits of a loaded project, in milliseconds. */
export interface EngineTimeouts {
  /** Loading the knexfile (its export, an environment or connection function) and the migration modules. */
  loadMs: number;
  /** Opening the first connection (`select 1` in db.ts `openKnex`). */
  connectMs: number;
}

/** What a {@link withTimeout} waits on, for its errors. */
export interface Wait {
  /** Error code of both errors (a setup code: CLI exit 2). */
  code: EngineErrorCode;
  /** Subject of the sentence, naming the file or the host:port, e.g. "The knexfile's export (/p/knexfile.js)". */
  what: string;
  /** Verb of the timeout sentence: "did not settle within 1 s". */
  verb: 'settle' | 'answer';
  /** The next step for the user. */
  hint: string;
}

const waiting = new Set<Wait>();

/** The waits under way now, oldest first. */
export function pendingWaits(): Wait[] {
  return [...waiting];
}

/** The error for a wait that can never end: the process had nothing left to run while it was pending. */
export function neverSettledError(wait: Wait | undefined): EngineError {
  if (!wait) {
    return new EngineError(
      'knexfile-load',
      "The command stopped before it finished: something the project's code returned (the knexfile's export, a migration module) never settled.",
      'Look in the knexfile and the migrations for a promise that is never resolved.',
    );
  }
  return new EngineError(wait.code, `${wait.what} never settled: nothing was left running that could settle it.`, wait.hint);
}

/** Milliseconds as the seconds a user typed (`1 s`, `0.5 s`). */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * Awaits `value` for at most `ms` milliseconds. The timer is unref'd (it never keeps the process alive: a wait
 * with nothing else pending ends in `beforeExit`, see the module doc) and cleared when `value` settles.
 * `onTimeout` runs when the limit is hit (to destroy a half-open pool, say); its errors are ignored.
 * @throws EngineError `wait.code`: "<what> did not <verb> within N s" when the limit is hit; else what `value` throws.
 */
export async function withTimeout<T>(value: T | PromiseLike<T>, ms: number, wait: Wait, onTimeout?: () => unknown): Promise<Awaited<T>> {
  waiting.add(wait);
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      try {
        onTimeout?.();
      } catch {
        // the timeout is what gets reported
      }
      reject(new EngineError(wait.code, `${wait.what} did not ${wait.verb} within ${seconds(ms)}.`, wait.hint));
    }, ms);
    timer.unref();
  });
  try {
    return await Promise.race([Promise.resolve(value), limit]);
  } finally {
    clearTimeout(timer);
    waiting.delete(wait);
  }
}

/**
 * Parses a CLI `--…-timeout <seconds>` value (a positive number, decimals allowed) into milliseconds.
 * @throws EngineError `usage` for anything else.
 */
export function parseTimeoutSeconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = Number(value);
  if (!/^\s*\d*\.?\d+\s*$/.test(value) || !Number.isFinite(s) || s <= 0) {
    throw new EngineError('usage', `${flag} must be a positive number of seconds, not '${value}'.`, `For example ${flag} 30.`);
  }
  return Math.round(s * 1000);
}
