/**
 * `adding-field-with-volatile-default` (PostgreSQL): ADD COLUMN … DEFAULT <volatile function> (`random()`,
 * `gen_random_uuid()`, `clock_timestamp()`, `nextval()` incl. serial types, …) rewrites the whole table under ACCESS
 * EXCLUSIVE, because each existing row needs its own value. Non-volatile defaults such as `now()` or constants are
 * metadata-only on PostgreSQL 11+ and are not reported; before 11 (`postgresVersion` < 11) ANY default rewrites the
 * table, so every default is reported there.
 * Knex: `.defaultTo(knex.raw('gen_random_uuid()'))`, `.defaultTo(knex.fn.uuid())`, `t.increments()` in `alterTable`.
 * A `GENERATED ALWAYS AS (…) STORED` column is the same rewrite (its value is computed and stored for every row);
 * a VIRTUAL one (PostgreSQL 18) is computed on read and is not reported.
 * Source: PostgreSQL docs, "ALTER TABLE" — Notes ("Adding a column with a volatile DEFAULT … requires the entire
 * table and its indexes to be rewritten"; PostgreSQL 18: "a stored generated column, an identity column, … will cause the
 * entire table and its indexes to be rewritten"); Squawk `adding-field-with-default`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'adding-field-with-volatile-default';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Adding a column with a volatile default',
    description: 'A volatile DEFAULT (random(), gen_random_uuid(), clock_timestamp(), nextval()/serial) must be computed for every existing row, so PostgreSQL rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock.',
    help: 'Add the column without a default (or with a constant one), set the volatile default in a second statement (`ALTER COLUMN … SET DEFAULT …`, applies to new rows only), and backfill existing rows in batches.',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … ADD COLUMN) for a full table rewrite',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations = [];
    for (const op of opsOfType(ctx.doc, 'addColumn')) {
      if (op.type !== 'addColumn' || op.tableIsNew || op.phase === 'down') continue;
      if (op.generatedStored) {
        violations.push(at(op, `Adding stored generated column "${op.column}" computes it for every row: all of ${displayTable(op)} is rewritten under an ACCESS EXCLUSIVE lock.`));
      } else if (op.volatileDefault) {
        violations.push(at(op, `Adding column "${op.column}" with a volatile default (${op.volatileDefault}()) rewrites all of ${displayTable(op)} under an ACCESS EXCLUSIVE lock.`));
      } else if (op.hasDefault && ctx.postgresVersion < 11) {
        violations.push(at(op, `Before PostgreSQL 11, adding column "${op.column}" with any default rewrites all of ${displayTable(op)} under an ACCESS EXCLUSIVE lock (postgresVersion ${ctx.postgresVersion}).`));
      }
    }
    return violations;
  },
};

