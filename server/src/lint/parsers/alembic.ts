/**
 * Alembic revision files (Python) → {@link ParsedDocument}, with `web-tree-sitter` and the
 * `tree-sitter-python` WASM grammar (an error-tolerant parser: half-typed files still yield every call).
 *
 * Phases: calls inside `def upgrade…()` are `up`, inside `def downgrade…()` are `down`; calls elsewhere are
 * ignored. `def upgrade()` / `def downgrade()` are exposed as the migration's `up` / `down` exports, and a
 * `downgrade()` whose body is only `pass`, `...` or a docstring counts as empty (for `missing-down`).
 *
 * Recognised calls on `op` (and on `batch_op` in `with op.batch_alter_table('t') as batch_op:`, where the
 * table argument is omitted):
 * - `op.create_table('t', sa.Column(…), …)` → createTable (so later rules know the table is new);
 * - `op.drop_table('t')` → dropTable; `op.drop_column('t', 'c')` → dropColumn;
 * - `op.alter_column('t', 'c', type_=…, existing_type=…, postgresql_using=…)` → alterColumnType,
 *   `nullable=False` → setNotNull, `nullable=True` → dropNotNull, `new_column_name='n'` → renameColumn;
 * - `op.rename_table('a', 'b')` → renameTable;
 * - `op.add_column('t', sa.Column('c', type, nullable=False, server_default=…))` → addColumn (NOT NULL when
 *   `nullable=False` or `primary_key=True`; a default when `server_default`, `sa.Identity()` or `sa.Computed()`
 *   is given; a Python-side `default=` fills no existing rows and does not count; a volatile function in
 *   `server_default=sa.text('…')` or `sa.func.<name>()` is recorded as `volatileDefault`);
 * - `op.create_foreign_key` / `create_check_constraint` / `create_unique_constraint` / `create_primary_key` →
 *   addConstraint (NOT VALID with `postgresql_not_valid=True`);
 * - `op.create_index('ix', 't', ['c'], unique=…, postgresql_concurrently=True)` → createIndex;
 *   `op.drop_index('ix', table_name='t', postgresql_concurrently=…)` → dropIndex;
 * - `op.execute("SQL")`, `op.execute(sa.text("SQL"))`, `op.execute(text("SQL"))`: the SQL is parsed with the
 *   dialect's SQL parser and every range is mapped back into the Python literal (plain, raw, triple-quoted and
 *   implicitly concatenated strings). f-strings, byte strings and any other expression are reported as
 *   uninspectable. SQLAlchemy `:name` bind parameters are read as identifiers.
 * Calls inside `with op.get_context().autocommit_block():` get {@link OperationBase.outsideTransaction}.
 *
 * Python syntax errors are not reported (the user's Python tooling does that); SQL syntax errors inside
 * `op.execute` strings are. All ranges are UTF-16 offsets (tree-sitter's `startIndex` for a string input).
 * Source: Alembic docs, "Operation Reference" (alembic.op) and "autocommit_block".
 */
import type { Node, Parser, Query } from 'web-tree-sitter';
import { clientFamily } from '../clients';
import { emptyDocument } from '../model';
import type { ColumnType, CreateTableOp, MigrationExport, Operation, OperationBase, ParsedDocument, Phase, TableRef } from '../model';
import type { TextRange } from '../text';
import type { Dialect } from '../types';
import type { DecodedString } from './js-string';
import { mapDecodedRange } from './js-string';
import { VOLATILE_FUNCTIONS } from './sql-postgres';
import { neutralizeOutsideQuotes } from './sql-split';

/** Parses the SQL of one dialect (provided by the caller). */
export type SqlParser = (sql: string) => ParsedDocument;

let parser: Parser | undefined;
/** Compiled queries (run inside the WASM module, so only matching nodes cross into JavaScript). */
let queries: { calls: Query; statements: Query; withItems: Query } | undefined;
let loading: Promise<void> | undefined;

/**
 * Absolute path of `tree-sitter-python.wasm` (from the `tree-sitter-python` package, resolved from this module,
 * which works from the esbuild bundle too since the package stays in `node_modules`). Throws if not installed.
 */
export function pythonWasmPath(): string {
  return require.resolve('tree-sitter-python/tree-sitter-python.wasm');
}

/**
 * Loads web-tree-sitter and the Python grammar once (about 30–50 ms). Safe to call repeatedly and
 * concurrently; rejects if a WASM file cannot be loaded (a later call retries).
 */
export function initPythonParser(): Promise<void> {
  loading ??= (async () => {
    // Required here, not at module load: a project without Alembic revisions never loads web-tree-sitter.
    const { Language, Parser, Query } = await import('web-tree-sitter');
    await Parser.init();
    const language = await Language.load(pythonWasmPath());
    const p = new Parser();
    p.setLanguage(language);
    queries = {
      calls: new Query(language, '(call function: (attribute object: (identifier) @obj attribute: (identifier) @method)) @call'),
      statements: new Query(language, '(module (_) @s) (block (_) @s)'),
      withItems: new Query(language, '(with_statement (with_clause (with_item value: (_) @value)) body: (block) @body)'),
    };
    parser = p;
  })().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

/** True once {@link initPythonParser} has completed; before that, {@link parseAlembic} returns an empty document. */
export function isPythonParserReady(): boolean {
  return parser !== undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Python string literals with a position map

const PY_SIMPLE: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * Decodes one Python string literal node (`string`) into its value with a map back to source offsets.
 * Returns `undefined` for f-strings, byte strings, template strings and unterminated literals (uninspectable), and
 * for escapes it does not decode (`\N{…}`), in which case {@link decodePythonString} maps to the whole literal.
 */
function decodeOne(node: Node, text: string): DecodedString | 'uninspectable' | undefined {
  const first = node.firstChild;
  const last = node.lastChild;
  if (!first || !last || first.type !== 'string_start' || last.type !== 'string_end' || last.isMissing || node.hasError) return 'uninspectable';
  const prefix = first.text.replace(/['"]+$/, '').toLowerCase();
  if (/[fbt]/.test(prefix)) return 'uninspectable';
  const raw = prefix.includes('r');
  const from = first.endIndex;
  const to = last.startIndex;
  let value = '';
  const starts: number[] = [];
  const ends: number[] = [];
  const emit = (s: string, a: number, b: number): void => {
    for (let k = 0; k < s.length; k++) {
      starts.push(a);
      ends.push(b);
    }
    value += s;
  };
  let i = from;
  while (i < to) {
    const c = text[i]!;
    if (c === '\r') {
      const len = text[i + 1] === '\n' ? 2 : 1;
      emit('\n', i, i + len);
      i += len;
      continue;
    }
    if (c !== '\\' || i + 1 >= to) {
      emit(c, i, i + 1);
      i++;
      continue;
    }
    const e = text[i + 1]!;
    if (raw) {
      // Raw strings keep the backslash; it only stops the next quote from closing the literal.
      emit(c, i, i + 1);
      i++;
      continue;
    }
    if (e === '\n' || e === '\r') {
      i += e === '\r' && text[i + 2] === '\n' ? 3 : 2; // line continuation
      continue;
    }
    const simple = PY_SIMPLE[e];
    if (simple !== undefined) {
      emit(simple, i, i + 2);
      i += 2;
      continue;
    }
    const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1, Math.min(to, i + 4)));
    if (oct) {
      emit(String.fromCharCode(parseInt(oct[0], 8)), i, i + 1 + oct[0].length);
      i += 1 + oct[0].length;
      continue;
    }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen) {
      const hex = text.slice(i + 2, i + 2 + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(hex) || parseInt(hex, 16) > 0x10ffff) return undefined;
      emit(String.fromCodePoint(parseInt(hex, 16)), i, i + 2 + hexLen);
      i += 2 + hexLen;
      continue;
    }
    if (e === 'N') return undefined;
    // Unknown escapes keep the backslash.
    emit(c, i, i + 1);
    i++;
  }
  return { value, starts, ends, contentEnd: to };
}

/**
 * Decodes a Python string expression (`string` or implicitly `concatenated_string`) with a position map.
 * `undefined` when it cannot be inspected (f-string, bytes, unterminated); for undecodable escapes every
 * character maps to the whole literal.
 */
export function decodePythonString(node: Node, text: string): DecodedString | undefined {
  const parts = node.type === 'concatenated_string' ? node.namedChildren.filter((c) => c.type === 'string') : node.type === 'string' ? [node] : [];
  if (parts.length === 0) return undefined;
  const out: DecodedString = { value: '', starts: [], ends: [], contentEnd: node.endIndex };
  for (const part of parts) {
    const d = decodeOne(part, text);
    if (d === 'uninspectable') return undefined;
    if (!d) {
      // Fallback for this part: decode nothing precisely, map the whole literal.
      const inner = text.slice(part.firstChild?.endIndex ?? part.startIndex, part.lastChild?.startIndex ?? part.endIndex);
      out.value += inner;
      for (let k = 0; k < inner.length; k++) {
        out.starts.push(part.startIndex);
        out.ends.push(part.endIndex);
      }
      out.contentEnd = part.endIndex;
      continue;
    }
    out.value += d.value;
    out.starts.push(...d.starts);
    out.ends.push(...d.ends);
    out.contentEnd = d.contentEnd;
  }
  return out;
}

/** Replaces SQLAlchemy `:name` bind parameters (outside quotes, not `::` casts) and `\:` with same-length SQL. */
function neutralizeBinds(sql: string): string {
  return neutralizeOutsideQuotes(sql, (s, i) => {
    if (s[i] === '\\' && s[i + 1] === ':') return { text: ' :', consumed: 2 };
    if (s[i] === ':' && s[i - 1] !== ':' && s[i + 1] !== ':' && /[A-Za-z_]/.test(s[i + 1] ?? '')) return { text: '_', consumed: 1 };
    return undefined;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// SQLAlchemy types

const SA_TYPES: Record<string, string> = {
  string: 'varchar',
  unicode: 'varchar',
  varchar: 'varchar',
  nvarchar: 'varchar',
  char: 'bpchar',
  text: 'text',
  unicodetext: 'text',
  integer: 'int4',
  int: 'int4',
  biginteger: 'int8',
  bigint: 'int8',
  smallinteger: 'int2',
  smallint: 'int2',
  boolean: 'bool',
  float: 'float8',
  double: 'float8',
  double_precision: 'float8',
  real: 'real',
  numeric: 'numeric',
  decimal: 'numeric',
  date: 'date',
  time: 'time',
  interval: 'interval',
  json: 'json',
  jsonb: 'jsonb',
  uuid: 'uuid',
  largebinary: 'bytea',
  bytea: 'bytea',
  enum: 'text',
  array: 'array',
};

/** Last identifier of `sa.String`, `postgresql.JSONB`, `String`. */
function calleeName(n: Node | null): string | undefined {
  if (!n) return undefined;
  if (n.type === 'identifier') return n.text;
  if (n.type === 'attribute') return n.childForFieldName('attribute')?.text;
  return undefined;
}

/** Positional and keyword arguments of a call. */
interface Args {
  positional: Node[];
  keywords: Map<string, Node>;
  /** A `*args` / `**kwargs` argument was passed (its contents are not known). */
  splat?: boolean;
}
function argsOf(call: Node): Args {
  const positional: Node[] = [];
  const keywords = new Map<string, Node>();
  const list = call.childForFieldName('arguments');
  let splat = false;
  for (const a of list?.namedChildren ?? []) {
    if (a.type === 'list_splat' || a.type === 'dictionary_splat') splat = true;
    if (a.type === 'keyword_argument') {
      const name = a.childForFieldName('name')?.text;
      const value = a.childForFieldName('value');
      if (name && value) keywords.set(name, value);
    } else if (a.type !== 'comment' && a.type !== 'list_splat' && a.type !== 'dictionary_splat') positional.push(a);
  }
  return splat ? { positional, keywords, splat } : { positional, keywords };
}

function unparen(n: Node | undefined): Node | undefined {
  let cur = n;
  while (cur?.type === 'parenthesized_expression') cur = cur.namedChildren.find((c) => c.type !== 'comment') ?? undefined;
  return cur;
}

/** A SQLAlchemy type expression (`sa.String(50)`, `sa.Text()`, `sa.Text`, `postgresql.JSONB`) → {@link ColumnType}. */
export function sqlalchemyType(node: Node | undefined): ColumnType | undefined {
  const n = unparen(node);
  if (!n) return undefined;
  const isCall = n.type === 'call';
  const name = calleeName(isCall ? n.childForFieldName('function') : n);
  if (!name) return undefined;
  const lower = name.toLowerCase();
  const args = isCall ? argsOf(n) : { positional: [], keywords: new Map<string, Node>() };
  const nums = args.positional.filter((a) => a.type === 'integer').map((a) => Number(a.text));
  const length = args.keywords.get('length');
  if (length?.type === 'integer') nums.unshift(Number(length.text));
  if (lower === 'datetime' || lower === 'timestamp') {
    const tz = args.keywords.get('timezone');
    return { name: tz?.type === 'true' ? 'timestamptz' : 'timestamp', args: [] };
  }
  const canonical = (Object.hasOwn(SA_TYPES, lower) ? SA_TYPES[lower] : undefined) ?? lower;
  const keepArgs = canonical === 'varchar' || canonical === 'bpchar' || canonical === 'numeric';
  return { name: canonical, args: keepArgs ? nums : [] };
}

// ---------------------------------------------------------------------------------------------------------------
// The parser

/** Literal string value of a node (plain strings only), else `undefined`. */
function stringValue(node: Node | undefined, text: string): string | undefined {
  const n = unparen(node);
  if (!n || (n.type !== 'string' && n.type !== 'concatenated_string')) return undefined;
  return decodePythonString(n, text)?.value;
}

/** `op.f('ix_name')` or a plain string → the name. */
function nameValue(node: Node | undefined, text: string): string | undefined {
  const n = unparen(node);
  if (n?.type === 'call' && calleeName(n.childForFieldName('function')) === 'f') return stringValue(argsOf(n).positional[0], text);
  return stringValue(n, text);
}

/** A list or tuple of plain strings (`['a', 'b']`), else `undefined` (a column expression, a variable, …). */
function stringList(node: Node | undefined, text: string): string[] | undefined {
  const n = unparen(node);
  if (!n || (n.type !== 'list' && n.type !== 'tuple')) return undefined;
  const out: string[] = [];
  for (const e of n.namedChildren) {
    if (e?.type === 'comment') continue;
    const v = stringValue(e ?? undefined, text);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

function isTrue(n: Node | undefined): boolean {
  return unparen(n)?.type === 'true';
}
function isFalse(n: Node | undefined): boolean {
  return unparen(n)?.type === 'false';
}
function isNone(n: Node | undefined): boolean {
  return !n || unparen(n)?.type === 'none';
}

/** A function body that only passes: `pass`, `...`, docstrings and comments. */
function isEmptyBody(body: Node | null): boolean {
  if (!body) return true;
  return body.namedChildren.every((s) => {
    if (s.type === 'comment' || s.type === 'pass_statement') return true;
    if (s.type === 'expression_statement') {
      const e = s.namedChildren[0];
      return !!e && (e.type === 'string' || e.type === 'ellipsis' || e.type === 'concatenated_string');
    }
    return false;
  });
}

interface Scope {
  phase: Phase;
  outsideTransaction: boolean;
}

/** A `with` body that matters: `autocommit_block()`, or `batch_alter_table('t') as alias`. */
interface WithContext {
  start: number;
  end: number;
  autocommit: boolean;
  alias?: string;
  table?: TableRef;
}

/**
 * Parses an Alembic revision file. `parseSql` analyses SQL found in `op.execute(...)`.
 * Never throws on any input; returns an empty document until {@link initPythonParser} has completed.
 */
export function parseAlembic(text: string, parseSql: SqlParser, dialect: Dialect = 'postgresql'): ParsedDocument {
  const doc = emptyDocument();
  if (!parser || !queries) return doc;
  const q = queries;
  const tree = parser.parse(text);
  if (!tree) return doc;
  try {
    walkModule(tree.rootNode, text, parseSql, doc, q, dialect);
  } finally {
    tree.delete();
  }
  doc.statements.sort((a, b) => a.start - b.start || b.end - a.end);
  return doc;
}

/**
 * Reads a parsed revision into `doc`: the `upgrade*`/`downgrade*` functions (phases and the migration's exports),
 * the statements, the `with` blocks that matter, then every `op.*` (or batch alias) call inside a phase.
 */
function walkModule(root: Node, text: string, parseSql: SqlParser, doc: ParsedDocument, q: NonNullable<typeof queries>, dialect: Dialect): void {
  const { phases, migration } = phaseFunctions(root);
  const otherDatabase = otherDialectBranches(root, text, dialect);

  // Statements (children of the module or of a block), sorted by start, for suppression comments.
  const statements: TextRange[] = [];
  for (const c of q.statements.captures(root)) if (c.node.type !== 'comment') statements.push(rangeOf(c.node));
  statements.sort((a, b) => a.start - b.start || b.end - a.end);
  doc.statements.push(...statements);

  const withs = withContexts(root, q, text);
  const reader = new AlembicReader(text, parseSql, doc);
  // Calls on `op` (or a batch alias) inside upgrade()/downgrade(), in document order; calls nested in the
  // arguments of an op call (`op.f('ix')`) are part of it.
  let handledEnd = -1;
  for (const { call, obj, method } of opCalls(root, q)) {
    const start = call.startIndex;
    const end = call.endIndex;
    if (start < handledEnd) continue;
    if (otherDatabase.some((r) => start >= r.start && end <= r.end)) continue;
    const phase = phases.find((p) => start >= p.start && end <= p.end)?.phase;
    if (!phase) continue;
    const receiver = obj.text;
    let batchTable: TableRef | undefined;
    if (receiver !== 'op') {
      let best: WithContext | undefined;
      for (const w of withs) if (w.alias === receiver && start >= w.start && end <= w.end && (!best || w.start > best.start)) best = w;
      if (!best?.table) continue;
      batchTable = best.table;
    }
    const outsideTransaction = withs.some((w) => w.autocommit && start >= w.start && end <= w.end);
    reader.handleCall(call, method.text, batchTable, { phase, outsideTransaction }, innermostStatement(statements, start, end));
    handledEnd = end;
  }
  // A revision whose upgrade() does nothing (a merge revision, an empty base) needs no downgrade either.
  if (migration.up?.empty && migration.down?.empty) migration.down.empty = false;
  if (migration.up || migration.down) doc.migration = migration;
}

/**
 * Branches for another database: the bodies of `if` / `elif` / `else` whose condition compares the dialect name
 * (`op.get_bind().dialect.name == 'mysql'`, `context.get_context().dialect.name in ('mysql', 'mariadb')`,
 * `bind.engine.name != 'postgresql'`) and is false under `dialect` (Alembic's dialect names; lint/clients.ts).
 */
function otherDialectBranches(root: Node, text: string, dialect: Dialect): TextRange[] {
  const dead: TextRange[] = [];
  for (const ifNode of root.descendantsOfType('if_statement')) {
    if (!ifNode) continue;
    let anyTrue = false;
    const clauses: { cond: Node | null; body: Node | null }[] = [{ cond: ifNode.childForFieldName('condition'), body: ifNode.childForFieldName('consequence') }];
    for (const alt of ifNode.childrenForFieldName('alternative')) {
      if (alt) clauses.push(alt.type === 'elif_clause' ? { cond: alt.childForFieldName('condition'), body: alt.childForFieldName('consequence') } : { cond: null, body: alt.childForFieldName('body') });
    }
    for (const { cond, body } of clauses) {
      const truth = cond ? dialectCondition(cond, text, dialect) : undefined;
      // After a branch that is certainly taken, the later ones are dead too.
      if (body && (anyTrue || truth === false)) dead.push(rangeOf(body));
      if (truth === true) anyTrue = true;
    }
  }
  return dead;
}

/** A Python condition about the dialect name under `dialect`: true, false, or undefined (unknown). */
function dialectCondition(n: Node, text: string, dialect: Dialect, depth = 0): boolean | undefined {
  const c = unparen(n);
  if (!c || depth > 20) return undefined;
  if (c.type === 'not_operator') {
    const v = c.childForFieldName('argument') ? dialectCondition(c.childForFieldName('argument')!, text, dialect, depth + 1) : undefined;
    return v === undefined ? undefined : !v;
  }
  if (c.type === 'boolean_operator') {
    const a = c.childForFieldName('left') ? dialectCondition(c.childForFieldName('left')!, text, dialect, depth + 1) : undefined;
    const b = c.childForFieldName('right') ? dialectCondition(c.childForFieldName('right')!, text, dialect, depth + 1) : undefined;
    if (c.childForFieldName('operator')?.text === 'and') return a === false || b === false ? false : a && b ? true : undefined;
    return a === true || b === true ? true : a === false && b === false ? false : undefined;
  }
  if (c.type !== 'comparison_operator' || c.namedChildCount !== 2) return undefined;
  const [left, right] = [c.namedChild(0), c.namedChild(1)];
  const op = c.children.filter((k) => k && !k.isNamed).map((k) => k!.text).join(' ');
  if (!left || !right || !/(dialect\.name|engine\.name|bind\.name|dialect_name)$/.test(left.text)) return undefined;
  const names = right.type === 'tuple' || right.type === 'list' || right.type === 'set' ? right.namedChildren.map((e) => stringValue(e ?? undefined, text)) : [stringValue(right, text)];
  if (names.length === 0 || names.some((x) => x === undefined)) return undefined;
  const matches = names.some((x) => clientFamily(x!) === dialect);
  if (op === '==' || op === 'in') return matches;
  if (op === '!=' || op === 'not in') return !matches;
  return undefined;
}

/** The range of a tree-sitter node (UTF-16 offsets for a string input). */
function rangeOf(n: Node): TextRange {
  return { start: n.startIndex, end: n.endIndex };
}

/** A table name with the schema of `schemaNode` when it is a non-empty string; undefined without a name. */
function tableRef(name: string | undefined, schemaNode: Node | undefined, text: string): TableRef | undefined {
  if (name === undefined) return undefined;
  const schema = stringValue(schemaNode, text);
  return schema ? { table: name, schema } : { table: name };
}

/**
 * `upgrade*`/`downgrade*` functions at module level (also decorated): their ranges give each call its phase;
 * the first `def upgrade()` / `def downgrade()` are the migration's `up` / `down` (empty when the body only passes).
 */
function phaseFunctions(root: Node): { phases: { start: number; end: number; phase: Phase }[]; migration: { up?: MigrationExport; down?: MigrationExport } } {
  const phases: { start: number; end: number; phase: Phase }[] = [];
  const migration: { up?: MigrationExport; down?: MigrationExport } = {};
  for (const top of root.namedChildren) {
    const def = top.type === 'decorated_definition' ? top.childForFieldName('definition') : top;
    if (def?.type !== 'function_definition') continue;
    const nameNode = def.childForFieldName('name');
    const name = nameNode?.text ?? '';
    const phase: Phase | undefined = /^upgrade(_\w+)?$/.test(name) ? 'up' : /^downgrade(_\w+)?$/.test(name) ? 'down' : undefined;
    if (!phase || !nameNode) continue;
    phases.push({ start: def.startIndex, end: def.endIndex, phase });
    if ((name === 'upgrade' || name === 'downgrade') && !migration[phase]) migration[phase] = { nameRange: rangeOf(nameNode), empty: isEmptyBody(def.childForFieldName('body')) };
  }
  return { phases, migration };
}

/** The innermost of `statements` (sorted by start, then longest first) containing `[start, end)`; else that range. */
function innermostStatement(statements: readonly TextRange[], start: number, end: number): TextRange {
  let lo = 0;
  let hi = statements.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (statements[mid]!.start <= start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0; i--) {
    const st = statements[i]!;
    if (st.end >= end) return st;
  }
  return { start, end };
}

/** `with` bodies that matter: `op.get_context().autocommit_block()` and `op.batch_alter_table('t') as alias`. */
function withContexts(root: Node, q: NonNullable<typeof queries>, text: string): WithContext[] {
  const withs: WithContext[] = [];
  for (const m of q.withItems.matches(root)) {
    const value = m.captures.find((c) => c.name === 'value')?.node;
    const body = m.captures.find((c) => c.name === 'body')?.node;
    if (!value || !body) continue;
    const call = value.type === 'as_pattern' ? value.namedChildren[0] : value;
    if (call?.type !== 'call') continue;
    const fn = call.childForFieldName('function');
    const method = calleeName(fn);
    if (method === 'autocommit_block') withs.push({ start: body.startIndex, end: body.endIndex, autocommit: true });
    if (method === 'batch_alter_table' && fn?.type === 'attribute' && fn.childForFieldName('object')?.text === 'op') {
      const a = argsOf(call);
      const t = tableRef(stringValue(a.positional[0] ?? a.keywords.get('table_name'), text), a.keywords.get('schema'), text);
      const alias = value.type === 'as_pattern' ? (value.childForFieldName('alias') ?? value.namedChildren[1]) : undefined;
      const aliasName = alias?.type === 'as_pattern_target' ? alias.namedChildren[0]?.text : alias?.text;
      if (t && aliasName) withs.push({ start: body.startIndex, end: body.endIndex, autocommit: false, alias: aliasName, table: t });
    }
  }
  return withs;
}

/** Every `<identifier>.<identifier>(…)` call of the module (call, receiver, method), in document order. */
function opCalls(root: Node, q: NonNullable<typeof queries>): { call: Node; obj: Node; method: Node }[] {
  return q.calls
    .matches(root)
    .map((m) => ({ call: m.captures.find((c) => c.name === 'call')?.node, obj: m.captures.find((c) => c.name === 'obj')?.node, method: m.captures.find((c) => c.name === 'method')?.node }))
    .filter((c): c is { call: Node; obj: Node; method: Node } => !!(c.call && c.obj && c.method))
    .sort((a, b) => a.call.startIndex - b.call.startIndex);
}

/** A volatile function called by a `server_default`: `sa.text('gen_random_uuid()')`, `sa.func.random()`. */
function volatileIn(n: Node, text: string): string | undefined {
  const v = unparen(n);
  if (v?.type !== 'call') return undefined;
  const fn = v.childForFieldName('function');
  const callee = calleeName(fn);
  if (callee === 'text') {
    const sql = stringValue(argsOf(v).positional[0], text)?.toLowerCase() ?? '';
    for (const m of sql.matchAll(/([a-z_][a-z0-9_]*)\s*\(/g)) if (VOLATILE_FUNCTIONS.has(m[1]!)) return m[1];
    return undefined;
  }
  // sa.func.<name>(…)
  if (fn?.type === 'attribute' && callee && calleeName(fn.childForFieldName('object')) === 'func' && VOLATILE_FUNCTIONS.has(callee.toLowerCase())) return callee.toLowerCase();
  return undefined;
}

/** A column read from `sa.Column(…)`. */
interface ColumnInfo {
  name: string;
  dataType?: ColumnType;
  notNull: boolean;
  hasDefault: boolean;
  volatileDefault?: string;
  primaryKey: boolean;
  /** The `sa.Column(…)` call. */
  range: TextRange;
}

/**
 * The type SQLAlchemy emits on PostgreSQL for an integer primary key column: SERIAL / BIGSERIAL / SMALLSERIAL when
 * it is the table's autoincrement column (no `sa.Identity()`, no `ForeignKey`, `autoincrement` not False).
 * Only for a single-column primary key. Source: SQLAlchemy docs, "PostgreSQL dialect — Sequences/SERIAL/IDENTITY",
 * "Column.autoincrement".
 */
function serialFor(dataType: ColumnType | undefined, extra: (string | undefined)[], autoincrement: Node | undefined): ColumnType | undefined {
  const serial = dataType && ({ int4: 'serial', int8: 'bigserial', int2: 'smallserial' } as Record<string, string>)[dataType.name];
  if (!serial || isFalse(autoincrement) || extra.includes('Identity') || extra.includes('ForeignKey')) return dataType;
  return { name: serial, args: [] };
}

/** A `sa.Column('c', type, …)` call → name, type, NOT NULL, default (and a volatile default). */
function columnOf(n: Node | undefined, text: string): ColumnInfo | undefined {
  const c = unparen(n);
  if (c?.type !== 'call' || calleeName(c.childForFieldName('function')) !== 'Column') return undefined;
  const a = argsOf(c);
  const name = stringValue(a.positional[0], text);
  if (name === undefined) return undefined;
  const typeNode = a.positional.slice(1).find((p) => {
    const callee = calleeName(p.type === 'call' ? p.childForFieldName('function') : p);
    return !!callee && !['ForeignKey', 'Identity', 'Computed', 'Sequence'].includes(callee);
  });
  const extra = a.positional.slice(1).map((p) => calleeName(p.type === 'call' ? p.childForFieldName('function') : p));
  const dataType = sqlalchemyType(typeNode ?? a.keywords.get('type_'));
  const notNull = isFalse(a.keywords.get('nullable')) || isTrue(a.keywords.get('primary_key'));
  const serverDefault = a.keywords.get('server_default');
  const hasDefault = !isNone(serverDefault) || extra.includes('Identity') || extra.includes('Computed') || isTrue(a.keywords.get('autoincrement'));
  const volatileDefault = serverDefault ? volatileIn(serverDefault, text) : undefined;
  const primaryKey = isTrue(a.keywords.get('primary_key'));
  return { name, ...(dataType ? { dataType } : {}), notNull, hasDefault, ...(volatileDefault ? { volatileDefault } : {}), primaryKey, range: rangeOf(c) };
}

/** One `op.<method>(…)` call being read: its arguments, seen as written with the table first. */
interface OpCall {
  method: string;
  args: Args;
  /** The table of `with op.batch_alter_table('t') as batch_op:` for `batch_op.<method>(…)` (its calls omit it). */
  batchTable: TableRef | undefined;
  /** Positional argument `i` counting the table (in batch mode positions shift by one). */
  pos(i: number): Node | undefined;
  kw(k: string): Node | undefined;
  /** The fields every operation of this call shares, for the table `t`. */
  base(t: TableRef): OperationBase & TableRef;
}

/** Reads `op.*` calls of one revision into {@link doc}; SQL in `op.execute` goes to the dialect's parser. */
class AlembicReader {
  constructor(
    private readonly text: string,
    private readonly parseSql: SqlParser,
    private readonly doc: ParsedDocument,
  ) {}

  /** One `op.<method>(…)` (or batch alias) call in `scope`, inside the statement `statement`. */
  handleCall(call: Node, method: string, batchTable: TableRef | undefined, scope: Scope, statement: TextRange): void {
    const a = argsOf(call);
    const range = rangeOf(call);
    const c: OpCall = {
      method,
      args: a,
      batchTable,
      // In batch mode the table argument is implied: shift positions by one.
      pos: (i) => (batchTable ? a.positional[i - 1] : a.positional[i]),
      kw: (k) => a.keywords.get(k),
      base: (t) => ({ ...t, range, statement, phase: scope.phase, origin: 'alembic', tableIsNew: false, ...(scope.outsideTransaction ? { outsideTransaction: true } : {}) }),
    };
    if (method === 'execute') this.analyzeExecute(a.positional[0] ?? c.kw('sqltext'), scope);
    else this.doc.operations.push(...this.operationsOf(c));
  }

  /** The operations of a schema call (none for a call it does not know or cannot read). */
  private operationsOf(c: OpCall): Operation[] {
    const { text } = this;
    const { args: a, batchTable, pos, kw, base } = c;
    const ref = batchTable ?? tableRef(stringValue(pos(0) ?? kw('table_name'), text), kw('schema'), text);
    switch (c.method) {
      case 'create_table':
        return batchTable ? [] : createTableOps(c, text);
      case 'drop_table':
        return !batchTable && ref ? [{ ...base(ref), type: 'dropTable' }] : [];
      case 'rename_table': {
        const newName = stringValue(a.positional[1] ?? kw('new_table_name'), text);
        const t = tableRef(stringValue(a.positional[0] ?? kw('old_table_name'), text), kw('schema'), text);
        return !batchTable && t && newName !== undefined ? [{ ...base(t), type: 'renameTable', newName }] : [];
      }
      case 'drop_column': {
        const col = stringValue(pos(1) ?? kw('column_name'), text);
        return ref && col !== undefined ? [{ ...base(ref), type: 'dropColumn', column: col }] : [];
      }
      case 'add_column': {
        const col = columnOf(pos(1) ?? kw('column'), text);
        if (!ref || !col) return [];
        return [{ ...base(ref), type: 'addColumn', column: col.name, notNull: col.notNull, hasDefault: col.hasDefault, ...(col.dataType ? { dataType: col.dataType } : {}), ...(col.volatileDefault ? { volatileDefault: col.volatileDefault } : {}) }];
      }
      case 'alter_column':
        return ref ? alterColumnOps(c, ref, text) : [];
      case 'create_index': {
        const index = nameValue(a.positional[0] ?? kw('index_name'), text);
        const t = batchTable ?? tableRef(stringValue(a.positional[1] ?? kw('table_name'), text), kw('schema'), text);
        // A partial (postgresql_where) or non-B-tree (postgresql_using) index serves no lookup on all rows.
        const using = stringValue(kw('postgresql_using'), text);
        const lookups = isNone(kw('postgresql_where')) && (using === undefined ? isNone(kw('postgresql_using')) : using.toLowerCase() === 'btree');
        const columns = lookups ? stringList(pos(2) ?? kw('columns'), text) : [];
        return t ? [{ ...base(t), type: 'createIndex', ...(index !== undefined ? { index } : {}), concurrently: isTrue(kw('postgresql_concurrently')), unique: isTrue(kw('unique')), ...(columns ? { columns } : {}) }] : [];
      }
      case 'create_foreign_key':
      case 'create_check_constraint':
      case 'create_unique_constraint':
      case 'create_primary_key':
        return createConstraintOps(c, text);
      case 'drop_index': {
        const index = nameValue(a.positional[0] ?? kw('index_name'), text);
        if (index === undefined) return [];
        const t = batchTable ?? tableRef(stringValue(a.positional[1] ?? kw('table_name'), text), kw('schema'), text) ?? { table: '' };
        return [{ ...base(t), type: 'dropIndex', index, concurrently: isTrue(kw('postgresql_concurrently')) }];
      }
      default:
        return [];
    }
  }

  /**
   * `op.execute(sql)`: the SQL of a string, `sa.text(…)` (also with `.bindparams(…)`/`.execution_options(…)`),
   * parsed with the dialect's parser and mapped back into the literal; any other argument is uninspectable.
   */
  private analyzeExecute(arg: Node | undefined, scope: Scope): void {
    const { doc, text } = this;
    let n = unparen(arg);
    if (!n) return;
    // sa.text("…").bindparams(…) / .execution_options(…): the SQL is the text() argument.
    while (n?.type === 'call' && ['bindparams', 'execution_options', 'columns'].includes(calleeName(n.childForFieldName('function')) ?? '')) {
      const fn = n.childForFieldName('function');
      n = fn?.type === 'attribute' ? (unparen(fn.childForFieldName('object') ?? undefined) ?? undefined) : undefined;
    }
    if (n?.type === 'call' && calleeName(n.childForFieldName('function')) === 'text') n = unparen(argsOf(n).positional[0]);
    if (!n) return;
    const decoded = n.type === 'string' || n.type === 'concatenated_string' ? decodePythonString(n, text) : undefined;
    if (!decoded) {
      doc.uninspectable.push(rangeOf(n));
      return;
    }
    const inner = this.parseSql(neutralizeBinds(decoded.value));
    const map = (r: TextRange): TextRange => mapDecodedRange(decoded, r);
    for (const op of inner.operations) {
      doc.operations.push({ ...op, range: map(op.range), statement: map(op.statement), origin: 'alembic-sql', phase: scope.phase, ...(scope.outsideTransaction ? { outsideTransaction: true } : {}) });
    }
    for (const s of inner.statements) doc.statements.push(map(s));
    for (const e of inner.syntaxErrors) doc.syntaxErrors.push({ ...e, range: map(e.range) });
    for (const u of inner.uninspectable) doc.uninspectable.push(map(u));
  }
}

/** `op.create_table('t', sa.Column(…), …)`: the table with its columns' types and NOT NULL (`nullable=False`, `primary_key=True`). */
function createTableOps(c: OpCall, text: string): Operation[] {
  const t = tableRef(stringValue(c.args.positional[0] ?? c.kw('table_name'), text), c.kw('schema'), text);
  if (!t) return [];
  const cols = c.args.positional
    .slice(1)
    .map((p) => ({ p, col: columnOf(p, text) }))
    .filter((x): x is { p: Node; col: ColumnInfo } => !!x.col);
  const columns = cols.map(({ col }) => ({ name: col.name, ...(col.dataType ? { dataType: col.dataType } : {}), ...(col.notNull ? { notNull: true } : {}) }));
  const pkCount = cols.filter(({ col }) => col.primaryKey).length;
  const definitions: Operation[] = cols.map(({ p, col }) => {
    const a = argsOf(p);
    const extra = a.positional.slice(1).map((x) => calleeName(x.type === 'call' ? x.childForFieldName('function') : x));
    // A composite primary key gets no SERIAL.
    const dataType = col.primaryKey && pkCount === 1 ? serialFor(col.dataType, extra, a.keywords.get('autoincrement')) : col.dataType;
    return { ...c.base(t), type: 'columnDefinition', column: col.name, ...(dataType ? { dataType } : {}), primaryKey: col.primaryKey, range: col.range };
  });
  // A primary key: a column's primary_key=True or sa.PrimaryKeyConstraint(…); unknown when a positional argument is
  // neither a Column nor a constraint call (a variable, `*columns`): it may hold one.
  const others = c.args.positional.slice(1).filter((p) => !cols.some((x) => x.p === p));
  const otherNames = others.map((p) => (p.type === 'call' ? calleeName(p.childForFieldName('function')) : undefined));
  const primaryKey = pkCount > 0 || otherNames.includes('PrimaryKeyConstraint') ? true : c.args.splat ? undefined : otherNames.every((n) => n !== undefined && (n.endsWith('Constraint') || n === 'Index')) ? false : undefined;
  const op: CreateTableOp = { ...c.base(t), type: 'createTable', columns };
  if (primaryKey !== undefined) op.primaryKey = primaryKey;
  return [op, ...definitions];
}

/** `op.alter_column('t', 'c', type_=…, existing_type=…, postgresql_using=…, nullable=…, new_column_name=…)`. */
function alterColumnOps(c: OpCall, ref: TableRef, text: string): Operation[] {
  const { kw, base } = c;
  const col = stringValue(c.pos(1) ?? kw('column_name'), text);
  if (col === undefined) return [];
  const ops: Operation[] = [];
  const typeArg = kw('type_');
  if (typeArg && !isNone(typeArg)) {
    const newType = sqlalchemyType(typeArg);
    const previousType = sqlalchemyType(kw('existing_type'));
    ops.push({
      ...base(ref),
      type: 'alterColumnType',
      column: col,
      ...(newType ? { newType } : {}),
      hasUsing: !isNone(kw('postgresql_using')),
      ...(previousType ? { previousType } : {}),
    });
  }
  const nullable = kw('nullable');
  if (isFalse(nullable)) ops.push({ ...base(ref), type: 'setNotNull', column: col });
  else if (isTrue(nullable)) ops.push({ ...base(ref), type: 'dropNotNull', column: col });
  const newName = stringValue(kw('new_column_name'), text);
  if (newName !== undefined) ops.push({ ...base(ref), type: 'renameColumn', column: col, newName });
  return ops;
}

/** `op.create_foreign_key` / `create_check_constraint` / `create_unique_constraint` / `create_primary_key`. */
function createConstraintOps(c: OpCall, text: string): Operation[] {
  const { method, args: a, batchTable, kw } = c;
  // op.create_foreign_key(name, source_table, referent_table, …); the others: (name, table, …).
  // Batch mode omits the table: create_foreign_key(name, referent_table, …), create_check_constraint(name, condition).
  const name = nameValue(a.positional[0] ?? kw('constraint_name'), text);
  const tableNode = batchTable ? undefined : (a.positional[1] ?? kw(method === 'create_foreign_key' ? 'source_table' : 'table_name'));
  const t = batchTable ?? tableRef(stringValue(tableNode, text), kw(method === 'create_foreign_key' ? 'source_schema' : 'schema'), text);
  if (!t) return [];
  const constraint = method === 'create_foreign_key' ? 'foreignKey' : method === 'create_check_constraint' ? 'check' : method === 'create_unique_constraint' ? 'unique' : 'primaryKey';
  // Columns: create_foreign_key(name, source, referent, local_cols, …) (batch: (name, referent, local_cols, …));
  // create_unique_constraint / create_primary_key(name, table, columns) (batch: (name, columns)).
  const fk = method === 'create_foreign_key';
  const colsAt = (fk ? 3 : 2) - (batchTable ? 1 : 0);
  const columns = constraint === 'check' ? undefined : stringList(a.positional[colsAt] ?? kw(fk ? 'local_cols' : 'columns'), text);
  return [{ ...c.base(t), type: 'addConstraint', constraint, ...(name !== undefined ? { name } : {}), notValid: isTrue(kw('postgresql_not_valid')), usingIndex: false, ...(columns ? { columns } : {}) }];
}
