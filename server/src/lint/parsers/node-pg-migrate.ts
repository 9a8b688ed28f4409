/**
 * node-pg-migrate migration modules (JavaScript / TypeScript) → {@link ParsedDocument}, with the TypeScript
 * compiler API (as the Knex parser; tolerant of half-typed files).
 *
 * Recognised exports: `exports.up/down = …`, `module.exports.up/down = …`, `module.exports = { up, down }`,
 * `export [async] function up/down`, `export const up/down = …`, where the value is a function or the name of a
 * top-level function/const; `exports.down = false` marks the migration irreversible on purpose (node-pg-migrate then
 * refuses to roll it back with an error, as a Knex `down` that throws does): it is exposed as a non-empty `down`, so
 * `missing-down` stays quiet.
 * Without a `down` export node-pg-migrate reverses `up` automatically, which works only when every call in `up`
 * is reversible; so a missing `down` is exposed as missing only when `up` makes an irreversible call
 * (`sql`, `dropTable`, `dropColumns`, `alterColumn`, `dropIndex`, …).
 *
 * Inside `up`/`down` the receiver is the first parameter (`pgm` when there is none). Recognised calls:
 * `createTable(t, cols)`, `dropTable(t)`, `renameTable(t, new)`, `addColumns/addColumn(t, { c: spec })`,
 * `dropColumns/dropColumn(t, c | [c…])`, `renameColumn(t, old, new)`, `alterColumn(t, c, { type, notNull,
 * allowNull, using })`, `createIndex/addIndex(t, cols, { unique, concurrently, name })`,
 * `dropIndex(t, cols, { name, concurrently })`, `addConstraint/createConstraint(t, name, { foreignKeys, check, unique,
 * primaryKey } | 'SQL')`, `dropSchema(name)`, `refreshMaterializedView(v, { concurrently })`, `addTypeValue(type, value)`,
 * `createDomain(d, type, { check, notNull })`, `alterDomain(d, { check })`, `sql('…')` and `db.query('…' | { text: '…' })` /
 * `db.select('…')` (SQL analysed with the dialect's parser and mapped back into the literal; template literals with `${}`
 * and other expressions are uninspectable), and `noTransaction()`
 * (sets {@link ParsedDocument.transactionDisabled}). Tables may be `'t'` or `{ schema: 's', name: 't' }`.
 * Source: node-pg-migrate docs, "Defining Migrations", "Tables", "Columns", "Indexes", "Miscellaneous".
 */
import ts from 'typescript';
import { emptyDocument } from '../model';
import type { ColumnType, CreateTableOp, ForeignKeyDecl, MigrationExport, Operation, OperationBase, ParsedDocument, Phase, TableRef } from '../model';
import type { TextRange } from '../text';
import { mapDecodedRange } from './js-string';
import { VOLATILE_FUNCTIONS } from './sql-postgres';
import { sqlTypeFromString } from './sql-type-name';

export { sqlTypeFromString };
import { decodeStringLiteral, findMigrationExports, moduleSyntaxErrors, parseModule, statementRanges, topLevelDeclarations, unparen, type FunctionLike } from './ts-module';

/** Parses the SQL of one dialect (provided by the caller). */
export type SqlParser = (sql: string) => ParsedDocument;


/** Calls that node-pg-migrate can reverse on its own when `down` is not exported. */
const REVERSIBLE = new Set([
  'createTable',
  'addColumns',
  'addColumn',
  'renameColumn',
  'renameTable',
  'createIndex',
  'addIndex',
  'addConstraint',
  'createConstraint',
  'renameConstraint',
  'createType',
  'addTypeValue',
  'renameType',
  'createExtension',
  'addExtension',
  'createSchema',
  'renameSchema',
  'createFunction',
  'renameFunction',
  'createTrigger',
  'renameTrigger',
  'createView',
  'renameView',
  'createSequence',
  'renameSequence',
  'createMaterializedView',
  'createRole',
  'createDomain',
  'createOperator',
  'createPolicy',
  'addTypeAttribute',
  'func',
  'noTransaction',
]);

/**
 * True when `text` looks like a node-pg-migrate module rather than a Knex one: it calls `pgm.<name>(…)` (or
 * `pgm.db.query(…)`) and either exports `up(pgm…)`, imports from `node-pg-migrate`, or uses the `MigrationBuilder` type.
 */
export function looksLikeNodePgMigrate(text: string): boolean {
  if (!/\bpgm\s*\.\s*(?:db\s*\.\s*)?[A-Za-z_$][\w$]*\s*\(/.test(text)) return false;
  return /\bup\b\s*(?:[:=]\s*)?(?:async\s*)?(?:function\s*)?\(\s*pgm\b/.test(text) || /node-pg-migrate|MigrationBuilder/.test(text);
}

function stringArg(e: ts.Expression | undefined): string | undefined {
  if (!e) return undefined;
  const x = unparen(e);
  return ts.isStringLiteral(x) || ts.isNoSubstitutionTemplateLiteral(x) ? x.text : undefined;
}
function propName(p: ts.ObjectLiteralElementLike): string | undefined {
  const n = p.name;
  if (!n) return undefined;
  if (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n)) return n.text;
  return undefined;
}
/** Properties of an object literal by name (last wins). */
function props(e: ts.Expression | undefined): Map<string, ts.Expression> {
  const out = new Map<string, ts.Expression>();
  if (!e) return out;
  const o = unparen(e);
  if (!ts.isObjectLiteralExpression(o)) return out;
  for (const p of o.properties) {
    const name = propName(p);
    if (name === undefined) continue;
    if (ts.isPropertyAssignment(p)) out.set(name, p.initializer);
    else if (ts.isShorthandPropertyAssignment(p)) out.set(name, p.name);
  }
  return out;
}
function isTrueLit(e: ts.Expression | undefined): boolean {
  return !!e && unparen(e).kind === ts.SyntaxKind.TrueKeyword;
}
function isFalseLit(e: ts.Expression | undefined): boolean {
  return !!e && unparen(e).kind === ts.SyntaxKind.FalseKeyword;
}
function isNullish(e: ts.Expression | undefined): boolean {
  if (!e) return true;
  const x = unparen(e);
  return x.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(x) && x.text === 'undefined');
}

/** A node-pg-migrate column definition: a type string, or `{ type, notNull, primaryKey, default, … }`. */
interface ColumnSpec {
  dataType?: ColumnType;
  notNull: boolean;
  hasDefault: boolean;
  /** A volatile function in `default: pgm.func('…')`, or `nextval` for serial types. */
  volatileDefault?: string;
  /** `expressionGenerated: '…'`: node-pg-migrate writes `GENERATED ALWAYS AS (…) STORED`. */
  generatedStored?: boolean;
  /** `unique: true` / `primaryKey: true`: an inline constraint whose index is built with the column. */
  inlineIndex?: 'unique' | 'primaryKey';
  /** `primaryKey: true`, or the `'id'` shorthand. */
  primaryKey?: boolean;
  /** `references: 'table'` (or `{ schema, name }`): an inline foreign key. */
  references?: TableRef;
}

/** `'c'` or `['a', 'b']` (node-pg-migrate column lists; `{ name }` elements of createIndex too), else undefined. */
function columnNames(e: ts.Expression | undefined): string[] | undefined {
  if (!e) return undefined;
  const x = unparen(e);
  const one = stringArg(x) ?? stringArg(props(x).get('name'));
  if (one !== undefined) return [one];
  if (!ts.isArrayLiteralExpression(x)) return undefined;
  const out: string[] = [];
  for (const el of x.elements) {
    const c = stringArg(el) ?? stringArg(props(el).get('name'));
    if (c === undefined) return undefined;
    out.push(c);
  }
  return out;
}

/** `references: 'schema.table'` / `'table'` / `{ schema, name }` of a column spec. */
function referencesOf(e: ts.Expression | undefined): TableRef | undefined {
  const s = stringArg(e);
  if (s !== undefined) {
    const parts = s.replace(/\s*\(.*$/, '').split('.');
    const table = parts[parts.length - 1];
    return table ? (parts.length > 1 ? { table, schema: parts[parts.length - 2]! } : { table }) : undefined;
  }
  const o = props(e);
  const table = stringArg(o.get('name'));
  if (table === undefined) return undefined;
  const schema = stringArg(o.get('schema'));
  return schema !== undefined ? { table, schema } : { table };
}

/** The first volatile function called in a `pgm.func('…')` / `PgLiteral.create('…')` default. */
function volatileDefaultOf(e: ts.Expression | undefined): string | undefined {
  if (!e) return undefined;
  const x = unparen(e);
  if (!ts.isCallExpression(x) || !ts.isPropertyAccessExpression(x.expression) || !['func', 'create'].includes(x.expression.name.text)) return undefined;
  const sql = stringArg(x.arguments[0])?.toLowerCase() ?? '';
  for (const m of sql.matchAll(/([a-z_][a-z0-9_]*)\s*\(/g)) if (VOLATILE_FUNCTIONS.has(m[1]!)) return m[1];
  return undefined;
}
function columnSpec(e: ts.Expression | undefined): ColumnSpec | undefined {
  if (!e) return undefined;
  const x = unparen(e);
  const s = stringArg(x);
  if (s !== undefined) {
    // The default `id` shorthand: `{ type: 'serial', primaryKey: true }` (node-pg-migrate docs, "Column definitions").
    if (s.trim() === 'id') return { dataType: { name: 'serial', args: [] }, notNull: true, hasDefault: true, volatileDefault: 'nextval', primaryKey: true };
    const dataType = sqlTypeFromString(s);
    const serial = /serial$/.test(dataType.name);
    return { dataType, notNull: false, hasDefault: serial, ...(serial ? { volatileDefault: 'nextval' } : {}) };
  }
  if (!ts.isObjectLiteralExpression(x)) return undefined;
  const p = props(x);
  const typeStr = stringArg(p.get('type'));
  const dataType = typeStr !== undefined ? sqlTypeFromString(typeStr) : undefined;
  const notNull = isTrueLit(p.get('notNull')) || isTrueLit(p.get('primaryKey'));
  const hasDefault =
    (p.has('default') && !isNullish(p.get('default'))) || p.has('sequenceGenerated') || p.has('generated') || (!!dataType && /serial$/.test(dataType.name));
  const volatileDefault = volatileDefaultOf(p.get('default')) ?? (dataType && /serial$/.test(dataType.name) ? 'nextval' : undefined);
  const generatedStored = p.has('expressionGenerated');
  const inlineIndex = isTrueLit(p.get('primaryKey')) ? 'primaryKey' : isTrueLit(p.get('unique')) ? 'unique' : undefined;
  const references = p.has('references') ? referencesOf(p.get('references')) : undefined;
  return {
    ...(references ? { references } : {}),
    ...(dataType ? { dataType } : {}),
    notNull,
    hasDefault: hasDefault || generatedStored,
    ...(volatileDefault ? { volatileDefault } : {}),
    ...(generatedStored ? { generatedStored } : {}),
    ...(inlineIndex ? { inlineIndex } : {}),
    ...(isTrueLit(p.get('primaryKey')) ? { primaryKey: true } : {}),
  };
}

/**
 * Parses a node-pg-migrate module. `parseSql` analyses SQL found in `pgm.sql(...)`. All ranges are UTF-16
 * offsets into `text`. Never throws on malformed source; unexpected internal errors are the caller's to catch.
 */
export function parseNodePgMigrate(text: string, fileName: string, parseSql: SqlParser): ParsedDocument {
  const sf = parseModule(fileName, text, 'migration.js');
  const reader = new PgmReader(text, sf, parseSql);
  const doc = reader.doc;
  // A module that does not parse does not load: Knex (node-pg-migrate) fails on it before any migration runs.
  doc.syntaxErrors.push(...moduleSyntaxErrors(sf));

  // `exports.down = false`: an irreversible migration (node-pg-migrate's convention).
  const found = findMigrationExports(sf, topLevelDeclarations(sf), { falseIsNullish: true });

  // Statement ranges for suppression comments.
  for (const r of statementRanges(sf)) doc.statements.push(r);

  const migration: { up?: MigrationExport; down?: MigrationExport } = {};
  for (const phase of ['up', 'down'] as const) {
    const info = found.get(phase);
    if (!info) continue;
    const empty = info.declaredIrreversible ? false : info.nullish || (info.fn ? isEmptyFunction(info.fn, sf) : false);
    migration[phase] = { nameRange: reader.rangeOf(info.nameNode), empty };
    if (info.fn) reader.analyzeFunction(info.fn, phase);
  }
  if (migration.up && !migration.down && [...reader.upCalls].every((m) => REVERSIBLE.has(m))) {
    // node-pg-migrate reverses these calls itself: the migration is reversible without a down export.
    migration.down = { nameRange: migration.up.nameRange, empty: false };
  }
  if (migration.up || migration.down) doc.migration = migration;
  doc.statements.sort((a, b) => a.start - b.start || b.end - a.end);
  return doc;
}

/**
 * `<receiver>.db.query(…)` / `<receiver>.db.select(…)`: node-pg-migrate's direct database access, which runs the SQL at
 * once (node-pg-migrate docs, "Miscellaneous": `pgm.db.query`, `pgm.db.select`).
 */
function isDbQuery(callee: ts.Expression, receiver: string): boolean {
  if (!ts.isPropertyAccessExpression(callee) || (callee.name.text !== 'query' && callee.name.text !== 'select')) return false;
  const db = unparen(callee.expression);
  return ts.isPropertyAccessExpression(db) && db.name.text === 'db' && ts.isIdentifier(db.expression) && db.expression.text === receiver;
}

/** `'t'` or `{ schema: 's', name: 't' }` → the table; undefined when neither. */
function tableOf(e: ts.Expression | undefined): TableRef | undefined {
  if (!e) return undefined;
  const s = stringArg(e);
  if (s !== undefined) return { table: s };
  const p = props(e);
  const name = stringArg(p.get('name'));
  if (name === undefined) return undefined;
  const schema = stringArg(p.get('schema'));
  return schema !== undefined ? { table: name, schema } : { table: name };
}

/** The fields every operation of one `pgm.<method>(…)` call shares, for the table `t`. */
type BaseOf = (t: TableRef) => OperationBase & TableRef;

/**
 * Reads the `up`/`down` functions of one node-pg-migrate module into {@link doc}: the module text, its TypeScript
 * tree and the SQL parser for `pgm.sql(...)` are shared by the methods, which append operations in source order.
 */
class PgmReader {
  /** The document being filled. */
  readonly doc: ParsedDocument = emptyDocument();
  /** Names of `pgm.<name>(…)` calls in `up`, to decide whether node-pg-migrate can reverse it automatically. */
  readonly upCalls = new Set<string>();

  constructor(
    private readonly text: string,
    private readonly sf: ts.SourceFile,
    private readonly parseSql: SqlParser,
  ) {}

  /** Range of `n` without leading trivia (UTF-16 offsets). */
  rangeOf(n: ts.Node): TextRange {
    return { start: n.getStart(this.sf), end: n.end };
  }

  /**
   * The operations of one `up`/`down` function: every `<receiver>.<method>(…)` call (the receiver is the first
   * parameter, `pgm` when there is none), with the statement of the function body it is in.
   */
  analyzeFunction(fn: FunctionLike, phase: Phase): void {
    if (!fn.body) return;
    const p0 = fn.parameters[0];
    const receiver = p0 && ts.isIdentifier(p0.name) ? p0.name.text : 'pgm';
    const statementOf = (n: ts.Node): TextRange => {
      let cur: ts.Node = n;
      while (cur.parent && !ts.isBlock(cur.parent) && cur.parent !== fn) cur = cur.parent;
      return this.rangeOf(cur);
    };
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n)) {
        const callee = unparen(n.expression);
        if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === receiver) {
          const method = callee.name.text;
          if (phase === 'up') this.upCalls.add(method);
          this.handleCall(n, method, phase, statementOf(n));
        } else if (isDbQuery(callee, receiver)) {
          if (phase === 'up') this.upCalls.add('db.query');
          this.analyzeSql(n, phase, false);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(fn.body);
  }

  /**
   * SQL in `pgm.sql(sql[, args])`: parsed with the dialect's parser and mapped back into the literal (`{name}`
   * placeholders are neutralised first, and syntax errors dropped, when `args` is given); else uninspectable.
   * Also `pgm.db.query(sql | { text: sql }[, values])` / `pgm.db.select(…)` (`templateArgs` false: node-postgres
   * `$1` parameters, which the PostgreSQL parser reads as they are).
   */
  private analyzeSql(call: ts.CallExpression, phase: Phase, templateArgs = true): void {
    const doc = this.doc;
    let arg = call.arguments[0];
    if (!arg) return;
    // node-postgres' query config: `{ text: 'SELECT …', values: [...] }`.
    if (!templateArgs && ts.isObjectLiteralExpression(unparen(arg))) {
      const text = props(arg).get('text');
      if (!text) {
        doc.uninspectable.push(this.rangeOf(arg));
        return;
      }
      arg = text;
    }
    const a = unparen(arg);
    if (!ts.isStringLiteral(a) && !ts.isNoSubstitutionTemplateLiteral(a)) {
      doc.uninspectable.push(this.rangeOf(a));
      return;
    }
    const decoded = decodeStringLiteral(this.text, a, a.getStart(this.sf));
    // `pgm.sql(sql, args)` substitutes `{name}` placeholders: read them as identifiers of the same length.
    const hasArgs = templateArgs && call.arguments.length > 1;
    const sql = hasArgs ? decoded.value.replace(/\{(\w+)\}/g, (m) => '_'.repeat(m.length)) : decoded.value;
    const inner = this.parseSql(sql);
    const map = (r: TextRange): TextRange => mapDecodedRange(decoded, r);
    for (const op of inner.operations) doc.operations.push({ ...op, range: map(op.range), statement: map(op.statement), origin: 'node-pg-migrate-sql', phase });
    for (const s of inner.statements) doc.statements.push(map(s));
    if (!hasArgs) for (const e of inner.syntaxErrors) doc.syntaxErrors.push({ ...e, range: map(e.range) });
    for (const u of inner.uninspectable) doc.uninspectable.push(map(u));
  }

  /** One `pgm.<method>(…)` call in `phase`, inside the function-body statement `statement`. */
  private handleCall(call: ts.CallExpression, method: string, phase: Phase, statement: TextRange): void {
    const ops = this.doc.operations;
    const args = call.arguments;
    const range = this.rangeOf(call);
    const ref = tableOf(args[0]);
    const base: BaseOf = (t) => ({ ...t, range, statement, phase, origin: 'node-pg-migrate', tableIsNew: false });
    const cascade = dropCascadeOp(method, args, base({ table: stringArg(args[0]) ?? ref?.table ?? '' }));
    if (cascade) ops.push(cascade);
    switch (method) {
      case 'renameTypeValue':
        if (ref && stringArg(args[1]) !== undefined && stringArg(args[2]) !== undefined) ops.push({ ...base(ref), type: 'renameEnumValue', value: stringArg(args[1])!, newValue: stringArg(args[2])! });
        return;
      case 'noTransaction':
        this.doc.transactionDisabled = true;
        return;
      case 'sql':
        this.analyzeSql(call, phase);
        return;
      case 'createTable':
        if (ref) ops.push(...createTableOps(args, base(ref), (n) => this.rangeOf(n)));
        return;
      case 'refreshMaterializedView':
        if (ref) ops.push(refreshOp(args, base(ref)));
        return;
      case 'addTypeValue': {
        const value = stringArg(args[1]);
        if (ref && value !== undefined) ops.push({ ...base(ref), type: 'addEnumValue', value });
        return;
      }
      case 'createDomain':
      case 'alterDomain':
        if (ref && domainRestricts(args[method === 'createDomain' ? 2 : 1], method === 'alterDomain')) ops.push({ ...base(ref), type: 'domainConstraint', alter: method === 'alterDomain' });
        return;
      case 'dropTable':
        if (ref) ops.push({ ...base(ref), type: 'dropTable', ...(isTrueLit(props(args[1]).get('ifExists')) ? { ifExists: true } : {}) });
        return;
      case 'renameTable': {
        const newName = stringArg(args[1]) ?? tableOf(args[1])?.table;
        if (ref && newName !== undefined) ops.push({ ...base(ref), type: 'renameTable', newName });
        return;
      }
      case 'addColumns':
      case 'addColumn':
        if (ref && args[1]) this.addColumns(args[1], ref, base);
        return;
      case 'dropColumns':
      case 'dropColumn':
        if (ref && args[1]) this.dropColumns(args[1], ref, base);
        return;
      case 'renameColumn': {
        const column = stringArg(args[1]);
        const newName = stringArg(args[2]);
        if (ref && column !== undefined && newName !== undefined) ops.push({ ...base(ref), type: 'renameColumn', column, newName });
        return;
      }
      case 'alterColumn':
        if (ref) this.alterColumn(args, ref, base);
        return;
      case 'createIndex':
      case 'addIndex':
        if (ref) ops.push(createIndexOp(args, base(ref)));
        return;
      case 'addConstraint':
      case 'createConstraint':
        if (ref) ops.push(addConstraintOp(args, base(ref)));
        return;
      case 'dropSchema': {
        const schemaName = stringArg(args[0]);
        if (schemaName !== undefined) ops.push({ ...base({ table: schemaName }), type: 'dropDatabase', object: 'schema' });
        return;
      }
      case 'dropIndex':
        if (ref) ops.push(dropIndexOp(args, ref, base(ref)));
        return;
      default:
        return;
    }
  }

  /** `pgm.addColumns(t, { c: spec, … })`: one addColumn per property (pointing at it when there are several). */
  private addColumns(arg: ts.Expression, ref: TableRef, base: BaseOf): void {
    const o = unparen(arg);
    if (!ts.isObjectLiteralExpression(o)) return;
    const several = o.properties.length > 1;
    for (const p of o.properties) {
      const name = propName(p);
      if (name === undefined || !ts.isPropertyAssignment(p)) continue;
      const c = columnSpec(p.initializer);
      if (!c) continue;
      this.doc.operations.push({
        ...base(ref),
        ...(several ? { range: this.rangeOf(p) } : {}),
        type: 'addColumn',
        column: name,
        notNull: c.notNull,
        hasDefault: c.hasDefault,
        ...(c.dataType ? { dataType: c.dataType } : {}),
        ...(c.volatileDefault ? { volatileDefault: c.volatileDefault } : {}),
        ...(c.generatedStored ? { generatedStored: true } : {}),
        ...(c.primaryKey ? { primaryKey: true } : {}),
      });
      if (c.inlineIndex) {
        this.doc.operations.push({ ...base(ref), ...(several ? { range: this.rangeOf(p) } : {}), type: 'addConstraint', constraint: c.inlineIndex, notValid: false, usingIndex: false, inline: true, columns: [name] });
      }
    }
  }

  /** `pgm.dropColumns(t, 'c' | ['c', …] | { c: …, … })`: one dropColumn per name (pointing at it when there are several). */
  private dropColumns(arg: ts.Expression, ref: TableRef, base: BaseOf): void {
    const a = unparen(arg);
    const cols: { name: string; node: ts.Node }[] = [];
    if (ts.isArrayLiteralExpression(a)) {
      for (const el of a.elements) {
        const s = stringArg(el);
        if (s !== undefined) cols.push({ name: s, node: el });
      }
    } else if (ts.isObjectLiteralExpression(a)) {
      for (const p of a.properties) {
        const n = propName(p);
        if (n !== undefined) cols.push({ name: n, node: p });
      }
    } else {
      const s = stringArg(a);
      if (s !== undefined) cols.push({ name: s, node: a });
    }
    for (const c of cols) this.doc.operations.push({ ...base(ref), ...(cols.length > 1 ? { range: this.rangeOf(c.node) } : {}), type: 'dropColumn', column: c.name });
  }

  /** `pgm.alterColumn(t, c, { type, using, notNull, allowNull })`: a type change and/or a nullability change. */
  private alterColumn(args: ts.NodeArray<ts.Expression>, ref: TableRef, base: BaseOf): void {
    const ops = this.doc.operations;
    const column = stringArg(args[1]);
    if (column === undefined) return;
    const o = props(args[2]);
    const typeStr = stringArg(o.get('type'));
    if (o.has('type')) {
      ops.push({
        ...base(ref),
        type: 'alterColumnType',
        column,
        ...(typeStr !== undefined ? { newType: sqlTypeFromString(typeStr) } : {}),
        hasUsing: o.has('using') && !isNullish(o.get('using')),
      });
    }
    if (isTrueLit(o.get('notNull')) || isFalseLit(o.get('allowNull'))) ops.push({ ...base(ref), type: 'setNotNull', column });
    else if (isFalseLit(o.get('notNull')) || isTrueLit(o.get('allowNull'))) ops.push({ ...base(ref), type: 'dropNotNull', column });
  }
}

/** `pgm.createTable(t, { c: spec, … })` with the columns' types, then one columnDefinition per column (at its property). */
function createTableOps(args: ts.NodeArray<ts.Expression>, base: OperationBase & TableRef, rangeOf: (n: ts.Node) => TextRange): Operation[] {
  const columns: { name: string; dataType?: ColumnType; notNull?: boolean }[] = [];
  const definitions: Operation[] = [];
  const keys: string[][] = [];
  const foreignKeys: ForeignKeyDecl[] = [];
  for (const [name, spec] of props(args[1])) {
    const c = columnSpec(spec);
    columns.push({ name, ...(c?.dataType ? { dataType: c.dataType } : {}), ...(c?.notNull ? { notNull: true } : {}) });
    const prop = ts.isPropertyAssignment(spec.parent) || ts.isShorthandPropertyAssignment(spec.parent) ? spec.parent : spec;
    definitions.push({ ...base, type: 'columnDefinition', column: name, ...(c?.dataType ? { dataType: c.dataType } : {}), primaryKey: c?.primaryKey === true, range: rangeOf(prop) });
    if (c?.primaryKey || c?.inlineIndex) keys.push([name]);
    if (c?.references) foreignKeys.push({ columns: [name], references: c.references, range: rangeOf(prop) });
  }
  // Table options (third argument): `primaryKey: ['a', 'b']`, `constraints: { unique, primaryKey, foreignKeys }`.
  const options = props(args[2]);
  const constraints = props(options.get('constraints'));
  for (const k of [options.get('primaryKey'), constraints.get('primaryKey'), constraints.get('unique')]) {
    const cols = columnNames(k);
    if (cols) keys.push(cols);
  }
  foreignKeys.push(...foreignKeySpecs(constraints.get('foreignKeys')).map((f) => ({ ...f, range: base.range })));
  const op: CreateTableOp = { ...base, type: 'createTable', columns };
  const spec = args[1] ? unparen(args[1]) : undefined;
  // Known only for a literal column object without spreads (`{ ...common }` may hold the key).
  if (definitions.some((d) => d.type === 'columnDefinition' && d.primaryKey) || columnNames(options.get('primaryKey')) || columnNames(constraints.get('primaryKey'))) op.primaryKey = true;
  else if (spec && ts.isObjectLiteralExpression(spec) && !spec.properties.some(ts.isSpreadAssignment) && !options.has('like') && !options.has('inherits') && !options.has('partitionOf')) op.primaryKey = false;
  if (keys.length) op.keys = keys;
  if (foreignKeys.length) op.foreignKeys = foreignKeys;
  return [op, ...definitions];
}

/** `foreignKeys: { columns, references } | [{ … }, …]` → the referencing columns and referenced table of each. */
function foreignKeySpecs(e: ts.Expression | undefined): { columns: string[]; references?: TableRef }[] {
  if (!e) return [];
  const x = unparen(e);
  const specs = ts.isArrayLiteralExpression(x) ? [...x.elements] : [x];
  const out: { columns: string[]; references?: TableRef }[] = [];
  for (const spec of specs) {
    const o = props(spec);
    const columns = columnNames(o.get('columns'));
    const references = referencesOf(o.get('references'));
    if (columns) out.push({ columns, ...(references ? { references } : {}) });
  }
  return out;
}

/** `pgm.dropX(…, { cascade: true })` (dropTable, dropColumns, dropType, dropSchema, dropConstraint, …) → a dropCascade. */
function dropCascadeOp(method: string, args: ts.NodeArray<ts.Expression>, base: OperationBase & TableRef): Operation | undefined {
  if (!method.startsWith('drop') || !args.some((a) => isTrueLit(props(a).get('cascade')))) return undefined;
  const object = method.slice(4).replace(/s$/, '').replace(/[A-Z]/g, (c, i: number) => (i ? ' ' : '') + c.toLowerCase());
  return { ...base, type: 'dropCascade', object };
}

/** `pgm.refreshMaterializedView(view, { concurrently, data })`. */
function refreshOp(args: ts.NodeArray<ts.Expression>, base: OperationBase & TableRef): Operation {
  const o = props(args[1]);
  return { ...base, type: 'maintenance', command: 'refreshMaterializedView', concurrently: isTrueLit(o.get('concurrently')), ...(isFalseLit(o.get('data')) ? { withNoData: true } : {}) };
}

/**
 * `pgm.createDomain(name, type, options)` with `check` or `notNull: true`; `pgm.alterDomain(name, options)` with `check`
 * (ADD CONSTRAINT; its `notNull` is SET NOT NULL).
 */
function domainRestricts(options: ts.Expression | undefined, alter: boolean): boolean {
  const o = props(options);
  return (o.has('check') && !isNullish(o.get('check'))) || (!alter && isTrueLit(o.get('notNull')));
}

/** `pgm.createIndex(t, cols, { name, unique, concurrently, ifNotExists })`. */
function createIndexOp(args: ts.NodeArray<ts.Expression>, base: OperationBase & TableRef): Operation {
  const o = props(args[2]);
  const index = stringArg(o.get('name'));
  // A partial (`where`) or non-B-tree (`method`) index serves no lookup on all rows.
  const method = stringArg(o.get('method'));
  const lookups = !o.has('where') && (!o.has('method') || method?.toLowerCase() === 'btree');
  const columns = lookups ? columnNames(args[1]) : [];
  return { ...base, type: 'createIndex', ...(index !== undefined ? { index } : {}), concurrently: isTrueLit(o.get('concurrently')), unique: isTrueLit(o.get('unique')), ...(isTrueLit(o.get('ifNotExists')) ? { ifNotExists: true } : {}), ...(columns ? { columns } : {}) };
}

/** `pgm.addConstraint(t, name | null, { foreignKeys | references, check, unique, primaryKey, exclude } | 'SQL')`. */
function addConstraintOp(args: ts.NodeArray<ts.Expression>, base: OperationBase & TableRef): Operation {
  const name = stringArg(args[1]);
  const spec = args[2] ? unparen(args[2]) : undefined;
  let constraint: 'foreignKey' | 'check' | 'unique' | 'primaryKey' | 'exclusion' | 'other' = 'other';
  if (spec && ts.isObjectLiteralExpression(spec)) {
    const o = props(spec);
    constraint = o.has('foreignKeys') || o.has('references') ? 'foreignKey' : o.has('check') ? 'check' : o.has('unique') ? 'unique' : o.has('primaryKey') ? 'primaryKey' : o.has('exclude') ? 'exclusion' : 'other';
    // One foreign key per call is modelled: several (`foreignKeys: [a, b]`) keep no columns (not checked).
    const fks = constraint === 'foreignKey' ? foreignKeySpecs(o.get('foreignKeys')) : [];
    const columns = constraint === 'foreignKey' ? (fks.length === 1 ? fks[0]!.columns : undefined) : constraint === 'unique' || constraint === 'primaryKey' ? columnNames(o.get(constraint)) : undefined;
    const references = fks.length === 1 ? fks[0]!.references : undefined;
    return { ...base, type: 'addConstraint', constraint, ...(name !== undefined ? { name } : {}), notValid: false, usingIndex: false, ...(columns ? { columns } : {}), ...(references ? { references } : {}) };
  } else {
    const sqlText = stringArg(spec) ?? '';
    constraint = /^\s*foreign\s+key/i.test(sqlText) ? 'foreignKey' : /^\s*check\b/i.test(sqlText) ? 'check' : /^\s*unique\b/i.test(sqlText) ? 'unique' : /^\s*primary\s+key/i.test(sqlText) ? 'primaryKey' : 'other';
  }
  const sqlText = stringArg(spec) ?? '';
  return { ...base, type: 'addConstraint', constraint, ...(name !== undefined ? { name } : {}), notValid: /\bnot\s+valid\b/i.test(sqlText), usingIndex: /\busing\s+index\b/i.test(sqlText) };
}

/** `pgm.dropIndex(t, cols, { name, concurrently })`: the index named, else node-pg-migrate's default name. */
function dropIndexOp(args: ts.NodeArray<ts.Expression>, ref: TableRef, base: OperationBase & TableRef): Operation {
  const o = props(args[2]);
  const cols = args[1] ? unparen(args[1]) : undefined;
  const colNames = cols ? (ts.isArrayLiteralExpression(cols) ? cols.elements.map((e) => stringArg(e) ?? '?') : [stringArg(cols) ?? '?']) : [];
  const index = stringArg(o.get('name')) ?? `${ref.table}_${colNames.join('_')}_index`;
  return { ...base, type: 'dropIndex', index, concurrently: isTrueLit(o.get('concurrently')) };
}

/** A function with no statements (or only `return;`). */
function isEmptyFunction(fn: FunctionLike, sf: ts.SourceFile): boolean {
  const body = fn.body;
  if (!body) return true;
  if (!ts.isBlock(body)) return body.getText(sf).trim() === '' || isNullish(body as ts.Expression);
  return body.statements.every((s) => ts.isEmptyStatement(s) || (ts.isReturnStatement(s) && isNullish(s.expression)));
}
