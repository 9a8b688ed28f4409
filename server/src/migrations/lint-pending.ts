/**
 * Linting migration files for an upgrade: read each file once, hash its bytes (the checksum recorded on
 * apply is the checksum of exactly what was linted) and analyze it. Shared by the in-thread path and the
 * lint worker (lint-worker.ts, lint-pool.ts). No Knex, no database.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AnalyzeOptions } from '../lint';
import type { Dialect, PendingFinding } from '../protocol';
import { rangeToCheckPosition } from './positions';

/** The analyzer module (`server/src/lint`, or dist/lint.js in the CLI). */
export type LintModule = typeof import('../lint');

/** One migration file to lint: `name` as Knex records it, `file` its absolute path. */
export interface LintTarget {
  name: string;
  file: string;
}

/** What linting one file gave: the sha256 (hex) of the bytes read and the findings (1-based positions). */
export interface LintedFile {
  name: string;
  sha256: string;
  findings: PendingFinding[];
}

/** Loads the parsers documents in `dialect` need (Knex runs JavaScript/TypeScript modules only, never Alembic revisions). */
export async function initLint(lint: LintModule, dialect: Dialect): Promise<void> {
  await lint.initAnalyzerFor('knex', dialect);
}

/**
 * Analyzes one migration file's bytes. A JS/TS file here is a Knex migration (Knex will run it): saying so
 * skips the analyzer's node-pg-migrate detection, which would parse it a second time.
 */
export function lintBytes(lint: LintModule, target: LintTarget, bytes: Buffer, dialect: Dialect): LintedFile {
  const text = bytes.toString('utf8');
  const options: AnalyzeOptions = lint.inferSourceKind(target.file) === 'knex' ? { fileName: target.file, dialect, kind: 'knex' } : { fileName: target.file, dialect };
  const findings = lint.analyze(text, options).map((f) => ({ migration: target.name, file: target.file, ruleId: f.ruleId, severity: f.severity, message: f.message, ...rangeToCheckPosition(text, f.start, f.end) }));
  return { name: target.name, sha256: createHash('sha256').update(bytes).digest('hex'), findings };
}

/**
 * Lints `targets` in this thread, in order: all files are read at once (one thread-pool round trip, not one
 * await per file) while the parsers initialise.
 * @throws the `readFile` error of a file that cannot be read (ENOENT, EACCES).
 */
export async function lintTargets(lint: LintModule, targets: LintTarget[], dialect: Dialect): Promise<LintedFile[]> {
  if (targets.length === 0) return [];
  const [buffers] = await Promise.all([Promise.all(targets.map((t) => readFile(t.file))), initLint(lint, dialect)]);
  return targets.map((t, i) => lintBytes(lint, t, buffers[i] as Buffer, dialect));
}
