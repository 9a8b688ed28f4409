/**
 * Shared by the column-type rules (`ban-char-field`, `prefer-bigint-over-int`, `prefer-text-field`, …): every column
 * type a migration writes (CREATE TABLE columns, ADD COLUMN, ALTER COLUMN … TYPE) and the fix that replaces the type's
 * text in SQL.
 */
import { opsOfType } from '../model';
import type { ColumnType, Operation, RuleContext, RuleViolation, TextRange } from '../model';
import type { Fix } from '../types';
import { EMBEDDED_SQL_ORIGINS } from './util';

/** One column type written by a migration. */
export interface TypedColumn {
  op: Operation;
  table: string;
  column: string;
  dataType: ColumnType;
  /** Where a finding points: the column definition, the ADD COLUMN or the ALTER COLUMN sub-command. */
  range: TextRange;
}

/**
 * The column types written in `up` (and in files without phases) whose name is in `names`: CREATE TABLE columns, ADD
 * COLUMN, and the new type of ALTER COLUMN … TYPE. Rollback code is skipped: it recreates what earlier migrations had.
 */
export function typedColumns(ctx: RuleContext, names: ReadonlySet<string>): TypedColumn[] {
  const out: TypedColumn[] = [];
  for (const op of opsOfType(ctx.doc, 'columnDefinition', 'addColumn', 'alterColumnType')) {
    if (op.phase === 'down') continue;
    const dataType = op.type === 'alterColumnType' ? op.newType : op.dataType;
    if (!dataType || !names.has(dataType.name)) continue;
    out.push({ op, table: op.table, column: op.column, dataType, range: op.range });
  }
  return out;
}

/** Origins whose text at the operation's range is SQL (a fix can rewrite the type there). */
function isSqlOrigin(op: Operation): boolean {
  return op.origin === 'sql' || EMBEDDED_SQL_ORIGINS.has(op.origin);
}

/**
 * A fix replacing the first match of `pattern` (a type, e.g. `/\bjson\b/i`; not global) after the column name in the SQL of
 * `c.range` by `replacement`; `undefined` when the operation is not SQL or the type is not found verbatim.
 */
export function replaceTypeFix(ctx: RuleContext, c: TypedColumn, pattern: RegExp, replacement: string, title: string): Fix | undefined {
  if (!isSqlOrigin(c.op)) return undefined;
  const text = ctx.text.slice(c.range.start, c.range.end);
  // Skip the keywords and the column name: the type follows the name (`ADD COLUMN x json`, `x json`, `ALTER COLUMN x TYPE json`).
  const nameAt = text.toLowerCase().indexOf(c.column.toLowerCase());
  if (nameAt < 0) return undefined;
  const from = nameAt + c.column.length;
  // `pattern` is not global: exec() has no state to reset.
  const m = pattern.exec(text.slice(from));
  if (!m) return undefined;
  const start = c.range.start + from + m.index;
  return { title, edits: [{ start, end: start + m[0].length, newText: replacement }] };
}

/** A violation at the column with an optional fix. */
export function columnViolation(c: TypedColumn, message: string, fix?: Fix): RuleViolation {
  const v: RuleViolation = { start: c.range.start, end: c.range.end, message };
  if (fix) v.fix = fix;
  return v;
}

/** `"table"."column"` for messages. */
export function displayColumn(c: TypedColumn): string {
  return `"${c.table}"."${c.column}"`;
}
