/**
 * `changing-column-type`: ALTER COLUMN … TYPE (and Knex `.alter()`) usually rewrites the table and its
 * indexes under an ACCESS EXCLUSIVE lock on PostgreSQL. On SQLite it is not reported: Knex rebuilds the table (see `sqlite-table-rebuild`).
 *
 * Not reported on PostgreSQL for changes that are metadata-only since 9.2: `varchar(n)` → `varchar(m ≥ n)`,
 * `varchar` → `text`, or any change to `varchar`/`text` without `USING` when the old type is not declared in
 * the same file (the usual widening; the analyzer has no catalog to check it against).
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
      if (isSafeWidening(o.previousType, o.newType, o.hasUsing)) continue;
      violations.push(at(o, `Changing column "${o.column}" of ${displayTable(o)} to ${displayType(o.newType)} can rewrite the whole table under an ACCESS EXCLUSIVE lock.`));
    }
    return violations;
  },
};

