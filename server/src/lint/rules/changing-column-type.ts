/**
 * `changing-column-type`: ALTER COLUMN … TYPE (and Knex `.alter()`) usually rewrites the table and its
 * indexes under an ACCESS EXCLUSIVE lock on PostgreSQL. On SQLite it is not reported: Knex rebuilds the table (see `sqlite-table-rebuild`).
 *
 * Not reported on PostgreSQL for changes that are metadata-only since 9.2: `varchar(n)` → `varchar(m ≥ n)`,
 * `varchar` → `text`, or any change to `varchar`/`text` without `USING` when the old type is not declared in
 * the same file (the usual widening; the analyzer has no catalog to check it against).
 * The old type may come from an earlier migration of the folder (lint/history.ts): `varchar(100)` → `varchar(40)` and
 * `bigint` → `integer` are then reported as narrowing. A `COLLATE` change is reported even for text types (the column's
 * indexes are rebuilt).
 * Source: PostgreSQL docs, "ALTER TABLE" — SET DATA TYPE (ACCESS EXCLUSIVE; "a table rewrite is not needed if
 * the old type is binary coercible to the new type"); PostgreSQL 9.2 release notes; Squawk `changing-column-type`.
 */
import { displayTable, displayType, opsOfType } from '../model';
import type { AlterColumnTypeOp, ColumnType, Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'changing-column-type';

const STRINGY = new Set(['varchar', 'text']);

/** True when changing `prev` → `next` is metadata-only on PostgreSQL ≥ 9.2 (or presumed so, see the module doc). */
export function isSafeWidening(prev: ColumnType | undefined, next: ColumnType | undefined, hasUsing: boolean): boolean {
  if (!next || !STRINGY.has(next.name)) return false;
  if (!prev) return !hasUsing;
  if (prev.name === 'text') return next.name === 'text';
  if (prev.name !== 'varchar') return false;
  if (next.name === 'text' || next.args.length === 0) return true;
  const before = prev.args[0];
  const after = next.args[0];
  return before !== undefined && after !== undefined && after >= before;
}

/** Integer widths, to tell `bigint` → `integer` (narrowing) from the reverse. */
const INT_WIDTH: Record<string, number> = { int2: 2, smallint: 2, int4: 4, int: 4, integer: 4, int8: 8, bigint: 8 };

/** True when `next` holds fewer values than `prev`: a shorter `varchar(n)` (or text → varchar(n)), or a smaller integer. */
export function isNarrowing(prev: ColumnType | undefined, next: ColumnType | undefined): boolean {
  if (!prev || !next) return false;
  if (next.name === 'varchar' && next.args[0] !== undefined) {
    if (prev.name === 'text' || (prev.name === 'varchar' && prev.args.length === 0)) return true;
    return prev.name === 'varchar' && prev.args[0] !== undefined && next.args[0] < prev.args[0];
  }
  const a = INT_WIDTH[prev.name];
  const b = INT_WIDTH[next.name];
  return a !== undefined && b !== undefined && b < a;
}

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Changing a column type',
    description: 'Changing a column type rewrites the whole table and rebuilds its indexes while holding an ACCESS EXCLUSIVE lock (no reads or writes), and existing code may not handle the new type.',
    help: 'Add a new column of the new type, backfill it in batches, switch the application over, then drop the old column. Widening varchar(n) to a larger n or to text is safe on PostgreSQL 9.2+.',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … ALTER COLUMN … TYPE)',
    docsPath: docsPath(id),
  },
  check(ctx) {
    const violations = [];
    for (const op of opsOfType(ctx.doc, 'alterColumnType')) {
      if (op.type !== 'alterColumnType' || op.tableIsNew || op.revertsUp) continue;
      const o: AlterColumnTypeOp = op;
      // On SQLite, Knex's alter() rebuilds the table: reported by sqlite-table-rebuild; column types there are affinities.
      if (ctx.dialect === 'sqlite') continue;
      if (o.collation !== undefined) {
        violations.push(at(o, `Changing the collation of column "${o.column}" of ${displayTable(o)} to "${o.collation}" rebuilds the indexes on it under an ACCESS EXCLUSIVE lock (and can rewrite the table).`));
        continue;
      }
      if (isSafeWidening(o.previousType, o.newType, o.hasUsing)) continue;
      const from = o.previousType ? ` from ${displayType(o.previousType)}` : '';
      const narrowing = isNarrowing(o.previousType, o.newType) ? ' It narrows the column: the ALTER fails if a longer value is there, after scanning every row.' : '';
      violations.push(at(o, `Changing column "${o.column}" of ${displayTable(o)}${from} to ${displayType(o.newType)} can rewrite the whole table under an ACCESS EXCLUSIVE lock.${narrowing}`));
    }
    return violations;
  },
};

