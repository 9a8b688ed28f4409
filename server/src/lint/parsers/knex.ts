/**
 * Knex migration modules (JavaScript / TypeScript) → {@link ParsedDocument}, with the TypeScript
 * compiler API (`ts.createSourceFile`, which yields a tree even for half-typed files).
 *
 * Recognised exports: `exports.up = …`, `module.exports.up = …`, `module.exports = { up, down }`,
 * `export default { up, down }`, `export [async] function up(…)`, `export const up = …`, `export { up }`,
 * where the value is a function, arrow, method, or the name of a top-level function/const.
 *
 * Inside `up`/`down`, the receiver is the first parameter's name (`knex`, `db`, `trx`, …; `knex` when there
 * is none) plus the parameter of any `<receiver>.transaction(cb)` callback. Recognised calls:
 * `<r>.schema[.withSchema(s)].dropTable/dropTableIfExists/createTable/createTableIfNotExists/alterTable/table/raw`,
 * `<r>.raw(sql)`, `<r>('t').truncate()`, `<r>.table|from('t').truncate()`, and in `alterTable`/`table`
 * callbacks `t.dropColumn(s)`, `t.renameColumn`, `t.<type>(col)…[.notNullable()][.defaultTo()][.alter()]`,
 * `t.index(…)`, `t.unique(…)`. SQL in string (or no-substitution template) literals passed to `raw` is
 * analysed with the SQL parser of the dialect and mapped back into the literal.
 */
import ts from 'typescript';
import type { TextRange } from '../text';
import { emptyDocument } from '../model';
import type { ColumnType, MigrationExport, Operation, OperationBase, ParsedDocument, Phase, TableRef } from '../model';
import type { Dialect } from '../types';
import { forEachLiveChild } from './dialect-branches';
import { mapDecodedRange } from './js-string';
import { VOLATILE_FUNCTIONS } from './sql-postgres';
import { neutralizeOutsideQuotes } from './sql-split';
import { sqlTypeFromString } from './sql-type-name';
import { decodeStringLiteral, findMigrationExports, moduleSyntaxErrors, isFunctionLike, parseModule, statementRanges, topLevelDeclarations, unparen, type FunctionLike } from './ts-module';


/** The column type a column-builder call creates, from its arguments. */
type ColumnTypeOf = (args: readonly ts.Expression[]) => ColumnType;

/** Column-builder methods and the PostgreSQL type they create. */
const COLUMN_TYPES: Record<string, ColumnTypeOf> = {
  increments: () => ({ name: 'serial', args: [] }),
  bigIncrements: () => ({ name: 'bigserial', args: [] }),
  integer: () => ({ name: 'int4', args: [] }),
  bigInteger: () => ({ name: 'int8', args: [] }),
  bigint: () => ({ name: 'int8', args: [] }),
  tinyint: () => ({ name: 'int2', args: [] }),
  smallint: () => ({ name: 'int2', args: [] }),
  mediumint: () => ({ name: 'int4', args: [] }),
  text: () => ({ name: 'text', args: [] }),
  string: (a) => ({ name: 'varchar', args: [numberArg(a[1]) ?? 255] }),
  float: () => ({ name: 'real', args: [] }),
  double: () => ({ name: 'float8', args: [] }),
  decimal: () => ({ name: 'numeric', args: [] }),
  boolean: () => ({ name: 'bool', args: [] }),
  date: () => ({ name: 'date', args: [] }),
  datetime: (a) => ({ name: withoutTz(a[1]) ? 'timestamp' : 'timestamptz', args: [] }),
  timestamp: (a) => ({ name: withoutTz(a[1]) ? 'timestamp' : 'timestamptz', args: [] }),
  time: () => ({ name: 'time', args: [] }),
  binary: () => ({ name: 'bytea', args: [] }),
  enu: () => ({ name: 'text', args: [] }),
  enum: () => ({ name: 'text', args: [] }),
  json: () => ({ name: 'json', args: [] }),
  jsonb: () => ({ name: 'jsonb', args: [] }),
  uuid: () => ({ name: 'uuid', args: [] }),
  geometry: () => ({ name: 'geometry', args: [] }),
  geography: () => ({ name: 'geography', args: [] }),
  point: () => ({ name: 'point', args: [] }),
  specificType: (a) => sqlTypeFromString(stringArg(a[1]) ?? 'unknown'),
};

/**
 * True when `t.timestamp(name, options)` / `t.datetime(…)` asks for a type without time zone on PostgreSQL:
 * `{ useTz: false }` or `true` (the older `withoutTz` flag). Source: knex `lib/dialects/postgres/schema/pg-columncompiler.js`
 * `datetime(withoutTz = false, precision)`: useTz defaults to true (timestamptz).
 */
function withoutTz(arg: ts.Expression | undefined): boolean {
  if (!arg) return false;
  const e = unparen(arg);
  if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (!ts.isObjectLiteralExpression(e)) return false;
  return e.properties.some((p) => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'useTz' && unparen(p.initializer).kind === ts.SyntaxKind.FalseKeyword);
}

/**
 * The volatile function a `.defaultTo(…)` argument calls, if any: `knex.fn.uuid()` (→ `gen_random_uuid()` on
 * PostgreSQL, knex `lib/knex-builder/FunctionHelper.js`) or `<x>.raw('… random() …')`.
 */
function volatileIn(arg: ts.Expression | undefined): string | undefined {
  if (!arg) return undefined;
  const e = unparen(arg);
  if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression)) return undefined;
  const callee = e.expression;
  if (callee.name.text === 'uuid' && ts.isPropertyAccessExpression(callee.expression) && callee.expression.name.text === 'fn') return 'gen_random_uuid';
  if (callee.name.text !== 'raw') return undefined;
  const sql = stringArg(e.arguments[0] ? unparen(e.arguments[0]) : undefined);
  if (sql === undefined) return undefined;
  for (const m of sql.toLowerCase().matchAll(/([a-z_][a-z0-9_]*)\s*\(/g)) if (VOLATILE_FUNCTIONS.has(m[1]!)) return m[1];
  return undefined;
}

/** `'a'` → `['a']`, `['a', 'b']` → `['a', 'b']`; undefined when not all literal. */
function columnList(e: ts.Expression | undefined): string[] | undefined {
  if (!e) return undefined;
  const x = unparen(e);
  const one = stringArg(x);
  if (one !== undefined) return [one];
  if (!ts.isArrayLiteralExpression(x)) return undefined;
  const out: string[] = [];
  for (const el of x.elements) {
    const s = stringArg(el);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

function numberArg(e: ts.Expression | undefined): number | undefined {
  return e && ts.isNumericLiteral(e) ? Number(e.text) : undefined;
}
function stringArg(e: ts.Expression | undefined): string | undefined {
  return e && (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) ? e.text : undefined;
}

/** One link of a call chain: `.name(args)`. */
interface Link {
  name: string;
  nameNode: ts.Node;
  call?: ts.CallExpression;
}
interface Chain {
  root: ts.Expression;
  /** Set when the root itself is called: `knex('users')`. */
  rootCall?: ts.CallExpression;
  links: Link[];
}
/**
 * The table a Knex foreign key references: `.inTable('t')` / `.on('t')`, else the part before the column in
 * `.references('t.col')` / `.references('s.t.col')`; undefined when the chain does not name it as a literal.
 * Source: Knex docs, Schema Builder — references, inTable, foreign.
 */
function referencedTable(chain: Chain): TableRef | undefined {
  const literal = (names: string[]) => {
    for (const l of chain.links) if (names.includes(l.name) && l.call) return stringArg(l.call.arguments[0]);
    return undefined;
  };
  const qualified = literal(['inTable', 'on']);
  const parts = qualified !== undefined ? qualified.split('.') : (literal(['references'])?.split('.').slice(0, -1) ?? []);
  const table = parts[parts.length - 1];
  if (!table) return undefined;
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  return schema ? { table, schema } : { table };
}

function flattenChain(expr: ts.Expression): Chain {
  const links: Link[] = [];
  let cur: ts.Expression = expr;
  let pending: ts.CallExpression | undefined;
  for (;;) {
    if (ts.isCallExpression(cur)) {
      pending = cur;
      cur = cur.expression;
    } else if (ts.isPropertyAccessExpression(cur)) {
      links.unshift(pending ? { name: cur.name.text, nameNode: cur.name, call: pending } : { name: cur.name.text, nameNode: cur.name });
      pending = undefined;
      cur = cur.expression;
    } else if (ts.isParenthesizedExpression(cur) || ts.isNonNullExpression(cur) || ts.isAsExpression(cur)) {
      if (pending) break;
      cur = cur.expression;
    } else break;
  }
  return pending ? { root: cur, rootCall: pending, links } : { root: cur, links };
}
/** The outermost call of a chain is not itself the receiver of a property access. */
function isOutermostCall(node: ts.CallExpression): boolean {
  const p = node.parent;
  return !(p && ts.isPropertyAccessExpression(p) && p.expression === node);
}

/**
 * True when the call's value is executed as a query: it is an expression statement, returned, an arrow's body,
 * awaited (also in an initializer), or an element of the array given to `Promise.all`/`allSettled`. Elsewhere (an
 * argument of another call, an object property, an operand) `<r>.raw('…')` is an SQL fragment inside a query.
 */
function runsAsStatement(call: ts.CallExpression): boolean {
  let node: ts.Node = call;
  let awaited = false;
  while (node.parent && (ts.isParenthesizedExpression(node.parent) || ts.isAwaitExpression(node.parent) || ts.isAsExpression(node.parent) || ts.isNonNullExpression(node.parent))) {
    if (ts.isAwaitExpression(node.parent)) awaited = true;
    node = node.parent;
  }
  const p = node.parent;
  if (!p) return true;
  if (ts.isExpressionStatement(p) || ts.isReturnStatement(p) || (ts.isArrowFunction(p) && p.body === node)) return true;
  if (ts.isArrayLiteralExpression(p)) {
    const all = p.parent;
    return !!all && ts.isCallExpression(all) && /^Promise\.(all|allSettled)$/.test(all.expression.getText());
  }
  return awaited;
}

/** Replaces Knex `?`/`??` bindings outside quotes with same-length SQL so the text can be parsed. */
function neutralizeBindings(sql: string): string {
  return neutralizeOutsideQuotes(sql, (s, i) => {
    if (s[i] === '\\' && s[i + 1] === '?') return { text: ' ?', consumed: 2 };
    if (s[i] === '?' && s[i + 1] === '?') return { text: 'q_', consumed: 2 };
    if (s[i] === '?') return { text: '0', consumed: 1 };
    return undefined;
  });
}

/** Parses the SQL of one dialect; provided by the caller so this module does not pick the dialect. */
export type SqlParser = (sql: string) => ParsedDocument;

/**
 * Parses a Knex migration module. `parseSql` analyses SQL found in `raw(...)` calls; code in branches for another
 * database than `dialect` (`if (client === 'mysql')`, dialect-branches.ts) is skipped.
 * All ranges are UTF-16 offsets into `text`. Never throws on malformed source (the TypeScript parser is
 * error-tolerant); unexpected internal errors are the caller's to catch.
 */
export function parseKnex(text: string, fileName: string, parseSql: SqlParser, dialect: Dialect = 'postgresql'): ParsedDocument {
  const sf = parseModule(fileName, text, 'migration.ts');
  const reader = new KnexReader(text, sf, parseSql, dialect);
  const doc = reader.doc;
  // A module that does not parse does not load: Knex (node-pg-migrate) fails on it before any migration runs.
  doc.syntaxErrors.push(...moduleSyntaxErrors(sf));

  // Top-level functions and consts, to resolve `module.exports = { up }` and `exports.up = up`.
  const locals = topLevelDeclarations(sf);
  let transactionDisabled = false;
  const exportsFound = findMigrationExports(sf, locals, {
    onExport: (name, value) => {
      if (name === 'config' && isTransactionFalse(value, locals)) transactionDisabled = true;
    },
  });

  // Statement ranges for suppression comments.
  for (const r of statementRanges(sf)) doc.statements.push(r);

  const migration: { up?: MigrationExport; down?: MigrationExport } = {};
  for (const phase of ['up', 'down'] as const) {
    const info = exportsFound.get(phase);
    if (!info) continue;
    migration[phase] = { nameRange: reader.rangeOf(info.nameNode), empty: info.nullish || (info.fn ? isEmptyFunction(info.fn) : false) };
    if (info.fn) reader.analyzeFunction(info.fn, phase);
  }
  if (migration.up || migration.down) doc.migration = migration;
  doc.transactionDisabled = transactionDisabled;
  doc.statements.sort((a, b) => a.start - b.start || b.end - a.end);
  return doc;
}

/** `{ transaction: false }` (possibly through a top-level const of `locals`, at most 3 hops deep). */
function isTransactionFalse(v: ts.Node | undefined, locals: Map<string, ts.Node>, depth = 0): boolean {
  if (!v || depth > 3) return false;
  if (ts.isIdentifier(v)) return isTransactionFalse(locals.get(v.text), locals, depth + 1);
  if (ts.isParenthesizedExpression(v) || ts.isAsExpression(v) || ts.isSatisfiesExpression(v)) return isTransactionFalse(v.expression, locals, depth + 1);
  if (!ts.isObjectLiteralExpression(v)) return false;
  return v.properties.some(
    (p) => ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === 'transaction' && unparen(p.initializer).kind === ts.SyntaxKind.FalseKeyword,
  );
}

/** A column declared in a `createTable` callback, collected into that createTable operation. */
interface DeclaredColumn {
  name: string;
  dataType?: ColumnType;
  /** `.notNullable()` / `.primary()` (after any `.nullable()`), or `increments`. */
  notNull?: boolean;
}

/** A table-builder callback: `createTable` (columns are collected) or `alterTable`/`table` (each call is an operation). */
type TableMode = 'create' | 'alter';

/**
 * Reads the `up`/`down` functions of one Knex module into {@link doc}: the module text, its TypeScript tree and
 * the SQL parser for `raw(...)` are shared by the methods, which append operations in source order.
 */
class KnexReader {
  /** The document being filled. */
  readonly doc: ParsedDocument = emptyDocument();

  constructor(
    private readonly text: string,
    private readonly sf: ts.SourceFile,
    private readonly parseSql: SqlParser,
    private readonly dialect: Dialect,
  ) {}

  /** Start of `n` without leading trivia (UTF-16 offset). */
  start(n: ts.Node): number {
    return n.getStart(this.sf);
  }

  /** Range of `n` without leading trivia. */
  rangeOf(n: ts.Node): TextRange {
    return { start: this.start(n), end: n.end };
  }

  /** A table argument: the string literal's value, else the expression's source text; undefined when absent. */
  private tableName(e: ts.Expression | undefined): string | undefined {
    return e ? (stringArg(unparen(e)) ?? unparen(e).getText(this.sf)) : undefined;
  }

  /**
   * The operations of one `up`/`down` function: every outermost call chain on a receiver (the first parameter,
   * `knex` when there is none, and the parameter of any `<receiver>.transaction(cb)` callback met on the way).
   */
  analyzeFunction(fn: FunctionLike, phase: Phase): void {
    if (!fn.body) return;
    const receivers = new Set<string>();
    const p0 = fn.parameters[0];
    receivers.add(p0 && ts.isIdentifier(p0.name) ? p0.name.text : 'knex');
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && isOutermostCall(n)) this.handleChain(n, receivers, phase);
      forEachLiveChild(n, this.dialect, visit);
    };
    visit(fn.body);
  }

  /** One outermost call chain: a transaction (adds a receiver), a query builder, `raw`, or a `schema` chain. */
  private handleChain(outer: ts.CallExpression, receivers: Set<string>, phase: Phase): void {
    const chain = flattenChain(outer);
    if (!ts.isIdentifier(chain.root) || !receivers.has(chain.root.text)) return;
    const links = chain.links;
    // <r>.transaction(async (trx) => …): trx becomes a receiver too.
    for (const l of links) {
      if (l.name === 'transaction' && l.call) {
        const cb = l.call.arguments[0] ? unparen(l.call.arguments[0]) : undefined;
        const cp = isFunctionLike(cb) ? cb.parameters[0] : undefined;
        if (cp && ts.isIdentifier(cp.name)) receivers.add(cp.name.text);
      }
    }
    // Query builder: <r>('t')…truncate(), <r>.table('t')…truncate()
    let qbTable: string | undefined = chain.rootCall ? this.tableName(chain.rootCall.arguments[0]) : undefined;
    if (!chain.rootCall && links[0] && ['table', 'from', 'into', 'queryBuilder'].includes(links[0].name) && links[0].call) {
      qbTable = this.tableName(links[0].call.arguments[0]);
    }
    if (qbTable !== undefined) {
      this.queryBuilderChain(chain, outer, qbTable, phase);
      return;
    }
    if (chain.rootCall) return;
    if (links[0]?.name === 'raw' && links[0].call) {
      // `defaultTo(knex.raw('now()'))`, `update({ c: knex.raw('d') })`: an SQL fragment, not a statement to lint.
      if (!runsAsStatement(outer)) return;
      this.analyzeRaw(links[0].call.arguments[0], links[0].call.arguments.length > 1, phase);
      return;
    }
    if (links[0]?.name === 'schema') this.schemaChain(chain, outer, phase);
  }

  /** A query-builder chain on `table`: `del`/`delete`/`update` (with or without `where…`) and `truncate`. */
  private queryBuilderChain(chain: Chain, outer: ts.CallExpression, table: string, phase: Phase): void {
    const links = chain.links;
    const chainStart = this.start(chain.root);
    const hasWhere = links.some((l) => /^(where|andWhere|orWhere)/.test(l.name));
    const dml = links.find((l) => (l.name === 'del' || l.name === 'delete' || l.name === 'update') && l.call);
    if (dml?.call) {
      const range = { start: chainStart, end: dml.call.end };
      const type = dml.name === 'update' ? ('updateRows' as const) : ('deleteRows' as const);
      this.doc.operations.push({ type, table, hasWhere, range, statement: this.rangeOf(outer), origin: 'knex', phase, tableIsNew: false });
    }
    const tr = links.find((l) => l.name === 'truncate' && l.call);
    if (tr?.call) {
      const range = { start: chainStart, end: tr.call.end };
      this.doc.operations.push({ type: 'truncate', table, range, statement: this.rangeOf(outer), origin: 'knex', phase, tableIsNew: false });
    }
  }

  /**
   * `<r>.schema[.withSchema(s)].<call>(…)…`: each called link is one schema call. A finding on the first call
   * points from the receiver on; on later calls, from the call's name.
   */
  private schemaChain(chain: Chain, outer: ts.CallExpression, phase: Phase): void {
    const links = chain.links;
    const chainStart = this.start(chain.root);
    let schema: string | undefined;
    links.forEach((l, idx) => {
      if (!l.call) return;
      const args = l.call.arguments;
      if (l.name === 'withSchema') {
        schema = stringArg(args[0]);
        return;
      }
      const range = idx === 1 || (idx === 2 && links[1]?.name === 'withSchema') ? { start: chainStart, end: l.call.end } : { start: this.start(l.nameNode), end: l.call.end };
      const table = this.tableName(args[0]);
      const ref: TableRef = table !== undefined ? (schema ? { table, schema } : { table }) : { table: '' };
      const base = { ...ref, range, statement: this.rangeOf(outer), origin: 'knex' as const, phase, tableIsNew: false };
      // `<r>.schema.<call>(…)` and nothing chained: the whole call may be replaced by one `<r>.raw(…)` (a quick fix).
      const whole = links.length === 2 && links[0]!.name === 'schema' && !links[0]!.call && ts.isIdentifier(chain.root) && !chain.rootCall ? { call: this.rangeOf(outer), receiver: chain.root.text } : undefined;
      this.schemaCall(l.name, args, table, ref, base, phase, whole);
    });
  }

  /** One `schema.<method>(…)` call on `table` (undefined when no argument; only `raw` needs none). */
  private schemaCall(method: string, args: ts.NodeArray<ts.Expression>, table: string | undefined, ref: TableRef, base: OperationBase & TableRef, phase: Phase, whole?: WholeSchemaCall): void {
    const ops = this.doc.operations;
    switch (method) {
      case 'dropTable':
      case 'dropTableIfExists':
        if (table !== undefined) ops.push({ ...base, type: 'dropTable', ...(method === 'dropTableIfExists' ? { ifExists: true } : {}) });
        return;
      case 'dropSchema':
      case 'dropSchemaIfExists':
        if (table !== undefined) ops.push({ ...base, type: 'dropDatabase', object: 'schema' });
        return;
      case 'renameTable': {
        const newName = stringArg(args[1] ? unparen(args[1]) : undefined);
        if (table !== undefined && newName !== undefined) ops.push({ ...base, type: 'renameTable', newName });
        return;
      }
      case 'createTable':
      case 'createTableIfNotExists': {
        if (table === undefined) return;
        const op: Operation = { ...base, type: 'createTable', columns: [], ...(method === 'createTableIfNotExists' ? { ifNotExists: true } : {}) };
        ops.push(op);
        this.tableCallback(args[1], ref, 'create', phase, op.columns);
        return;
      }
      case 'alterTable':
      case 'table':
        if (table !== undefined) this.tableCallback(args[1], ref, 'alter', phase, [], whole);
        return;
      case 'raw':
        this.analyzeRaw(args[0], args.length > 1, phase);
        return;
      default:
        return;
    }
  }

  /**
   * SQL in `raw(sql[, bindings])`: parsed with the dialect's parser and mapped back into the literal (bindings are
   * neutralised first, and their syntax errors dropped); any other argument is uninspectable.
   */
  private analyzeRaw(arg: ts.Expression | undefined, hasBindings: boolean, phase: Phase): void {
    if (!arg) return;
    const doc = this.doc;
    const a = unparen(arg);
    if (ts.isTemplateExpression(a)) {
      doc.uninspectable.push(this.rangeOf(a));
      return;
    }
    if (!ts.isStringLiteral(a) && !ts.isNoSubstitutionTemplateLiteral(a)) {
      doc.uninspectable.push(this.rangeOf(a));
      return;
    }
    const decoded = decodeStringLiteral(this.text, a, this.start(a));
    const sql = hasBindings ? neutralizeBindings(decoded.value) : decoded.value;
    const inner = this.parseSql(sql);
    const map = (r: TextRange): TextRange => mapDecodedRange(decoded, r);
    for (const op of inner.operations) doc.operations.push({ ...op, range: map(op.range), statement: map(op.statement), origin: 'knex-raw', phase });
    for (const s of inner.statements) doc.statements.push(map(s));
    if (!hasBindings) for (const e of inner.syntaxErrors) doc.syntaxErrors.push({ ...e, range: map(e.range) });
  }

  /**
   * The body of a table-builder callback `(t) => { … }` for `ref`: every outermost call chain on `t`. `whole`: the
   * schema call holding the callback is alone in its expression; then a chain that is the callback's only statement
   * may be told so ({@link CreateIndexOp.knexAlone}).
   */
  private tableCallback(fn: ts.Expression | undefined, ref: TableRef, mode: TableMode, phase: Phase, columns: DeclaredColumn[], whole?: WholeSchemaCall): void {
    if (!fn) return;
    const f = unparen(fn);
    if (!isFunctionLike(f) || !f.body) return;
    const p0 = f.parameters[0];
    if (!p0 || !ts.isIdentifier(p0.name)) return;
    const builder = p0.name.text;
    const body = f.body;
    const only = ts.isBlock(body) ? (body.statements.length === 1 && ts.isExpressionStatement(body.statements[0]!) ? unparen(body.statements[0].expression) : undefined) : unparen(body);
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && isOutermostCall(n)) {
        const chain = flattenChain(n);
        if (ts.isIdentifier(chain.root) && chain.root.text === builder && !chain.rootCall) this.builderChain(chain, n, ref, mode, phase, columns, n === only ? whole : undefined);
      }
      forEachLiveChild(n, this.dialect, visit);
    };
    visit(f.body);
  }

  /** One `t.<method>(…)…` chain of a table-builder callback: a column (a type method) or a table-level call. */
  private builderChain(chain: Chain, outer: ts.CallExpression, ref: TableRef, mode: TableMode, phase: Phase, columns: DeclaredColumn[], alone?: WholeSchemaCall): void {
    const first = chain.links[0];
    if (!first?.call) return;
    const args = first.call.arguments;
    const range = this.rangeOf(outer);
    const base = { ...ref, statement: range, origin: 'knex' as const, phase, tableIsNew: false };
    // Own keys only: `t.hasOwnProperty(…)` or `t.constructor` must not find Object.prototype members.
    const typeFn = Object.hasOwn(COLUMN_TYPES, first.name) ? COLUMN_TYPES[first.name] : undefined;
    if (typeFn) this.columnChain(chain, typeFn, range, base, mode, columns);
    else if (mode !== 'create') this.tableMethod(first.name, args, ref, range, base, chain, alone);
  }

  /**
   * `t.<type>('col')…` (type from `typeFn`): a declared column in `createTable`; in `alterTable`, with `.alter()` a
   * type change (and an explicit nullability change), else an added column (NOT NULL, default, inline FK, index).
   */
  private columnChain(chain: Chain, typeFn: ColumnTypeOf, range: TextRange, base: BuilderBase, mode: TableMode, columns: DeclaredColumn[]): void {
    const args = chain.links[0]!.call!.arguments;
    const column = stringArg(args[0]);
    if (column === undefined) return;
    const dataType = typeFn(args);
    const ops = this.doc.operations;
    const names = chain.links.map((l) => l.name);
    const primaryKey = isPrimaryKeyColumn(chain);
    if (mode === 'create') {
      const notNull = names[0] === 'increments' || names[0] === 'bigIncrements' || Math.max(names.lastIndexOf('notNullable'), names.lastIndexOf('primary')) > names.lastIndexOf('nullable');
      columns.push({ name: column, dataType, ...(notNull ? { notNull } : {}) });
      ops.push({ ...base, type: 'columnDefinition', column, dataType, primaryKey, range });
      return;
    }
    if (names.includes('alter')) {
      ops.push({ ...base, type: 'alterColumnType', column, newType: dataType, hasUsing: false, range });
      // Only an explicit nullable()/notNullable() counts: Knex's alter() also resets nullability, but whether that
      // changes anything depends on the column's current state, which the analyzer cannot see.
      const lastNullable = names.lastIndexOf('nullable');
      const lastNotNull = names.lastIndexOf('notNullable');
      if (lastNullable > lastNotNull) ops.push({ ...base, type: 'dropNotNull', column, range });
      else if (lastNotNull > lastNullable) ops.push({ ...base, type: 'setNotNull', column, range });
      return;
    }
    const typeName = chain.links[0]!.name;
    const lastNull = Math.max(names.lastIndexOf('notNullable'), names.lastIndexOf('primary'));
    const notNull = lastNull > names.lastIndexOf('nullable');
    const defaultLink = chain.links.find((l) => l.name === 'defaultTo');
    const defaultArg = defaultLink?.call?.arguments[0];
    const serial = typeName === 'increments' || typeName === 'bigIncrements';
    const hasDefault = serial || (!!defaultArg && defaultArg.kind !== ts.SyntaxKind.NullKeyword && !(ts.isIdentifier(defaultArg) && defaultArg.text === 'undefined'));
    const volatileDefault = serial ? 'nextval' : volatileIn(defaultArg);
    ops.push({ ...base, type: 'addColumn', column, notNull, hasDefault, dataType, ...(volatileDefault ? { volatileDefault } : {}), ...(primaryKey ? { primaryKey } : {}), range });
    if (names.includes('references')) {
      const references = referencedTable(chain);
      ops.push({ ...base, type: 'addConstraint', constraint: 'foreignKey', notValid: false, usingIndex: false, inline: true, ...(references ? { references } : {}), range });
    }
    for (const l of chain.links.slice(1)) {
      if ((l.name === 'index' || l.name === 'unique') && l.call) {
        ops.push({ ...base, type: 'createIndex', concurrently: false, unique: l.name === 'unique', range });
      }
    }
  }

  /** A table-level call in an `alterTable` callback: drop columns/index/constraints, nullability, constraints, renames, indexes. */
  private tableMethod(method: string, args: ts.NodeArray<ts.Expression>, ref: TableRef, range: TextRange, base: BuilderBase, chain: Chain, alone?: WholeSchemaCall): void {
    const ops = this.doc.operations;
    switch (method) {
      case 'dropColumn':
      case 'dropColumns': {
        const cols = droppedColumns(args);
        for (const c of cols) ops.push({ ...base, type: 'dropColumn', column: c.name, range: cols.length > 1 ? this.rangeOf(c.node) : range });
        return;
      }
      case 'dropTimestamps':
        for (const column of ['created_at', 'updated_at']) ops.push({ ...base, type: 'dropColumn', column, range });
        return;
      case 'setNullable':
      case 'dropNullable': {
        const column = stringArg(args[0]);
        if (column !== undefined) ops.push({ ...base, type: method === 'setNullable' ? 'dropNotNull' : 'setNotNull', column, range });
        return;
      }
      case 'dropIndex': {
        const cols = columnList(args[0]);
        const index = stringArg(args[1]) ?? (cols ? `${ref.table}_${cols.join('_')}_index`.toLowerCase().replace(/[-.]/g, '_') : undefined);
        if (index !== undefined) ops.push({ ...base, type: 'dropIndex', index, concurrently: false, range });
        return;
      }
      case 'foreign':
      case 'check':
      case 'primary': {
        const name = stringArg(method === 'check' ? args[2] : args[1]);
        const constraint = method === 'foreign' ? 'foreignKey' : method === 'check' ? 'check' : 'primaryKey';
        const references = method === 'foreign' ? referencedTable(chain) : undefined;
        ops.push({ ...base, type: 'addConstraint', constraint, ...(name !== undefined ? { name } : {}), notValid: false, usingIndex: false, ...(references ? { references } : {}), range });
        return;
      }
      case 'dropForeign':
      case 'dropPrimary': {
        ops.push({ ...base, type: 'dropConstraint', constraint: method === 'dropForeign' ? 'foreignKey' : 'primaryKey', range });
        return;
      }
      case 'renameColumn': {
        const column = stringArg(args[0]);
        const newName = stringArg(args[1]);
        if (column !== undefined && newName !== undefined) ops.push({ ...base, type: 'renameColumn', column, newName, range });
        return;
      }
      case 'index':
      case 'unique': {
        const index = indexNameArg(args[1]);
        // `t.index(cols[, 'name'])` alone in the callback of a schema call alone: what a `knex.raw` equivalent needs.
        const cols = columnList(args[0]);
        const plain = method === 'index' && alone && chain.links.length === 1 && cols && cols.length > 0 && args.length <= 2 && (args[1] === undefined || stringArg(args[1]) !== undefined);
        const name = index ?? (cols ? `${ref.table}_${cols.join('_')}_index`.toLowerCase().replace(/[-.]/g, '_') : undefined);
        const knexAlone = plain && name !== undefined ? { call: alone.call, receiver: alone.receiver, columns: cols, name } : undefined;
        ops.push({ ...base, type: 'createIndex', ...(index !== undefined ? { index } : {}), concurrently: false, unique: method === 'unique', range, ...(knexAlone ? { knexAlone } : {}) });
        return;
      }
      default:
        return;
    }
  }
}

/**
 * A column chain that declares a primary key: `.primary()`, or `increments()` / `bigIncrements()` unless
 * `{ primaryKey: false }` is passed. Source: Knex docs, Schema Builder — increments ("primaryKey" option, default true).
 */
function isPrimaryKeyColumn(chain: Chain): boolean {
  const first = chain.links[0]!;
  if (chain.links.some((l) => l.name === 'primary')) return true;
  if (first.name !== 'increments' && first.name !== 'bigIncrements') return false;
  const opts = first.call?.arguments[1] ? unparen(first.call.arguments[1]) : undefined;
  const off = !!opts && ts.isObjectLiteralExpression(opts) && opts.properties.some((p) => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'primaryKey' && unparen(p.initializer).kind === ts.SyntaxKind.FalseKeyword);
  return !off;
}

/** A `<receiver>.schema.<call>(…)` call with nothing chained after it: its range and receiver (`knex`). */
interface WholeSchemaCall {
  call: TextRange;
  receiver: string;
}

/** Fields shared by the operations of one table-builder chain (each adds its `range`). */
type BuilderBase = Omit<OperationBase, 'range'> & TableRef;

/** Columns named in `dropColumn(s)('a', ['b', 'c'], …)`: string literals, flat or in arrays, with their nodes. */
function droppedColumns(args: ts.NodeArray<ts.Expression>): { name: string; node: ts.Node }[] {
  const cols: { name: string; node: ts.Node }[] = [];
  for (const a of args) {
    const e = unparen(a);
    if (ts.isArrayLiteralExpression(e)) {
      for (const el of e.elements) {
        const s = stringArg(el);
        if (s !== undefined) cols.push({ name: s, node: el });
      }
    } else {
      const s = stringArg(e);
      if (s !== undefined) cols.push({ name: s, node: e });
    }
  }
  return cols;
}

/** The index name of `t.index(cols, nameArg)` / `t.unique(…)`: `'name'` or `{ indexName: 'name' }` (last wins). */
function indexNameArg(arg: ts.Expression | undefined): string | undefined {
  const nameArg = arg ? unparen(arg) : undefined;
  let index = stringArg(nameArg);
  if (nameArg && ts.isObjectLiteralExpression(nameArg)) {
    for (const p of nameArg.properties) {
      if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'indexName') index = stringArg(p.initializer);
    }
  }
  return index;
}

/** A function with no statements, or only `return;` / `return Promise.resolve()` / `return null`. */
function isEmptyFunction(fn: FunctionLike): boolean {
  const body = fn.body;
  if (!body) return true;
  const trivial = (e: ts.Expression | undefined): boolean => {
    if (!e) return true;
    const x = unparen(e);
    if (x.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(x) && x.text === 'undefined') || ts.isVoidExpression(x)) return true;
    return ts.isCallExpression(x) && x.arguments.length === 0 && x.expression.getText() === 'Promise.resolve';
  };
  if (!ts.isBlock(body)) return trivial(body);
  return body.statements.every((s) => ts.isEmptyStatement(s) || (ts.isReturnStatement(s) && trivial(s.expression)));
}
