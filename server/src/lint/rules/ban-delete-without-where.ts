/**
 * `ban-delete-without-where`: `DELETE FROM t` without WHERE (and Knex `knex('t').del()` / `.delete()` without any
 * `.where*()`) deletes every row. Not reported in a rollback or for a table created earlier in the same migration.
 * Source: PostgreSQL docs, "DELETE" ("If the WHERE clause is absent, the effect is to delete all rows in the table");
 * Knex docs, "del / delete".
 */
import { displayTable, opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-delete-without-where';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'DELETE without WHERE',
    description: 'A DELETE without a WHERE clause removes every row of the table; in a migration this is almost always a mistake or a data loss waiting for the next environment.',
    help: 'Restrict the rows with WHERE (in Knex: `.where(…)` before `.del()`); if emptying the table is really intended, say so with an ignore comment and a reason.',
    lock: 'ROW EXCLUSIVE (DELETE), plus a row lock on every deleted row',
    docsPath: docsPath(id),
  },
  check(ctx) {
    const violations = [];
    for (const op of opsOfType(ctx.doc, 'deleteRows')) {
      if (op.type !== 'deleteRows' || op.hasWhere || op.phase === 'down' || op.tableIsNew) continue;
      violations.push(at(op, `DELETE without WHERE removes every row of ${displayTable(op)}.`));
    }
    return violations;
  },
};

