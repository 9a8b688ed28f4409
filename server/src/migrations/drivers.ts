/**
 * The database drivers the engine uses itself (besides Knex, which loads its own), `require()`d on first use: the
 * native sqlite3 module and pg cost about 18 MB of RSS when loaded, which `check` (it shares the CLI bundle) and
 * every command that opens no database should not pay.
 */

/** The `sqlite3` package. @throws when it cannot be loaded (not installed, native module built for another Node). */
export function sqlite3Driver(): typeof import('sqlite3') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('sqlite3') as typeof import('sqlite3');
}

/** The `pg` package. @throws when it cannot be loaded. */
export function pgDriver(): typeof import('pg') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('pg') as typeof import('pg');
}
