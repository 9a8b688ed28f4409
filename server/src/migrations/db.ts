/**
 * Opening Knex on a loaded project and the read-only queries the engine needs.
 * Nothing here creates tables: `knex.migrate.list()` would (it creates `knex_migrations` and its lock table when
 * missing: `listCompleted` calls `ensureTable`, knex 3.3.0 lib/migrations/migrate/migration-list-resolver.js), so it
 * is never used for reading.
 */
import { existsSync } from 'node:fs';
import type { Knex } from 'knex';
import type sqlite3 from 'sqlite3';
import { sqlite3Driver } from './drivers';
import type { LoadedProject } from './project/project';
import { classifySetupError, EngineError, isEngineError } from './errors';
import { maskText } from './mask';
import { withTimeout, type Wait } from './timeouts';

/** Receives progress and Knex's own warnings (masked). Knex would otherwise print them on stdout. */
export type EngineLog = (level: 'info' | 'warn' | 'debug', message: string) => void;

/** A no-op {@link EngineLog}. */
export const silentLog: EngineLog = () => {};

/**
 * Creates a Knex instance for the project (with the project's own `knex` when the workspace has one,
 * project/knex-loader.ts), routing Knex's logger to `log`. Loads Knex and the driver but opens no connection:
 * an SQLite file is not created yet (Knex's pool connects on the first query).
 * @throws EngineError `driver-missing` or `knexfile-load`.
 */
export function createKnex(project: LoadedProject, log: EngineLog = silentLog): Knex {
  try {
    return project.knex.factory({
      ...project.knexConfig,
      log: {
        // "Acquire connection error" repeats the failure openKnex reports as a `connection` error.
        warn: (m: unknown) => {
          const text = maskText(withoutStack(m));
          log(text.startsWith('Acquire connection error') ? 'debug' : 'warn', text);
        },
        // "Knex: run $ npm install <driver>" repeats the `driver-missing` error openKnex throws.
        error: (m: unknown) => {
          const text = maskText(withoutStack(m));
          log(text.startsWith('Knex: run') ? 'debug' : 'warn', text);
        },
        deprecate: (m: unknown) => log('debug', maskText(String(m))),
        debug: (m: unknown) => log('debug', maskText(typeof m === 'string' ? m : JSON.stringify(m))),
      },
    });
  } catch (err) {
    throw classifySetupError(err, project.info.connection) ?? new EngineError('knexfile-load', `Knex rejected the configuration: ${String((err as Error).message ?? err)}`, undefined, { cause: err });
  }
}

/**
 * {@link createKnex} (or `created`, an instance it made earlier), then checks the connection with a trivial query.
 * The check has a time limit (`project.timeouts.connectMs`): a server that accepts and never answers is a `connection` error.
 * @throws EngineError `driver-missing`, `knexfile-load`, `auth` or `connection` (the instance is then destroyed).
 */
export async function openKnex(project: LoadedProject, log: EngineLog = silentLog, created?: Knex): Promise<Knex> {
  const target = project.info.connection;
  const db = created ?? createKnex(project, log);
  try {
    await withTimeout(db.raw('select 1'), project.timeouts.connectMs, connectWait(project));
  } catch (err) {
    // After a timeout the pool may wait forever on the half-open connection: do not wait for destroy() then.
    const destroyed = db.destroy().catch(() => {});
    if (isEngineError(err)) throw err;
    // Knex's own pool timeout (acquireConnectionTimeout) leaves the same half-open connection behind.
    if (!/timeout acquiring a connection/i.test(String((err as Error | undefined)?.message ?? err))) await destroyed;
    throw classifySetupError(err, target) ?? new EngineError('connection', `Cannot query ${target}: ${String((err as Error).message ?? err)}`, undefined, { cause: err });
  }
  return db;
}

/** The wait on the first connection (timeouts.ts), naming the target (masked: host:port and database, or the SQLite file). */
function connectWait(project: LoadedProject): Wait {
  return {
    code: 'connection',
    what: `The database at ${project.info.connection}`,
    verb: 'answer',
    hint: 'Check that the host and port belong to a running database server and that nothing (a firewall, a proxy) holds the connection open without answering; or raise --connect-timeout.',
  };
}

/** A logged value as text, without a stack trace (Knex logs some errors with theirs). */
function withoutStack(m: unknown): string {
  const text = m instanceof Error ? `${m.name}: ${m.message}` : String(m);
  return text.replace(/\n\s+at [\s\S]*$/, '');
}

/** True when the project's database does not exist yet (an SQLite file not yet created). Such a database is never created by read-only views. */
export function databaseAbsent(project: LoadedProject): boolean {
  return project.family === 'sqlite' && project.sqliteFile !== null && !existsSync(project.sqliteFile);
}

/** One row of `knex_migrations`, normalised. */
export interface MigrationRow {
  id: number;
  name: string;
  batch: number;
  /** ISO-8601 UTC, or null when the stored value cannot be read as a time. */
  appliedAt: string | null;
}

/** `knex.schema.hasTable` in the configured schema: a read-only catalog query on every dialect. */
export async function tableExists(db: Knex, table: string, schemaName: string | undefined): Promise<boolean> {
  const builder = schemaName ? db.schema.withSchema(schemaName) : db.schema;
  return builder.hasTable(table);
}

function qualified(db: Knex, table: string, schemaName: string | undefined): Knex.QueryBuilder {
  return schemaName ? db.withSchema(schemaName).from(table) : db.from(table);
}

/**
 * Converts a stored `migration_time` to ISO-8601 UTC. SQLite stores `Date` values as epoch
 * milliseconds in a datetime column (a number, or digits in a string); PostgreSQL returns a `Date`;
 * a text `YYYY-MM-DD HH:MM:SS` without zone is read as UTC.
 */
export function toIsoTime(value: unknown): string | null {
  let d: Date | null = null;
  if (value instanceof Date) d = value;
  else if (typeof value === 'number' || typeof value === 'bigint') d = new Date(Number(value));
  else if (typeof value === 'string') {
    const s = value.trim();
    if (/^\d+(\.\d+)?$/.test(s)) d = new Date(Number(s));
    else if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) d = new Date(`${s.replace(' ', 'T')}Z`);
    else if (s) d = new Date(s);
  }
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : null;
}

/**
 * Reads the migrations table in `id` order; an empty list when it does not exist.
 * Never creates it.
 */
export async function readMigrationRows(db: Knex, tableName: string, schemaName: string | undefined): Promise<{ exists: boolean; rows: MigrationRow[] }> {
  if (!(await tableExists(db, tableName, schemaName))) return { exists: false, rows: [] };
  const rows = (await qualified(db, tableName, schemaName).select('id', 'name', 'batch', 'migration_time').orderBy('id')) as Array<Record<string, unknown>>;
  return {
    exists: true,
    rows: rows.map((r) => ({
      id: Number(r.id),
      name: String(r.name),
      batch: Number(r.batch),
      appliedAt: toIsoTime(r.migration_time),
    })),
  };
}

/** Whether `<tableName>_lock` exists and has a row with `is_locked = 1` (Knex's lock). */
export async function readLock(db: Knex, tableName: string, schemaName: string | undefined): Promise<boolean> {
  const lockTable = `${tableName}_lock`;
  if (!(await tableExists(db, lockTable, schemaName))) return false;
  const rows = (await qualified(db, lockTable, schemaName).select('is_locked')) as Array<{ is_locked: unknown }>;
  return rows.some((r) => Number(r.is_locked) === 1);
}

/** Frees Knex's lock (`UPDATE <tableName>_lock SET is_locked = 0`), as `knex migrate:unlock` does. */
export async function freeLock(db: Knex, tableName: string, schemaName: string | undefined): Promise<void> {
  const lockTable = `${tableName}_lock`;
  if (!(await tableExists(db, lockTable, schemaName))) return;
  await qualified(db, lockTable, schemaName).update({ is_locked: 0 });
}

/** `<schema>.<table>` or `<table>`, for raw SQL identifiers (`??`). */
export function qualifiedName(table: string, schemaName: string | undefined): string {
  return schemaName ? `${schemaName}.${table}` : table;
}

/** True for a driver error that means "another session holds a lock": PostgreSQL 55P03 (lock_not_available), SQLite SQLITE_BUSY/SQLITE_LOCKED. */
export function isLockConflict(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  return code === '55P03' || code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || /SQLITE_BUSY|database is locked|could not obtain lock/i.test(String(e?.message ?? ''));
}

/**
 * PostgreSQL only: whether another session holds a row lock on Knex's lock row right now (a Knex
 * migration in progress takes it with `SELECT … FOR UPDATE` and keeps it until its transaction ends).
 * Probed with `SELECT … FOR UPDATE NOWAIT` in a transaction that is rolled back (PostgreSQL docs,
 * SELECT "The Locking Clause"). False for other families and when the lock table does not exist.
 */
export async function lockRowBusy(db: Knex, project: LoadedProject): Promise<boolean> {
  if (project.family !== 'postgresql') return false;
  const { tableName, schemaName } = project.migrations;
  const lockTable = `${tableName}_lock`;
  if (!(await tableExists(db, lockTable, schemaName))) return false;
  const trx = await db.transaction();
  try {
    await trx.raw('select is_locked from ?? for update nowait', [qualifiedName(lockTable, schemaName)]);
    return false;
  } catch (err) {
    if (isLockConflict(err)) return true;
    throw err;
  } finally {
    await trx.rollback().catch(() => {});
  }
}

/** How long {@link sqliteWriterActive} waits by default for another connection's write transaction to end (ms). */
export const SQLITE_WRITER_WAIT_MS = 2000;

/**
 * SQLite only: whether another connection holds the database's write lock and keeps it for longer than
 * `waitMs`. Probed with `BEGIN IMMEDIATE` (which takes the RESERVED lock, waiting up to `waitMs` through
 * the busy timeout) on a connection of its own, then `ROLLBACK`; nothing is written.
 *
 * This is how a running Knex migration shows on SQLite: Knex runs the batch in one transaction whose
 * first write is `UPDATE <table>_lock SET is_locked = 1` (knex lib/migrations/migrate/Migrator.js
 * `_lockMigrations`), so that connection holds RESERVED until COMMIT, while every other connection still
 * reads the committed `is_locked = 0` (issue 13). An application's write transaction looks the same; the
 * wait lets short ones end, so a `true` means "a migration, or an unusually long write transaction".
 * False when the file does not exist (it is never created here).
 * @throws the driver's error when the file cannot be opened or is not a database.
 */
export async function sqliteWriterActive(file: string, waitMs: number = SQLITE_WRITER_WAIT_MS): Promise<boolean> {
  if (!existsSync(file)) return false;
  const conn = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new (sqlite3Driver().Database)(file, sqlite3Driver().OPEN_READWRITE, (err) => (err ? reject(err) : resolve(d)));
  });
  try {
    if (!(await sqliteBeginWithin(conn, 'IMMEDIATE', waitMs))) return true;
    await new Promise<void>((resolve, reject) => conn.exec('ROLLBACK', (err) => (err ? reject(err) : resolve())));
    return false;
  } finally {
    await new Promise<void>((resolve) => conn.close(() => resolve()));
  }
}

/** The rows of one query on an open SQLite connection (the driver's `all`, as a promise). @throws the driver's error. */
export function sqliteRows(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => db.all(sql, params, (err, rows: Array<Record<string, unknown>>) => (err ? reject(err) : resolve(rows))));
}

/** The first column of the first row of one query (a PRAGMA's value), or undefined without a row. */
export async function sqliteValue(db: sqlite3.Database, sql: string): Promise<unknown> {
  const [row] = await sqliteRows(db, sql);
  return row ? Object.values(row)[0] : undefined;
}

/**
 * One `BEGIN IMMEDIATE` or `BEGIN EXCLUSIVE` on an SQLite connection, not waiting (busy timeout 0):
 * true when the transaction began, false on a lock conflict (SQLITE_BUSY / SQLITE_LOCKED).
 * @throws the driver's error for anything but a lock conflict.
 */
export async function sqliteTryBegin(conn: sqlite3.Database, mode: 'IMMEDIATE' | 'EXCLUSIVE'): Promise<boolean> {
  conn.configure('busyTimeout', 0);
  try {
    await new Promise<void>((resolve, reject) => conn.exec(`BEGIN ${mode}`, (err) => (err ? reject(err) : resolve())));
    return true;
  } catch (err) {
    if (!isLockConflict(err)) throw err;
    return false;
  }
}

/**
 * Runs `BEGIN IMMEDIATE` or `BEGIN EXCLUSIVE` on an SQLite connection, retrying at once on SQLITE_BUSY
 * until `waitMs` has passed (busy-polling the driver's thread for at most that long); true when the
 * transaction began, false when the lock stayed taken. Not SQLite's busy handler: its back-off (up to
 * 100 ms, or whole seconds where the build has no usleep) kept missing the short gaps between an
 * application's back-to-back write transactions, so a writer committing in a loop starved the restore
 * (issue 13 test). Not for a connection in `locking_mode = EXCLUSIVE`: there a failed attempt keeps its
 * SHARED lock, which blocks the other writer's COMMIT while it blocks ours (see `lockSqliteExclusively`).
 * @throws the driver's error for anything but a lock conflict.
 */
export async function sqliteBeginWithin(conn: sqlite3.Database, mode: 'IMMEDIATE' | 'EXCLUSIVE', waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (await sqliteTryBegin(conn, mode)) return true;
    if (Date.now() >= deadline) return false;
    // Retried at once: a writer committing in a loop leaves gaps of tens of microseconds.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Why a migration may be running, or null:
 * - `lock-flag`: Knex's committed lock flag is set ({@link readLock}): a migration runs outside a
 *   transaction (`config.transaction = false`), or a crash left the lock (free it with `unlock`);
 * - `writer`: SQLite, another connection holds the write lock for longer than `sqliteWaitMs`
 *   ({@link sqliteWriterActive}: how a Knex migration inside its transaction shows);
 * - `lock-row`: PostgreSQL, another session holds the lock row ({@link lockRowBusy}: Knex's
 *   `SELECT … FOR UPDATE` inside its migration transaction).
 */
export async function runningMigration(db: Knex, project: LoadedProject, sqliteWaitMs: number = SQLITE_WRITER_WAIT_MS): Promise<'lock-flag' | 'writer' | 'lock-row' | null> {
  const { tableName, schemaName } = project.migrations;
  if (project.family === 'sqlite' && project.sqliteFile && (await sqliteWriterActive(project.sqliteFile, sqliteWaitMs))) return 'writer';
  if (await lockRowBusy(db, project)) return 'lock-row';
  if (await readLock(db, tableName, schemaName)) return 'lock-flag';
  return null;
}

/**
 * Whether a migration may be running ({@link runningMigration} is not null): the lock flag is set, or a
 * migration's transaction holds the database (SQLite write lock, PostgreSQL lock row). Writes that must
 * not interleave with a migration check it.
 */
export async function migrationInProgress(db: Knex, project: LoadedProject): Promise<boolean> {
  return (await runningMigration(db, project)) !== null;
}

interface PgConnection {
  query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/** First key of Migration Guard's advisory locks ('MG'); the second is `hashtext(<schema>.<table>)`. */
export const ADVISORY_LOCK_CLASS = 0x4d47;

/**
 * PostgreSQL: runs `fn` while holding a session advisory lock taken with `pg_try_advisory_lock`
 * (PostgreSQL docs, "Advisory Lock Functions") on a connection of its own, so that a second Migration
 * Guard process fails at once with `lock-held` instead of waiting on Knex's `SELECT … FOR UPDATE` of
 * the lock row. Other families, and a PostgreSQL pool of one connection: runs `fn` directly (SQLite
 * fails fast with SQLITE_BUSY anyway).
 * @throws EngineError `lock-held` when another session holds the advisory lock.
 */
export async function withMigrationMutex<T>(db: Knex, project: LoadedProject, fn: () => Promise<T>): Promise<T> {
  if (project.family !== 'postgresql') return fn();
  // The mutex holds one pooled connection while Knex needs another: with a pool of one, skip it
  // (the FOR UPDATE NOWAIT probe of lockRowBusy still runs before).
  const poolMax = (project.knexConfig.pool as { max?: unknown } | undefined)?.max;
  if (typeof poolMax === 'number' && poolMax < 2) return fn();
  const client = db.client as { acquireConnection(): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<void> };
  const conn = await client.acquireConnection();
  const key = `${project.migrations.schemaName ?? 'public'}.${project.migrations.tableName}`;
  try {
    const got = await conn.query('select pg_try_advisory_lock($1, hashtext($2)) as ok', [ADVISORY_LOCK_CLASS, key]);
    if (got.rows[0]?.ok !== true) {
      throw new EngineError('lock-held', `Another Migration Guard process is migrating this database (advisory lock ${ADVISORY_LOCK_CLASS}/${key} is held).`, 'Wait for it to finish, then run status.');
    }
    try {
      return await fn();
    } finally {
      await conn.query('select pg_advisory_unlock($1, hashtext($2))', [ADVISORY_LOCK_CLASS, key]).catch(() => {});
    }
  } finally {
    await client.releaseConnection(conn);
  }
}
