/**
 * `ban-drop-table`: DROP TABLE (and Knex `dropTable` / `dropTableIfExists`) destroys data.
 * Source: PostgreSQL docs, "DROP TABLE" (takes ACCESS EXCLUSIVE); Squawk `ban-drop-table`.
 * Not reported inside `down` (rollback), in `*.down.sql` files, or for tables created earlier in the same file.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-drop-table';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'Dropping a table',
    description: 'Dropping a table permanently deletes it with all its rows, and any deployed code that still queries it fails immediately.',
    help: 'Stop using the table in application code first, deploy, take a backup, and drop it in a later migration; or rename it (e.g. `legacy_x_deprecated`) and drop it once nothing breaks.',
    lock: 'ACCESS EXCLUSIVE (DROP TABLE)',
    docsPath: docsPath(id),
  },
  check(ctx) {
    return opsOfType(ctx.doc, 'dropTable')
      .filter((op) => op.type === 'dropTable' && op.phase !== 'down' && !op.tableIsNew)
      .map((op) => at(op, `DROP TABLE ${displayTable(op)} permanently deletes the table and all its rows.`));
  },
};

