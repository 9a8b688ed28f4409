/**
 * Linting migration files for an upgrade: read each file once, hash its bytes (the checksum recorded on
 * apply is the checksum of exactly what was linted), take its findings from a lint-result cache when the caller
 * hands one in (the CLI's, startup/lint-cache.ts) or analyze it. No Knex, no database.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AnalyzeOptions } from '../lint';
import { ConfigCache, ConfigError, ruleOptionsFor, type RuleOptions } from '../config';
import type { Dialect, PendingFinding } from '../protocol';
import { EngineError } from './errors';
import { rangeToCheckPosition } from './positions';

/** The analyzer module (`server/src/lint`, or dist/lint.js in the CLI). */
export type LintModule = typeof import('../lint');

/**
 * One migration file to lint: `name` as Knex records it, `file` its absolute path, `options` the rule severities
 * and PostgreSQL version of its `.migration-guard.json` ({@link withRuleOptions}; the defaults when absent).
 */
export interface LintTarget {
  name: string;
  file: string;
  options?: RuleOptions;
}

/**
 * `targets` with the rule options of their config files (config/index.ts `ruleOptionsFor`), so that the upgrade
 * refuses exactly what `migration-guard check` and the editor report as errors.
 * @throws EngineError `usage` when a config file is invalid.
 */
export function withRuleOptions<T extends LintTarget>(targets: T[], configs: ConfigCache = new ConfigCache()): T[] {
  try {
    return targets.map((t) => ({ ...t, options: ruleOptionsFor(t.file, configs) }));
  } catch (error) {
    if (error instanceof ConfigError) throw new EngineError('usage', `Invalid configuration: ${error.message}`, 'Fix the file (its JSON schema is schemas/migration-guard.schema.json).', { cause: error });
    throw error;
  }
}

/** The part of a lint cache key that stands for a target's options (rule keys sorted: the same options, the same key). */
function optionsKey(options: RuleOptions | undefined): string {
  if (!options) return '';
  return JSON.stringify([options.postgresVersion, Object.entries(options.rules).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/** A finding as a lint-result cache stores it: without the migration name and path, which the reader puts back. */
export type CachedFinding = Omit<PendingFinding, 'migration' | 'file'>;

/**
 * A cache of lint results the upgrade may be given (the CLI's is startup/lint-cache.ts), keyed by what decides the
 * findings. Never throws: a storage problem only costs a miss or a lost write.
 */
export interface LintResultCache {
  /** The key of a file's results: its dialect, path (only the base name counts), the hex sha256 of its bytes and a canonical text of its rule options. */
  key(dialect: Dialect, fileName: string, sha256: string, options?: string): string;
  /** The findings under `key`, or undefined. */
  get(key: string): CachedFinding[] | undefined;
  /** Records findings under `key` (written by {@link flush}). */
  set(key: string, findings: CachedFinding[]): void;
  /** Writes what was recorded. */
  flush(): void;
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

/** The hex sha256 of a file's bytes (the key of its lint results and the checksum recorded when it is applied). */
function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The cached lint of a file whose bytes hash to `sha256`, or undefined (no cache, or a miss). Needs no analyzer. */
function cachedLint(cache: LintResultCache | null, target: LintTarget, sha256: string, dialect: Dialect): LintedFile | undefined {
  const cached = cache?.get(cache.key(dialect, target.file, sha256, optionsKey(target.options)));
  return cached && { name: target.name, sha256, findings: cached.map((f) => ({ migration: target.name, file: target.file, ...f })) };
}

/**
 * Analyzes one migration file's bytes, and records the findings in `cache`. A JS/TS file here is a Knex
 * migration (Knex will run it): saying so skips the analyzer's node-pg-migrate detection, which would parse it a
 * second time. The options depend only on the dialect, the file name's extension and the target's rule options
 * (the lint cache key is made of them).
 */
export function lintBytes(lint: LintModule, target: LintTarget, bytes: Buffer, dialect: Dialect, cache: LintResultCache | null = null, sha256 = sha256Of(bytes)): LintedFile {
  const text = bytes.toString('utf8');
  const options: AnalyzeOptions = { fileName: target.file, dialect, ...(lint.inferSourceKind(target.file) === 'knex' ? { kind: 'knex' } : {}), ...(target.options ?? {}) };
  const findings = lint.analyze(text, options).map((f) => ({ ruleId: f.ruleId, severity: f.severity, message: f.message, ...rangeToCheckPosition(text, f.start, f.end) }));
  cache?.set(cache.key(dialect, target.file, sha256, optionsKey(target.options)), findings);
  return { name: target.name, sha256, findings: findings.map((f) => ({ migration: target.name, file: target.file, ...f })) };
}

/** A migration file read and hashed, with its lint when the cache has it. */
export interface ReadTarget {
  target: LintTarget;
  bytes: Buffer;
  sha256: string;
  cached: LintedFile | undefined;
}

/**
 * Reads and hashes `targets` and looks each up in `cache`. Synchronous on purpose: migration files are small, and
 * 200 `readFileSync` cost ~4 ms where 200 `readFile` (four thread-pool round trips each) cost ~30 ms.
 * @throws the read error of a file that cannot be read (ENOENT, EACCES).
 */
export function readAndLookUp(cache: LintResultCache | null, targets: LintTarget[], dialect: Dialect): ReadTarget[] {
  return targets.map((target) => {
    const bytes = readFileSync(target.file);
    const sha256 = sha256Of(bytes);
    return { target, bytes, sha256, cached: cachedLint(cache, target, sha256, dialect) };
  });
}

/**
 * Lints `targets`, in order. The analyzer is loaded only when a file is not in `cache`; new results are added to
 * `cache`, which is then flushed.
 * @throws the read error of a file that cannot be read (ENOENT, EACCES).
 */
export async function lintTargets(targets: LintTarget[], dialect: Dialect, cache: LintResultCache | null = null): Promise<LintedFile[]> {
  const read = readAndLookUp(cache, targets, dialect);
  if (read.every((r) => r.cached)) return read.map((r) => r.cached as LintedFile);
  try {
    const lint = await import('../lint');
    await initLint(lint, dialect);
    return read.map((r) => r.cached ?? lintBytes(lint, r.target, r.bytes, dialect, cache, r.sha256));
  } finally {
    cache?.flush();
  }
}
