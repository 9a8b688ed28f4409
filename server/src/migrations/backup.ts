/**
 * Backups before anything is written: SQLite through the online backup API of the `sqlite3`
 * driver (consistent even while other connections write), PostgreSQL through `pg_dump -Fc`.
 * Files go to `<projectRoot>/.migration-guard/backups/`, mode 0600.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, open, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import type { BackupInfo, BackupKind, BackupManifest, BackupResult } from '../protocol';
import type { LoadedProject } from './config';
import { openKnex, readMigrationRows } from './db';
import { EngineError, errorMessage } from './errors';
import { maskText } from './mask';
import { backupName, MIGRATION_GUARD_VERSION, sanitizeLabel, writeManifest } from './manifest';
import { assertToolNotOlder, pgConnectionArgs, serverVersion, startPgTool, toolVersion } from './pgtools';
import type { OperationOptions } from './status';

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
  /**
   * SQLite: an open connection to the project's database to copy from (online backup API, this
   * connection as the source) instead of opening the file. restore.ts passes the connection that holds
   * the database's exclusive lock, so the safety backup is taken under that lock (issue 13).
   */
  sqliteSource?: sqlite3.Database;
}

/** `backup_YYYYMMDD_HHMMSS` in UTC. */
export function backupBaseName(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `backup_${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}_${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

/** Read size of {@link hashFile}: two buffers of this size are in use at once (16 MiB). */
const HASH_CHUNK = 8 << 20;

/**
 * Lower-case hex sha256 and size (`bytes`: the number of bytes hashed, i.e. the file's length as read)
 * of a file, read from its first byte to its end. Two 8 MiB buffers alternate: the next read runs on
 * libuv's thread pool while the main thread digests the previous chunk (measured on a 531 MB file in
 * the page cache: 450–470 ms, against 490–550 ms with a 4 MiB `createReadStream` and twice that with
 * the default 64 KiB chunks). @throws the fs error (ENOENT, EACCES…).
 */
export async function hashFile(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  const fh = await open(file, 'r');
  let bytes = 0;
  try {
    const buffers = [Buffer.allocUnsafe(HASH_CHUNK), Buffer.allocUnsafe(HASH_CHUNK)];
    let position = 0;
    const readAt = (i: number) => {
      const p = fh.read(buffers[i % 2] as Buffer, 0, HASH_CHUNK, position);
      position += HASH_CHUNK;
      return p;
    };
    let next = readAt(0);
    for (let i = 1; ; i++) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) break;
      // The read into the other buffer runs while this one is digested; a short read is the end.
      const more = bytesRead === HASH_CHUNK;
      if (more) next = readAt(i);
      hash.update(bytesRead === HASH_CHUNK ? buffer : buffer.subarray(0, bytesRead));
      bytes += bytesRead;
      if (!more) break;
    }
  } finally {
    await fh.close();
  }
  return { bytes, sha256: hash.digest('hex') };
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
 * Creates the backup folder (0700, with a `.gitignore` so backups are not committed) and an empty
 * file with mode 0600 named `<base><ext>`, adding `_2`, `_3`, … when the name exists. Returns its path.
 */
async function reserveFile(dir: string, base: string, ext: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const gitignore = path.join(path.dirname(dir), '.gitignore');
  if (!existsSync(gitignore)) await writeFile(gitignore, '*\n').catch(() => {});
  for (let i = 1; ; i++) {
    const candidate = path.join(dir, `${base}${i === 1 ? '' : `_${i}`}${ext}`);
    try {
      const fh = await open(candidate, 'wx', 0o600);
      await fh.close();
      await chmod(candidate, 0o600); // the umask may have removed bits; never added any
      return candidate;
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
    }
  }
}

interface SqliteBackupHandle {
  step(pages: number, cb: (err: Error | null) => void): void;
  finish(cb?: (err: Error | null) => void): void;
  completed: boolean;
  failed: boolean;
}

function openSqlite(file: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, mode, (err) => (err ? reject(err) : resolve(db)));
  });
}

function closeSqlite(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve) => db.close(() => resolve()));
}

/**
 * Runs the SQLite online backup API on an open database: `filenameIsDest` true copies `db` into
 * `file`, false copies `file` INTO `db` (how restore writes into the live database). All pages in one
 * step (`step(-1)`), then `finish()`. Source: sqlite.org/backup.html; node-sqlite3 `Database#backup`.
 */
export function sqliteBackupStep(db: sqlite3.Database, file: string, filenameIsDest: boolean): Promise<void> {
  const handle = (db as unknown as { backup(file: string, destName: string, sourceName: string, filenameIsDest: boolean): SqliteBackupHandle }).backup(file, 'main', 'main', filenameIsDest);
  return new Promise<void>((resolve, reject) => {
    handle.step(-1, (err) => {
      if (err) {
        handle.finish(() => reject(err));
        return;
      }
      const ok = handle.completed && !handle.failed;
      handle.finish((err2) => (err2 ? reject(err2) : ok ? resolve() : reject(new Error('the backup did not complete'))));
    });
  });
}

/** `PRAGMA quick_check` on an open database: 'ok' or the problems joined by '; '. */
export function sqliteQuickCheck(db: sqlite3.Database): Promise<string> {
  return new Promise<string>((resolve, reject) =>
    db.all('PRAGMA quick_check', (err, rows: Array<Record<string, unknown>>) => (err ? reject(err) : resolve(rows.map((r) => String(Object.values(r)[0])).join('; ')))),
  );
}

/** `PRAGMA quick_check` on an SQLite file opened read-only: 'ok' or the problems joined by '; '. */
export async function quickCheckFile(file: string): Promise<string> {
  const db = await openSqlite(file, sqlite3.OPEN_READONLY);
  try {
    return await sqliteQuickCheck(db);
  } finally {
    await closeSqlite(db);
  }
}

/** Opens an SQLite file with the driver (`sqlite3.OPEN_*` mode flags). */
export { openSqlite, closeSqlite };

/**
 * Copies the SQLite database `source` into `dest` (a new, empty file, e.g. from reserveFile) with the
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
 * Then, unless `verify: false`, `PRAGMA quick_check` on the copy.
 * Source: sqlite.org/backup.html, sqlite.org/pragma.html; node-sqlite3 `Database#backup`.
 * @throws EngineError `backup-failed`.
 */
export async function backupSqliteFile(source: string, dest: string, options: { verify?: boolean; durable?: boolean } = {}): Promise<void> {
  let guard: sqlite3.Database | null = null;
  let copy: sqlite3.Database | null = null;
  try {
    guard = await openSqlite(source, sqlite3.OPEN_READONLY);
    await sqliteRun(guard, 'SELECT count(*) FROM sqlite_master');
    copy = await openSqlite(dest, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE);
    await sqliteRun(copy, 'PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;');
    await sqliteBackupStep(copy, source, false);
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
  const db = await openSqlite(file, sqlite3.OPEN_READONLY);
  const all = (sql: string, params: unknown[] = []) =>
    new Promise<Array<Record<string, unknown>>>((resolve, reject) => db.all(sql, params, (err, rows: Array<Record<string, unknown>>) => (err ? reject(err) : resolve(rows))));
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
 * see protocol.ts `BackupManifest`). SQLite: the copy is fsynced and hashed (sha256 of the final file)
 * concurrently before the manifest is written. PostgreSQL: pg_dump starts at once while the connection
 * is probed and its major version is compared with the server's (`SHOW server_version_num`); when either
 * fails, pg_dump is stopped and its partial file deleted before the error is thrown; pg_dump fsyncs its
 * file itself (its default), then it is hashed. Returns `{ path, bytes, sha256, name, manifest }`.
 * @throws EngineError `backup-failed` (no database file, `:memory:`, pg_dump missing, older than the
 *   server or failing), `connection`, `usage` for clients other than SQLite and PostgreSQL.
 */
export async function backup(project: LoadedProject, options: BackupOptions = {}): Promise<BackupResult> {
  const dir = options.directory ?? defaultBackupDirectory(project);
  const now = options.now ?? new Date();
  const label = sanitizeLabel(options.label);
  const base = backupBaseName(now) + (label ? `_${label}` : '');
  const log = options.log ?? (() => {});
  const { tableName, schemaName } = project.migrations;
  let dest: string;
  let migrations: Array<{ name: string; batch: number }>;
  let precomputed: { bytes: number; sha256: string } | null = null;
  const tools: Record<string, string> = { 'migration-guard': MIGRATION_GUARD_VERSION, knex: knexVersion() };
  if (project.family === 'sqlite') {
    const source = project.sqliteFile;
    if (!source) throw new EngineError('backup-failed', 'An in-memory SQLite database cannot be backed up.');
    if (!existsSync(source)) throw new EngineError('backup-failed', `The SQLite database ${source} does not exist yet: there is nothing to back up.`);
    dest = await reserveFile(dir, base, '.sqlite3');
    log('info', `Backing up ${source} to ${dest}`);
    try {
      if (options.sqliteSource) await sqliteBackupStep(options.sqliteSource, dest, true);
      else await backupSqliteFile(source, dest, { verify: false, durable: false });
      // The fsync (disk-bound) and the checks (driver threads) run while the main thread hashes the
      // finished copy; nothing writes to it any more, so the sha256 is that of the final bytes.
      const [facts, check, hashed] = await Promise.all([
        sqliteFacts(dest, tableName),
        options.verify === true ? quickCheckFile(dest).catch((e: unknown) => errorMessage(e)) : Promise.resolve('ok'),
        hashFile(dest),
        syncFile(dest),
      ]);
      if (check !== 'ok') throw new EngineError('backup-failed', `The backup ${dest} failed PRAGMA quick_check: ${check}`);
      migrations = facts.migrations;
      tools.sqlite = facts.version;
      precomputed = hashed;
    } catch (err) {
      await unlink(dest).catch(() => {});
      throw err;
    }
  } else if (project.family === 'postgresql') {
    const exe = options.pgDump ?? process.env.MG_PG_DUMP ?? 'pg_dump';
    dest = await reserveFile(dir, base, '.dump');
    log('info', `Backing up ${project.info.connection} with ${exe} to ${dest}`);
    // pg_dump starts at once; the connection probe, the migration rows and `pg_dump --version` run
    // while it connects. Their errors win over pg_dump's (an unreachable server is a `connection` error
    // with its hint, not pg_dump's stderr; a pg_dump older than the server is named as such), and on any
    // of them pg_dump is stopped and, once it has exited, its partial file deleted.
    const { args, env } = pgDumpInvocation(project.knexConfig.connection, dest);
    const dump = startPgTool(exe, args, env, { stdout: false });
    try {
      const probe = (async () => {
        const db = await openKnex(project, log);
        try {
          const server = await serverVersion(db);
          const rows = (await readMigrationRows(db, tableName, schemaName)).rows.map((r) => ({ name: r.name, batch: r.batch }));
          return { server, rows };
        } finally {
          await db.destroy();
        }
      })();
      const [probed, version] = await Promise.allSettled([probe, toolVersion(exe)]);
      if (probed.status === 'rejected') throw probed.reason;
      if (version.status === 'rejected') throw version.reason;
      const { server, rows } = probed.value;
      assertToolNotOlder('pg_dump', exe, version.value, server.major);
      migrations = rows;
      tools.pg_dump = version.value.text;
      tools.server = String(server.num);
    } catch (err) {
      await dump.stop();
      await unlink(dest).catch(() => {});
      throw err;
    }
    try {
      await dump.done.catch((err: unknown) => {
        throw pgDumpError(exe, err);
      });
    } catch (err) {
      await unlink(dest).catch(() => {});
      throw err;
    }
  } else {
    throw new EngineError('usage', `Backup is not yet supported for client '${project.client}'.`, 'Back up the database with its own tools, then pass --no-backup.');
  }
  const { bytes, sha256 } = precomputed ?? (await hashFile(dest));
  const name = backupName(dest);
  const manifest: BackupManifest = {
    format: 1,
    name,
    file: path.basename(dest),
    sha256,
    bytes,
    created: now.toISOString(),
    label,
    kind: options.kind ?? 'manual',
    source: maskText(project.info.connection),
    client: project.client,
    family: project.family,
    method: project.family === 'sqlite' ? 'sqlite-backup-api' : 'pg_dump-custom',
    migrations,
    tools,
  };
  const manifestFile = await writeManifest(dest, manifest);
  const info: BackupInfo = { path: dest, bytes, sha256, name, manifest: manifestFile };
  return { backup: info };
}

/** `<project.root>/.migration-guard/backups`. */
export function defaultBackupDirectory(project: LoadedProject): string {
  return path.join(project.root, '.migration-guard', 'backups');
}
