/**
 * Lints an upgrade's migration files in worker threads while the main thread loads Knex and reads the
 * migration state, so that the safe upgrade's lint step costs little wall time (the analyzer, with the
 * TypeScript compiler, takes ~0.1 s to load and ~1 ms a file cold).
 *
 * Only the bundled CLI has workers: dist/lint-worker.js next to the engine bundle. From sources (tests,
 * `tsx`) there is no worker file and the files are linted in this thread after the status is read; the
 * result is the same. Files go to the workers newest first (pending migrations are usually the newest);
 * once the status is known, the main thread flags every file it does not need in shared memory and the
 * workers skip them. Any failure of a worker (it could not start, crashed) falls back to linting in this
 * thread: the verdict never depends on the workers. The workers share one queue (an atomic counter), so
 * the worker started first, by the launcher, lints most files while a second one is still starting.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Dialect } from '../protocol';
import type { MigrationSettings } from './config';
import { listMigrationFiles } from './files';
import { lintTargets, type LintedFile, type LintTarget } from './lint-pending';
import type { LintJob, LintReply } from './lint-worker';

/** The worker bundle, next to the engine bundle (dist/); absent when running from sources. */
const WORKER_FILE = path.join(__dirname, 'lint-worker.js');

/**
 * The workers of this thread: started with no job yet (`idle`), and working with no reply yet (`busy`; a
 * worker that replied writes its code cache and exits by itself). Kept on globalThis because the launcher
 * (dist/cli.js) starts the first worker before the engine bundle, which has its own copy of this module, loads.
 */
const pool = ((globalThis as Record<symbol, unknown>)[Symbol.for('migration-guard.lint-workers')] ??= { idle: [], busy: new Set() }) as { idle: Worker[]; busy: Set<Worker> };
const { idle, busy } = pool;

function spawnWorker(): Worker | null {
  try {
    const w = new Worker(WORKER_FILE);
    // A worker that fails to start is reported when it is used (its reply never comes): the fallback lints here.
    w.on('error', () => {});
    return w;
  } catch {
    return null;
  }
}

/**
 * How many lint workers an upgrade starts: `MIGRATION_GUARD_LINT_WORKERS` (0 = lint in the main thread),
 * else 2 on a machine with 4+ cores, else 1 (the workers start in parallel with the main thread, which
 * meanwhile loads Knex and reads the status).
 */
export function lintWorkerCount(env: NodeJS.ProcessEnv = process.env): number {
  const setting = Number.parseInt(env.MIGRATION_GUARD_LINT_WORKERS ?? '', 10);
  if (Number.isInteger(setting) && setting >= 0) return Math.min(setting, 8);
  // Measured on 2 cores (bench/upgrade.ts): one worker beats two, whose start-up competes with the main
  // thread loading Knex (ratio 1.41 vs 1.53 to knex migrate:latest).
  return os.availableParallelism() >= 4 ? 2 : 1;
}

/**
 * Starts the lint workers now ({@link lintWorkerCount}), so that they load the analyzer while the caller
 * loads the project and Knex. Does nothing outside the bundled CLI or when they are already started. Call
 * {@link stopLintWorkers} when the command ends, whatever happened.
 */
export function prestartLintWorkers(env: NodeJS.ProcessEnv = process.env): void {
  if (idle.length > 0 || !existsSync(WORKER_FILE)) return;
  for (let i = lintWorkerCount(env); i > 0; i--) {
    const w = spawnWorker();
    if (w) idle.push(w);
  }
}

/** Terminates the workers that were started but not used, or not finished (the upgrade stopped early). */
export function stopLintWorkers(): void {
  for (const w of [...idle.splice(0), ...busy]) void w.terminate();
  busy.clear();
}

/** A lint started before the status is known; {@link EarlyLint.finish} returns what the upgrade needs. */
export interface EarlyLint {
  /**
   * The lint of `targets` (a subset of the files given to {@link startEarlyLint}, in the order wanted):
   * every other file is skipped from now on; files the workers did not lint are linted in this thread.
   * @throws the `readFile` error of a file that cannot be read.
   */
  finish(targets: LintTarget[]): Promise<LintedFile[]>;
}

/**
 * Sends the project's migration files (Knex's order) to the prestarted workers, which share them.
 * Returns null when there is no worker (or no file): the caller lints in this thread ({@link lintTargets}).
 */
export async function startEarlyLint(settings: MigrationSettings, dialect: Dialect): Promise<EarlyLint | null> {
  if (idle.length === 0) return null;
  const files = await listMigrationFiles(settings);
  if (files.length === 0) return null;
  const workers = idle.splice(0);
  // [0]: the next position in `files` (newest first) a worker takes; [1 + i]: 1 = skip file i.
  const shared = new SharedArrayBuffer(4 * (files.length + 1));
  const flags = new Int32Array(shared);
  const job: LintJob = { dialect, shared, files: files.map((f, index) => ({ name: f.name, file: f.file, index })).reverse() };
  const replies = workers.map((w) => {
    busy.add(w);
    return new Promise<LintReply>((resolve) => {
      const done = (reply: LintReply) => {
        busy.delete(w);
        resolve(reply);
      };
      w.once('message', done);
      w.once('error', (err) => done({ error: err.message }));
      w.once('exit', (code) => done({ error: `the lint worker exited (${code}) before replying` }));
      w.postMessage(job);
    });
  });
  return {
    async finish(targets) {
      const wanted = new Set(targets.map((t) => t.name));
      files.forEach((f, i) => {
        if (!wanted.has(f.name)) Atomics.store(flags, 1 + i, 1);
      });
      const linted = new Map<string, LintedFile>();
      for (const reply of await Promise.all(replies)) {
        if ('results' in reply) for (const r of reply.results) linted.set(r.name, r);
      }
      const rest = targets.filter((t) => !linted.has(t.name));
      if (rest.length > 0) {
        const lint = await import('../lint');
        for (const r of await lintTargets(lint, rest, dialect)) linted.set(r.name, r);
      }
      return targets.map((t) => linted.get(t.name) as LintedFile);
    },
  };
}
