/**
 * Public entry of the pure analyzer: text in, findings out. No `vscode` / LSP imports here or below.
 *
 * Pipeline: pick the source kind from the file name → parse into a {@link ParsedDocument}
 * (PostgreSQL: libpg-query; SQLite: sql-parser-cst; Knex: TypeScript compiler API) → annotate operations
 * (tables created in the same file, known column types) → run every rule → drop suppressed findings → sort. A parser or
 * rule that throws becomes an `analyzer-error` finding (fail closed: a crash never reads as "no findings").
 */
import { lockForViolation, operationTable, violationOperation } from './locks';
import { annotateOperations, emptyDocument, markReverts } from './model';
import type { SchemaHistory } from './history';
import type { Operation, ParsedDocument, Phase, Rule, RuleContext, RuleMeta, SyntaxProblem } from './model';
import { initPythonParser, isPythonParserReady, parseAlembic } from './parsers/alembic';
import { initPostgresParser, isPostgresParserReady, parsePostgres } from './parsers/sql-postgres';
import { rule as analyzerError, parserCrashMessage, ruleCrashMessage } from './rules/analyzer-error';
import { allRules } from './rules/index';
import { findSuppressions } from './suppression';
import type { Suppression } from './suppression';
import type { TextRange } from './text';
import type { AnalyzeOptions, Dialect, Finding, Fix, Severity, SourceKind } from './types';
import { DEFAULT_POSTGRES_VERSION } from './types';

const UNUSED_IGNORE = 'unused-ignore';
const ANALYZER_ERROR = analyzerError.meta.id;

/*
 * The JavaScript/TypeScript parsers pull in the TypeScript compiler (about 45 MB of heap once evaluated), the SQLite
 * parser sql-parser-cst (0.7 MB of code). They are required on first use, not imported: esbuild then wraps each in a
 * lazy initialiser, so a process that only sees PostgreSQL SQL (the language server or `check` on a `.sql` file)
 * evaluates neither (and the CLI does not even read them: esbuild.mjs makes them bundles of their own).
 */
let sqliteParser: typeof import('./parsers/sql-sqlite') | undefined;
function parseSqlite(sql: string): ParsedDocument {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (sqliteParser ??= require('./parsers/sql-sqlite') as typeof import('./parsers/sql-sqlite')).parseSqlite(sql);
}
let knexParser: typeof import('./parsers/knex') | undefined;
let nodePgMigrateParser: typeof import('./parsers/node-pg-migrate') | undefined;
function knexModule(): typeof import('./parsers/knex') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (knexParser ??= require('./parsers/knex') as typeof import('./parsers/knex'));
}
function nodePgMigrateModule(): typeof import('./parsers/node-pg-migrate') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (nodePgMigrateParser ??= require('./parsers/node-pg-migrate') as typeof import('./parsers/node-pg-migrate'));
}

/**
 * True when a finding of `ruleId` at `start` is suppressed; every matching suppression (other than `except`) is
 * added to `used`. Same matching as `isSuppressed` in suppression.ts.
 */
function markSuppressions(suppressions: readonly Suppression[], ruleId: string, start: number, used: Set<Suppression>, except?: Suppression): boolean {
  let hit = false;
  for (const s of suppressions) {
    if (s === except) continue;
    if ((s.rules.length === 0 || s.rules.includes(ruleId)) && (s.scope === 'file' || (start >= s.region.start && start < s.region.end))) {
      used.add(s);
      hit = true;
    }
  }
  return hit;
}

/** Edits within the text, well-formed and not overlapping. */
function validFix(fix: Fix, length: number): boolean {
  const edits = [...fix.edits].sort((a, b) => a.start - b.start);
  let prevEnd = -1;
  for (const e of edits) {
    if (!(e.start >= 0 && e.start <= e.end && e.end <= length) || e.start < prevEnd || typeof e.newText !== 'string') return false;
    prevEnd = e.end;
  }
  return edits.length > 0;
}

export type { AnalyzeOptions, Finding, Fix, LockBlocks, LockMode, SourceKind, TableLock, TableLockEntry, TextEdit } from './types';
export { SchemaHistory } from './history';
export type { ColumnFact } from './history';
export type { RuleMeta, Rule, RuleContext, RuleViolation, ParsedDocument, Operation } from './model';
export { applyEdits, lineColumnAt } from './text';
export type { LineColumn, TextRange } from './text';
export { findSuppressions } from './suppression';
export { setIncrementalPostgresParsing } from './parsers/sql-postgres';
export { blocksOf, describeLock, LOCK_DURATION_RULES, LOCK_MODES, LOCK_TABLE, lockKindOf, pgLocksMode, statementLock } from './locks';
export type { LockEntry, LockKind } from './locks';
export type { Suppression } from './suppression';

/**
 * Loads the WASM parsers once: libpg-query (PostgreSQL) and web-tree-sitter with the Python grammar (Alembic).
 * Must be awaited before {@link analyze} is used on PostgreSQL SQL (including SQL in `knex.raw`) or on Alembic
 * revisions. Safe to call repeatedly and concurrently; rejects only if a WASM module cannot be loaded (a later
 * call retries).
 */
export async function initAnalyzer(): Promise<void> {
  await Promise.all([initPostgresParser(), initPythonParser()]);
}

/**
 * Loads only the WASM parsers that documents of `kind` in `dialect` need: libpg-query for PostgreSQL (SQL files, and
 * SQL inside Knex, node-pg-migrate and Alembic files; SQLite SQL is parsed by sql-parser-cst, pure JavaScript), plus
 * web-tree-sitter with the Python grammar for `alembic`. The language server uses it so that a workspace without
 * Alembic revisions never loads the Python grammar; the upgrade of a SQLite project with Knex migrations loads no
 * WASM at all. Idempotent and safe to call concurrently; rejects only if a WASM module cannot be loaded (a later
 * call retries).
 */
export async function initAnalyzerFor(kind: SourceKind | undefined, dialect: Dialect = 'postgresql'): Promise<void> {
  await Promise.all([...(dialect === 'sqlite' ? [] : [initPostgresParser()]), ...(kind === 'alembic' ? [initPythonParser()] : [])]);
}

/** True when every parser documents of `kind` in `dialect` need is loaded (see {@link initAnalyzerFor}). */
function parsersReadyFor(kind: SourceKind, dialect: Dialect): boolean {
  return (dialect === 'sqlite' || isPostgresParserReady()) && (kind !== 'alembic' || isPythonParserReady());
}

/** Metadata of every rule, in a stable order (the registry). */
export const rules: readonly RuleMeta[] = allRules.map((r) => r.meta);

const byId = new Map<string, Rule>(allRules.map((r) => [r.meta.id, r]));

/** Metadata of one rule, or `undefined` for an unknown id. */
export function getRuleMeta(id: string): RuleMeta | undefined {
  return byId.get(id)?.meta;
}

/**
 * Source kind from a file name: `.sql` → `sql`; `.js/.cjs/.mjs/.jsx/.ts/.cts/.mts/.tsx` → `knex`;
 * anything else → `undefined` (not analysed).
 */
export function inferSourceKind(fileName: string): SourceKind | undefined {
  const f = fileName.toLowerCase();
  if (f.endsWith('.sql')) return 'sql';
  if (f.endsWith('.py')) return 'alembic';
  if (/\.(c|m)?(j|t)sx?$/.test(f)) return 'knex';
  return undefined;
}

/**
 * The source kind of a document: `options.kind` when given, else from the file name ({@link inferSourceKind}),
 * where a JavaScript/TypeScript file that calls `pgm.*` and exports `up(pgm)` is node-pg-migrate, not Knex.
 */
export function detectSourceKind(text: string, options: Pick<AnalyzeOptions, 'fileName' | 'kind'>): SourceKind | undefined {
  if (options.kind) return options.kind;
  const kind = inferSourceKind(options.fileName);
  return kind === 'knex' && nodePgMigrateModule().looksLikeNodePgMigrate(text) ? 'node-pg-migrate' : kind;
}

/** `*.down.sql`, `down.sql`, `0001_x_down.sql`: a rollback script. */
export function isDownFile(fileName: string): boolean {
  return /(^|[\\/._-])down\.sql$/i.test(fileName);
}

function sqlParser(dialect: Dialect): (sql: string) => ParsedDocument {
  return dialect === 'sqlite' ? parseSqlite : parsePostgres;
}

/** Which parser reads documents of `kind` in `dialect`, as named in an `analyzer-error` finding. */
function parserName(kind: SourceKind, dialect: Dialect): string {
  switch (kind) {
    case 'sql':
      return dialect === 'sqlite' ? 'the SQLite parser (sql-parser-cst)' : 'the PostgreSQL parser (libpg-query)';
    case 'knex':
      return 'the Knex parser';
    case 'node-pg-migrate':
      return 'the node-pg-migrate parser';
    case 'alembic':
      return 'the Alembic parser';
  }
}

/**
 * dbmate keeps both halves in one file: `-- migrate:up` then `-- migrate:down` (dbmate README, "Creating
 * Migrations"). Operations after the down marker are the rollback (`phase: 'down'`), those before it `up`, as in a
 * Knex module, so drop rules read the rollback as such and {@link markReverts} pairs the halves.
 */
function markDbmateSections(text: string, doc: ParsedDocument): void {
  const up = /^[ \t]*--[ \t]*migrate:up\b/m.exec(text);
  const down = /^[ \t]*--[ \t]*migrate:down\b/m.exec(text);
  if (!up || !down || down.index < up.index) return;
  for (const op of doc.operations) op.phase = op.range.start > down.index ? 'down' : 'up';
}

/** Parses a document of a known kind into the normalized model. @throws whatever the parser throws. */
function parseKnown(text: string, options: AnalyzeOptions, kind: SourceKind, dialect: Dialect): ParsedDocument {
  let doc: ParsedDocument;
  if (kind === 'sql') {
    doc = sqlParser(dialect)(text);
    if (isDownFile(options.fileName)) {
      const phase: Phase = 'down';
      for (const op of doc.operations) op.phase = phase;
    } else {
      markDbmateSections(text, doc);
    }
  } else if (kind === 'knex') {
    doc = knexModule().parseKnex(text, options.fileName, sqlParser(dialect), dialect);
  } else if (kind === 'node-pg-migrate') {
    doc = nodePgMigrateModule().parseNodePgMigrate(text, options.fileName, sqlParser(dialect));
  } else {
    doc = parseAlembic(text, sqlParser(dialect), dialect);
  }
  doc.operations = annotateOperations(doc.operations, options.history);
  const counterpart = kind === 'sql' && options.upCounterpart !== undefined && isDownFile(options.fileName) ? sqlParser(dialect)(options.upCounterpart).operations : [];
  markReverts(doc.operations, counterpart);
  return doc;
}

/**
 * Parses a document into the normalized model (exposed for tools and tests). Never throws: a parser crash gives
 * an empty document here ({@link analyze} reports it as an `analyzer-error` finding instead).
 */
export function parseDocument(text: string, options: AnalyzeOptions): ParsedDocument {
  try {
    const kind = detectSourceKind(text, options);
    return kind ? parseKnown(text, options, kind, options.dialect ?? 'postgresql') : emptyDocument();
  } catch {
    return emptyDocument();
  }
}

/**
 * The first syntax error of a JavaScript/TypeScript module as TypeScript's parser sees it (UTF-16 range into
 * `text`, parser's message), or undefined when it parses. The engine uses it to place a module that Node cannot
 * load (migrations/movements/load-check.ts) when Node's error carries no position (ES modules).
 */
export function moduleSyntaxError(text: string, fileName: string): SyntaxProblem | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tsModule = require('./parsers/ts-module') as typeof import('./parsers/ts-module');
  return tsModule.moduleSyntaxErrors(tsModule.parseModule(fileName, text, 'migration.js'))[0];
}

/** Rules added by {@link addRulesForTesting}, run after the registry's. */
let testRules: readonly Rule[] = [];

/**
 * TEST-ONLY hook: runs `extra` rules in every {@link analyze} call of this process (after the registered rules,
 * with their `meta.defaultSeverity`) until the returned function is called. The tests use it to register a rule
 * that throws and check that the analyzer, `check` and the upgrade gate fail closed (`analyzer-error`). Not
 * listed in {@link rules}; never called by the product.
 */
export function addRulesForTesting(...extra: Rule[]): () => void {
  testRules = [...testRules, ...extra];
  return () => {
    testRules = testRules.filter((r) => !extra.includes(r));
  };
}

/** The range an `analyzer-error` about the whole file is put on: the first line (empty for an empty text). */
function fileStartRange(text: string): TextRange {
  const newline = text.indexOf('\n');
  return { start: 0, end: newline < 0 ? text.length : newline };
}

/** `range` lies inside `outer`. */
function within(range: TextRange, outer: TextRange): boolean {
  return range.start >= outer.start && range.end <= outer.end;
}

/**
 * Where `rule` throws: it is run again on each statement alone (that statement's operations, syntax errors and
 * uninspectable strings, nothing else), in document order, and the first statement that makes it throw is the
 * answer; `undefined` when none does alone (the crash needs the whole document). Only runs after a crash.
 */
function crashingStatement(rule: Rule, ctx: RuleContext): TextRange | undefined {
  const { doc } = ctx;
  const statements = new Map<string, TextRange>();
  const add = (r: TextRange) => statements.set(`${r.start}:${r.end}`, r);
  for (const op of doc.operations) add(op.statement);
  for (const e of doc.syntaxErrors) add(e.range);
  for (const u of doc.uninspectable) add(u);
  const ordered = [...statements.values()].sort((a, b) => a.start - b.start || b.end - a.end);
  for (const statement of ordered) {
    const alone: ParsedDocument = {
      ...doc,
      operations: doc.operations.filter((op) => within(op.statement, statement)),
      syntaxErrors: doc.syntaxErrors.filter((e) => within(e.range, statement)),
      uninspectable: doc.uninspectable.filter((u) => within(u, statement)),
    };
    try {
      rule.check({ ...ctx, doc: alone });
    } catch {
      return statement;
    }
  }
  return undefined;
}

/**
 * Analyzes one document and returns its findings, sorted by `start` (then `end`, then rule id).
 * Offsets are UTF-16 indices into `text`. Synchronous; call {@link initAnalyzer} first for PostgreSQL.
 * Never throws, and fails closed: a parser crash is one `analyzer-error` finding (error severity) on the file's
 * first line and nothing else; a rule crash is an `analyzer-error` at the statement that makes the rule throw
 * (else on the first line) in place of that rule's findings. `analyzer-error` ignores the rule options and ignore
 * comments: a crash cannot be configured away (docs/rules/analyzer-error.md).
 */
export function analyze(text: string, options: AnalyzeOptions): Finding[] {
  return analyzeDocument(text, options).findings;
}

/**
 * {@link analyze} for the next migration of a folder, in the order the runner applies them: the rules see `history`
 * (the earlier migrations), then this file's `up` changes are added to it (when it parsed). Never throws.
 */
export function analyzeInFolder(text: string, options: AnalyzeOptions, history: SchemaHistory): Finding[] {
  const { findings, doc } = analyzeDocument(text, { ...options, history });
  if (doc) history.apply(doc.operations);
  return findings;
}

/**
 * The tables `operations` create in `up` (`schema.table` or `table` as written, as findings name them in `table`): the
 * upgrade's plan tells from them that a later migration of the same upgrade works on a table that is still new and
 * empty (issue 17).
 */
export function tablesCreatedBy(operations: readonly Operation[]): string[] {
  return [...new Set(operations.flatMap((op) => (op.type === 'createTable' && op.phase !== 'down' ? [operationTable(op)].filter((t): t is string => t !== undefined) : [])))];
}

/**
 * {@link analyze} with `history` as the schema the earlier migrations left (read only; none: as {@link analyze}), and
 * the document's operations (empty when the parser crashed) for the caller to fold into the histories of the
 * migrations applied after it — the lint driver's way for Alembic, where revisions on different branches start from
 * different histories — or to read what they create ({@link tablesCreatedBy}, the upgrade). Never throws.
 */
export function analyzeWithOperations(text: string, options: AnalyzeOptions, history?: SchemaHistory): { findings: Finding[]; operations: readonly Operation[] } {
  const { findings, doc } = analyzeDocument(text, history ? { ...options, history } : options);
  return { findings, operations: doc?.operations ?? [] };
}

/** {@link analyze}, and the parsed document when the parser did not crash. */
function analyzeDocument(text: string, options: AnalyzeOptions): { findings: Finding[]; doc?: ParsedDocument } {
  const crash = (message: string, range: TextRange): Finding => ({ ruleId: ANALYZER_ERROR, severity: 'error', message, start: range.start, end: range.end, help: analyzerError.meta.help });
  if (typeof text !== 'string') return { findings: [crash(parserCrashMessage('the analyzer', new TypeError(`the document text is a ${typeof text}, not a string`)), { start: 0, end: 0 })] };
  try {
    const dialect = options.dialect ?? 'postgresql';
    let kind: SourceKind | undefined;
    try {
      kind = detectSourceKind(text, options);
    } catch (error) {
      return { findings: [crash(parserCrashMessage('the node-pg-migrate detection (a parse of the module)', error), fileStartRange(text))] };
    }
    if (!kind) return { findings: [] };
    // The kind is decided once: detecting node-pg-migrate parses JS/TS, so the parser must not do it again.
    let doc: ParsedDocument;
    try {
      doc = parseKnown(text, { ...options, kind }, kind, dialect);
    } catch (error) {
      return { findings: [crash(parserCrashMessage(parserName(kind, dialect), error), fileStartRange(text))] };
    }
    const ctx: RuleContext = { text, fileName: options.fileName, dialect, kind, doc, postgresVersion: options.postgresVersion ?? DEFAULT_POSTGRES_VERSION, ...(options.history ? { history: options.history } : {}) };
    const suppressions = findSuppressions(text, doc.statements);
    const used = new Set<Suppression>();
    const findings: Finding[] = [];
    /** Rules that threw: an ignore naming one of them may well be in use. */
    const crashed = new Set<string>();
    const severityOf = (rule: Rule): Severity | 'off' => {
      if (rule.meta.dialects && !rule.meta.dialects.includes(dialect)) return 'off';
      return options.rules?.[rule.meta.id] ?? rule.meta.defaultSeverity;
    };
    for (const rule of testRules.length ? [...allRules, ...testRules] : allRules) {
      const severity = severityOf(rule);
      if (severity === 'off' || rule.meta.id === UNUSED_IGNORE || rule.meta.id === ANALYZER_ERROR) continue;
      let violations;
      try {
        violations = rule.check(ctx);
      } catch (error) {
        crashed.add(rule.meta.id);
        const statement = crashingStatement(rule, ctx);
        findings.push(crash(ruleCrashMessage(rule.meta.id, error, statement !== undefined), statement ?? fileStartRange(text)));
        continue;
      }
      for (const v of violations) {
        const start = Math.max(0, Math.min(v.start, text.length));
        const end = Math.max(start, Math.min(v.end, text.length));
        if (markSuppressions(suppressions, rule.meta.id, start, used)) continue;
        const finding: Finding = { ruleId: rule.meta.id, severity, message: v.message, start, end, help: rule.meta.help };
        if (v.fix && validFix(v.fix, text.length)) finding.fix = v.fix;
        const op = violationOperation(doc, v);
        const table = op && operationTable(op);
        if (table) finding.table = table;
        if (dialect === 'postgresql') {
          const lock = lockForViolation(doc, rule.meta.id, v, op);
          if (lock) finding.lock = lock;
        }
        findings.push(finding);
      }
    }
    const unusedRule = byId.get(UNUSED_IGNORE);
    const unusedSeverity = unusedRule ? severityOf(unusedRule) : 'off';
    // Before the parsers are loaded nothing is found, so no ignore can be judged unused.
    if (unusedSeverity !== 'off' && parsersReadyFor(kind, dialect)) {
      // An ignore naming a rule that is switched off (or not for this dialect) may matter under another configuration;
      // one naming a rule that crashed (or every rule) may have had a finding to silence.
      const candidates = suppressions.filter(
        (s) =>
          !used.has(s) &&
          !(s.rules.every((r) => byId.has(r)) && s.rules.some((r) => severityOf(byId.get(r)!) === 'off')) &&
          !(crashed.size > 0 && (s.rules.length === 0 || s.rules.some((r) => crashed.has(r)))),
      );
      // First mark the ignores that silence unused-ignore itself, so they count as used.
      const silenced = new Set(candidates.filter((s) => markSuppressions(suppressions, UNUSED_IGNORE, s.comment.start, used, s)));
      for (const s of candidates) {
        if (used.has(s) || silenced.has(s)) continue;
        const unknown = s.rules.filter((r) => !byId.has(r));
        const what = s.scope === 'file' ? 'file-wide ignore' : 'ignore comment';
        const message = unknown.length
          ? `This ${what} names unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.map((r) => `"${r}"`).join(', ')} and suppresses nothing.`
          : `This ${what} suppresses nothing: no finding of ${s.rules.length ? s.rules.map((r) => `"${r}"`).join(', ') : 'any rule'} is there.`;
        findings.push({ ruleId: UNUSED_IGNORE, severity: unusedSeverity, message, start: s.comment.start, end: s.comment.end, help: unusedRule!.meta.help });
      }
    }
    return { findings: findings.sort((a, b) => a.start - b.start || a.end - b.end || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)), doc };
  } catch (error) {
    // Suppressions, the unused-ignore pass, sorting: not a parser, not a rule, and still no reason to report "safe".
    return { findings: [crash(parserCrashMessage('the analyzer', error), fileStartRange(text))] };
  }
}
