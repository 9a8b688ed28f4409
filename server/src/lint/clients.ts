/**
 * The database family of a Knex client name: one table, used by the analyzer (branches of a migration written for
 * another database) and, through config/dialect.ts, by dialect detection, the project loader and the connection
 * description.
 */

/** Database family of a Knex client: it picks the analyzer dialect and the backup method. */
export type DatabaseFamily = 'sqlite' | 'postgresql' | 'other';

/**
 * Knex client names, lower-case, and their family. Knex's own names and aliases (knex 3.3.0 lib/dialects/index.js;
 * lib/constants.js `CLIENT_ALIASES`: `pg` and `postgresql` → `postgres`, `sqlite` → `sqlite3`), plus `pg-native`, the
 * npm package behind Knex's `pgnative`, which people write as the client name. CockroachDB speaks PostgreSQL.
 */
const CLIENT_FAMILIES: ReadonlyMap<string, Exclude<DatabaseFamily, 'other'>> = new Map([
  ['sqlite3', 'sqlite'],
  ['sqlite', 'sqlite'],
  ['better-sqlite3', 'sqlite'],
  ['pg', 'postgresql'],
  ['postgres', 'postgresql'],
  ['postgresql', 'postgresql'],
  ['pgnative', 'postgresql'],
  ['pg-native', 'postgresql'],
  ['cockroachdb', 'postgresql'],
]);

/** Family of a Knex `client` name, compared case-insensitively; `other` for clients without one here (mysql, mssql, …). */
export function clientFamily(client: string): DatabaseFamily {
  return CLIENT_FAMILIES.get(client.trim().toLowerCase()) ?? 'other';
}
