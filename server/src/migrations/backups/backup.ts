/**
 * Backups before anything is written: SQLite through the online backup API of the `sqlite3`
 * driver (consistent even while other connections write), PostgreSQL through `pg_dump -Fc`.
 * Files go to `<projectRoot>/.migration-guard/backups/`, mode 0600.
 *
 * A backup only ever appears complete (issue 13): the data is written under a temporary name
 * (manifest.ts TEMP_PREFIX), fsynced and hashed, then linked to its final name, and the manifest is
 * written the same way and renamed into place LAST. Any failure (a full disk included) removes every
 * file this backup wrote and is one `backup-failed` error.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { chmod, link, mkdir, open, rename, stat, statfs, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Knex } from 'knex';
import type sqlite3 from 'sqlite3';
import { sqlite3Driver } from '../drivers';
import { formatBytes, type BackupInfo, type BackupKind, type BackupManifest, type BackupResult, type PruneResult } from '../../protocol';
import type { LoadedProject } from '../project/project';
import { openKnex, readMigrationRows, sqliteRows, sqliteValue } from '../db';
import { EngineError, errorMessage, isEngineError } from '../errors';
import { maskText } from '../mask';
import { backupName, hashFile, manifestPath, MIGRATION_GUARD_VERSION, pruneBackups, sanitizeLabel, tempPath, writeManifest } from './manifest';
import { assertToolNotOlder, pgConnectionArgs, serverVersion, startPgTool, toolVersion } from './pgtools';
import type { OperationOptions } from '../state/status';

export { hashFile };

/**
 * How long an SQLite backup waits for a busy source database (ms): the busy timeout of the reading
 * connection and the deadline for retrying the backup step on SQLITE_BUSY / SQLITE_LOCKED. Without it,
 * 6 of 10 backups taken while an application wrote failed at once (issue 13).
 * Source: sqlite.org/c3ref/busy_timeout.html, sqlite.org/c3ref/backup_finish.html (step may be retried after BUSY/LOCKED).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** Options of {@link backup}. */
export interface BackupOptions extends OperationOptions {
  /** Folder for backups; default `<project.root>/.migration-guard/backups`. */
  directory?: string;
  /** `pg_dump` executable; default env `MG_PG_DUMP`, else `pg_dump` from PATH. */
  pgDump?: string;
  /** Clock, for tests; default `new Date()`. */
  now?: Date;
  /** Label appended to the name (sanitised: letters, digits, `-`). */
  label?: string;
  /** Why the backup is taken (recorded in the manifest); default `manual`. */
  kind?: BackupKind;
  /**
   * SQLite: also run `PRAGMA quick_check` on the copy before returning (default false). Without it the
   * backup is still a complete page copy made by SQLite's backup API, and its sha256 and size are in the
   * manifest; `restore` verifies the sha256 AND runs `PRAGMA quick_check` on the backup before writing
   * anything, so a damaged backup is never restored. `true` (CLI `backup --verify`) finds a damaged source
   * at backup time instead, at the cost of reading the whole copy once more (about 1 s per 500 MB here).
   */
  verify?: boolean;
  /** SQLite: how long to wait for a busy source database, ms; default {@link SQLITE_BUSY_TIMEOUT_MS}. */
  busyTimeoutMs?: number;
  /**
   * SQLite: an open connection to the project's database to copy from (online backup API, this
   * connection as the source) instead of opening the file. restore.ts passes the connection that holds
   * the database's exclusive lock, so the safety backup is taken under that lock (issue 13).
   */
  sqliteSource?: sqlite3.Database;
  /**
   * SQLite, with `sqliteSource`: that connection holds the database's EXCLUSIVE lock (restore.ts
   * `lockSqliteExclusively`). Then, outside WAL mode and Windows, the file itself is copied byte for byte
   * ({@link copyLockedSqliteFile}) instead of page by page through the backup API: under that lock
   * nobody writes and the file holds exactly the committed content (a hot journal was rolled back when
   * the lock was taken). In WAL mode (committed pages may still be in the `-wal` file) and on Windows
   * the backup API is used.
   */
  sqliteSourceLocked?: boolean;
  /**
   * SQLite: called once the source database has been read completely (the copy is written; what is left is its
   * sha256, fsync and manifest). restore.ts starts writing into the live database from then on, and commits only
   * after the whole backup has resolved.
   */
  onSourceRead?: () => void;
}

/** `backup_YYYYMMDD_HHMMSS` in UTC. */
export function backupBaseName(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `backup_${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}_${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

/**
 * Makes a file's data durable: `fsync` of the file, then (not on Windows, where folders cannot be
 * opened) of its folder so that its name survives a crash too. @throws the fs error.
 */
export async function syncFile(file: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (process.platform === 'win32') return;
  const dh = await open(path.dirname(file), 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/**
 * Creates the backup folder (0700, with a `.gitignore` in its parent so backups are not committed).
 * @throws the fs error.
 */
async function ensureBackupFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const gitignore = path.join(path.dirname(dir), '.gitignore');
  if (!existsSync(gitignore)) await writeFile(gitignore, '*\n').catch(() => {});
}

/** Creates an empty file with mode 0600 at a temporary name for the final file `<base><ext>` in `dir`; returns its path. */
async function createTempFile(dir: string, finalName: string): Promise<string> {
  const tmp = tempPath(dir, finalName);
  const fh = await open(tmp, 'w', 0o600);
  await fh.close();
  await chmod(tmp, 0o600); // the umask may have removed bits; never added any
  return tmp;
}

/**
 * Gives the finished data file `tmp` its final name `<base><ext>` in `dir`, adding `_2`, `_3`, … when
 * that name or its manifest exists. A hard link claims the name atomically (EEXIST when another
 * backup took it meanwhile); where hard links are not supported it falls back to a rename onto a
 * name checked to be free. The temporary name is removed. Returns the final path.
 */
async function publishDataFile(tmp: string, dir: string, base: string, ext: string): Promise<string> {
  for (let i = 1; ; i++) {
    const candidate = path.join(dir, `${base}${i === 1 ? '' : `_${i}`}${ext}`);
    if (existsSync(manifestPath(candidate)) || existsSync(candidate)) continue;
    try {
      await link(tmp, candidate);
      await unlink(tmp);
      return candidate;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      await rename(tmp, candidate);
      return candidate;
    }
  }
}

interface SqliteBackupHandle {
  step(pages: number, cb: (err: Error | null) => void): void;
  finish(cb?: (err: Error | null) => void): void;
  completed: boolean;
  failed: boolean;
  /** Pages in the source, known after the first step. */
  pageCount: number;
}

function openSqlite(file: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new (sqlite3Driver().Database)(file, mode, (err) => (err ? reject(err) : resolve(db)));
  });
}

function closeSqlite(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve) => db.close(() => resolve()));
}

/**
 * Runs the SQLite online backup API on an open database: `filenameIsDest` true copies `db` into
 * `file`, false copies `file` INTO `db` (how restore writes into the live database). All pages in one
 * step (`step(-1)`: one read transaction on the source, so the copy is one snapshot), then `finish()`.
 * A step that meets a busy database (SQLITE_BUSY / SQLITE_LOCKED: another connection is committing)
 * is retried (1 ms, doubling to {@link BUSY_RETRY_MAX_MS}) until `busyTimeoutMs` has passed; the driver keeps the backup
 * open on those codes (`retryErrors`).
 *
 * `commitGate` (restore): the copy runs while the gate is pending, but the destination is committed only after
 * it resolves. The pages but the last are copied first; the destination's write transaction stays open between
 * steps and is committed by the step that returns SQLITE_DONE; a backup finished before that is rolled back. So
 * a rejected gate rolls the copy back and rejects with the gate's error, and a process killed meanwhile leaves a
 * hot journal that restores the old content at the next open. Source: sqlite.org/backup.html,
 * sqlite.org/c3ref/backup_finish.html ("any active write-transaction on the destination database is rolled back");
 * node-sqlite3 `Database#backup`. @throws the driver's error, or the gate's.
 */
export function sqliteBackupStep(db: sqlite3.Database, file: string, filenameIsDest: boolean, busyTimeoutMs: number = SQLITE_BUSY_TIMEOUT_MS, commitGate?: Promise<void>): Promise<void> {
  const handle = (db as unknown as { backup(file: string, destName: string, sourceName: string, filenameIsDest: boolean): SqliteBackupHandle }).backup(file, 'main', 'main', filenameIsDest);
  const deadline = Date.now() + busyTimeoutMs;
  let delay = 1;
  let gateFailed = false;
  const finish = (): Promise<void> => new Promise((resolve, reject) => handle.finish((err) => (err ? reject(err) : resolve())));
  /** One `step(pages)`, retried while busy; true once the copy is complete (SQLITE_DONE: committed). */
  const step = (pages: number): Promise<boolean> =>
    new Promise((resolve, reject) => {
      const attempt = () =>
        handle.step(pages, (err) => {
          if (!err) return resolve(handle.completed);
          if (isBusy(err) && !handle.failed && Date.now() < deadline) {
            setTimeout(attempt, delay);
            delay = Math.min(delay * 2, BUSY_RETRY_MAX_MS);
            return;
          }
          reject(err);
        });
      attempt();
    });
  const run = async (): Promise<void> => {
    if (commitGate) {
      // step(0) opens both transactions and reads the page count; then everything but the last page.
      if (!(await step(0)) && !(await step(Math.max(0, handle.pageCount - 1)))) {
        await commitGate.catch((err: unknown) => {
          gateFailed = true;
          throw err;
        });
      }
    }
    if (!handle.completed && !(await step(-1))) throw new Error('the backup did not complete');
    if (handle.failed) throw new Error('the backup did not complete');
  };
  return run().then(
    () => finish(),
    async (err: unknown) => {
      const rollback = await finish().then(
        () => null,
        (e: unknown) => e,
      );
      // The caller tells a rolled-back copy by the gate's own error: a failed rollback must not look like one.
      if (rollback !== null && gateFailed) throw new Error(`${errorMessage(err)}; finishing the backup (rolling the copy back) failed too: ${errorMessage(rollback)}`);
      throw err;
    },
  );
}

/**
 * Longest pause between two tries on a busy SQLite database (ms). SQLite's own busy handler sleeps
 * 1, 2, 5 … up to 100 ms between tries; against a writer committing in a tight loop it starved: the
 * first read of a backup waited 0.1–2.2 s, while tries every 1–4 ms got in within 30 ms (measured here,
 * rollback journal, writer committing a row per transaction with fsync).
 */
const BUSY_RETRY_MAX_MS = 4;

/** SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock; worth another try. */
function isBusy(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** Runs `attempt` until it does not fail with SQLITE_BUSY/LOCKED or `deadline` (epoch ms) passes, pausing 1 ms doubling to {@link BUSY_RETRY_MAX_MS}. */
async function retryWhileBusy<T>(attempt: () => Promise<T>, deadline: number): Promise<T> {
  for (let delay = 1; ; delay = Math.min(delay * 2, BUSY_RETRY_MAX_MS)) {
    try {
      return await attempt();
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** `PRAGMA quick_check` on an open database: 'ok' or the problems joined by '; '. */
async function sqliteQuickCheck(db: sqlite3.Database): Promise<string> {
  return (await sqliteRows(db, 'PRAGMA quick_check')).map((r) => String(Object.values(r)[0])).join('; ');
}

/**
 * `PRAGMA mmap_size` for a `PRAGMA quick_check` (bytes; SQLite caps it at its compile-time maximum, 2 GB
 * in the driver's build): reading through a memory map instead of `read()` calls halved the check of a
 * 531 MB database here (2.0–2.4 s → 1.0–1.2 s). Set only for a check on a connection of our own, on a
 * file nobody truncates meanwhile (a backup file, or the live database under the restore's exclusive
 * lock): an I/O error while mapped is a SIGBUS, not an error code (sqlite.org/mmap.html).
 */
const QUICK_CHECK_MMAP_BYTES = 0x7fff0000;

/** `PRAGMA quick_check` on an SQLite file opened read-only, memory-mapped ({@link QUICK_CHECK_MMAP_BYTES}): 'ok' or the problems joined by '; '. */
export async function quickCheckFile(file: string): Promise<string> {
  const db = await openSqlite(file, sqlite3Driver().OPEN_READONLY);
  try {
    await sqliteRun(db, `PRAGMA mmap_size = ${QUICK_CHECK_MMAP_BYTES}`);
    return await sqliteQuickCheck(db);
  } finally {
    await closeSqlite(db);
  }
}

/** Opens an SQLite file with the driver (`sqlite3Driver().OPEN_*` mode flags). */
export { openSqlite, closeSqlite };

/**
 * Copies the SQLite database `source` into `dest` (a new, empty file) with the
 * online backup API, all pages in one step (`step(-1)`: one read transaction on the source, so the copy
 * is one consistent snapshot even while other connections write), then `finish()`.
 *
 * The destination connection is opened here with `PRAGMA journal_mode=OFF` and `synchronous=OFF`: the
 * file is new and is deleted by the caller if anything fails, so a rollback journal and SQLite's commit
 * fsyncs would protect nothing. Durability comes from one fsync of the finished file and its folder
 * ({@link syncFile}) before this returns, unless `durable: false`, in which case the CALLER must call
 * `syncFile(dest)` before relying on the copy (backup() runs it concurrently with the sha256 pass).
 * The source is opened by the driver's backup object (`sqlite3_open`, read-write, as the sqlite3
 * shell's `.backup` opens it; it only reads) while a read-only connection opened first stays open:
 * that open fails if the source is missing (so it is never created) and, after its read, keeps the
 * driver's connection from being the last one on a WAL-mode source (the last one to close checkpoints).
 * Both the first read and the copy wait up to `busyTimeoutMs` (default {@link SQLITE_BUSY_TIMEOUT_MS})
 * for a busy source, retrying every few ms ({@link retryWhileBusy}; not SQLite's busy handler, which starved).
 * Then, unless `verify: false`, `PRAGMA quick_check` on the copy.
 * Source: sqlite.org/backup.html, sqlite.org/pragma.html; node-sqlite3 `Database#backup`.
 * @throws EngineError `backup-failed`.
 */
export async function backupSqliteFile(source: string, dest: string, options: { verify?: boolean; durable?: boolean; busyTimeoutMs?: number } = {}): Promise<void> {
  const busyTimeoutMs = options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS;
  let guard: sqlite3.Database | null = null;
  let copy: sqlite3.Database | null = null;
  try {
    guard = await openSqlite(source, sqlite3Driver().OPEN_READONLY);
    const reader = guard;
    await retryWhileBusy(() => sqliteRun(reader, 'SELECT count(*) FROM sqlite_master'), Date.now() + busyTimeoutMs);
    copy = await openSqlite(dest, sqlite3Driver().OPEN_READWRITE | sqlite3Driver().OPEN_CREATE);
    await sqliteRun(copy, 'PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;');
    await sqliteBackupStep(copy, source, false, busyTimeoutMs);
    await closeSqlite(copy);
    copy = null;
  } catch (err) {
    throw new EngineError('backup-failed', `SQLite backup of ${source} failed: ${errorMessage(err)}`, undefined, { cause: err });
  } finally {
    if (copy) await closeSqlite(copy);
    if (guard) await closeSqlite(guard);
  }
  if (options.durable !== false) await syncFile(dest);
  if (options.verify === false) return;
  const result = await quickCheckFile(dest);
  if (result !== 'ok') throw new EngineError('backup-failed', `The backup ${dest} failed PRAGMA quick_check: ${result}`);
}

/**
 * Copies the SQLite file `source`, whose EXCLUSIVE lock `db` holds, to `dest` byte for byte with `cp` in
 * a CHILD process. Returns false, having copied nothing, when that is not safe or possible: on Windows,
 * in WAL mode (`PRAGMA journal_mode` of `db`: committed pages may be in the `-wal` file), or when `cp` is
 * missing; the caller then uses the backup API.
 * Why a child process: SQLite's locks are POSIX advisory locks, and closing ANY descriptor of a file
 * drops every such lock this process holds on it (POSIX `fcntl`; sqlite.org/howtocorrupt.html §2.2), so
 * opening the live file here, even to read it, would release the restore's lock (seen here: another
 * process could write right after an `fs.copyFile`). A child's descriptors are its own.
 * Why not the backup API: the page-by-page copy took 2.4–3.4 s for 531 MB here, `cp` 0.35–0.6 s (the
 * kernel copies; the fsync that follows is the same for both).
 * @throws Error when `cp` fails (its message carries cp's stderr, e.g. "No space left on device").
 */
export async function copyLockedSqliteFile(db: sqlite3.Database, source: string, dest: string): Promise<boolean> {
  if (process.platform === 'win32') return false;
  const mode = String((await sqliteValue(db, 'PRAGMA journal_mode')) ?? '');
  if (mode.toLowerCase() === 'wal') return false;
  try {
    await startPgTool('cp', ['--', source, dest], {}, { stdout: false }).done;
    return true;
  } catch (err) {
    if ((err as { missing?: boolean }).missing) return false;
    throw err;
  }
}

/** Runs SQL (one or more statements, no results) on an open database. */
function sqliteRun(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
}

/** Arguments and environment for `pg_dump`, the password only in `PGPASSWORD` (never on the command line). */
export function pgDumpInvocation(connection: unknown, dest: string): { args: string[]; env: Record<string, string> } {
  const conn = pgConnectionArgs(connection);
  return { args: ['--format=custom', '--no-password', `--file=${dest}`, ...conn.args], env: conn.env };
}

/** pg_dump's failure (see startPgTool) as the EngineError `backup-failed` users see, with a hint. */
function pgDumpError(exe: string, err: unknown): EngineError {
  if ((err as { missing?: boolean }).missing) {
    return new EngineError('backup-failed', `pg_dump was not found (${exe}).`, "Install the PostgreSQL client tools matching the server version, set MG_PG_DUMP to pg_dump's path, or pass --no-backup.");
  }
  const text = errorMessage(err);
  const hint = /version mismatch/i.test(text)
    ? 'pg_dump must be at least as new as the server: install the matching PostgreSQL client and set MG_PG_DUMP.'
    : 'Check the connection settings and that the user may read every table.';
  return new EngineError('backup-failed', text, hint);
}

/** Applied migrations (`name`, `batch` in `id` order) read from an SQLite file with the driver; [] without the table. */
async function sqliteFacts(file: string, tableName: string): Promise<{ migrations: Array<{ name: string; batch: number }>; version: string }> {
  const db = await openSqlite(file, sqlite3Driver().OPEN_READONLY);
  const all = (sql: string, params: unknown[] = []) => sqliteRows(db, sql, params);
  try {
    const version = String(Object.values((await all('select sqlite_version() as v'))[0] ?? { v: '' })[0]);
    const exists = await all("select 1 from sqlite_master where type = 'table' and name = ?", [tableName]);
    const rows = exists.length ? await all(`select name, batch from "${tableName.replace(/"/g, '""')}" order by id`) : [];
    return { version, migrations: rows.map((r) => ({ name: String(r.name), batch: Number(r.batch) })) };
  } finally {
    await closeSqlite(db);
  }
}

/** Version of the `knex` package in use. */
function knexVersion(): string {
  try {
    return (createRequire(__filename)('knex/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Backs up the project's database into `<root>/.migration-guard/backups/backup_YYYYMMDD_HHMMSS[_label].sqlite3`
 * (SQLite, online backup API; `PRAGMA quick_check` of the copy only with `verify: true`, see
 * {@link BackupOptions.verify}) or `….dump` (PostgreSQL, `pg_dump -Fc`; restore with `pg_restore`), UTC
 * timestamp, `_2`, `_3`… when the name exists, mode 0600, and its manifest `<name>.json` (mode 0600;
 * see protocol/shapes.ts `BackupManifest`).
 * Atomic: the data goes to a temporary name (`.tmp-<name>.<ext>.<pid>`), is fsynced and hashed, then
 * gets its final name; the manifest is written to a temporary name and renamed into place last. A
 * backup killed at any point leaves no complete-looking backup (at most a temporary file, or a data
 * file without manifest, which `backups` lists as incomplete and `prune` removes after a day).
 * SQLite: waits up to {@link SQLITE_BUSY_TIMEOUT_MS} for a busy source. PostgreSQL: pg_dump starts at
 * once while the connection is probed and its major version is compared with the server's
 * (`SHOW server_version_num`); pg_dump fsyncs its file itself (its default), then it is hashed.
 * Any failure removes every file this backup wrote; a full disk (ENOSPC, SQLITE_FULL) is reported as
 * `backup-failed` naming the folder and the space needed (the database's size).
 * Returns `{ path, bytes, sha256, name, manifest }`.
 * @throws EngineError `backup-failed` (no database file, `:memory:`, pg_dump missing, older than the
 *   server or failing, no space, any fs error), `connection`, `usage` for clients other than SQLite and PostgreSQL.
 */
export async function backup(project: LoadedProject, options: BackupOptions = {}): Promise<BackupResult> {
  const dir = options.directory ?? defaultBackupDirectory(project);
  const now = options.now ?? new Date();
  const label = sanitizeLabel(options.label);
  const base = backupBaseName(now) + (label ? `_${label}` : '');
  const log = options.log ?? (() => {});
  const { tableName, schemaName } = project.migrations;
  if (project.family === 'sqlite') {
    const source = project.sqliteFile;
    if (!source) throw new EngineError('backup-failed', 'An in-memory SQLite database cannot be backed up.');
    if (!existsSync(source)) throw new EngineError('backup-failed', `The SQLite database ${source} does not exist yet: there is nothing to back up.`);
  } else if (project.family !== 'postgresql') {
    throw new EngineError('usage', `Backup is not yet supported for client '${project.client}'.`, 'Back up the database with its own tools, then pass --no-backup.');
  }
  const ext = project.family === 'sqlite' ? '.sqlite3' : '.dump';
  // Files this backup wrote, removed on any failure.
  const written = new Set<string>();
  // The database's size in bytes when known (PostgreSQL: from the probe), for a full-disk message.
  let databaseSize: number | null = null;
  try {
    try {
      await ensureBackupFolder(dir);
    } catch (err) {
      throw new EngineError('backup-failed', `The backup folder ${dir} cannot be created: ${errorMessage(err)}.`, 'Fix the folder permissions, or pass --no-backup after backing up yourself.', { cause: err });
    }
    const tmp = await createTempFile(dir, `${base}${ext}`);
    written.add(tmp);
    let migrations: Array<{ name: string; batch: number }>;
    let hashed: { bytes: number; sha256: string };
    const tools: Record<string, string> = { 'migration-guard': MIGRATION_GUARD_VERSION, knex: knexVersion() };
    if (project.family === 'sqlite') {
      const source = project.sqliteFile as string;
      log('info', `Backing up ${source} to ${path.join(dir, base + ext)}`);
      // restore.ts hands over the connection that holds the exclusive lock: the copy is taken under it,
      // as a copy of the file when that is safe (copyLockedSqliteFile), else through the backup API.
      const { sqliteSource } = options;
      const copied = sqliteSource && options.sqliteSourceLocked === true ? await copyLockedSqliteFile(sqliteSource, source, tmp) : false;
      if (!copied && sqliteSource) await sqliteBackupStep(sqliteSource, tmp, true);
      else if (!copied) await backupSqliteFile(source, tmp, { verify: false, durable: false, ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}) });
      log('debug', `backup: copied (${copied ? 'cp of the locked file' : 'backup API'})`);
      options.onSourceRead?.();
      // The fsync (disk-bound) and the checks (driver threads) run while the main thread hashes the
      // finished copy; nothing writes to it any more, so the sha256 is that of the final bytes.
      const [facts, check, digest] = await Promise.all([
        sqliteFacts(tmp, tableName),
        options.verify === true ? quickCheckFile(tmp).catch((e: unknown) => errorMessage(e)) : Promise.resolve('ok'),
        hashFile(tmp),
        syncFile(tmp),
      ]);
      log('debug', 'backup: hashed and fsynced');
      if (check !== 'ok') throw new EngineError('backup-failed', `The backup ${path.join(dir, base + ext)} failed PRAGMA quick_check: ${check}`);
      migrations = facts.migrations;
      tools.sqlite = facts.version;
      hashed = digest;
    } else {
      const exe = options.pgDump ?? process.env.MG_PG_DUMP ?? 'pg_dump';
      log('info', `Backing up ${project.info.connection} with ${exe} to ${path.join(dir, base + ext)}`);
      // pg_dump starts at once; the connection probe, the migration rows and `pg_dump --version` run
      // while it connects. Their errors win over pg_dump's (an unreachable server is a `connection` error
      // with its hint, not pg_dump's stderr; a pg_dump older than the server is named as such), and on any
      // of them pg_dump is stopped and, once it has exited, its partial file deleted.
      const { args, env } = pgDumpInvocation(project.knexConfig.connection, tmp);
      const dump = startPgTool(exe, args, env, { stdout: false });
      try {
        const probe = (async () => {
          const db = await openKnex(project, log);
          try {
            const server = await serverVersion(db);
            const rows = (await readMigrationRows(db, tableName, schemaName)).rows.map((r) => ({ name: r.name, batch: r.batch }));
            return { server, rows, size: await pgDatabaseSize(db) };
          } finally {
            await db.destroy();
          }
        })();
        const [probed, version] = await Promise.allSettled([probe, toolVersion(exe)]);
        if (probed.status === 'rejected') throw probed.reason;
        if (version.status === 'rejected') throw version.reason;
        const { server, rows, size } = probed.value;
        databaseSize = size;
        assertToolNotOlder('pg_dump', exe, version.value, server.major);
        migrations = rows;
        tools.pg_dump = version.value.text;
        tools.server = String(server.num);
      } catch (err) {
        await dump.stop();
        throw err;
      }
      await dump.done.catch((err: unknown) => {
        throw pgDumpError(exe, err);
      });
      hashed = await hashFile(tmp);
    }
    const dest = await publishDataFile(tmp, dir, base, ext);
    written.delete(tmp);
    written.add(dest);
    const name = backupName(dest);
    const manifest: BackupManifest = {
      format: 1,
      name,
      file: path.basename(dest),
      sha256: hashed.sha256,
      bytes: hashed.bytes,
      created: now.toISOString(),
      label,
      kind: options.kind ?? 'manual',
      source: maskText(project.info.connection),
      client: project.client,
      family: project.family as 'sqlite' | 'postgresql',
      method: project.family === 'sqlite' ? 'sqlite-backup-api' : 'pg_dump-custom',
      migrations,
      tools,
    };
    const manifestFile = await writeManifest(dest, manifest);
    written.add(manifestFile);
    await syncFolder(dir);
    const info: BackupInfo = { path: dest, bytes: hashed.bytes, sha256: hashed.sha256, name, manifest: manifestFile };
    return { backup: info };
  } catch (err) {
    for (const f of written) await unlink(f).catch(() => {});
    throw await backupFailure(err, project, dir, databaseSize);
  }
}

/** True when `err` (or an error in its `cause` chain) says the disk or quota is full. */
function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return true;
    if (/No space left on device|database or disk is full|ENOSPC/i.test(errorMessage(e))) return true;
  }
  return false;
}

/**
 * The error a failed backup throws: a full disk becomes one `backup-failed` naming the folder, the
 * space needed (the database's size) and the space free; other EngineErrors pass through; anything
 * else (an fs error) is wrapped in `backup-failed`.
 */
async function backupFailure(err: unknown, project: LoadedProject, dir: string, knownSize: number | null): Promise<EngineError> {
  if (isDiskFull(err)) {
    const needed = knownSize ?? (await sqliteDatabaseBytes(project).catch(() => null));
    const free = await freeBytes(dir).catch(() => null);
    return new EngineError(
      'backup-failed',
      `No space left in ${dir} for the backup${needed !== null ? `: it needs about ${formatBytes(needed)} (the size of the database)` : ''}${free !== null ? `, ${formatBytes(free)} free` : ''}. Nothing was kept of the unfinished backup.`,
      'Free space on that disk (migration-guard prune --keep N deletes old backups), then retry.',
      { cause: err },
    );
  }
  if (err instanceof EngineError) return err;
  return new EngineError('backup-failed', `The backup in ${dir} failed: ${errorMessage(err)}. Nothing was kept of the unfinished backup.`, undefined, { cause: err });
}

/** fsync of a folder, so the names just created in it survive a crash (not on Windows, where folders cannot be opened). */
async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** SQLite: bytes of the database file plus its `-wal` (an upper bound of the copy's size); null for other families. */
async function sqliteDatabaseBytes(project: LoadedProject): Promise<number | null> {
  if (project.family !== 'sqlite' || !project.sqliteFile) return null;
  const file = project.sqliteFile;
  const main = await stat(file);
  const wal = await stat(`${file}-wal`).catch(() => null);
  return main.size + (wal?.size ?? 0);
}

/** PostgreSQL: `pg_database_size(current_database())` in bytes (PostgreSQL docs, "Database Object Management Functions"). */
async function pgDatabaseSize(db: Knex): Promise<number> {
  const r = (await db.raw('select pg_database_size(current_database()) as size')) as { rows: Array<{ size: string | number }> };
  return Number(r.rows[0]?.size ?? 0);
}

/** Free bytes for an unprivileged writer (`bavail × bsize`, fs.statfs) on the disk of `dir`, or of its nearest existing ancestor. */
async function freeBytes(dir: string): Promise<number> {
  let cur = path.resolve(dir);
  while (!existsSync(cur) && path.dirname(cur) !== cur) cur = path.dirname(cur);
  const s = await statfs(cur);
  return s.bavail * s.bsize;
}

/** What {@link backupSpace} measured: the space a backup needs and the space free, in bytes. */
export interface BackupSpace {
  /** The database's size: SQLite, the file plus its `-wal`; PostgreSQL, `pg_database_size`. */
  needed: number;
  /** Free bytes for an unprivileged writer on the disk of the backup folder (or of its nearest existing ancestor). */
  free: number;
}

/**
 * Measures what a backup into `dir` needs and what its disk has free (`fs.statfs`, blocks available to
 * unprivileged users). Needed: SQLite, the file plus its `-wal`; PostgreSQL, `pg_database_size` (an upper bound: a
 * `pg_dump -Fc` archive is compressed and has no indexes). Uses `db` when given (PostgreSQL), else opens and closes
 * its own connection. Null for a missing SQLite file (nothing to back up). Reads only.
 * @throws the driver's error (PostgreSQL) or the `statfs` error.
 */
export async function backupSpace(project: LoadedProject, dir: string, db?: Knex | null): Promise<BackupSpace | null> {
  let needed: number | null;
  if (project.family === 'postgresql') {
    const knex = db ?? (await openKnex(project));
    try {
      needed = await pgDatabaseSize(knex);
    } finally {
      if (!db) await knex.destroy();
    }
  } else {
    needed = await sqliteDatabaseBytes(project).catch(() => null);
  }
  if (needed === null) return null;
  return { needed, free: await freeBytes(dir) };
}

/**
 * Throws before a safe upgrade or downgrade starts when the disk of the backup folder `dir` has less free space than
 * the database's size ({@link backupSpace}). Nothing is checked for a missing SQLite file.
 * Source of the failure it prevents: issue 13 (a full disk during the backup).
 * @throws EngineError `backup-failed` naming the folder, the space needed and the space free.
 */
export async function assertBackupSpace(project: LoadedProject, dir: string, db?: Knex | null): Promise<void> {
  const space = await backupSpace(project, dir, db);
  if (space && space.free < space.needed) {
    throw new EngineError(
      'backup-failed',
      `Not enough free space in ${dir} for the backup: it needs about ${formatBytes(space.needed)} (the size of the database), ${formatBytes(space.free)} free. Nothing was changed.`,
      'Free space on that disk (migration-guard prune --keep N deletes old backups), set another backup folder, or pass --no-backup after backing up yourself.',
    );
  }
}

/**
 * Throws unless `dir` can be written: it exists and is writable, or its nearest existing ancestor is
 * (the backup creates the missing folders). Writes nothing.
 * @throws EngineError `backup-failed` naming the folder and the reason.
 */
export function assertWritableFolder(dir: string): void {
  let cur = path.resolve(dir);
  for (;;) {
    try {
      if (!statSync(cur).isDirectory()) throw new EngineError('backup-failed', `The backup folder ${dir} cannot be created: ${cur} is a file.`, 'Move that file away, or pass --no-backup after backing up yourself.');
      accessSync(cur, constants.W_OK);
      return;
    } catch (err) {
      if (isEngineError(err)) throw err;
      const code = (err as { code?: string }).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && path.dirname(cur) !== cur) {
        cur = path.dirname(cur);
        continue;
      }
      throw new EngineError('backup-failed', `The backup folder ${dir} is not writable (${code ?? errorMessage(err)} on ${cur}), so the backup before the upgrade cannot be taken.`, 'Fix the folder permissions, or pass --no-backup after backing up yourself. Nothing was applied.');
    }
  }
}

/**
 * `prune --keep N` on the project's backup folder (or `options.directory`): see manifest.ts
 * {@link pruneBackups} (complete backups only are counted and deleted; incomplete ones older than a
 * day are removed). @throws EngineError `usage` when `keep` is not an integer ≥ 1.
 */
export function prune(project: LoadedProject, keep: number, options: { directory?: string; dryRun?: boolean; now?: Date } = {}): Promise<PruneResult> {
  return pruneBackups(options.directory ?? defaultBackupDirectory(project), keep, { ...(options.dryRun ? { dryRun: true } : {}), ...(options.now ? { now: options.now } : {}) });
}

/** `<project.root>/.migration-guard/backups`. */
export function defaultBackupDirectory(project: LoadedProject): string {
  return path.join(project.root, '.migration-guard', 'backups');
}
