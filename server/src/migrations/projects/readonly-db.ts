/**
 * Read-only access to another runner's bookkeeping table (alembic_version, pgmigrations, schema_migrations,
 * flyway_schema_history). Nothing here can write: SQLite is opened with `SQLITE_OPEN_READONLY` (a missing file
 * is an error, never created; sqlite3 docs "Database#new"), PostgreSQL sessions start with
 * `default_transaction_read_only=on` (PostgreSQL docs, "19.11.1 Statement Behavior") and only SELECT.
 */
import * as fs from 'node:fs';
import type sqlite3 from 'sqlite3';
import { sqliteRows } from '../db';
import { sqlite3Driver, pgDriver } from '../drivers';

/** Where to read: an SQLite file (absolute) or a PostgreSQL connection string. */
export type ReadOnlyTarget = { kind: 'sqlite'; file: string } | { kind: 'postgresql'; connectionString: string };

/** An open read-only connection. */
export interface ReadOnlyDb {
  /** Runs one SELECT and returns its rows. */
  all(sql: string): Promise<Array<Record<string, unknown>>>;
  /** Whether a table of that name exists (PostgreSQL: on the search_path, or `schema.table`). */
  tableExists(name: string): Promise<boolean>;
  /** Column names of a table that exists. */
  columns(name: string): Promise<string[]>;
  close(): Promise<void>;
}

function sqliteOpen(file: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new (sqlite3Driver().Database)(file, sqlite3Driver().OPEN_READONLY, (err) => (err ? reject(err) : resolve(db)));
  });
}

/**
 * Opens `target` read-only. @throws the driver's error when the database cannot be reached (callers turn it
 * into "state unknown"); an `Error` when an SQLite file does not exist.
 */
export async function openReadOnly(target: ReadOnlyTarget): Promise<ReadOnlyDb> {
  if (target.kind === 'sqlite') {
    if (!fs.existsSync(target.file)) throw new Error(`The SQLite database ${target.file} does not exist.`);
    const db = await sqliteOpen(target.file);
    const all = (sql: string, params: unknown[] = []) => sqliteRows(db, sql, params);
    return {
      all: (sql) => all(sql),
      tableExists: async (name) => (await all("select 1 from sqlite_master where type = 'table' and name = ?", [name])).length > 0,
      columns: async (name) => (await all(`select name from pragma_table_info(?)`, [name])).map((r) => String(r.name)),
      close: () => new Promise((resolve) => db.close(() => resolve())),
    };
  }
  const client = new (pgDriver().Client)({ connectionString: target.connectionString, options: '-c default_transaction_read_only=on', connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return {
    all: async (sql) => (await client.query<Record<string, unknown>>(sql)).rows,
    tableExists: async (name) => (await client.query<{ t: string | null }>('select to_regclass($1)::text as t', [name])).rows[0]?.t != null,
    columns: async (name) => (await client.query<{ attname: string }>('select attname from pg_attribute where attrelid = to_regclass($1) and attnum > 0 and not attisdropped order by attnum', [name])).rows.map((r) => r.attname),
    close: () => client.end().catch(() => undefined),
  };
}

/** Runs `fn` on a read-only connection to `target` and closes it. */
export async function withReadOnly<T>(target: ReadOnlyTarget, fn: (db: ReadOnlyDb) => Promise<T>): Promise<T> {
  const db = await openReadOnly(target);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
