/**
 * The lint driver: files in, findings out, for the language server, `migration-guard check` and the upgrade alike.
 *
 * - {@link lintFiles} (the editor and `check`): each file with its options (`.migration-guard.json` through
 *   config/index.ts `effectiveOptions`), only the parsers its kind and dialect need loaded, protected tables applied,
 *   each analysed against the history of the migrations applied before it (lint/history.ts: file-name order, or the
 *   Alembic revision graph), and the folder rules (`alembic-multiple-heads`, `alembic-missing-revision`, `duplicate-revision`) run over the
 *   revision graph of each folder.
 * - {@link lintTargets} (the upgrade): each pending migration read once and hashed (the checksum recorded on apply is
 *   the checksum of exactly what was linted), its findings taken from a lint-result cache when the caller hands one in
 *   (the CLI's, startup/lint-cache.ts), else analyzed.
 *
 * Positions: the analyzer's UTF-16 offsets; {@link withPositions} adds the 1-based lines and columns of the CLI's
 * JSON (lint/text.ts, the one conversion). No Knex, no database.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AnalyzeOptions, Finding, Operation, SchemaHistory, SourceKind } from '../lint';
import { analyzeRevisionGraph, applyOrder, buildRevisionGraph, type FolderFile, type RevisionNode } from '../lint/graph';
import { lineStarts, rangeToCheckPosition, type CheckPosition } from '../lint/text';
import { ConfigCache, ConfigError, protectFindings, ruleOptionsFor, sizeFindings, type EffectiveOptions, type RuleOptions, type TableSizeIndex } from '../config';
import type { Dialect, PendingFinding } from '../protocol';
import { EngineError } from './errors';

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
    if (error instanceof ConfigError) throw invalidConfiguration(error);
    throw error;
  }
}

/** The error of the CLI and the engine for an invalid `.migration-guard.json` (the editor shows it as a diagnostic). */
export function invalidConfiguration(error: ConfigError): EngineError {
  return new EngineError('usage', `Invalid configuration: ${error.message}`, 'Fix the file (its JSON schema is schemas/migration-guard.schema.json).', { cause: error });
}

/** One file for {@link lintFiles}. */
export interface FileInput {
  /** Absolute path (options, reading, grouping by folder). */
  path: string;
  /** How results and folder-rule messages name it (`check` keeps relative arguments relative); default `path`. */
  shown?: string;
  /** Its text (an editor's unsaved text); read from disk (UTF-8) when absent. */
  text?: string;
  /**
   * Named by the user (a `check` argument): linted even when include/exclude leave it out, and no member of its
   * folder's revision graph (one file alone is not a folder).
   */
  explicit?: boolean;
  /** False: only a member of its folder's revision graph (a sibling of the edited document, a file `--changed-since` leaves out). Default true. */
  lint?: boolean;
  /** Whether it takes part in its folder's revision graph; default: unless `explicit`. */
  inGraph?: boolean;
}

/** How {@link lintFiles} runs. */
export interface LintFilesOptions {
  /** A file's options (config/index.ts `effectiveOptions` with the caller's stop folder, settings or `--dialect`). @throws ConfigError */
  optionsFor(file: string): EffectiveOptions;
  /** Lint a file even when its parser (a WASM module) fails to load, as the editor does (the file then yields fewer findings); default: throw. */
  tolerateParserLoadFailure?: boolean;
  /** Table statistics (`check --stats`): findings get their table's size, lock findings a severity by it (config/table-sizes.ts). */
  tableSizes?: TableSizeIndex;
  /**
   * Awaited before each file to lint after the first: the language server's background pass over the workspace yields
   * to the editor there (and may throw to abandon a run whose files changed meanwhile; the error propagates).
   */
  between?: () => Promise<void>;
}

/** The findings of one linted file: the analyzer's (UTF-16 offsets into `text`), then its folder's. */
export interface FileFindings {
  input: FileInput;
  text: string;
  options: EffectiveOptions;
  findings: Finding[];
}

/**
 * Lints `files` in order and returns the findings of each file to lint that include/exclude select (or that was
 * named explicitly). Files not to lint (`lint: false`) only take part in their folder's revision graph, as do the
 * others not named explicitly; a graph member whose options or text cannot be read is left out of the graph.
 * Loads the analyzer, and the parsers each file's kind and dialect need, on first use.
 * @throws ConfigError (invalid `.migration-guard.json` of a file to lint), the read error of a file to lint, a parser
 *   that cannot load (unless `tolerateParserLoadFailure`).
 */
export async function lintFiles(files: readonly FileInput[], options: LintFilesOptions): Promise<FileFindings[]> {
  const kept: Array<{ input: FileInput; options: EffectiveOptions; text: string }> = [];
  for (const input of files) {
    const linted = input.lint !== false;
    let opts: EffectiveOptions;
    try {
      opts = options.optionsFor(input.path);
    } catch (error) {
      if (linted || !(error instanceof ConfigError)) throw error;
      continue;
    }
    if (!input.explicit && !opts.included) continue;
    let text = input.text;
    if (text === undefined) {
      try {
        text = readFileSync(input.path, 'utf8');
      } catch (error) {
        if (linted) throw error;
        continue;
      }
    }
    kept.push({ input, options: opts, text });
  }
  const toLint = kept.filter((k) => k.input.lint !== false);
  if (toLint.length === 0) return [];
  const lint = await import('../lint');
  const results = new Map<FileInput, FileFindings>();
  const record = (file: FolderEntry, found: Finding[]): void => {
    const { input, text, options: opts } = file;
    const sizes = options.tableSizes?.dialect === opts.dialect ? options.tableSizes : undefined;
    results.set(input, { input, text, options: opts, findings: sizeFindings(protectFindings(found, opts.protectedTables), sizes, opts.tableSizeThresholds) });
  };
  // `between` before each file analysed after the first (the language server's workspace pass yields there).
  let analyzed = 0;
  const between = async (): Promise<void> => {
    if (analyzed++ > 0 && options.between) await options.between();
  };
  const paced: LintFilesOptions = { ...options, between };
  for (const folder of inRunnerOrder(kept)) {
    const entries = folder.map((k): FolderEntry => ({ ...k, kind: lint.detectSourceKind(k.text, { fileName: k.input.path }) }));
    // Alembic revisions apply in revision-graph order, the others in file-name order: two histories.
    await lintInNameOrder(lint, entries.filter((e) => e.kind !== 'alembic'), paced, record);
    await lintInGraphOrder(lint, entries.filter((e) => e.kind === 'alembic'), paced, record);
  }
  const out = toLint.map((k) => results.get(k.input)).filter((r): r is FileFindings => r !== undefined);
  addFolderFindings(kept, out);
  return out;
}

/** A kept file of {@link lintFiles}. */
type KeptFile = { input: FileInput; options: EffectiveOptions; text: string };

/** A kept file with its kind (lint/index.ts `detectSourceKind`; undefined: not a migration the analyzer reads). */
type FolderEntry = KeptFile & { kind: SourceKind | undefined };

/** Where {@link lintFiles} keeps the analyzer's findings of a file to lint. */
type RecordFindings = (file: FolderEntry, found: Finding[]) => void;

/** Loads the parser of `file` (its kind and dialect). @throws its load error for a file to lint, unless tolerated. */
async function loadParser(lint: LintModule, file: FolderEntry, options: LintFilesOptions): Promise<void> {
  try {
    await lint.initAnalyzerFor(file.kind, file.options.dialect);
  } catch (error) {
    if (file.input.lint !== false && !options.tolerateParserLoadFailure) throw error;
  }
}

/** The analyzer's options for a file to lint. */
function analyzeOptionsOf(lint: LintModule, file: FolderEntry): AnalyzeOptions {
  const { input, options: opts, kind } = file;
  const upCounterpart = kind === 'sql' ? readUpCounterpart(lint, input.path) : undefined;
  return { fileName: input.path, kind, dialect: opts.dialect, rules: opts.rules, postgresVersion: opts.postgresVersion, ...(upCounterpart !== undefined ? { upCounterpart } : {}) };
}

/**
 * Lints the files of one folder that are not Alembic revisions in file-name order (as Knex, node-pg-migrate and SQL
 * folder runners apply them), each against the history of the files before it. Rollback scripts (`*.down.sql`) and
 * files of no known kind neither see nor change the history.
 */
async function lintInNameOrder(lint: LintModule, folder: readonly FolderEntry[], options: LintFilesOptions, record: RecordFindings): Promise<void> {
  const history = new lint.SchemaHistory();
  // Files after the last one to lint change nothing it sees.
  let last = folder.length - 1;
  while (last >= 0 && folder[last]!.input.lint === false) last--;
  for (const [i, file] of folder.slice(0, last + 1).entries()) {
    const { input, text, options: opts, kind } = file;
    await loadParser(lint, file, options);
    const ordered = kind !== undefined && !lint.isDownFile(input.path);
    if (input.lint === false) {
      if (ordered) history.apply(siblingOperations(lint, input.path, text, { fileName: input.path, kind, dialect: opts.dialect }));
      continue;
    }
    const analyzeOptions = analyzeOptionsOf(lint, file);
    await options.between?.();
    // The last file's changes feed no later one (the editor's usual case: one open file at the end of its folder).
    const found = !ordered ? lint.analyze(text, analyzeOptions) : i === last ? lint.analyze(text, { ...analyzeOptions, history }) : lint.analyzeInFolder(text, analyzeOptions, history);
    record(file, found);
  }
}

/**
 * Lints the Alembic revisions of one folder, each against the history of its own ancestors in the revision graph
 * (lint/graph `buildRevisionGraph`, `down_revision` chains, tuple `down_revision`s of merges): a revision sees what
 * the revisions below it did, never what a sibling branch did. The ancestors are folded parents first in
 * {@link applyOrder} order; at a merge, when two branches changed the same column, the one later in that order (ties by
 * revision id) wins, which is an approximation (Alembic picks its own order there). Only the revisions to lint and
 * their ancestors are read. Along a chain the parent's history is handed on and extended; a revision after a branch
 * point (not its parent's last child to be read) or a merge folds its ancestors' operations again into a new one.
 * A revision outside the graph (no `revision = '…'`, a duplicated id, on or below a cycle) is analysed without
 * history; a `down_revision` naming a missing file makes the revision a base (empty history).
 */
async function lintInGraphOrder(lint: LintModule, revisions: readonly FolderEntry[], options: LintFilesOptions, record: RecordFindings): Promise<void> {
  if (!revisions.some((r) => r.input.lint !== false)) return;
  const byPath = new Map(revisions.map((r) => [r.input.path, r]));
  const graph = buildRevisionGraph(revisions.map((r) => ({ path: r.input.path, text: r.text })));
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  /** The parents of a revision that are in the graph, each once. */
  const parentsOf = (n: RevisionNode): string[] => [...new Set(n.downRevisions)].filter((p) => nodes.has(p));
  // The revisions to read: those to lint and their ancestors.
  const needed = new Set<string>();
  const stack = graph.nodes.filter((n) => byPath.get(n.path)!.input.lint !== false).map((n) => n.id);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (needed.has(id)) continue;
    needed.add(id);
    stack.push(...parentsOf(nodes.get(id)!));
  }
  const order = applyOrder(graph).filter((n) => needed.has(n.id));
  const position = new Map(order.map((n, i) => [n.id, i]));
  /** Children still to be read, by revision: the last one may take its parent's history. */
  const childrenLeft = new Map<string, number>();
  for (const n of order) for (const p of parentsOf(n)) childrenLeft.set(p, (childrenLeft.get(p) ?? 0) + 1);
  const histories = new Map<string, SchemaHistory>();
  const operations = new Map<string, readonly Operation[]>();
  const analysed = new Set<FolderEntry>();
  for (const node of order) {
    const file = byPath.get(node.path)!;
    const parents = parentsOf(node);
    let history: SchemaHistory | undefined;
    if (parents.length === 1 && childrenLeft.get(parents[0]!) === 1) history = histories.get(parents[0]!);
    if (!history) history = replay(lint, ancestorsOf(node.id, nodes, parentsOf), position, operations);
    for (const p of parents) {
      const left = childrenLeft.get(p)! - 1;
      childrenLeft.set(p, left);
      if (left === 0) histories.delete(p);
    }
    await loadParser(lint, file, options);
    let ops: readonly Operation[];
    if (file.input.lint === false) {
      ops = siblingOperations(lint, file.input.path, file.text, { fileName: file.input.path, kind: file.kind, dialect: file.options.dialect });
    } else {
      await options.between?.();
      const result = lint.analyzeWithOperations(file.text, analyzeOptionsOf(lint, file), history);
      record(file, result.findings);
      analysed.add(file);
      ops = result.operations;
    }
    history.apply(ops);
    operations.set(node.id, ops);
    if ((childrenLeft.get(node.id) ?? 0) > 0) histories.set(node.id, history);
  }
  for (const file of revisions) {
    if (file.input.lint === false || analysed.has(file)) continue;
    await loadParser(lint, file, options);
    await options.between?.();
    record(file, lint.analyze(file.text, analyzeOptionsOf(lint, file)));
  }
}

/** The ancestors of revision `id` in the graph (itself excluded). */
function ancestorsOf(id: string, nodes: ReadonlyMap<string, RevisionNode>, parentsOf: (n: RevisionNode) => string[]): Set<string> {
  const seen = new Set<string>();
  const stack = parentsOf(nodes.get(id)!);
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    stack.push(...parentsOf(nodes.get(p)!));
  }
  return seen;
}

/** A new history with the operations of `ids` folded in apply order (`position`; all of them already read). */
function replay(lint: LintModule, ids: ReadonlySet<string>, position: ReadonlyMap<string, number>, operations: ReadonlyMap<string, readonly Operation[]>): SchemaHistory {
  const history = new lint.SchemaHistory();
  for (const id of [...ids].sort((a, b) => position.get(a)! - position.get(b)!)) history.apply(operations.get(id) ?? []);
  return history;
}

/**
 * `kept` grouped by folder, each folder sorted by file name (the order Knex, node-pg-migrate and SQL-folder runners
 * apply migrations in); a file named explicitly (`check a.sql`) is a folder of its own, as in the revision graph.
 */
function inRunnerOrder(kept: readonly KeptFile[]): KeptFile[][] {
  const folders = new Map<string, KeptFile[]>();
  const alone: KeptFile[][] = [];
  for (const k of kept) {
    if (k.input.explicit && k.input.inGraph !== true) {
      alone.push([k]);
      continue;
    }
    const dir = path.dirname(k.input.path);
    let folder = folders.get(dir);
    if (!folder) folders.set(dir, (folder = []));
    folder.push(k);
  }
  const byName = (a: KeptFile, b: KeptFile) => {
    const x = path.basename(a.input.path);
    const y = path.basename(b.input.path);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  return [...[...folders.values()].map((f) => f.sort(byName)), ...alone];
}

/** The parsed operations of sibling files (not linted, only read for the history), by path, with the text and dialect they came from. */
const siblingCache = new Map<string, { text: string; dialect: Dialect; operations: readonly Operation[] }>();

/**
 * A sibling's operations, for the history. The editor re-reads the whole folder on every change of a document, so a
 * sibling is parsed once per text and dialect (at most 5,000 remembered) and its operations reused.
 */
function siblingOperations(lint: LintModule, file: string, text: string, options: AnalyzeOptions): readonly Operation[] {
  const dialect = options.dialect ?? 'postgresql';
  let cached = siblingCache.get(file);
  if (!cached || cached.text !== text || cached.dialect !== dialect) {
    if (siblingCache.size >= 5000) siblingCache.clear();
    siblingCache.set(file, (cached = { text, dialect, operations: lint.parseDocument(text, options).operations }));
  }
  return cached.operations;
}

/**
 * The text of the `up` script beside a rollback script (`0002_x.down.sql` → `0002_x.up.sql`, `down.sql` → `up.sql`,
 * `0002_x_down.sql` → `0002_x_up.sql`, same letter case), or undefined (not a rollback script, or no readable up file).
 */
function readUpCounterpart(lint: LintModule, file: string): string | undefined {
  if (!lint.isDownFile(file)) return undefined;
  const base = path.basename(file);
  const up = path.join(path.dirname(file), base.replace(/(down)(\.sql)$/i, (_m, down: string, ext: string) => (down === 'DOWN' ? 'UP' : down === 'Down' ? 'Up' : 'up') + ext));
  try {
    return readFileSync(up, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Folder rules over the revision graph of each folder holding a linted file: every graph member there (by default
 * the files not named explicitly) with the rule settings of the first one; the findings go to the linted files.
 */
function addFolderFindings(kept: Array<{ input: FileInput; options: EffectiveOptions; text: string }>, linted: FileFindings[]): void {
  const shown = (i: FileInput) => i.shown ?? i.path;
  const inGraph = (i: FileInput) => i.inGraph ?? !i.explicit;
  const byShown = new Map(linted.filter((l) => inGraph(l.input)).map((l) => [shown(l.input), l]));
  const folders = new Map<string, { files: FolderFile[]; rules: EffectiveOptions['rules']; linted: boolean }>();
  for (const k of kept) {
    if (!inGraph(k.input)) continue;
    const dir = path.dirname(k.input.path);
    let folder = folders.get(dir);
    if (!folder) folders.set(dir, (folder = { files: [], rules: k.options.rules, linted: false }));
    folder.files.push({ path: shown(k.input), text: k.text });
    if (byShown.has(shown(k.input))) folder.linted = true;
  }
  for (const folder of folders.values()) {
    if (!folder.linted) continue;
    for (const { path: file, finding } of analyzeRevisionGraph(folder.files, { rules: folder.rules })) byShown.get(file)?.findings.push(finding);
  }
}

/** A finding with the 1-based positions of the CLI's JSON, and its statement's lock when it has one. */
export type PositionedFinding = Pick<Finding, 'ruleId' | 'severity' | 'message' | 'lock' | 'table' | 'tableSize'> & CheckPosition;

/**
 * `findings` of `text` with 1-based positions (ESLint's convention; lint/text.ts `rangeToCheckPosition`), the line
 * starts computed once; with `file`, each named by it (its first key, as `check` prints it). Each is one object
 * literal with the optional keys added after it, not a spread: V8 (Node 20) builds spread literals several times
 * slower, and this runs once per finding.
 */
export function withPositions(text: string, findings: readonly Finding[]): PositionedFinding[];
export function withPositions(text: string, findings: readonly Finding[], file: string): Array<PositionedFinding & { file: string }>;
export function withPositions(text: string, findings: readonly Finding[], file?: string): PositionedFinding[] {
  const starts = lineStarts(text);
  return findings.map((f) => {
    const p = rangeToCheckPosition(text, f.start, f.end, starts);
    const out: PositionedFinding & { file?: string } =
      file === undefined
        ? { ruleId: f.ruleId, severity: f.severity, message: f.message, line: p.line, column: p.column, endLine: p.endLine, endColumn: p.endColumn }
        : { file, ruleId: f.ruleId, severity: f.severity, message: f.message, line: p.line, column: p.column, endLine: p.endLine, endColumn: p.endColumn };
    if (f.lock) out.lock = f.lock;
    if (f.table !== undefined) out.table = f.table;
    if (f.tableSize) out.tableSize = f.tableSize;
    return out;
  });
}

/** The part of a lint cache key that stands for a target's options (rule keys sorted: the same options, the same key). */
function optionsKey(options: RuleOptions | undefined): string {
  if (!options) return '';
  return JSON.stringify([options.postgresVersion, Object.entries(options.rules).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/** A finding as a lint-result cache stores it: without the migration name and path, which the reader puts back. */
export type CachedFinding = Omit<PendingFinding, 'migration' | 'file'>;

/** What a lint-result cache keeps of one file: its findings and the tables its `up` creates ({@link LintedFile}). */
export interface CachedLint {
  findings: CachedFinding[];
  createdTables: string[];
}

/**
 * A cache of lint results the upgrade may be given (the CLI's is startup/lint-cache.ts), keyed by what decides the
 * findings. Never throws: a storage problem only costs a miss or a lost write.
 */
export interface LintResultCache {
  /** The key of a file's results: its dialect, path (only the base name counts), the hex sha256 of its bytes and a canonical text of its rule options. */
  key(dialect: Dialect, fileName: string, sha256: string, options?: string): string;
  /** The lint under `key`, or undefined. */
  get(key: string): CachedLint | undefined;
  /** Records a file's lint under `key` (written by {@link flush}). */
  set(key: string, lint: CachedLint): void;
  /** Writes what was recorded. */
  flush(): void;
}

/** What linting one file gave: the sha256 (hex) of the bytes read, the findings (1-based positions) and the tables its `up` creates (`schema.table` or `table` as written). */
export interface LintedFile {
  name: string;
  sha256: string;
  findings: PendingFinding[];
  createdTables: string[];
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
  return cached && { name: target.name, sha256, findings: cached.findings.map((f) => ({ migration: target.name, file: target.file, ...f })), createdTables: cached.createdTables };
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
  const analyzed = lint.analyzeWithOperations(text, options);
  const findings = withPositions(text, analyzed.findings);
  const createdTables = lint.tablesCreatedBy(analyzed.operations);
  cache?.set(cache.key(dialect, target.file, sha256, optionsKey(target.options)), { findings, createdTables });
  return { name: target.name, sha256, findings: findings.map((f) => ({ migration: target.name, file: target.file, ...f })), createdTables };
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
