/**
 * SQLite SQL → {@link ParsedDocument}, with sql-parser-cst (`dialect: 'sqlite'`, `includeRange: true`).
 * Its ranges are already UTF-16 offsets. It throws at the first syntax error with the position only in
 * the message (`--> file:LINE:COL`, 1-based, columns in UTF-16 units); we read it back from there.
 * Recovery is the same as for PostgreSQL: split at top-level `;` and parse piece by piece.
 */
import { parse } from 'sql-parser-cst';
import type { TextRange } from '../text';
import { emptyDocument } from '../model';
import type { ColumnType, Operation, ParsedDocument, TableRef } from '../model';
import { neutralizePlaceholders, pieceErrorReporter, recoverStatements, restorePlaceholderNames, splitSqlStatements } from './sql-split';

type Json = Record<string, unknown>;
function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function rangeOf(node: unknown, base: number): TextRange | undefined {
  const r = obj(node)?.['range'];
  if (!Array.isArray(r) || typeof r[0] !== 'number' || typeof r[1] !== 'number') return undefined;
  return { start: base + r[0], end: base + r[1] };
}
/** Name of an identifier node. */
function identName(node: unknown): string | undefined {
  const o = obj(node);
  if (!o) return undefined;
  if (o['type'] === 'identifier' && typeof o['name'] === 'string') return o['name'];
  return undefined;
}
/** `t` or `main.t` → TableRef. */
function entityRef(node: unknown): TableRef | undefined {
  const o = obj(node);
  if (!o) return undefined;
  if (o['type'] === 'identifier') {
    const table = identName(o);
    return table === undefined ? undefined : { table };
  }
  if (o['type'] === 'member_expr') {
    const table = identName(o['property']);
    const schema = identName(o['object']);
    if (table === undefined) return undefined;
    return schema ? { table, schema } : { table };
  }
  if (o['type'] === 'table_without_inheritance') return entityRef(o['table']);
  return undefined;
}
function columnType(node: unknown): ColumnType | undefined {
  const o = obj(node);
  if (!o) return undefined;
  if (o['type'] === 'data_type_name') {
    const kws = Array.isArray(o['name']) ? o['name'] : [o['name']];
    const name = kws
      .map((k) => obj(k)?.['text'])
      .filter((t): t is string => typeof t === 'string')
      .join(' ')
      .toLowerCase();
    return name ? { name, args: [] } : undefined;
  }
  if (o['type'] === 'modified_data_type') {
    const inner = columnType(o['dataType']);
    if (!inner) return undefined;
    const items = arr(obj(obj(o['modifiers'])?.['expr'])?.['items']);
    const args = items.map((i) => Number(obj(i)?.['value'])).filter((n) => Number.isFinite(n));
    return { name: inner.name, args };
  }
  return undefined;
}
function constraintTypes(constraints: unknown): string[] {
  return arr(constraints).map((c) => {
    const o = obj(c);
    const inner = o?.['type'] === 'constraint' ? obj(o['constraint']) : o;
    return typeof inner?.['type'] === 'string' ? inner['type'] : '';
  });
}

/** Fields every operation of one statement shares. */
type StatementFields = { statement: TextRange; origin: 'sql'; tableIsNew: false };

/** Records one statement node of a chunk starting at UTF-16 `base`: its range, then the operations it performs. */
function handleStatement(node: unknown, base: number, ops: Operation[], statements: TextRange[]): void {
  const stmt = obj(node);
  const statement = rangeOf(stmt, base);
  if (!stmt || !statement || stmt['type'] === 'empty') return;
  statements.push(statement);
  const common: StatementFields = { statement, origin: 'sql', tableIsNew: false };
  switch (stmt['type']) {
    case 'create_table_stmt': {
      const ref = entityRef(stmt['name']);
      if (!ref) return;
      const columns = arr(obj(obj(stmt['columns'])?.['expr'])?.['items'])
        .map(obj)
        .filter((c): c is Json => c?.['type'] === 'column_definition')
        .map((c) => {
          const dataType = columnType(c['dataType']);
          const name = identName(c['name']) ?? '';
          const kinds = constraintTypes(c['constraints']);
          const notNull = kinds.includes('constraint_not_null') || kinds.includes('constraint_primary_key');
          return { name, ...(dataType ? { dataType } : {}), ...(notNull ? { notNull } : {}) };
        });
      ops.push({ ...common, ...ref, type: 'createTable', columns, ...(stmt['ifNotExistsKw'] ? { ifNotExists: true } : {}), range: statement });
      return;
    }
    case 'drop_table_stmt': {
      const tables = arr(obj(stmt['tables'])?.['items']);
      for (const t of tables) {
        const ref = entityRef(t);
        if (!ref) continue;
        const range = tables.length > 1 ? (rangeOf(t, base) ?? statement) : statement;
        ops.push({ ...common, ...ref, type: 'dropTable', ...(stmt['ifExistsKw'] ? { ifExists: true } : {}), range });
      }
      return;
    }
    case 'create_index_stmt':
      return createIndex(stmt, common, ops);
    case 'alter_table_stmt':
      return alterTable(stmt, base, common, ops);
    case 'delete_stmt':
    case 'update_stmt': {
      const clauses = arr(stmt['clauses']).map(obj);
      const head = clauses.find((c) => c?.['type'] === 'delete_clause' || c?.['type'] === 'update_clause');
      const ref = entityRef(arr(obj(head?.['tables'])?.['items'])[0]);
      if (!ref) return;
      const hasWhere = clauses.some((c) => c?.['type'] === 'where_clause');
      ops.push({ ...common, ...ref, type: stmt['type'] === 'delete_stmt' ? 'deleteRows' : 'updateRows', hasWhere, range: statement });
      return;
    }
    case 'pragma_stmt':
      return pragma(stmt, common, ops);
    case 'start_transaction_stmt':
      ops.push({ ...common, type: 'transactionControl', kind: 'begin', table: '', range: statement });
      return;
    case 'commit_transaction_stmt':
      ops.push({ ...common, type: 'transactionControl', kind: 'commit', table: '', range: statement });
      return;
    case 'rollback_transaction_stmt':
      if (!stmt['savepoint'] && !stmt['toKw']) ops.push({ ...common, type: 'transactionControl', kind: 'rollback', table: '', range: statement });
      return;
    default:
      return;
  }
}

/** `PRAGMA [schema.]name = value` / `PRAGMA name(value)` → a setVariable (name and value lower-case); a bare `PRAGMA name` gives none. */
function pragma(stmt: Json, common: StatementFields, ops: Operation[]): void {
  const p = obj(stmt['pragma']);
  const nameNode = obj(p?.['name']);
  const name = nameNode?.['type'] === 'member_expr' ? identName(nameNode['property']) : identName(nameNode);
  const valueNode = p?.['type'] === 'pragma_assignment' ? obj(p['value']) : p?.['type'] === 'pragma_func_call' ? obj(obj(p['args'])?.['expr']) : undefined;
  const value = valueNode?.['text'];
  if (name === undefined || typeof value !== 'string') return;
  ops.push({ ...common, type: 'setVariable', name: name.toLowerCase(), value: value.toLowerCase(), table: '', range: common.statement });
}

/** CREATE [UNIQUE] INDEX [IF NOT EXISTS]. */
function createIndex(stmt: Json, common: StatementFields, ops: Operation[]): void {
  const ref = entityRef(stmt['table']);
  if (!ref) return;
  const nameNode = obj(stmt['name']);
  const index = nameNode ? entityRef(nameNode)?.table : undefined;
  ops.push({
    ...common,
    ...ref,
    type: 'createIndex',
    ...(index ? { index } : {}),
    concurrently: stmt['concurrentlyKw'] !== undefined,
    unique: obj(stmt['indexTypeKw'])?.['name'] === 'UNIQUE',
    ...(stmt['ifNotExistsKw'] ? { ifNotExists: true } : {}),
    range: common.statement,
  });
}

/** ALTER TABLE: RENAME TO, DROP COLUMN, RENAME COLUMN, ADD COLUMN (each action pointing at its own text). */
function alterTable(stmt: Json, base: number, common: StatementFields, ops: Operation[]): void {
  const { statement } = common;
  const ref = entityRef(stmt['table']);
  if (!ref) return;
  for (const action of arr(obj(stmt['actions'])?.['items'])) {
    const a = obj(action);
    const range = rangeOf(a, base) ?? statement;
    if (!a) continue;
    if (a['type'] === 'alter_action_rename') {
      const newName = identName(a['newName']);
      if (newName !== undefined) ops.push({ ...common, ...ref, type: 'renameTable', newName, range: statement });
    } else if (a['type'] === 'alter_action_drop_column') {
      const column = identName(a['column']);
      if (column !== undefined) ops.push({ ...common, ...ref, type: 'dropColumn', column, range });
    } else if (a['type'] === 'alter_action_rename_column') {
      const column = identName(a['oldName']);
      const newName = identName(a['newName']);
      if (column !== undefined && newName !== undefined) ops.push({ ...common, ...ref, type: 'renameColumn', column, newName, range });
    } else if (a['type'] === 'alter_action_add_column') {
      const def = obj(a['column']);
      const column = identName(def?.['name']);
      if (!def || column === undefined) continue;
      const kinds = constraintTypes(def['constraints']);
      const dataType = columnType(def['dataType']);
      ops.push({
        ...common,
        ...ref,
        type: 'addColumn',
        column,
        notNull: kinds.includes('constraint_not_null') || kinds.includes('constraint_primary_key'),
        hasDefault: kinds.includes('constraint_default') || kinds.includes('constraint_generated'),
        ...(dataType ? { dataType } : {}),
        range,
      });
    }
  }
}

interface CstError {
  message: string;
  /** UTF-16 offset within the chunk. */
  offset: number;
}

function parseChunk(chunk: string, base: number, doc: ParsedDocument): CstError | undefined {
  let program: unknown;
  try {
    program = parse(chunk, { dialect: 'sqlite', includeRange: true, filename: 'sql' });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    let offset = 0;
    const m = /-->\s*sql:(\d+):(\d+)/.exec(message);
    if (m) {
      const line = Number(m[1]);
      const col = Number(m[2]);
      let lineStart = 0;
      for (let l = 1; l < line; l++) {
        const nl = chunk.indexOf('\n', lineStart);
        if (nl < 0) break;
        lineStart = nl + 1;
      }
      offset = Math.min(chunk.length, lineStart + col - 1);
    }
    const first = message.split('\n')[0] ?? message;
    return { message: first.replace(/^Syntax Error: Unexpected/, 'syntax error: unexpected'), offset };
  }
  const ops: Operation[] = [];
  const statements: TextRange[] = [];
  try {
    for (const s of arr(obj(program)?.['statements'])) handleStatement(s, base, ops, statements);
  } catch {
    // A CST shape we did not expect: keep what we have.
  }
  doc.operations.push(...ops);
  doc.statements.push(...statements);
  return undefined;
}

/**
 * Parses SQLite `text` into operations, statements and syntax errors (UTF-16 offsets into `text`).
 * Never throws.
 */
export function parseSqlite(original: string): ParsedDocument {
  const placeholders = neutralizePlaceholders(original);
  if (placeholders) {
    const parsed = parseSqliteText(placeholders.text);
    restorePlaceholderNames(parsed, placeholders.names);
    return parsed;
  }
  return parseSqliteText(original);
}

function parseSqliteText(text: string): ParsedDocument {
  const doc = emptyDocument();
  if (!parseChunk(text, 0, doc)) return doc;
  doc.operations.length = 0;
  doc.statements.length = 0;
  recoverStatements(
    text,
    splitSqlStatements(text, 'sqlite'),
    (s, e) => {
      const err = parseChunk(text.slice(s, e), s, doc);
      return err && { message: err.message, offset: s + err.offset };
    },
    pieceErrorReporter(text, doc),
  );
  doc.statements.sort((a, b) => a.start - b.start);
  return doc;
}
