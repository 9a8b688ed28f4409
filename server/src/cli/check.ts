/**
 * `migration-guard check`: expands paths into migration files and lints them with the analyzer.
 * Never loads a knexfile (safe in any workspace); `auto` dialect reads the nearest knexfile as text,
 * as the language server does. The options for each file come from {@link effectiveOptions}, the
 * function the language server uses too (`.migration-guard.json` first), so the CLI and the editor agree.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigCache, ConfigError, effectiveOptions, LINT_EXTENSIONS, protectFindings } from '../config';
import { lineStarts, rangeToCheckPosition } from '../migrations/positions';
import type { CheckFinding, CheckResult, Severity } from '../protocol';
import type { DialectSetting } from '../config';
import { EngineError } from '../migrations/errors';
import { analyzeRevisionGraph } from '../lint/graph';
import type { FolderFile } from '../lint/graph';

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
 * @throws EngineError `usage` for a missing path, an invalid config file, or a `--changed-since`
 *   problem (not a git repository, unknown ref).
 */
export async function runCheck(paths: string[], cwd: string, options: CheckOptions = {}): Promise<CheckRun> {
  const all = collectFiles(paths, cwd);
  let collected = all;
  if (options.changedSince !== undefined) {
    const changed = gitChangedFiles(options.changedSince, cwd);
    collected = collected.filter((f) => changed.has(realPath(path.resolve(cwd, f.file))));
  }
  // Loaded here, not at start: the analyzer is its own bundle in the CLI (lint-bundle.ts). Every parser: any kind, any dialect.
  const lint = await import('../lint');
  await lint.initAnalyzer();
  const cache = new ConfigCache();
  const findings: CheckFinding[] = [];
  const files: string[] = [];
  for (const { file, explicit } of collected) {
    const abs = path.resolve(cwd, file);
    let eff;
    try {
      eff = effectiveOptions({ filePath: abs, dialectOverride: options.dialect, cache });
    } catch (error) {
      if (error instanceof ConfigError) throw new EngineError('usage', `Invalid configuration: ${error.message}`, 'Fix the file (its JSON schema is schemas/migration-guard.schema.json).');
      throw error;
    }
    if (!explicit && !eff.included) continue;
    files.push(file);
    const text = readFileSync(abs, 'utf8');
    const starts = lineStarts(text); // once per file, not per finding
    for (const f of protectFindings(lint.analyze(text, { fileName: abs, dialect: eff.dialect, rules: eff.rules, postgresVersion: eff.postgresVersion }), eff.protectedTables)) {
      findings.push({ file, ruleId: f.ruleId, severity: f.severity, message: f.message, ...rangeToCheckPosition(text, f.start, f.end, starts) });
    }
  }
  findings.push(...folderFindings(all, files, cwd, options.dialect, cache));
  const order = new Map(files.map((f, i) => [f, i]));
  // Stable: the analyzer's order (by offset) is kept; folder findings move to their line.
  findings.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.column - b.column);
  return { result: { findings }, files };
}

/**
 * Folder-level rules (`alembic-multiple-heads`, `alembic-missing-revision`, `duplicate-revision`): per directory,
 * `analyzeRevisionGraph` over every included migration file found there by walking a directory argument (changed
 * or not, so `--changed-since` still sees the whole revision graph); findings are kept for linted files only.
 * Files named explicitly on the command line take no part (one file alone is not a folder).
 */
function folderFindings(all: CollectedFile[], linted: string[], cwd: string, dialect: DialectSetting | undefined, cache: ConfigCache): CheckFinding[] {
  const lintedSet = new Set(linted);
  const groups = new Map<string, { files: FolderFile[]; rules: Record<string, Severity | 'off'> }>();
  for (const { file, explicit } of all) {
    if (explicit) continue;
    const abs = path.resolve(cwd, file);
    const eff = effectiveOptions({ filePath: abs, dialectOverride: dialect, cache });
    if (!eff.included) continue;
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch {
      continue;
    }
    let group = groups.get(path.dirname(abs));
    if (!group) groups.set(path.dirname(abs), (group = { files: [], rules: eff.rules }));
    group.files.push({ path: file, text });
  }
  const out: CheckFinding[] = [];
  for (const group of groups.values()) {
    for (const { path: file, finding: f } of analyzeRevisionGraph(group.files, { rules: group.rules })) {
      if (!lintedSet.has(file)) continue;
      const text = group.files.find((x) => x.path === file)?.text ?? '';
      out.push({ file, ruleId: f.ruleId, severity: f.severity, message: f.message, ...rangeToCheckPosition(text, f.start, f.end) });
    }
  }
  return out;
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
