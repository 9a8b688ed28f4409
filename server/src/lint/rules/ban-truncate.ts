/**
 * `ban-truncate`: TRUNCATE (and Knex `knex('t').truncate()`) deletes every row at once.
 * Source: PostgreSQL docs, "TRUNCATE" (ACCESS EXCLUSIVE on each table); Squawk `ban-truncate-cascade`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-truncate';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'Truncating a table',
    description: 'TRUNCATE deletes every row of the table in one step, cannot be filtered with WHERE, and (with CASCADE) empties referencing tables too.',
    help: 'Delete only the rows you mean to with `DELETE … WHERE …` (in batches for large tables), after taking a backup; keep data migrations separate from schema migrations.',
    lock: 'ACCESS EXCLUSIVE (TRUNCATE)',
    docsPath: docsPath(id),
  },
  check(ctx) {
    const violations = [];
    for (const op of opsOfType(ctx.doc, 'truncate')) {
      if (op.type !== 'truncate' || op.phase === 'down' || op.tableIsNew) continue;
      violations.push(at(op, `TRUNCATE ${displayTable(op)} permanently deletes every row in the table.`));
    }
    return violations;
  },
};

