/** Helpers shared by rule implementations. */
import { opsOfType } from '../model';
import type { Operation, ParsedDocument, RuleContext, RuleViolation, TextRange } from '../model';
import type { Fix } from '../types';

/** A violation covering an operation's range. */
export function at(op: Operation, message: string): RuleViolation {
  return { start: op.range.start, end: op.range.end, message, op };
}

/** Builds the docs path of a rule id: `docs/rules/<id>.md`. */
export function docsPath(id: string): string {
  return `docs/rules/${id}.md`;
}


/**
 * Offset just after the part of `range` matched by `pattern` (anchored at `range.start`), or `undefined`.
 * Used to place fix insertions after leading keywords (`CREATE INDEX`, `DROP TABLE`, …).
 */
export function afterLeading(text: string, range: TextRange, pattern: RegExp): number | undefined {
  const m = pattern.exec(text.slice(range.start, range.end));
  return m && m.index === 0 ? range.start + m[0].length : undefined;
}

/** A fix inserting `newText` at `offset`. */
export function insertFix(title: string, offset: number, newText: string): Fix {
  return { title, edits: [{ start: offset, end: offset, newText }] };
}

/** True when the module is written with ES `export` syntax (then `export const config` fits, else `exports.config`). */
export function usesEsExports(text: string): boolean {
  return /^\s*export\s+(?:async\s+)?(?:function|const|let|default|\{)/m.test(text);
}

/**
 * The edit appending `exports.config = { transaction: false };` (or `export const config = …` in ES modules) to a
 * Knex migration, so Knex runs it outside a transaction; `undefined` when an ES module already exports a `config`
 * (the user must edit it). Source: Knex docs, Migrations — "transaction: false".
 */
export function knexNoTransactionEdit(text: string): { start: number; end: number; newText: string } | undefined {
  const esm = usesEsExports(text);
  // A second `export const config` would not compile; a CommonJS re-assignment is fine (the last one wins).
  if (esm && /^\s*export\s+(?:const|let|var)\s+config\b/m.test(text)) return undefined;
  const line = esm ? 'export const config = { transaction: false };' : 'exports.config = { transaction: false };';
  const sep = text.endsWith('\n') ? '' : '\n';
  return { start: text.length, end: text.length, newText: `${sep}${line}\n` };
}

/**
 * Marks which operations run inside an explicit `BEGIN … COMMIT/ROLLBACK` block of the same phase (SQL files and
 * SQL in `knex.raw`). Returns the set of operations inside such a block (computed once per document).
 */
const explicitCache = new WeakMap<ParsedDocument, Set<object>>();
export function opsInExplicitTransaction(doc: ParsedDocument): Set<object> {
  const cached = explicitCache.get(doc);
  if (cached) return cached;
  const inside = new Set<object>();
  explicitCache.set(doc, inside);
  if (opsOfType(doc, 'transactionControl').length === 0) return inside;
  let open = false;
  let phase: string | undefined;
  for (const op of doc.operations) {
    if (op.phase !== phase) {
      phase = op.phase;
      open = false;
    }
    if (op.type === 'transactionControl') {
      open = op.kind === 'begin';
      continue;
    }
    if (open) inside.add(op);
  }
  return inside;
}

/** True when SQL in `knex.raw` of this Knex migration runs inside Knex's own transaction. */
export function inKnexTransaction(ctx: RuleContext): boolean {
  return ctx.kind === 'knex' && ctx.doc.transactionDisabled !== true;
}

/** Origins of SQL embedded in a migration module (`knex.raw`, Alembic `op.execute`, node-pg-migrate `pgm.sql`). */
export const EMBEDDED_SQL_ORIGINS: ReadonlySet<Operation['origin']> = new Set(['knex-raw', 'alembic-sql', 'node-pg-migrate-sql']);

/**
 * True when `op` runs inside the transaction a migration runner opens around each migration: the document is a
 * migration module (Knex, Alembic, node-pg-migrate — not a plain SQL file), the whole file does not opt out
 * (`config.transaction = false`, `pgm.noTransaction()`), and the operation is not in an Alembic `autocommit_block()`.
 */
export function inRunnerTransaction(ctx: RuleContext, op: Operation): boolean {
  return ctx.kind !== 'sql' && op.origin !== 'sql' && ctx.doc.transactionDisabled !== true && op.outsideTransaction !== true;
}

/**
 * The finding on a statement PostgreSQL refuses inside a transaction block ("cannot run inside a transaction
 * block"), by the block it is in: a DO block or function body, an explicit `BEGIN … COMMIT` (`explicit`, from
 * {@link opsInExplicitTransaction}), or the runner's own transaction ({@link inRunnerTransaction}: `runnerMessage`,
 * with the Knex fix that turns the transaction off); undefined outside all three. `what` names the statement.
 */
export function transactionBlockViolation(ctx: RuleContext, op: Operation, explicit: Set<object>, what: string, runnerMessage: string): RuleViolation | undefined {
  if (op.inPlpgsqlBody) return at(op, `${what} cannot run inside a DO block or function: PostgreSQL rejects it there.`);
  if (explicit.has(op)) return at(op, `${what} cannot run inside the BEGIN … COMMIT block around it; PostgreSQL rejects it.`);
  if (!inRunnerTransaction(ctx, op)) return undefined;
  const v = at(op, runnerMessage);
  const edit = ctx.kind === 'knex' ? knexNoTransactionEdit(ctx.text) : undefined;
  if (edit) v.fix = { title: 'Run this migration outside a transaction (config.transaction = false)', edits: [edit] };
  return v;
}

/** The runner's name for messages. */
export function runnerName(ctx: RuleContext): string {
  return ctx.kind === 'alembic' ? 'Alembic' : ctx.kind === 'node-pg-migrate' ? 'node-pg-migrate' : 'Knex';
}

/** `name` or `"Name"` (quoted when not a plain lower-case identifier). */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
