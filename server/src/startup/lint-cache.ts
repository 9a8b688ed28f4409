/**
 * A content-addressed cache of the upgrade's lint results, so that a file the analyzer has already read is not
 * read again: the extension previews an upgrade (`upgrade --dry-run`) and then applies it (`upgrade --yes`), a
 * refused upgrade is re-run with `--allow-unsafe`, and CI runs the same files on every deploy. Like ESLint's
 * `--cache --cache-strategy content`, but keyed by what decides the findings, never by paths or times:
 *
 *   key = sha256(analyzer build, dialect, file base name, sha256 of the file's bytes, rule options)
 *
 * The upgrade lints with options that depend only on those: the dialect, the file name's extension and the rule
 * severities and PostgreSQL version of the file's `.migration-guard.json` (migrations/lint-files.ts); no rule reads the
 * folder a file is in, so a copy of the same file elsewhere, under the same configuration, has the same findings. The
 * analyzer build is the sha256 of the analyzer bundle (dist/lint.js) and the versions of the WASM parsers it
 * loads, fixed when the CLI is built (esbuild.mjs): any change to a rule gives new keys. From sources (tests, tsx)
 * there is no build id and no cache.
 *
 * Storage: one JSON file per analyzer build, `lint-results-<build>.json`, in `$MIGRATION_GUARD_LINT_CACHE`, else
 * `<os.tmpdir()>/migration-guard-lint-cache-<uid>`; `MIGRATION_GUARD_LINT_CACHE=off` disables it. A folder not
 * owned by this user, or writable by others, is never used: a planted entry could hide an unsafe migration. An
 * unreadable or malformed file, or entry, is a miss. Writes merge with the file as it is then (two
 * upgrades at once) and replace it whole (write, then rename); at most {@link MAX_ENTRIES} entries are kept, oldest dropped.
 * Files of other builds are removed once not written for a week (two installed versions do not evict each other).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Dialect, Severity } from '../protocol';
import type { CachedFinding, CachedLint, LintResultCache } from '../migrations/lint-files';
import { cacheFolder, isPrivateFolder, writePrivateFile } from './private-folder';

export type { CachedFinding, CachedLint };

/** Entries kept per file (~100 bytes each without findings): enough for every migration of several projects. */
export const MAX_ENTRIES = 20_000;

declare const MIGRATION_GUARD_ANALYZER_BUILD: string | undefined;

/** The analyzer build id esbuild.mjs compiles into the CLI bundles; undefined from sources. */
export function analyzerBuildId(): string | undefined {
  return typeof MIGRATION_GUARD_ANALYZER_BUILD === 'string' ? MIGRATION_GUARD_ANALYZER_BUILD : undefined;
}

/** The cache folder, or null when disabled (`MIGRATION_GUARD_LINT_CACHE=off` or `0`). */
export function lintCacheDirectory(env: NodeJS.ProcessEnv = process.env): string | null {
  return cacheFolder(env.MIGRATION_GUARD_LINT_CACHE, 'migration-guard-lint-cache');
}

const SEVERITIES: ReadonlySet<string> = new Set<Severity>(['error', 'warning', 'info']);

function isCachedFinding(f: unknown): f is CachedFinding {
  if (typeof f !== 'object' || f === null) return false;
  const o = f as Record<string, unknown>;
  return (
    typeof o.ruleId === 'string' &&
    typeof o.severity === 'string' &&
    SEVERITIES.has(o.severity) &&
    typeof o.message === 'string' &&
    [o.line, o.column, o.endLine, o.endColumn].every((n) => Number.isInteger(n) && (n as number) >= 1)
  );
}

function isCachedLint(v: unknown): v is CachedLint {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return Array.isArray(o.findings) && o.findings.every(isCachedFinding) && Array.isArray(o.createdTables) && o.createdTables.every((t) => typeof t === 'string');
}

function readEntries(file: string): Map<string, unknown> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { entries?: unknown };
    if (typeof parsed.entries === 'object' && parsed.entries !== null && !Array.isArray(parsed.entries)) return new Map(Object.entries(parsed.entries));
  } catch {
    // missing or malformed: empty
  }
  return new Map();
}

/** The lint results of one analyzer build. Never throws: any storage problem only costs a miss or a lost write. */
export class LintCache implements LintResultCache {
  private readonly entries: Map<string, unknown>;
  private readonly added = new Map<string, CachedLint>();

  private constructor(
    private readonly dir: string,
    private readonly build: string,
    private readonly maxEntries: number,
  ) {
    this.entries = readEntries(this.file);
  }

  /**
   * Opens the cache of `build` (hex) in `dir` (reads its file once), keeping at most `maxEntries` when it writes.
   * Null when either is missing (cache disabled, CLI run from sources) or the folder is not private to this user.
   */
  static open(dir: string | null = lintCacheDirectory(), build: string | undefined = analyzerBuildId(), maxEntries = MAX_ENTRIES): LintCache | null {
    if (!dir || !build || !/^[0-9a-f]{16,64}$/.test(build) || !isPrivateFolder(dir)) return null;
    return new LintCache(dir, build, maxEntries);
  }

  private get file(): string {
    return path.join(this.dir, `lint-results-${this.build.slice(0, 16)}.json`);
  }

  /**
   * The key of a file's results: `sha256` is the hex sha256 of its bytes, `fileName` its path (only the base name
   * counts), `options` a canonical text of any other analyzer options (rule severities, PostgreSQL version).
   */
  key(dialect: Dialect, fileName: string, sha256: string, options = ''): string {
    return createHash('sha256').update(`${this.build}\0${dialect}\0${path.basename(fileName)}\0${sha256}\0${options}`).digest('hex');
  }

  /** The cached lint under `key`, or undefined (none, or an entry that is not well-formed, as the bare findings arrays of earlier versions). */
  get(key: string): CachedLint | undefined {
    const hit = this.added.get(key) ?? this.entries.get(key);
    return isCachedLint(hit) ? hit : undefined;
  }

  /** Records a file's lint under `key`; written by {@link flush}. */
  set(key: string, lint: CachedLint): void {
    this.added.set(key, lint);
  }

  /**
   * Writes the entries added since the cache was opened, merged into the file as it is now, keeping the newest
   * `maxEntries`, and removes the files of other analyzer builds not written for a week. Synchronous; does nothing without new entries.
   */
  flush(): void {
    if (this.added.size === 0) return;
    try {
      const merged = readEntries(this.file);
      for (const [k, v] of this.added) {
        merged.delete(k);
        merged.set(k, v);
      }
      this.added.clear();
      const keep = [...merged].slice(-this.maxEntries);
      writePrivateFile(this.file, JSON.stringify({ analyzer: this.build, entries: Object.fromEntries(keep) }));
      // Another installed version may still use its file: only files not written for a week go.
      const own = path.basename(this.file);
      const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
      for (const f of readdirSync(this.dir)) {
        if (!f.startsWith('lint-results-') || f === own) continue;
        const other = path.join(this.dir, f);
        if (statSync(other).mtimeMs < weekAgo) rmSync(other, { force: true });
      }
    } catch {
      // best effort: the next run lints again
    }
  }
}
