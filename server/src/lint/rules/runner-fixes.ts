/**
 * Quick fixes in the runners' own code (issue 16), for Knex schema-builder chains and Alembic `op.*` calls, where the
 * edit is mechanical. Each returns undefined whenever the text is not in the plain shape it knows (a comment or a
 * multi-line string inside the call, the call not alone on its lines, several candidates): no fix rather than a
 * wrong one.
 * - {@link knexRawIndexFix}: `alterTable('t', (t) => { t.index([…]) })` → `knex.raw('CREATE INDEX CONCURRENTLY …')` and
 *   `config = { transaction: false }`.
 * - {@link knexNullableFix}: `.notNullable()` of a column added without a default → `.nullable()` (backfill first).
 * - {@link alembicNullableFix}: `nullable=False` of `op.add_column` without `server_default` → `nullable=True`.
 * - {@link alembicConcurrentIndexFix}: `op.create_index(…)` → `postgresql_concurrently=True`, inside
 *   `with op.get_context().autocommit_block():` unless the call already runs outside the transaction.
 * Source: Alembic docs, "Operation Reference" (`create_index` `postgresql_concurrently`; `MigrationContext.autocommit_block`).
 */
import type { Operation, RuleContext } from '../model';
import type { Fix, TextEdit } from '../types';
import { inKnexTransaction, knexNoTransactionEdit } from './util';

/** `name` as a PostgreSQL quoted identifier, when it is plain enough to write inside a single-quoted JS string the way Knex wraps it (no quote, backslash, dot, space or `?`, which knex.raw reads as a binding). */
function quotedForRaw(name: string): string | undefined {
  return /^[^"'\\.\s`?]+$/.test(name) ? `"${name}"` : undefined;
}

/**
 * The fix building a Knex index concurrently: the schema call holding only `t.index(…)` (parser's
 * {@link CreateIndexOp.knexAlone}) becomes `<r>.raw('CREATE INDEX CONCURRENTLY "<name Knex gives>" ON "t" (…)')`, and
 * the migration runs outside a transaction (`config = { transaction: false }`), as CONCURRENTLY requires.
 */
export function knexRawIndexFix(ctx: RuleContext, op: Operation): Fix | undefined {
  if (op.type !== 'createIndex' || op.origin !== 'knex' || !op.knexAlone || op.schema !== undefined || op.unique) return undefined;
  const { call, receiver, columns, name } = op.knexAlone;
  const table = quotedForRaw(op.table);
  const index = quotedForRaw(name);
  const cols = columns.map(quotedForRaw);
  if (!table || !index || cols.some((c) => c === undefined)) return undefined;
  const edits: TextEdit[] = [{ start: call.start, end: call.end, newText: `${receiver}.raw('CREATE INDEX CONCURRENTLY ${index} ON ${table} (${cols.join(', ')})')` }];
  if (inKnexTransaction(ctx)) {
    const config = knexNoTransactionEdit(ctx.text);
    if (!config) return undefined;
    edits.push(config);
  }
  return { title: 'Create the index concurrently with knex.raw, outside a transaction', edits };
}

/** The fix making an added Knex column nullable: its one `.notNullable()` becomes `.nullable()` with a note to backfill. */
export function knexNullableFix(ctx: RuleContext, op: Operation): Fix | undefined {
  if (op.origin !== 'knex' || op.type !== 'addColumn' || op.primaryKey) return undefined;
  const chain = ctx.text.slice(op.range.start, op.range.end);
  const matches = [...chain.matchAll(/\.notNullable\(\s*\)/g)];
  if (matches.length !== 1) return undefined;
  const start = op.range.start + matches[0]!.index!;
  return {
    title: 'Add the column as nullable (backfill it, then make it NOT NULL)',
    edits: [{ start, end: start + matches[0]![0].length, newText: '.nullable() /* backfill existing rows, then make it NOT NULL in a later migration */' }],
  };
}

/** The start of the line holding `offset`, and that line's leading whitespace, when only whitespace precedes `offset` there. */
function lineOpening(text: string, offset: number): { lineStart: number; indent: string } | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  return /^[ \t]*$/.test(before) ? { lineStart, indent: before } : undefined;
}

/** Whether the Python text holds a `#` comment or a triple-quoted string (whose lines an edit must not touch or re-indent). */
function hasCommentOrLongString(python: string): boolean {
  const withoutStrings = python.replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, '""');
  return withoutStrings.includes('#') || /'''|"""/.test(python);
}

/** The statement of an Alembic `op.<method>(…)` call alone on its lines, without comments or long strings inside. */
function plainAlembicCall(ctx: RuleContext, op: Operation, method: string): { text: string; lineStart: number; indent: string } | undefined {
  if (op.origin !== 'alembic') return undefined;
  const { start, end } = op.statement;
  const text = ctx.text.slice(start, end);
  if (!new RegExp(`^op\\.${method}\\s*\\([\\s\\S]*\\)$`).test(text) || hasCommentOrLongString(text)) return undefined;
  const opening = lineOpening(ctx.text, start);
  const rest = ctx.text.slice(end, (ctx.text.indexOf('\n', end) + 1 || ctx.text.length + 1) - 1);
  if (!opening || !/^[ \t]*(?:#.*)?\r?$/.test(rest)) return undefined;
  return { text, ...opening };
}

/** The fix making an Alembic `op.add_column(…, nullable=False)` nullable, with a comment above it on what comes next. */
export function alembicNullableFix(ctx: RuleContext, op: Operation): Fix | undefined {
  if (op.type !== 'addColumn') return undefined;
  const call = plainAlembicCall(ctx, op, 'add_column');
  if (!call) return undefined;
  const matches = [...call.text.matchAll(/\bnullable\s*=\s*False\b/g)];
  if (matches.length !== 1) return undefined;
  const start = op.statement.start + matches[0]!.index!;
  return {
    title: 'Add the column as nullable (backfill it, then make it NOT NULL)',
    edits: [
      { start: call.lineStart, end: call.lineStart, newText: `${call.indent}# Nullable for now: backfill existing rows, then op.alter_column(..., nullable=False) in a later migration.\n` },
      { start, end: start + matches[0]![0].length, newText: 'nullable=True' },
    ],
  };
}

/**
 * The fix building an Alembic index concurrently: `postgresql_concurrently=True` added to the call, and the call put
 * in `with op.get_context().autocommit_block():` (its lines indented one level more) unless it already runs outside
 * the migration's transaction (CONCURRENTLY cannot run inside one).
 */
export function alembicConcurrentIndexFix(ctx: RuleContext, op: Operation): Fix | undefined {
  if (op.type !== 'createIndex' || op.concurrently) return undefined;
  const call = plainAlembicCall(ctx, op, 'create_index');
  if (!call || /\bpostgresql_concurrently\b/.test(call.text)) return undefined;
  const close = op.statement.end - 1;
  let last = close - 1;
  while (last > op.statement.start && /\s/.test(ctx.text[last]!)) last--;
  const argument = ctx.text[last] === ',' ? ' postgresql_concurrently=True' : ', postgresql_concurrently=True';
  const edits: TextEdit[] = [{ start: last + 1, end: last + 1, newText: argument }];
  if (ctx.doc.transactionDisabled === true || op.outsideTransaction === true) return { title: 'Create the index concurrently', edits };
  const unit = call.indent.includes('\t') ? '\t' : '    ';
  edits.unshift({ start: call.lineStart, end: call.lineStart, newText: `${call.indent}with op.get_context().autocommit_block():\n${unit}` });
  // Continuation lines of the call, indented along (they are inside the parentheses: only for the eye).
  for (let i = op.statement.start; i < close; i++) {
    if (ctx.text[i] === '\n') edits.push({ start: i + 1, end: i + 1, newText: unit });
  }
  edits.sort((a, b) => a.start - b.start);
  return { title: 'Create the index concurrently, outside the migration\'s transaction', edits };
}
