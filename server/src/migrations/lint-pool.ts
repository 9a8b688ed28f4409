/**
 * Lints an upgrade's migration files in worker threads while the main thread loads Knex and reads the
 * migration state, so that the safe upgrade's lint step costs little wall time (the analyzer, with the
 * TypeScript compiler, takes ~0.1 s to load and ~1 ms a file cold).
 *
 * First, in this thread, the files are read, hashed and looked up in the lint cache (lint-cache.ts), newest
 * first: when it has every pending file, no worker is started (a worker's start alone slowed the upgrade by ~6%
 * on two cores). Otherwise the workers get every file, newest first (pending migrations are usually the newest);
 * those the cache has, and, once the status is known, those not pending, are flagged in shared memory and skipped.
 * Any failure of a worker (it could not start, crashed) falls back to linting in this thread: the verdict never
 * depends on the workers. The workers share one queue (an atomic counter).
 *
 * Only the bundled CLI has workers: dist/lint-worker.js next to the engine bundle. From sources (tests,
 * `tsx`) there is no worker file and the files are linted in this thread after the status is read; the
 * result is the same.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Dialect } from '../protocol';
import type { MigrationSettings } from './project';
import { listMigrationFiles, type MigrationFile } from './files';
import { LintCache } from './lint-cache';
import { lintTargets, readAndLookUp, withRuleOptions, type LintedFile, type LintTarget } from './lint-pending';
import type { LintJob, LintReply } from './lint-worker';

/** The worker bundle, next to the engine bundle (dist/); absent when running from sources. */
const WORKER_FILE = path.join(__dirname, 'lint-worker.js');

/** Workers with no reply yet (a worker that replied writes its caches and exits by itself). */
const busy = new Set<Worker>();

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
 * How many lint workers an upgrade starts when files need linting: `MIGRATION_GUARD_LINT_WORKERS` (0 = lint in
 * the main thread), else 2 on a machine with 4+ cores, else 1 (the workers run in parallel with the main thread,
 * which meanwhile loads Knex and reads the status).
 */
export function lintWorkerCount(env: NodeJS.ProcessEnv = process.env): number {
  const setting = Number.parseInt(env.MIGRATION_GUARD_LINT_WORKERS ?? '', 10);
  if (Number.isInteger(setting) && setting >= 0) return Math.min(setting, 8);
  // Measured on 2 cores (bench/upgrade.ts): one worker beats two, whose start-up competes with the main
  // thread loading Knex (ratio 1.41 vs 1.53 to knex migrate:latest).
  return os.availableParallelism() >= 4 ? 2 : 1;
}

/** Terminates the workers that have not replied (the upgrade stopped early, or did not need them). */
export function stopLintWorkers(): void {
  for (const w of busy) void w.terminate();
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
  /** The project's migration files, as listed for the lint (the status need not list them again). */
  readonly files: MigrationFile[];
  /** True once workers are started (the newest file is not in the lint cache): work meanwhile overlaps theirs. */
  readonly workersStarted: boolean;
  /** True when {@link finish} of `targets` will wait for the workers (the cache lacks one of them). */
  waitsForWorkers(targets: LintTarget[]): boolean;
}

/**
 * Lints `targets` in this thread ({@link lintTargets}, the analyzer loaded only when `cache` lacks a file) and writes
 * the new results to `cache`: without workers (from sources, `MIGRATION_GUARD_LINT_WORKERS=0`) and when they failed.
 * @throws the read error of a file that cannot be read (ENOENT, EACCES).
 */
export async function lintInThisThread(targets: LintTarget[], dialect: Dialect, cache: LintCache | null = LintCache.open()): Promise<LintedFile[]> {
  try {
    return await lintTargets(() => import('../lint'), targets, dialect, cache);
  } finally {
    cache?.flush();
  }
}

/**
 * The lint cache's results for `files`, looked up newest first until the first file it does not have (from
 * there the workers are needed anyway, and they lint the rest). Unreadable files count as not cached.
 */
function cachedNewestFirst(cache: LintCache | null, files: LintTarget[], dialect: Dialect): Map<string, LintedFile> {
  const found = new Map<string, LintedFile>();
  if (!cache) return found;
  for (let i = files.length - 1; i >= 0; i--) {
    const f = files[i] as LintTarget;
    let cached: LintedFile | undefined;
    try {
      cached = readAndLookUp(cache, [f], dialect)[0]?.cached;
    } catch {
      // unreadable now: linted (and its error reported) like any file the cache does not have
    }
    if (!cached) break;
    found.set(f.name, cached);
  }
  return found;
}

/**
 * Starts the lint of the project's migration files, before the migration state is known (see the module
 * comment). Returns null from sources, with `MIGRATION_GUARD_LINT_WORKERS=0`, or without files: the caller
 * then lints in this thread ({@link lintTargets}, which uses the cache too). Call {@link stopLintWorkers}
 * when the command ends, whatever happened.
 *
 * When does a worker start? The newest file is not in the cache: now (a new migration, or a cold cache: every
 * millisecond of head start counts). The newest files are, but an older one is not (typically applied migrations
 * this cache never saw): only if {@link EarlyLint.finish} then finds a pending file the cache lacks.
 */
export async function startEarlyLint(settings: MigrationSettings, dialect: Dialect): Promise<EarlyLint | null> {
  const count = lintWorkerCount();
  if (count === 0 || !existsSync(WORKER_FILE)) return null;
  const listed = await listMigrationFiles(settings);
  if (listed.length === 0) return null;
  const files = withRuleOptions(listed);
  const cache = LintCache.open();
  const fromCache = cachedNewestFirst(cache, files, dialect);
  const cachedOnly = (targets: LintTarget[]): LintedFile[] | null => (targets.every((t) => fromCache.has(t.name)) ? targets.map((t) => fromCache.get(t.name) as LintedFile) : null);

  // [0]: the next position in `files` (newest first) a worker takes; [1 + i]: 1 = skip file i.
  const shared = new SharedArrayBuffer(4 * (files.length + 1));
  const flags = new Int32Array(shared);
  files.forEach((f, i) => {
    if (fromCache.has(f.name)) flags[1 + i] = 1;
  });
  const job: LintJob = { dialect, shared, files: files.map((f, index) => ({ ...f, index })).reverse() };
  let replies: Array<Promise<LintReply>> | null = null;
  const startWorkers = (): Array<Promise<LintReply>> =>
    (replies ??= Array.from({ length: count }, spawnWorker)
      .filter((w): w is Worker => w !== null)
      .map((w) => {
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
      }));
  if (fromCache.size === 0) void startWorkers();

  return {
    files: listed,
    get workersStarted() {
      return replies !== null;
    },
    waitsForWorkers: (targets) => cachedOnly(targets) === null,
    async finish(targets) {
      const wanted = new Set(targets.filter((t) => !fromCache.has(t.name)).map((t) => t.name));
      files.forEach((f, i) => {
        if (!wanted.has(f.name)) Atomics.store(flags, 1 + i, 1);
      });
      const all = cachedOnly(targets);
      if (all) {
        stopLintWorkers();
        return all;
      }
      const linted = new Map(fromCache);
      for (const reply of await Promise.all(startWorkers())) {
        if ('results' in reply) for (const r of reply.results) if (wanted.has(r.name)) linted.set(r.name, r);
      }
      const rest = targets.filter((t) => !linted.has(t.name));
      if (rest.length > 0) for (const r of await lintInThisThread(rest, dialect, cache)) linted.set(r.name, r);
      return targets.map((t) => linted.get(t.name) as LintedFile);
    },
  };
}
