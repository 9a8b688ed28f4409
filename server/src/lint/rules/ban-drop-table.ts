/**
 * `ban-drop-table`: DROP TABLE (and Knex `dropTable` / `dropTableIfExists`) destroys data.
 * Source: PostgreSQL docs, "DROP TABLE" (takes ACCESS EXCLUSIVE); Squawk `ban-drop-table`.
 * Not reported inside `down` (rollback), in `*.down.sql` files, for tables created earlier in the same file, or for the
 * DROP of a SQLite table rebuild (lint/sqlite-rebuild.ts; `sqlite-table-rebuild` reports it when foreign keys are on).
 */
import { displayTable, opsOfType } from '../model';
import type { Rule } from '../model';
import { sqliteRebuilds } from '../sqlite-rebuild';
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
    const drops = opsOfType(ctx.doc, 'dropTable');
    // SQLite's table rebuild (create new_x, copy, drop x, rename new_x to x) keeps the rows: sqlite-table-rebuild judges it.
    const rebuilds = ctx.dialect === 'sqlite' && drops.length > 0 ? sqliteRebuilds(ctx).byDrop : undefined;
    return drops
      .filter((op) => op.type === 'dropTable' && op.phase !== 'down' && !op.tableIsNew && !rebuilds?.has(op))
      .map((op) => at(op, `DROP TABLE ${displayTable(op)} permanently deletes the table and all its rows.`));
  },
};

