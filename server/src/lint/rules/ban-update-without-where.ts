/**
 * `ban-update-without-where`: `UPDATE t SET …` without WHERE (and Knex `knex('t').update(…)` without any `.where*()`)
 * overwrites every row. Not reported in a rollback or for a table created earlier in the same migration.
 * Source: PostgreSQL docs, "UPDATE" ("all rows … are updated" without WHERE); Knex docs, "update".
 */
import { displayTable, opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-update-without-where';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'UPDATE without WHERE',
    description: 'An UPDATE without a WHERE clause overwrites the column in every row: the old values are gone, and on a large table it rewrites every row in one long transaction that locks them all.',
    help: 'Restrict the rows with WHERE (in Knex: `.where(…)` before `.update()`); backfill large tables in batches (`WHERE id BETWEEN …`) outside the schema migration.',
    lock: 'ROW EXCLUSIVE (UPDATE), plus a row lock on every row until commit',
    docsPath: docsPath(id),
  },
  check(ctx) {
    const violations = [];
    for (const op of opsOfType(ctx.doc, 'updateRows')) {
      if (op.type !== 'updateRows' || op.hasWhere || op.phase === 'down' || op.tableIsNew) continue;
      violations.push(at(op, `UPDATE without WHERE overwrites every row of ${displayTable(op)}.`));
    }
    return violations;
  },
};

