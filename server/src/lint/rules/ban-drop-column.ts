/**
 * `ban-drop-column`: ALTER TABLE … DROP COLUMN (and Knex `dropColumn(s)`) destroys data and breaks
 * running code that still reads the column. On SQLite, Knex rebuilds the table to drop a column, and with
 * foreign keys on, `ON DELETE CASCADE` silently deletes child rows (knex#6213).
 * Source: PostgreSQL docs, "ALTER TABLE" — DROP COLUMN (ACCESS EXCLUSIVE); Squawk `ban-drop-column`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-drop-column';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'Dropping a column',
    description: 'Dropping a column permanently deletes its data, and deployed code that still selects or writes the column fails.',
    help: 'First remove every use of the column from application code and deploy; back up the data; then drop the column in a later migration.',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … DROP COLUMN)',
    docsPath: docsPath(id),
  },
  check(ctx) {
    const violations = [];
    for (const op of opsOfType(ctx.doc, 'dropColumn')) {
      if (op.type !== 'dropColumn' || op.phase === 'down' || op.tableIsNew) continue;
      violations.push(at(op, `Dropping column "${op.column}" from ${displayTable(op)} permanently deletes its data and breaks code that still reads it.`));
    }
    return violations;
  },
};

