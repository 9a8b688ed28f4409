/**
 * The lint worker (built to dist/lint-worker.js; started by lint-pool.ts in the bundled CLI). It loads the
 * analyzer as soon as it starts, while the main thread loads Knex and reads the migration state, then lints
 * the files it is sent, newest first, taking them from a queue shared with the other worker, and skipping any
 * the main thread has meanwhile flagged as not needed (applied, or found in the lint cache) — both in one
 * SharedArrayBuffer. Replies once, `{ results }` or `{ error }`, then adds its results to the lint cache
 * (lint-cache.ts), writes its code cache and exits.
 *
 * Message in: {@link LintJob}. Message out: {@link LintReply}.
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { flushCodeCaches } from '../cli/compile-cache';
import { trace } from '../cli/trace';
import { installHostImport } from '../esm-import';
import type { Dialect } from '../protocol';
import { errorMessage } from './errors';
import { LintCache } from './lint-cache';
import { initLint, lintBytes, type LintedFile, type LintModule, type LintTarget } from './lint-pending';

/** The job every worker of an upgrade gets: files (each with its index into the flags), in the order to lint them. */
export interface LintJob {
  dialect: Dialect;
  files: Array<LintTarget & { index: number }>;
  /** Int32Array over it: [0] the next position in `files` to take (Atomics.add), [1 + index] = 1 → skip that file. */
  shared: SharedArrayBuffer;
}

/** The worker's one reply. */
export type LintReply = { results: LintedFile[] } | { error: string };

// The analyzer bundle is loaded from the code cache: its import() goes through this one (esm-import.ts).
installHostImport((specifier) => import(specifier));
trace('lint worker started');

// Loaded at start, before a job arrives: this is the work the worker exists to take off the main thread.
const lintReady: Promise<LintModule> = import('../lint').then((lint) => {
  trace('analyzer loaded');
  // A first parse loads the TypeScript compiler's module state now rather than on the first real file.
  lint.analyze("exports.up = (knex) => knex.schema.createTable('t', (t) => { t.increments('id'); });\n", { fileName: 'warm-up.js', dialect: 'sqlite', kind: 'knex' });
  trace('analyzer warmed up');
  return lint;
});

parentPort?.once('message', (job: LintJob) => {
  void (async () => {
    let reply: LintReply;
    let cache: LintCache | null = null;
    try {
      trace(`job: ${job.files.length} files`);
      const lint = await lintReady;
      await initLint(lint, job.dialect);
      cache = LintCache.open();
      const shared = new Int32Array(job.shared);
      const results: LintedFile[] = [];
      for (let pos = Atomics.add(shared, 0, 1); pos < job.files.length; pos = Atomics.add(shared, 0, 1)) {
        const f = job.files[pos] as LintTarget & { index: number };
        if (Atomics.load(shared, 1 + f.index) === 1) continue;
        results.push(lintBytes(lint, f, readFileSync(f.file), job.dialect, cache));
      }
      reply = { results };
      trace(`linted ${results.length} files`);
    } catch (err) {
      reply = { error: errorMessage(err) };
    }
    parentPort?.postMessage(reply);
    cache?.flush();
    flushCodeCaches();
    process.exit(0);
  })();
});
