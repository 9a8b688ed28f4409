/**
 * PostgreSQL SQL → {@link ParsedDocument}, with libpg-query (PostgreSQL 18's own parser compiled to WASM).
 *
 * libpg-query reports UTF-8 **byte** offsets (`stmt_location`, `stmt_len`, `location`,
 * `cursorPosition`); everything produced here is converted to UTF-16 offsets. ALTER TABLE sub-commands
 * and DROP targets carry no location, so their ranges come from `scanSync` tokens.
 *
 * Error recovery: libpg-query stops at the first syntax error. When the whole text fails, it is split
 * at top-level `;` (with `scanSync` tokens, or {@link splitSqlStatements} when the scanner itself throws on
 * an unterminated quote or `$$`) and each piece is parsed alone, so one bad statement costs one statement.
 */
import type { ScanToken } from 'libpg-query';
import { byteToUtf16Mapper, isJsWhitespace } from '../text';
import type { TextRange } from '../text';
import { emptyDocument } from '../model';
import type { AddColumnOp, AddConstraintOp, AlterColumnTypeOp, ColumnDefinitionOp, ColumnType, CreateIndexOp, CreateTableOp, DropIndexOp, ForeignKeyDecl, DropTableOp, MaintenanceOp, Operation, ParsedDocument, RenameColumnOp, LockTableOp, RenameTableOp, SetSchemaOp, SetVariableOp, TableRef, TransactionControlOp, TruncateOp } from '../model';
import { neutralizePlaceholders, pieceErrorReporter, recoverStatements, restorePlaceholderNames, skipQualifiedName, splitSqlStatements, splitTopLevelCommas } from './sql-split';
import type { ChunkError } from './sql-split';

let ready = false;
let loading: Promise<void> | undefined;
/** libpg-query, required by {@link initPostgresParser} (a SQLite-only run never loads it). */
let pg: typeof import('libpg-query') | undefined;

function libpg(): typeof import('libpg-query') {
  if (!pg) throw new Error('initPostgresParser() must complete before PostgreSQL SQL is parsed');
  return pg;
}

/**
 * Loads the libpg-query WASM module once. Idempotent; concurrent callers share one load. Rejects if the WASM cannot load.
 * The package is a CommonJS module (`main`: wasm/index.cjs) and is required, not `import()`ed: the first `import()`
 * starts Node's ESM loader: loading the package that way took 60 ms more CPU and 8.6 MB more peak RSS (measured
 * `node -e` both ways on 2 cores; CHANGELOG).
 */
export function initPostgresParser(): Promise<void> {
  if (ready) return Promise.resolve();
  loading ??= Promise.resolve().then(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('libpg-query') as typeof import('libpg-query');
    await mod.loadModule();
    pg = mod;
  }).then(
    () => {
      ready = true;
    },
    (e: unknown) => {
      loading = undefined;
      throw e;
    },
  );
  return loading;
}

/** True once {@link initPostgresParser} has completed. */
export function isPostgresParserReady(): boolean {
  return ready;
}

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}
/** `{ ColumnDef: {...} }` → `['ColumnDef', {...}]` */
function unwrap(node: unknown): [string, Json] | undefined {
  const o = obj(node);
  if (!o) return undefined;
  // The first key without Object.keys(): this runs for every node of every statement.
  for (const key in o) {
    const inner = obj(o[key]);
    return inner ? [key, inner] : undefined;
  }
  return undefined;
}
function stringItems(list: unknown): string[] {
  const out: string[] = [];
  for (const n of arr(list)) {
    const s = str(obj(obj(n)?.['String'])?.['sval']);
    if (s !== undefined) out.push(s);
  }
  return out;
}

const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT']);

/** ALTER TABLE sub-commands whose findings point at the sub-command (needs a token scan when there are several). */
const RANGED_SUBTYPES = new Set(['AT_DropColumn', 'AT_AddColumn', 'AT_AlterColumnType', 'AT_DropNotNull', 'AT_SetNotNull', 'AT_AddConstraint', 'AT_ValidateConstraint', 'AT_SetLogged', 'AT_SetUnLogged', 'AT_DetachPartition']);

/** libpg-query `contype` → {@link AddConstraintOp} kind. */
const CONSTRAINT_KINDS: Record<string, AddConstraintOp['constraint']> = {
  CONSTR_FOREIGN: 'foreignKey',
  CONSTR_CHECK: 'check',
  CONSTR_UNIQUE: 'unique',
  CONSTR_PRIMARY: 'primaryKey',
  CONSTR_EXCLUSION: 'exclusion',
};

/** libpg-query TransactionStmt `kind` → transaction control; savepoints and two-phase commands are not listed. */
const TRANSACTION_KINDS: Record<string, TransactionControlOp['kind']> = {
  TRANS_STMT_BEGIN: 'begin',
  TRANS_STMT_START: 'begin',
  TRANS_STMT_COMMIT: 'commit',
  TRANS_STMT_ROLLBACK: 'rollback',
};

/**
 * Functions whose volatility is VOLATILE in pg_proc (`provolatile = 'v'`): as a column DEFAULT they are evaluated
 * per row, so ADD COLUMN rewrites the table. `now()`, `current_timestamp`, `statement_timestamp()` are STABLE and
 * stay metadata-only on PostgreSQL 11+. Source: PostgreSQL docs, "ALTER TABLE" — Notes; "Function Volatility Categories".
 */
export const VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set([
  'random',
  'random_normal',
  'gen_random_uuid',
  'uuidv4',
  'uuidv7',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'setval',
  'txid_current',
  'gen_random_bytes',
]);

/** Name of the first call to a {@link VOLATILE_FUNCTIONS} member in an expression tree, if any. */
function findVolatileCall(expr: unknown, depth = 0): string | undefined {
  if (depth > 40 || expr === null || typeof expr !== 'object') return undefined;
  if (Array.isArray(expr)) {
    for (const e of expr) {
      const f = findVolatileCall(e, depth + 1);
      if (f) return f;
    }
    return undefined;
  }
  const o = expr as Json;
  const call = obj(o['FuncCall']);
  if (call) {
    const names = stringItems(call['funcname']);
    const fn = names[names.length - 1]?.toLowerCase();
    if (fn && VOLATILE_FUNCTIONS.has(fn)) return fn;
  }
  for (const v of Object.values(o)) {
    const f = findVolatileCall(v, depth + 1);
    if (f) return f;
  }
  return undefined;
}

/** Converts a libpg-query TypeName node to a {@link ColumnType}. */
function columnType(typeName: unknown): ColumnType | undefined {
  const t = obj(typeName);
  if (!t) return undefined;
  const names = stringItems(t['names']);
  let name = names[names.length - 1];
  if (!name) return undefined;
  name = name.toLowerCase();
  const args: number[] = [];
  for (const m of arr(t['typmods'])) {
    const x = num(obj(obj(obj(m)?.['A_Const'])?.['ival'])?.['ival']);
    if (x !== undefined) args.push(x);
  }
  if (arr(t['arrayBounds']).length > 0) name += '[]';
  return { name, args };
}

function relationRef(rel: unknown): (TableRef & { location?: number }) | undefined {
  const r = obj(rel);
  const table = str(r?.['relname']);
  if (!r || table === undefined) return undefined;
  const ref: TableRef & { location?: number } = { table };
  const schema = str(r['schemaname']);
  if (schema) ref.schema = schema;
  const loc = num(r['location']);
  if (loc !== undefined) ref.location = loc;
  return ref;
}

/** Splits tokens at top-level commas (outside parentheses/brackets). */
function splitTopLevel(tokens: ScanToken[]): ScanToken[][] {
  const out: ScanToken[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth = Math.max(0, depth - 1);
    if (t.text === ',' && depth === 0) out.push([]);
    else out[out.length - 1]!.push(t);
  }
  return out;
}

interface ChunkContext {
  chunk: string;
  base: number;
  toUtf16: (b: number) => number;
  ops: Operation[];
  statements: TextRange[];
  /** Byte offset of the statement whose tokens are in {@link tokens} (-1: none yet); see statementTokens. */
  tokensAt: number;
  tokens: ScanToken[];
}

/** UTF-16 range (absolute) of a run of tokens. */
function tokensRange(cx: ChunkContext, toks: ScanToken[]): TextRange | undefined {
  const first = toks[0];
  const last = toks[toks.length - 1];
  if (!first || !last) return undefined;
  return { start: cx.base + cx.toUtf16(first.start), end: cx.base + cx.toUtf16(last.end) };
}

/**
 * Tokens of the statement at UTF-16 `[s16, e16)` of the chunk (byte offset `locB`): comments and `;` removed, byte
 * offsets relative to the chunk; `[]` when the scanner throws. Scanned once per statement (cached on `cx`).
 */
function statementTokens(cx: ChunkContext, s16: number, e16: number, locB: number): ScanToken[] {
  if (cx.tokensAt !== locB) {
    let tokens: ScanToken[];
    try {
      tokens = libpg().scanSync(cx.chunk.slice(s16, e16))
        .tokens.filter((t) => !COMMENT_TOKENS.has(t.tokenName) && t.text !== ';')
        .map((t) => ({ ...t, start: t.start + locB, end: t.end + locB }));
    } catch {
      tokens = [];
    }
    cx.tokensAt = locB;
    cx.tokens = tokens;
  }
  return cx.tokens;
}

/** True when UTF-16 `[start, end)` of `text` contains `--` or `/*` (a comment may start there). */
function hasCommentStart(text: string, start: number, end: number): boolean {
  for (let i = start; i + 1 < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 45 /* - */ ? text.charCodeAt(i + 1) === 45 : c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) return true;
  }
  return false;
}

/** The comma-separated segment of `segments` containing byte `loc`, as a range; else `statement`. */
function segmentAt(cx: ChunkContext, statement: TextRange, segments: ScanToken[][], loc: number | undefined): TextRange {
  if (segments.length < 2 || loc === undefined) return statement;
  const seg = segments.find((s) => s.some((t) => t.start <= loc && loc < t.end));
  return (seg && tokensRange(cx, seg)) ?? statement;
}

/** `seg` without trailing keywords from `words` (e.g. CASCADE). */
function trimKeywords(seg: ScanToken[], words: string[]): ScanToken[] {
  let end = seg.length;
  while (end > 0 && words.includes(seg[end - 1]!.text.toUpperCase())) end--;
  return seg.slice(0, end);
}

/** One statement of a chunk being read: its parse node and range, and where its text is in the chunk. */
interface StatementInfo {
  /** The node type (`CreateStmt`, `AlterTableStmt`, …) and its fields. */
  kind: string;
  stmt: Json;
  /** The statement's absolute UTF-16 range, without surrounding whitespace and comments. */
  statement: TextRange;
  /** UTF-16 start and end of the statement in the chunk, and its byte offset there. */
  s16: number;
  e16: number;
  locB: number;
}

/** Records one parsed statement (`RawStmt`) of the chunk: its range, then the operations it performs. */
function handleStatement(cx: ChunkContext, raw: Json): void {
  const locB = num(raw['stmt_location']) ?? 0;
  const lenB = num(raw['stmt_len']) ?? 0;
  const s16 = cx.toUtf16(locB);
  const e16 = lenB > 0 ? cx.toUtf16(locB + lenB) : cx.chunk.length;
  const statement = statementRange(cx, s16, e16, locB);
  cx.statements.push(statement);
  const node = unwrap(raw['stmt']);
  if (!node) return;
  const [kind, stmt] = node;
  handleOperation(cx, { kind, stmt, statement, s16, e16, locB });
}

/**
 * The absolute range of the statement at UTF-16 `[s16, e16)` of the chunk (byte offset `locB`): from its first to
 * its last token when a comment may be inside (libpg-query's range includes leading comments), else the text
 * without surrounding whitespace.
 */
function statementRange(cx: ChunkContext, s16: number, e16: number, locB: number): TextRange {
  let statement: TextRange | undefined;
  // Tokens are scanned only when needed (scanning is several times slower than parsing) and at most once.
  if (hasCommentStart(cx.chunk, s16, e16)) statement = tokensRange(cx, statementTokens(cx, s16, e16, locB));
  if (!statement) {
    // The statement without surrounding whitespace (what trimStart/trimEnd would remove), found by index scanning.
    let start = s16;
    while (start < e16 && isJsWhitespace(cx.chunk.charCodeAt(start))) start++;
    let end = e16;
    while (end > s16 && isJsWhitespace(cx.chunk.charCodeAt(end - 1))) end--;
    statement = { start: cx.base + start, end: cx.base + end };
  }
  return statement;
}

/** Tokens of the statement (comments and `;` removed, byte offsets relative to the chunk); see statementTokens. */
function tokensOf(cx: ChunkContext, st: StatementInfo): ScanToken[] {
  return statementTokens(cx, st.s16, st.e16, st.locB);
}

/** The operations of one statement, by node type; statements the rules do not look at give none. */
function handleOperation(cx: ChunkContext, st: StatementInfo): void {
  const { kind, stmt, statement } = st;
  switch (kind) {
    case 'CreateStmt':
      return createTable(cx, st);
    case 'CreateTableAsStmt':
      return createTableAs(cx, st);
    case 'DropdbStmt': {
      const name = str(stmt['dbname']);
      if (name !== undefined) cx.ops.push({ statement, origin: 'sql', tableIsNew: false, type: 'dropDatabase', object: 'database', table: name, range: statement });
      return;
    }
    case 'DropStmt':
      dropCascade(cx, st);
      return drop(cx, st);
    case 'LockStmt':
      return lockTable(cx, st);
    case 'AlterObjectSchemaStmt': {
      const rel = relationRef(stmt['relation']);
      const newSchema = str(stmt['newschema']);
      if (!rel || newSchema === undefined || str(stmt['objectType']) !== 'OBJECT_TABLE') return;
      const op: SetSchemaOp = { statement, origin: 'sql', tableIsNew: false, type: 'setSchema', table: rel.table, newSchema, range: statement };
      if (rel.schema) op.schema = rel.schema;
      cx.ops.push(op);
      return;
    }
    case 'TruncateStmt':
      return truncate(cx, st);
    case 'IndexStmt':
      return createIndex(cx, st);
    case 'RenameStmt':
      return rename(cx, st);
    case 'AlterTableStmt':
      return alterTable(cx, st);
    case 'DeleteStmt':
    case 'UpdateStmt': {
      const rel = relationRef(stmt['relation']);
      if (!rel) return;
      const hasWhere = stmt['whereClause'] !== undefined;
      const op: Operation = { statement, origin: 'sql', tableIsNew: false, type: kind === 'DeleteStmt' ? 'deleteRows' : 'updateRows', table: rel.table, hasWhere, range: statement };
      if (rel.schema) op.schema = rel.schema;
      cx.ops.push(op);
      return;
    }
    case 'TransactionStmt': {
      const k = TRANSACTION_KINDS[str(stmt['kind']) ?? ''];
      if (k) cx.ops.push({ statement, origin: 'sql', tableIsNew: false, type: 'transactionControl', kind: k, table: '', range: statement });
      return;
    }
    case 'VariableSetStmt':
      return setVariable(cx, st);
    case 'DoStmt':
    case 'CreateFunctionStmt':
      return plpgsqlStatement(cx, st);
    case 'ReindexStmt':
    case 'VacuumStmt':
    case 'ClusterStmt':
    case 'RefreshMatViewStmt':
      return maintenance(cx, st);
    case 'AlterEnumStmt':
    case 'CreateDomainStmt':
    case 'AlterDomainStmt':
      return typeStatement(cx, st);
    default:
      return;
  }
}

/** libpg-query ReindexStmt `kind` → {@link MaintenanceOp.target}. */
const REINDEX_TARGETS: Record<string, MaintenanceOp['target']> = {
  REINDEX_OBJECT_INDEX: 'index',
  REINDEX_OBJECT_TABLE: 'table',
  REINDEX_OBJECT_SCHEMA: 'schema',
  REINDEX_OBJECT_DATABASE: 'database',
  REINDEX_OBJECT_SYSTEM: 'system',
};

/** SET [LOCAL] name = value, SET name TO DEFAULT, RESET name, RESET ALL (name `all`). */
function setVariable(cx: ChunkContext, { stmt, statement }: StatementInfo): void {
  const kind = str(stmt['kind']);
  const name = kind === 'VAR_RESET_ALL' ? 'all' : str(stmt['name']);
  if (name === undefined || (kind !== 'VAR_SET_VALUE' && kind !== 'VAR_SET_DEFAULT' && kind !== 'VAR_RESET' && kind !== 'VAR_RESET_ALL')) return;
  const op: SetVariableOp = { statement, origin: 'sql', tableIsNew: false, type: 'setVariable', name: name.toLowerCase(), table: '', range: statement };
  if (stmt['is_local'] === true) op.local = true;
  if (kind === 'VAR_SET_VALUE') {
    // One value: a string ('5s'), an integer (0 parses as `ival: {}`), a float; lists are left unread.
    const args = arr(stmt['args']);
    const c = args.length === 1 ? obj(obj(args[0])?.['A_Const']) : undefined;
    const value = c ? (str(obj(c['sval'])?.['sval']) ?? (c['ival'] !== undefined ? String(num(obj(c['ival'])?.['ival']) ?? 0) : str(obj(c['fval'])?.['fval']))) : undefined;
    if (value !== undefined) op.value = value.toLowerCase();
  } else op.reset = true;
  cx.ops.push(op);
}

/** REINDEX, VACUUM FULL (one operation per table, or one for the database), CLUSTER, REFRESH MATERIALIZED VIEW. */
function maintenance(cx: ChunkContext, { kind, stmt, statement }: StatementInfo): void {
  const options = arr(stmt[kind === 'VacuumStmt' ? 'options' : 'params']).map((o) => str(obj(obj(o)?.['DefElem'])?.['defname'])?.toLowerCase());
  const common = { statement, origin: 'sql' as const, tableIsNew: false, range: statement, concurrently: options.includes('concurrently') || stmt['concurrent'] === true };
  const push = (command: MaintenanceOp['command'], rel: unknown, extra: Partial<MaintenanceOp> = {}): void => {
    const ref = relationRef(rel);
    const op: MaintenanceOp = { ...common, ...extra, type: 'maintenance', command, table: ref?.table ?? (kind === 'ReindexStmt' ? (str(stmt['name']) ?? '') : '') };
    if (ref?.schema) op.schema = ref.schema;
    cx.ops.push(op);
  };
  if (kind === 'ReindexStmt') {
    const target = REINDEX_TARGETS[str(stmt['kind']) ?? ''];
    push('reindex', stmt['relation'], target ? { target } : {});
  } else if (kind === 'ClusterStmt') push('cluster', stmt['relation']);
  else if (kind === 'RefreshMatViewStmt') push('refreshMaterializedView', stmt['relation'], stmt['skipData'] === true ? { withNoData: true } : {});
  else if (stmt['is_vacuumcmd'] === true) {
    const command = options.includes('full') ? 'vacuumFull' : 'vacuum';
    const rels = arr(stmt['rels']).map((r) => obj(obj(r)?.['VacuumRelation'])?.['relation']);
    if (rels.length === 0) push(command, undefined);
    for (const rel of rels) push(command, rel);
  }
}

/** ALTER TYPE … ADD VALUE (not RENAME VALUE); CREATE DOMAIN with CHECK / NOT NULL; ALTER DOMAIN … ADD CONSTRAINT. */
function typeStatement(cx: ChunkContext, { kind, stmt, statement }: StatementInfo): void {
  const names = stringItems(stmt[kind === 'CreateDomainStmt' ? 'domainname' : 'typeName']);
  const name = names[names.length - 1];
  if (name === undefined) return;
  const common = { statement, origin: 'sql' as const, tableIsNew: false, range: statement, table: name, ...(names.length > 1 ? { schema: names[names.length - 2]! } : {}) };
  if (kind === 'AlterEnumStmt') {
    const value = str(stmt['newVal']);
    const old = str(stmt['oldVal']);
    if (value !== undefined && old === undefined) cx.ops.push({ ...common, type: 'addEnumValue', value });
    if (value !== undefined && old !== undefined) cx.ops.push({ ...common, type: 'renameEnumValue', value: old, newValue: value });
    return;
  }
  if (kind === 'AlterDomainStmt') {
    if (str(stmt['subtype']) === 'C') cx.ops.push({ ...common, type: 'domainConstraint', alter: true });
    return;
  }
  const restricts = arr(stmt['constraints']).some((c) => ['CONSTR_CHECK', 'CONSTR_NOTNULL'].includes(str(obj(obj(c)?.['Constraint'])?.['contype']) ?? ''));
  if (restricts) cx.ops.push({ ...common, type: 'domainConstraint', alter: false });
}

/** CREATE TABLE with its columns' types, then one {@link ColumnDefinitionOp} per column (pointing at its definition). */
function createTable(cx: ChunkContext, { stmt, statement }: StatementInfo): void {
  const rel = relationRef(stmt['relation']);
  if (!rel) return;
  const columns: CreateTableOp['columns'] = [];
  const definitions: ColumnDefinitionOp[] = [];
  const stmtEnd = statement.end - cx.base;
  const keys: string[][] = [];
  const foreignKeys: ForeignKeyDecl[] = [];
  for (const e of arr(stmt['tableElts'])) {
    const def = obj(obj(e)?.['ColumnDef']);
    if (!def) {
      tableConstraint(obj(obj(e)?.['Constraint']), statement, keys, foreignKeys);
      continue;
    }
    const column = str(def['colname']) ?? '';
    const dataType = columnType(def['typeName']);
    columns.push({ name: column, ...(dataType ? { dataType } : {}), ...(declaresNotNull(def) ? { notNull: true } : {}) });
    const loc = num(def['location']);
    const start = loc !== undefined ? cx.toUtf16(loc) : -1;
    const range = start >= 0 ? { start: cx.base + start, end: cx.base + columnEnd(cx.chunk, start, stmtEnd) } : statement;
    const primaryKey = columnKeys(def, column, range, keys, foreignKeys);
    const op: ColumnDefinitionOp = { statement, origin: 'sql', tableIsNew: false, type: 'columnDefinition', table: rel.table, column, primaryKey, range };
    if (rel.schema) op.schema = rel.schema;
    if (dataType) op.dataType = dataType;
    definitions.push(op);
  }
  const op: CreateTableOp = { statement, origin: 'sql', tableIsNew: false, type: 'createTable', table: rel.table, columns, range: statement };
  if (rel.schema) op.schema = rel.schema;
  if (stmt['if_not_exists'] === true) op.ifNotExists = true;
  if (keys.length) op.keys = keys;
  if (foreignKeys.length) op.foreignKeys = foreignKeys;
  if (definitions.some((d) => d.primaryKey) || arr(stmt['tableElts']).some((e) => str(obj(obj(e)?.['Constraint'])?.['contype']) === 'CONSTR_PRIMARY')) op.primaryKey = true;
  // Unknown for partitions, inheritance and LIKE (which may copy a primary key with INCLUDING INDEXES).
  else if (definitions.length > 0 && stmt['partbound'] === undefined && arr(stmt['inhRelations']).length === 0 && !arr(stmt['tableElts']).some((e) => obj(e)?.['TableLikeClause'] !== undefined)) op.primaryKey = false;
  cx.ops.push(op, ...definitions);
}

/** A column's inline PRIMARY KEY / UNIQUE (into `keys`) and REFERENCES (into `foreignKeys`); true when it is the primary key. */
function columnKeys(def: Json, column: string, range: TextRange, keys: string[][], foreignKeys: ForeignKeyDecl[]): boolean {
  let primaryKey = false;
  for (const c of arr(def['constraints'])) {
    const con = obj(obj(c)?.['Constraint']);
    const contype = str(con?.['contype']);
    if (contype === 'CONSTR_PRIMARY') primaryKey = true;
    if (contype === 'CONSTR_PRIMARY' || contype === 'CONSTR_UNIQUE') keys.push([column]);
    if (contype === 'CONSTR_FOREIGN') {
      const references = rangeVarRef(con?.['pktable']);
      foreignKeys.push({ columns: [column], ...(references ? { references } : {}), range });
    }
  }
  return primaryKey;
}

/** A table-level PRIMARY KEY / UNIQUE (into `keys`) or FOREIGN KEY (into `foreignKeys`, pointing at the statement). */
function tableConstraint(con: Json | undefined, statement: TextRange, keys: string[][], foreignKeys: ForeignKeyDecl[]): void {
  const contype = str(con?.['contype']);
  if (!con || !contype) return;
  if (contype === 'CONSTR_PRIMARY' || contype === 'CONSTR_UNIQUE') {
    const columns = stringItems(con['keys']);
    if (columns.length) keys.push(columns);
  } else if (contype === 'CONSTR_FOREIGN') {
    const columns = stringItems(con['fk_attrs']);
    const references = rangeVarRef(con['pktable']);
    if (columns.length) foreignKeys.push({ columns, ...(references ? { references } : {}), range: statement });
  }
}

/**
 * End of the table element starting at `start` (UTF-16, in `text`, before `end`): the first comma or unmatched `)`
 * outside parentheses and quotes, without trailing whitespace. Comments are not skipped (a `,` or `)` in one ends the
 * range early: only the finding's range is shorter).
 */
function columnEnd(text: string, start: number, end: number): number {
  let depth = 0;
  let i = start;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 39 /* ' */ || c === 34 /* " */) {
      const close = text.indexOf(text[i]!, i + 1);
      i = close < 0 ? end : close;
    } else if (c === 40) depth++;
    else if (c === 41 ? --depth < 0 : c === 44 && depth === 0) break;
  }
  while (i > start && isJsWhitespace(text.charCodeAt(i - 1))) i--;
  return i;
}

/** A ColumnDef that declares NOT NULL or PRIMARY KEY. */
function declaresNotNull(c: Json): boolean {
  return c['is_not_null'] === true || arr(c['constraints']).some((k) => ['CONSTR_NOTNULL', 'CONSTR_PRIMARY'].includes(str(obj(obj(k)?.['Constraint'])?.['contype']) ?? ''));
}

/** CREATE TABLE … AS (a table; not a materialized view). */
function createTableAs(cx: ChunkContext, { stmt, statement }: StatementInfo): void {
  const rel = relationRef(obj(stmt['into'])?.['rel']);
  if (!rel || (str(stmt['objtype']) ?? 'OBJECT_TABLE') !== 'OBJECT_TABLE') return;
  const op: CreateTableOp = { statement, origin: 'sql', tableIsNew: false, type: 'createTable', table: rel.table, columns: [], range: statement };
  if (rel.schema) op.schema = rel.schema;
  cx.ops.push(op);
}

/** `DROP <object> … CASCADE`: one {@link DropCascadeOp} naming the first object. */
function dropCascade(cx: ChunkContext, { stmt, statement }: StatementInfo): void {
  if (str(stmt['behavior']) !== 'DROP_CASCADE') return;
  const object = (str(stmt['removeType']) ?? 'OBJECT_UNKNOWN').replace(/^OBJECT_/, '').toLowerCase().replace(/_/g, ' ');
  const first = obj(arr(stmt['objects'])[0]);
  const names = first ? [...stringItems(obj(first['List'])?.['items']), ...stringItems(obj(first['TypeName'])?.['names']), ...stringItems(obj(first['ObjectWithArgs'])?.['objname']), ...(str(obj(first['String'])?.['sval']) !== undefined ? [str(obj(first['String'])?.['sval'])!] : [])] : [];
  cx.ops.push({ statement, origin: 'sql', tableIsNew: false, type: 'dropCascade', object, table: names[names.length - 1] ?? '', range: statement });
}

/** LOCK [TABLE] a, b IN mode MODE [NOWAIT]: one operation per table (`mode` 1–8 is PostgreSQL's lock level). */
function lockTable(cx: ChunkContext, { stmt, statement }: StatementInfo): void {
  const mode = LOCK_LEVELS[(num(stmt['mode']) ?? 8) - 1] ?? 'ACCESS EXCLUSIVE';
  for (const r of arr(stmt['relations'])) {
    const rel = relationRef(obj(r)?.['RangeVar']);
    if (!rel) continue;
    const op: LockTableOp = { statement, origin: 'sql', tableIsNew: false, type: 'lockTable', table: rel.table, mode, nowait: stmt['nowait'] === true, range: statement };
    if (rel.schema) op.schema = rel.schema;
    cx.ops.push(op);
  }
}

/** PostgreSQL's lock levels 1–8 (`lockdefs.h`), as LOCK … IN … MODE names them. */
const LOCK_LEVELS: readonly LockTableOp['mode'][] = ['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'];

/** DROP SCHEMA, DROP INDEX and DROP TABLE (other DROPs give no operation). */
function drop(cx: ChunkContext, st: StatementInfo): void {
  const { stmt, statement } = st;
  const removeType = str(stmt['removeType']);
  if (removeType === 'OBJECT_SCHEMA') {
    for (const o of arr(stmt['objects'])) {
      const name = str(obj(obj(o)?.['String'])?.['sval']);
      if (name !== undefined) cx.ops.push({ statement, origin: 'sql', tableIsNew: false, type: 'dropDatabase', object: 'schema', table: name, range: statement });
    }
    return;
  }
  if (removeType === 'OBJECT_INDEX') {
    const concurrently = stmt['concurrent'] === true;
    for (const o of arr(stmt['objects'])) {
      const names = stringItems(obj(obj(o)?.['List'])?.['items']);
      const index = names[names.length - 1];
      if (index === undefined) continue;
      const schema = names.length > 1 ? names[names.length - 2] : undefined;
      const op: DropIndexOp = { statement, origin: 'sql', tableIsNew: false, type: 'dropIndex', table: '', index, concurrently, range: statement };
      if (schema) op.schema = schema;
      cx.ops.push(op);
    }
    return;
  }
  if (removeType === 'OBJECT_TABLE') dropTables(cx, st);
}

/** DROP TABLE [IF EXISTS] a, b …: one operation per table, each pointing at its name when there are several. */
function dropTables(cx: ChunkContext, st: StatementInfo): void {
  const { stmt, statement } = st;
  const ifExists = stmt['missing_ok'] === true;
  const objects = arr(stmt['objects']).map((o) => stringItems(obj(obj(o)?.['List'])?.['items']));
  // Tokens after DROP TABLE [IF EXISTS]
  const toks = objects.length > 1 ? tokensOf(cx, st) : [];
  let i = 2;
  if (toks[i]?.text.toUpperCase() === 'IF') i += 2;
  const segments = splitTopLevel(toks.slice(i)).map((s) => trimKeywords(s, ['CASCADE', 'RESTRICT']));
  objects.forEach((names, idx) => {
    const table = names[names.length - 1];
    if (table === undefined) return;
    const schema = names.length > 1 ? names[names.length - 2] : undefined;
    const range = objects.length > 1 && segments.length === objects.length ? (tokensRange(cx, segments[idx]!) ?? statement) : statement;
    const op: DropTableOp = { statement, origin: 'sql', tableIsNew: false, type: 'dropTable', table, range };
    if (schema) op.schema = schema;
    if (ifExists) op.ifExists = ifExists;
    cx.ops.push(op);
  });
}

/** TRUNCATE a, b …: one operation per table, each pointing at its name when there are several. */
function truncate(cx: ChunkContext, st: StatementInfo): void {
  const { stmt, statement } = st;
  const rels = arr(stmt['relations']).map((r) => relationRef(obj(r)?.['RangeVar']));
  const segments = rels.length > 1 ? splitTopLevel(tokensOf(cx, st)).map((s) => trimKeywords(s, ['CASCADE', 'RESTRICT', 'IDENTITY', 'RESTART', 'CONTINUE'])) : [];
  for (const rel of rels) {
    if (!rel) continue;
    const range = rels.length > 1 ? segmentAt(cx, statement, segments, rel.location) : statement;
    const op: TruncateOp = { statement, origin: 'sql', tableIsNew: false, type: 'truncate', table: rel.table, range };
    if (rel.schema) op.schema = rel.schema;
    if (str(stmt['behavior']) === 'DROP_CASCADE') op.cascade = true;
    cx.ops.push(op);
  }
}

/** CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS]. */
function createIndex(cx: ChunkContext, { stmt, statement }: StatementInfo): void {
  const rel = relationRef(stmt['relation']);
  if (!rel) return;
  const index = str(stmt['idxname']);
  const op: CreateIndexOp = { statement, origin: 'sql', tableIsNew: false, type: 'createIndex', table: rel.table, concurrently: stmt['concurrent'] === true, unique: stmt['unique'] === true, range: statement };
  if (rel.schema) op.schema = rel.schema;
  // Only a B-tree without WHERE serves lookups on its leading columns (a foreign key's referencing columns).
  const lookups = (str(stmt['accessMethod']) ?? 'btree') === 'btree' && stmt['whereClause'] === undefined;
  op.columns = lookups ? arr(stmt['indexParams']).map((p) => str(obj(obj(p)?.['IndexElem'])?.['name']) ?? '') : [];
  if (index) op.index = index;
  if (stmt['if_not_exists'] === true) op.ifNotExists = true;
  cx.ops.push(op);
}

/** ALTER TABLE … RENAME TO, and RENAME COLUMN. */
function rename(cx: ChunkContext, { stmt, statement }: StatementInfo): void {
  const renameType = str(stmt['renameType']);
  if (renameType === 'OBJECT_TABLE') {
    const rel = relationRef(stmt['relation']);
    const newName = str(stmt['newname']);
    if (rel && newName !== undefined) {
      const op: RenameTableOp = { statement, origin: 'sql', tableIsNew: false, type: 'renameTable', table: rel.table, newName, range: statement };
      if (rel.schema) op.schema = rel.schema;
      cx.ops.push(op);
    }
    return;
  }
  if (renameType !== 'OBJECT_COLUMN') return;
  const rel = relationRef(stmt['relation']);
  const column = str(stmt['subname']);
  const newName = str(stmt['newname']);
  if (!rel || column === undefined || newName === undefined) return;
  const op: RenameColumnOp = { statement, origin: 'sql', tableIsNew: false, type: 'renameColumn', table: rel.table, column, newName, range: statement };
  if (rel.schema) op.schema = rel.schema;
  cx.ops.push(op);
}

/** ALTER TABLE (of a table) with its sub-commands, each pointing at its own text when it can be found. */
function alterTable(cx: ChunkContext, { stmt, statement }: StatementInfo): void {
  const objtype = str(stmt['objtype']) ?? 'OBJECT_TABLE';
  if (objtype !== 'OBJECT_TABLE') return;
  const rel = relationRef(stmt['relation']);
  if (!rel) return;
  const schema = rel.schema;
  /** Adds the schema (when written) and records the operation. */
  const add = (op: Operation): void => {
    if (schema) op.schema = schema;
    cx.ops.push(op);
  };
  const cmds = arr(stmt['cmds']).map((c) => obj(obj(c)?.['AlterTableCmd']));
  const subRanges = rel.location !== undefined && cmds.some((c) => RANGED_SUBTYPES.has(str(c?.['subtype']) ?? '')) ? subCommandRanges(cx, rel.location, statement, cmds.length) : [];
  for (let idx = 0; idx < cmds.length; idx++) {
    const cmd = cmds[idx];
    if (cmd) alterTableCommand(cmd, rel.table, statement, subRanges[idx] ?? statement, add);
  }
}

/**
 * Ranges of the `count` sub-commands of an ALTER TABLE whose table name starts at byte `location`: the text after
 * the name split at top-level commas (a cheap JS scan; libpg-query's scanner costs more than parsing); `[]` when
 * the pieces do not match the sub-commands.
 */
function subCommandRanges(cx: ChunkContext, location: number, statement: TextRange, count: number): TextRange[] {
  const nameStart = cx.toUtf16(location);
  const stmtEnd = statement.end - cx.base;
  const after = skipQualifiedName(cx.chunk, nameStart, stmtEnd);
  if (after > nameStart) {
    const segments = splitTopLevelCommas(cx.chunk, after, stmtEnd);
    if (segments.length === count) return segments.map((r) => ({ start: cx.base + r.start, end: cx.base + r.end }));
  }
  return [];
}

/**
 * One ALTER TABLE sub-command (`AlterTableCmd`) of `statement` on `table` at `range`; `add` records an operation.
 * Operations are object literals that name every field (`statement, origin: 'sql', tableIsNew: false, …`), not
 * spreads of a shared object: V8 (Node 20) gives each object built as `{ ...common, … }` a map of its own, which
 * made building them several times slower (5,000 ADD COLUMN: 37 ms against 8, measured alone).
 */
function alterTableCommand(cmd: Json, table: string, statement: TextRange, range: TextRange, add: (op: Operation) => void): void {
  const subtype = str(cmd['subtype']);
  if ((subtype === 'AT_DropColumn' || subtype === 'AT_DropConstraint') && str(cmd['behavior']) === 'DROP_CASCADE') {
    add({ statement, origin: 'sql', tableIsNew: false, table, type: 'dropCascade', object: subtype === 'AT_DropColumn' ? 'column' : 'constraint', range });
  }
  if (subtype === 'AT_DropColumn') {
    const column = str(cmd['name']);
    if (column !== undefined) add({ statement, origin: 'sql', tableIsNew: false, table, type: 'dropColumn', column, range });
  } else if (subtype === 'AT_AddColumn') {
    addColumn(cmd, table, statement, range, add);
  } else if (subtype === 'AT_AlterColumnType') {
    const column = str(cmd['name']);
    const def = obj(obj(cmd['def'])?.['ColumnDef']);
    if (column === undefined) return;
    const newType = columnType(def?.['typeName']);
    const op: AlterColumnTypeOp = { statement, origin: 'sql', tableIsNew: false, table, type: 'alterColumnType', column, hasUsing: def?.['raw_default'] !== undefined, range };
    if (newType) op.newType = newType;
    const collation = stringItems(obj(def?.['collClause'])?.['collname']).pop();
    if (collation !== undefined) op.collation = collation;
    add(op);
  } else if (subtype === 'AT_DropNotNull' || subtype === 'AT_SetNotNull') {
    const column = str(cmd['name']);
    if (column !== undefined) add({ statement, origin: 'sql', tableIsNew: false, table, type: subtype === 'AT_DropNotNull' ? 'dropNotNull' : 'setNotNull', column, range });
  } else if (subtype === 'AT_AddConstraint') {
    const con = obj(obj(cmd['def'])?.['Constraint']);
    const contype = str(con?.['contype']);
    if (!con || !contype) return;
    const name = str(con['conname']);
    const op: AddConstraintOp = { statement, origin: 'sql', tableIsNew: false, table, type: 'addConstraint', constraint: CONSTRAINT_KINDS[contype] ?? 'other', notValid: con['skip_validation'] === true, usingIndex: str(con['indexname']) !== undefined, range };
    if (name !== undefined) op.name = name;
    const references = rangeVarRef(con['pktable']);
    if (references) op.references = references;
    const columns = stringItems(con[contype === 'CONSTR_FOREIGN' ? 'fk_attrs' : 'keys']);
    if (columns.length) op.columns = columns;
    add(op);
  } else if (subtype === 'AT_ValidateConstraint') {
    const name = str(cmd['name']);
    if (name !== undefined) add({ statement, origin: 'sql', tableIsNew: false, table, type: 'validateConstraint', name, range });
  } else if (subtype === 'AT_SetLogged' || subtype === 'AT_SetUnLogged') {
    add({ statement, origin: 'sql', tableIsNew: false, table, type: 'setPersistence', logged: subtype === 'AT_SetLogged', range });
  } else if (subtype === 'AT_DetachPartition') {
    const part = obj(obj(cmd['def'])?.['PartitionCmd']);
    const partition = relationRef(part?.['name'])?.table;
    if (partition !== undefined) add({ statement, origin: 'sql', tableIsNew: false, table, type: 'detachPartition', partition, concurrently: part?.['concurrent'] === true, range });
  }
}

/** The table a `RangeVar` node names (a foreign key's `pktable`), or undefined. */
function rangeVarRef(node: unknown): TableRef | undefined {
  const rv = obj(node);
  const table = str(rv?.['relname']);
  if (table === undefined) return undefined;
  const schema = str(rv?.['schemaname']);
  return schema !== undefined ? { table, schema } : { table };
}

/** ADD COLUMN: NOT NULL, default (volatile or not), STORED generation, and its inline REFERENCES / CHECK / UNIQUE / PRIMARY KEY constraints (added first). */
function addColumn(cmd: Json, table: string, statement: TextRange, range: TextRange, add: (op: Operation) => void): void {
  const def = obj(obj(cmd['def'])?.['ColumnDef']);
  const column = str(def?.['colname']);
  if (!def || column === undefined) return;
  const dataType = columnType(def['typeName']);
  let notNull = false;
  let primaryKey = false;
  let hasDefault = dataType !== undefined && /^(small|big)?serial[248]?$/.test(dataType.name);
  let volatileDefault: string | undefined;
  let generatedStored = false;
  for (const c of arr(def['constraints'])) {
    const con = obj(obj(c)?.['Constraint']);
    const contype = str(con?.['contype']);
    if (contype === 'CONSTR_NOTNULL' || contype === 'CONSTR_PRIMARY') notNull = true;
    if (contype === 'CONSTR_PRIMARY') primaryKey = true;
    if (contype === 'CONSTR_DEFAULT' || contype === 'CONSTR_IDENTITY' || contype === 'CONSTR_GENERATED') hasDefault = true;
    if (contype === 'CONSTR_DEFAULT') volatileDefault = findVolatileCall(con?.['raw_expr']);
    // GENERATED ALWAYS AS (…) STORED computes every existing row (VIRTUAL, PostgreSQL 18's default, does not).
    if (contype === 'CONSTR_GENERATED' && str(con?.['generated_kind']) === 's') generatedStored = true;
    const inlineKind = contype ? INLINE_CONSTRAINTS[contype] : undefined;
    if (inlineKind) {
      // An inline REFERENCES / CHECK is validated at once (NOT VALID cannot be written inline); an inline UNIQUE /
      // PRIMARY KEY builds its index at once (USING INDEX cannot be written inline).
      const name = str(con?.['conname']);
      const op: AddConstraintOp = { statement, origin: 'sql', tableIsNew: false, table, type: 'addConstraint', constraint: inlineKind, notValid: false, usingIndex: false, inline: true, range };
      if (name !== undefined) op.name = name;
      const references = rangeVarRef(con?.['pktable']);
      if (references) op.references = references;
      op.columns = [column];
      add(op);
    }
  }
  if (volatileDefault === undefined && dataType !== undefined && /^(small|big)?serial[248]?$/.test(dataType.name)) volatileDefault = 'nextval';
  const ifNotExists = cmd['missing_ok'] === true;
  const op: AddColumnOp = { statement, origin: 'sql', tableIsNew: false, table, type: 'addColumn', column, notNull, hasDefault, range };
  if (dataType) op.dataType = dataType;
  if (ifNotExists) op.ifNotExists = ifNotExists;
  if (volatileDefault) op.volatileDefault = volatileDefault;
  if (generatedStored) op.generatedStored = true;
  if (primaryKey) op.primaryKey = true;
  add(op);
}

/** Constraints written on a column being added that become constraint operations of their own. */
const INLINE_CONSTRAINTS: Readonly<Record<string, AddConstraintOp['constraint']>> = {
  CONSTR_FOREIGN: 'foreignKey',
  CONSTR_CHECK: 'check',
  CONSTR_UNIQUE: 'unique',
  CONSTR_PRIMARY: 'primaryKey',
};

/** `DO $$ … $$` and `CREATE FUNCTION … LANGUAGE plpgsql`: the SQL statements of the PL/pgSQL body. */
function plpgsqlStatement(cx: ChunkContext, { kind, stmt, s16, e16 }: StatementInfo): void {
  const options = arr(kind === 'DoStmt' ? stmt['args'] : stmt['options']).map((o) => obj(obj(o)?.['DefElem']));
  const langArg = obj(options.find((o) => str(o?.['defname']) === 'language')?.['arg']);
  const language = str(obj(langArg?.['String'])?.['sval']) ?? (kind === 'DoStmt' ? 'plpgsql' : undefined);
  if (language?.toLowerCase() !== 'plpgsql') return;
  const asArg = obj(options.find((o) => str(o?.['defname']) === 'as')?.['arg']);
  const body = str(obj(asArg?.['String'])?.['sval']) ?? stringItems(obj(asArg?.['List'])?.['items'])[0];
  if (body) analyzePlpgsqlBody(cx, cx.chunk.slice(s16, e16), s16, body);
}

/** SQL statements (query text, 1-based line in the body) of a PL/pgSQL parse tree, in order. */
function plpgsqlQueries(node: unknown, out: { query: string; line: number }[], depth = 0): void {
  if (depth > 200 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) plpgsqlQueries(n, out, depth + 1);
    return;
  }
  const o = node as Json;
  const exec = obj(o['PLpgSQL_stmt_execsql']);
  if (exec) {
    const query = str(obj(obj(exec['sqlstmt'])?.['PLpgSQL_expr'])?.['query']);
    if (query !== undefined) out.push({ query, line: num(exec['lineno']) ?? 1 });
    return;
  }
  for (const v of Object.values(o)) plpgsqlQueries(v, out, depth + 1);
}

/**
 * Analyses the SQL statements of a PL/pgSQL body (`DO $$ … $$`, `CREATE FUNCTION … LANGUAGE plpgsql AS $$ … $$`)
 * with libpg-query's PL/pgSQL parser, mapping each statement back into the document: the body is found verbatim in
 * the statement text (dollar-quoted bodies; quoted bodies with escapes are skipped), and each statement in the body
 * from its line. Statements that do not parse as plain SQL are skipped silently (PL/pgSQL has already accepted them).
 * Dynamic `EXECUTE` strings are not analysed.
 */
function analyzePlpgsqlBody(cx: ChunkContext, stmtText: string, stmtStart16: number, body: string): void {
  const bodyIdx = stmtText.indexOf(body);
  if (bodyIdx < 0) return;
  let tree: unknown;
  try {
    tree = libpg().parsePlPgSQLSync(stmtText);
  } catch {
    return;
  }
  const queries: { query: string; line: number }[] = [];
  plpgsqlQueries(obj(tree)?.['plpgsql_funcs'], queries);
  if (queries.length === 0) return;
  const lineStarts = [0];
  for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  let cursor = 0;
  const bodyAbs = cx.base + stmtStart16 + bodyIdx;
  for (const { query, line } of queries) {
    const from = Math.max(cursor, lineStarts[line - 1] ?? cursor);
    let at = body.indexOf(query, from);
    if (at < 0) at = body.indexOf(query, cursor);
    if (at < 0) continue;
    cursor = at + query.length;
    const inner = emptyDocument();
    if (parseChunk(query, bodyAbs + at, inner)) continue;
    for (const op of inner.operations) cx.ops.push({ ...op, inPlpgsqlBody: true });
    cx.statements.push(...inner.statements);
  }
}

interface PgError {
  message: string;
  cursorPosition?: number;
}
function asPgError(e: unknown): PgError {
  const o = obj(e);
  const details = obj(o?.['sqlDetails']);
  const message = str(details?.['message']) ?? (e instanceof Error ? e.message : String(e));
  const cursor = num(details?.['cursorPosition']);
  return cursor !== undefined ? { message, cursorPosition: cursor } : { message };
}

/**
 * Parses one chunk of text (the whole document, or one recovered piece) starting at UTF-16 offset
 * `base` of the document. Returns the parse error instead of throwing.
 */
function parseChunk(chunk: string, base: number, doc: ParsedDocument): PgError | undefined {
  let result: Json;
  try {
    result = libpg().parseSync(chunk) as unknown as Json;
  } catch (e) {
    return asPgError(e);
  }
  const cx: ChunkContext = { chunk, base, toUtf16: byteToUtf16Mapper(chunk), ops: doc.operations, statements: doc.statements, tokensAt: -1, tokens: [] };
  for (const raw of arr(result['stmts'])) {
    const r = obj(raw);
    if (r) handleStatement(cx, r);
  }
  return undefined;
}

/** Converts a libpg-query error in a chunk starting at UTF-16 `base` to an absolute {@link ChunkError}. */
function toChunkError(chunk: string, base: number, err: PgError | undefined): ChunkError | undefined {
  if (!err) return undefined;
  return err.cursorPosition !== undefined ? { message: err.message, offset: base + byteToUtf16Mapper(chunk)(err.cursorPosition) } : { message: err.message };
}

/** Top-level statement pieces (UTF-16 ranges, without `;`), from libpg-query's scanner when it can scan the text. */
function splitPieces(text: string): TextRange[] {
  let tokens: ScanToken[];
  try {
    tokens = libpg().scanSync(text).tokens;
  } catch {
    return splitSqlStatements(text, 'postgresql');
  }
  const toUtf16 = byteToUtf16Mapper(text);
  const pieces: TextRange[] = [];
  let start = 0;
  let meaningful = false;
  for (const t of tokens) {
    if (t.text === ';') {
      if (meaningful) pieces.push({ start, end: toUtf16(t.start) });
      start = toUtf16(t.end);
      meaningful = false;
    } else if (!COMMENT_TOKENS.has(t.tokenName)) meaningful = true;
  }
  if (meaningful) pieces.push({ start, end: text.length });
  return pieces;
}

/**
 * Parses PostgreSQL `original` into operations, statements and syntax errors (all UTF-16 offsets into it).
 * Template placeholders (`{{ .Schema }}`, `${schema}`) are read as identifiers (see `neutralizePlaceholders`).
 * Never throws. Before {@link initPostgresParser} has completed it returns an empty document.
 */
export function parsePostgres(original: string): ParsedDocument {
  const doc = emptyDocument();
  if (!ready) return doc;
  const placeholders = neutralizePlaceholders(original);
  if (placeholders) {
    const parsed = parsePostgresText(placeholders.text);
    restorePlaceholderNames(parsed, placeholders.names);
    return parsed;
  }
  return parsePostgresText(original);
}

/** What one statement piece parsed into; offsets relative to the piece start. Never handed out (copies are). */
interface CachedPiece {
  /** The piece text (a flat copy, also the cache key). */
  text: string;
  operations: Operation[];
  statements: TextRange[];
}

/** Incremental parsing: piece text → result, in two generations (recent, older); `undefined` when switched off. */
let pieceCache: { recent: Map<string, CachedPiece>; older: Map<string, CachedPiece>; limit: number } | undefined;

/**
 * Switches incremental PostgreSQL parsing on (`maxPieces` > 0: remember up to about 2 × `maxPieces` parsed statement
 * pieces, keyed by their text) or off (0). Meant for an editor, which re-analyses a document after each small edit:
 * the text is split at top-level `;` (see `splitSqlStatements`), pieces whose text is unchanged reuse their earlier
 * parse (offsets shifted), only changed pieces are re-parsed. The results are identical to a full parse; whenever
 * a piece fails to parse, or a comment outside the pieces could be unterminated, the whole text is parsed as usual
 * (with its error recovery). Off by default: for text seen once (CLI) one libpg-query call per document is cheaper.
 * Switching it on again while on keeps the remembered pieces (only the limit changes); 0 forgets them.
 */
export function setIncrementalPostgresParsing(maxPieces: number): void {
  if (!(maxPieces > 0)) pieceCache = undefined;
  else if (pieceCache) pieceCache.limit = Math.floor(maxPieces);
  else pieceCache = { recent: new Map(), older: new Map(), limit: Math.floor(maxPieces) };
}

/** A flat copy of `s` (V8 represents `text.slice(…)` of a long text as a view that keeps the whole text alive). */
function copyString(s: string): string {
  return s.length <= 12 ? s : Buffer.from(s, 'utf16le').toString('utf16le');
}

function shiftRange(r: TextRange, by: number): TextRange {
  return { start: r.start + by, end: r.end + by };
}

/** {@link parsePostgresText} from cached pieces; `undefined` when the full parse must decide (see setIncrementalPostgresParsing). */
function parseIncrementally(text: string, cache: NonNullable<typeof pieceCache>): ParsedDocument | undefined {
  const pieces = splitSqlStatements(text, 'postgresql');
  // Between pieces there are only `;`, whitespace and comments; an unterminated `/*` there fails the full parse.
  // (One forward pass over the `/*` occurrences.)
  let slash = text.indexOf('/*');
  let gapStart = 0;
  for (let i = 0; i <= pieces.length && slash >= 0; i++) {
    const gapEnd = i < pieces.length ? pieces[i]!.start : text.length;
    while (slash >= 0 && slash < gapStart) slash = text.indexOf('/*', slash + 1);
    if (slash >= 0 && slash < gapEnd) return undefined;
    if (i < pieces.length) gapStart = pieces[i]!.end;
  }
  const doc = emptyDocument();
  for (const piece of pieces) {
    const pieceText = text.slice(piece.start, piece.end);
    let cached = cache.recent.get(pieceText);
    if (!cached) {
      cached = cache.older.get(pieceText);
      if (!cached) {
        const inner = emptyDocument();
        if (parseChunk(pieceText, 0, inner)) return undefined;
        // A slice of a long string keeps the whole document alive: the cache keeps a flat copy of the text.
        cached = { text: copyString(pieceText), operations: inner.operations, statements: inner.statements };
      }
      if (cache.recent.size >= cache.limit) {
        cache.older = cache.recent;
        cache.recent = new Map();
      }
      cache.recent.set(cached.text, cached);
    }
    const by = piece.start;
    for (const op of cached.operations) doc.operations.push({ ...op, range: shiftRange(op.range, by), statement: shiftRange(op.statement, by) });
    for (const r of cached.statements) doc.statements.push(shiftRange(r, by));
  }
  return doc;
}

/**
 * A text longer than twice this (UTF-16 units) is parsed in chunks of at least this size, each cut after a top-level
 * `;` ({@link chunkEnd}). The result is the same as one parse of the whole text (a statement's locations do not depend
 * on the text before its chunk), but libpg-query's memory stays small: one parse of a 5,000-statement file (250 KB)
 * first touches about 27 MB of fresh WASM pages and builds its whole parse tree at once; chunks of about 4 KB reuse
 * the same few pages and each tree dies young. Measured (2 cores, the first parse in a process): 126 ms -> 80 ms.
 */
let chunkUnits = 4096;

/**
 * TEST-ONLY: parses texts longer than twice `units` in chunks of at least `units` (0: never in chunks) until the
 * returned function is called; the tests compare chunked with whole parses. Never called by the product.
 */
export function setChunkSizeForTesting(units: number): () => void {
  const previous = chunkUnits;
  chunkUnits = units;
  return () => {
    chunkUnits = previous;
  };
}

/** Reads the whole text (`start` 0, parsed in chunks when long) into `doc`; false when some part does not parse. */
function parseWhole(text: string, doc: ParsedDocument): boolean {
  if (!(chunkUnits > 0) || text.length <= 2 * chunkUnits) return parseChunk(text, 0, doc) === undefined;
  for (let start = 0; start < text.length; ) {
    const end = text.length - start > 2 * chunkUnits ? chunkEnd(text, start, start + chunkUnits) : text.length;
    if (parseChunk(text.slice(start, end), start, doc)) {
      // A chunk that does not parse (a syntax error, or a cut inside a body the scan does not know, as BEGIN ATOMIC):
      // the whole text decides, parsed at once as ever.
      doc.operations.length = 0;
      doc.statements.length = 0;
      return parseChunk(text, 0, doc) === undefined;
    }
    start = end;
  }
  return true;
}

/**
 * Where a chunk of `text` that starts at `start` (outside quotes and comments) ends: just after the first `;` at or
 * after `min` that a cheap scan finds outside quotes, dollar quotes and comments, and that has no `--` before it on its
 * line; `text.length` when there is none. The scan may be wrong (it knows no `BEGIN ATOMIC` body, and follows
 * PostgreSQL's lexer only roughly); a wrong cut is harmless: a chunk cut inside a quote, a block comment or a body
 * fails to parse (then the whole text is parsed at once), and the one cut that would parse differently, inside a
 * `--` comment (which runs to the end of its line), is excluded by the line check.
 */
function chunkEnd(text: string, start: number, min: number): number {
  const n = text.length;
  let i = start;
  while (i < n) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (c === 59 /* ; */ && i >= min && !lineCommentBefore(text, i)) return i + 1;
    if (c === 45 /* - */ && next === 45) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === 47 /* / */ && next === 42 /* * */) {
      i = blockCommentEnd(text, i);
    } else if (c === 39 /* ' */ || c === 34 /* " */) {
      i = quoteEnd(text, i);
    } else if (c === 36 /* $ */) {
      i = dollarQuoteEnd(text, i);
    } else i++;
  }
  return n;
}

/** True when `--` comes before UTF-16 offset `at` on its line (`\n` and `\r` end a `--` comment). */
function lineCommentBefore(text: string, at: number): boolean {
  for (let j = at - 1; j > 0; j--) {
    const c = text.charCodeAt(j);
    if (c === 10 || c === 13) return false;
    if (c === 45 && text.charCodeAt(j - 1) === 45) return true;
  }
  return false;
}

/** Just after the (nested) block comment that starts at `at`, or `text.length`. */
function blockCommentEnd(text: string, at: number): number {
  let depth = 0;
  let i = at;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (c === 47 && next === 42) {
      depth++;
      i += 2;
    } else if (c === 42 && next === 47) {
      i += 2;
      if (--depth === 0) return i;
    } else i++;
  }
  return i;
}

/** Just after the quoted string or name that starts at `at` (`''` and `""` inside continue it; `E'…'` has backslash escapes), or `text.length`. */
function quoteEnd(text: string, at: number): number {
  const quote = text.charCodeAt(at);
  const prev = text.charCodeAt(at - 1);
  const backslashes = quote === 39 && (prev === 69 || prev === 101); /* E, e */
  let i = at + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 92 && backslashes) i += 2;
    else if (c !== quote) i++;
    else if (text.charCodeAt(i + 1) === quote) i += 2;
    else return i + 1;
  }
  return text.length;
}

/** Just after the dollar-quoted string (`$$…$$`, `$tag$…$tag$`) that starts at `at`, or `at + 1` when none starts there. */
function dollarQuoteEnd(text: string, at: number): number {
  if (at > 0 && isTagChar(text.charCodeAt(at - 1), true)) return at + 1;
  let j = at + 1;
  if (j < text.length && isTagChar(text.charCodeAt(j), false)) {
    while (j < text.length && isTagChar(text.charCodeAt(j), true)) j++;
  }
  if (text.charCodeAt(j) !== 36) return at + 1;
  const tag = text.slice(at, j + 1);
  const close = text.indexOf(tag, j + 1);
  return close < 0 ? text.length : close + tag.length;
}

/** A letter, `_`, non-ASCII character (PostgreSQL's identifier and dollar-quote tag characters), with `more` also a digit or `$`. */
function isTagChar(c: number, more: boolean): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128 || (more && ((c >= 48 && c <= 57) || c === 36));
}

function parsePostgresText(text: string): ParsedDocument {
  if (pieceCache) {
    const incremental = parseIncrementally(text, pieceCache);
    if (incremental) return incremental;
  }
  const doc = emptyDocument();
  if (parseWhole(text, doc)) return doc;
  // Recovery: parse statement by statement (see recoverStatements).
  doc.operations.length = 0;
  doc.statements.length = 0;
  recoverStatements(
    text,
    splitPieces(text),
    (s, e) => toChunkError(text.slice(s, e), s, parseChunk(text.slice(s, e), s, doc)),
    pieceErrorReporter(text, doc),
  );
  doc.statements.sort((a, b) => a.start - b.start);
  return doc;
}
