/**
 * `migration-guard check`: expands paths into migration files and lints them with the analyzer.
 * Never loads a knexfile (safe in any workspace); `auto` dialect reads the nearest knexfile as text,
 * as the language server does. The options for each file come from {@link effectiveOptions}, the
 * function the language server uses too (`.migration-guard.json` first), so the CLI and the editor agree.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigCache, ConfigError, effectiveOptions, LINT_EXTENSIONS, TableSizeIndex, validateTableStats } from '../config';
import type { CheckFinding, CheckResult, TableStatsResult } from '../protocol';
import type { DialectSetting } from '../config';
import { EngineError } from '../migrations/errors';
import { invalidConfiguration, lintFiles, withPositions } from '../migrations/lint-files';

/** Extensions `check` picks up inside directories (`.py`: Alembic revisions); the same list the language server uses. */
export const CHECK_EXTENSIONS: readonly string[] = LINT_EXTENSIONS;
const SKIP_DIRS = new Set(['node_modules', '.git', '.migration-guard']);

/**
 * Expands command-line paths: files are kept as given; directories are walked recursively for
 * {@link CHECK_EXTENSIONS} (skipping node_modules, .git, .migration-guard), sorted. Paths stay
 * relative when given relative; they are resolved against `cwd` for reading.
 * @throws EngineError `usage` when a path does not exist.
 */
export function expandPaths(paths: string[], cwd: string): string[] {
  return collectFiles(paths, cwd).map((f) => f.file);
}

/** A file to lint and whether it was named on the command line (rather than found in a directory). */
export interface CollectedFile {
  /** As shown: relative when the argument was relative. */
  file: string;
  explicit: boolean;
}

/** {@link expandPaths}, telling named files from files found in directories. @throws EngineError `usage`. */
export function collectFiles(paths: string[], cwd: string): CollectedFile[] {
  const out: CollectedFile[] = [];
  const seen = new Set<string>();
  const add = (p: string, explicit = false) => {
    const abs = path.resolve(cwd, p);
    if (!seen.has(abs)) {
      seen.add(abs);
      out.push({ file: p, explicit });
    }
  };
  const walk = (shown: string) => {
    const abs = path.resolve(cwd, shown);
    const entries = readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const child = path.join(shown, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(child);
      } else if (e.isFile() && CHECK_EXTENSIONS.includes(path.extname(e.name))) {
        add(child);
      }
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(path.resolve(cwd, p));
    } catch {
      throw new EngineError('usage', `No such file or directory: ${p}`);
    }
    if (st.isDirectory()) walk(p);
    else add(p, true);
  }
  return out;
}

/** Options of {@link runCheck}. */
export interface CheckOptions {
  /** `--dialect`: overrides the config file's dialect; omitted = config, else `auto`. */
  dialect?: DialectSetting;
  /** `--changed-since <ref>`: only files changed since that git ref (see {@link gitChangedFiles}). */
  changedSince?: string;
  /** `--stats <file>`: table statistics written by `migration-guard stats` (see {@link readTableStats}). */
  stats?: string;
}

/** What {@link runCheck} linted and found. */
export interface CheckRun {
  result: CheckResult;
  /** Files linted, as shown (after config include/exclude and `--changed-since`). */
  files: string[];
}

/**
 * Lints the files under `paths` and returns ESLint-style 1-based positions.
 * Per file, {@link effectiveOptions} decides dialect, rule severities and whether the file is included:
 * files found in directories are skipped when a `.migration-guard.json` excludes them (or does not
 * include them); files named explicitly are always linted. Without a config file nothing is filtered.
 * Folder rules (`alembic-multiple-heads`, `alembic-missing-revision`, `duplicate-revision`) run per directory over
 * every included file found by walking a directory argument (changed or not, so `--changed-since` still sees the
 * whole revision graph); files named explicitly take no part. The lint driver (migrations/lint-files.ts) does both.
 * @throws EngineError `usage` for a missing path, an invalid config file, or a `--changed-since`
 *   problem (not a git repository, unknown ref).
 */
export async function runCheck(paths: string[], cwd: string, options: CheckOptions = {}): Promise<CheckRun> {
  const all = collectFiles(paths, cwd);
  const changed = options.changedSince !== undefined ? gitChangedFiles(options.changedSince, cwd) : null;
  const cache = new ConfigCache();
  const tableSizes = options.stats !== undefined ? new TableSizeIndex(readTableStats(path.resolve(cwd, options.stats))) : undefined;
  let linted;
  try {
    linted = await lintFiles(
      all.map(({ file, explicit }) => {
        const abs = path.resolve(cwd, file);
        return { path: abs, shown: file, explicit, lint: changed === null || changed.has(realPath(abs)) };
      }),
      { optionsFor: (filePath) => effectiveOptions({ filePath, dialectOverride: options.dialect, cache }), ...(tableSizes ? { tableSizes } : {}) },
    );
  } catch (error) {
    if (error instanceof ConfigError) throw invalidConfiguration(error);
    throw error;
  }
  const files = linted.map((l) => l.input.shown as string);
  const findings: CheckFinding[] = linted.flatMap((l) => withPositions(l.text, l.findings, l.input.shown as string));
  const order = new Map(files.map((f, i) => [f, i]));
  // Stable: the analyzer's order (by offset) is kept; folder findings move to their line.
  findings.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.column - b.column);
  return { result: { findings }, files };
}

/**
 * Reads a table statistics file (`migration-guard stats --out FILE`).
 * @throws EngineError `usage` when it cannot be read or is not such a file.
 */
export function readTableStats(file: string): TableStatsResult {
  const hint = 'Write one with: migration-guard stats --out FILE';
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new EngineError('usage', `Cannot read the table statistics ${file}: ${error instanceof Error ? error.message : String(error)}`, hint);
  }
  const stats = validateTableStats(raw);
  if (typeof stats === 'string') throw new EngineError('usage', `${file} is not a table statistics file: ${stats}.`, hint);
  return stats;
}

/** The file's real path (git reports paths under the resolved top level), or itself when unresolvable. */
function realPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

interface GitResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

function git(args: string[], cwd: string): GitResult {
  // Required here: only --changed-since runs git, and node:child_process costs every other check its load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new EngineError('usage', code === 'ENOENT' ? '--changed-since needs git, and git was not found on PATH.' : `git failed: ${r.error.message}`);
  }
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr.trim() };
}

/**
 * Absolute paths of files changed since `ref`: `git diff --name-only <ref>...HEAD` (committed since the
 * merge base), plus uncommitted changes (`git diff --name-only HEAD`, staged or not) and untracked files
 * not ignored (`git ls-files --others --exclude-standard`). Git is spawned with argument arrays (no shell).
 * @throws EngineError `usage` when `cwd` is not in a git repository, when git is missing, or when `ref`
 *   is unknown (or starts with `-`).
 */
export function gitChangedFiles(ref: string, cwd: string): Set<string> {
  const top = git(['rev-parse', '--show-toplevel'], cwd);
  if (!top.ok) throw new EngineError('usage', `--changed-since needs a git repository, and ${cwd} is not inside one.`, 'Run from the repository, or drop --changed-since.');
  const root = realPath(top.stdout.trim());
  if (ref.startsWith('-') || !git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root).ok) {
    throw new EngineError('usage', `--changed-since: unknown git ref "${ref}".`, 'Check the name; in CI fetch enough history (actions/checkout with fetch-depth: 0).');
  }
  const lists = [
    git(['diff', '--name-only', '-z', `${ref}...HEAD`], root),
    git(['diff', '--name-only', '-z', 'HEAD'], root),
    git(['ls-files', '--others', '--exclude-standard', '-z'], root),
  ];
  const failed = lists.find((l) => !l.ok);
  if (failed) throw new EngineError('usage', `--changed-since ${ref}: git failed: ${failed.stderr || 'unknown error'}`);
  const out = new Set<string>();
  for (const l of lists) for (const name of l.stdout.split('\0')) if (name) out.add(path.resolve(root, name));
  return out;
}
