/**
 * `sqlite-table-rebuild` (SQLite, Knex schema builder): Knex implements `dropColumn`, `.alter()`, `setNullable`,
 * `dropNullable`, `foreign`, `primary`, `dropForeign` and `dropPrimary` on SQLite by rebuilding the table
 * (`CREATE TABLE _knex_temp_alter…`, copy, `DROP TABLE`, rename). With foreign keys on, the DROP fires
 * `ON DELETE CASCADE` on every referencing table and silently deletes their rows (knex#6213, open).
 * `renameColumn` is not listed: Knex 3 emits a native `ALTER TABLE … RENAME … TO …` for it.
 * The same rebuild written by hand (SQL files, `knex.raw`: create `new_x`, copy, `DROP TABLE x`, rename `new_x` to
 * `x`; lint/sqlite-rebuild.ts) is one finding at its DROP, in place of `ban-drop-table`. Both are quiet when
 * `PRAGMA foreign_keys = OFF` ran before, outside any transaction (inside one it is a no-op).
 * Source: knex `lib/dialects/sqlite3/schema/ddl.js` and `sqlite-tablecompiler.js` (3.3.0); SQLite docs "ALTER TABLE" §7;
 * https://github.com/knex/knex/issues/6213.
 */
import { displayTable } from '../model';
import type { Operation, Rule } from '../model';
import { sqliteRebuilds } from '../sqlite-rebuild';
import { at, docsPath } from './util';

export const id = 'sqlite-table-rebuild';

function what(op: Operation): string | undefined {
  switch (op.type) {
    case 'dropColumn':
      return `Dropping column "${op.column}"`;
    case 'alterColumnType':
      return `Altering column "${op.column}"`;
    case 'dropNotNull':
    case 'setNotNull':
      return `Changing the nullability of "${op.column}"`;
    case 'addConstraint':
      return op.constraint === 'foreignKey' || op.constraint === 'primaryKey' ? `Adding a ${op.constraint === 'foreignKey' ? 'foreign' : 'primary'} key` : undefined;
    case 'dropConstraint':
      return `Dropping a ${op.constraint === 'foreignKey' ? 'foreign' : 'primary'} key`;
    default:
      return undefined;
  }
}

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Rebuilding a SQLite table with foreign keys on',
    description:
      'A SQLite table rebuild (Knex does one for dropColumn, alter() and key changes; migrations also write it by hand) copies the table to a new one, drops the original and renames the copy. With foreign keys enabled, dropping the original runs ON DELETE CASCADE and silently deletes the rows of every referencing table (knex#6213).',
    help: 'Back up first. Run the rebuild with foreign keys off (`PRAGMA foreign_keys = OFF` outside a transaction, i.e. `exports.config = { transaction: false }`), or write the rebuild yourself in SQL following SQLite\'s 12-step ALTER TABLE procedure, then check `PRAGMA foreign_key_check`.',
    lock: 'SQLite: the whole database is write-locked for the copy',
    dialects: ['sqlite'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'sqlite') return [];
    const violations = [];
    const { byDrop, foreignKeysOff } = sqliteRebuilds(ctx);
    for (const op of ctx.doc.operations) {
      if (op.tableIsNew || op.phase === 'down' || foreignKeysOff.has(op)) continue;
      const rebuild = byDrop.get(op);
      if (rebuild) {
        if (!rebuild.foreignKeysOff) violations.push(at(op, `This rebuilds ${displayTable(op)} (new table, copy, DROP, rename) with foreign keys on: the DROP runs ON DELETE CASCADE and deletes the rows of tables that reference ${displayTable(op)}. Run \`PRAGMA foreign_keys = OFF\` before it, outside a transaction.`));
        continue;
      }
      if (op.origin !== 'knex') continue;
      const w = what(op);
      if (!w) continue;
      violations.push(at(op, `${w} makes Knex rebuild ${displayTable(op)} on SQLite; with foreign keys on, ON DELETE CASCADE deletes the rows of referencing tables.`));
    }
    return violations;
  },
};

