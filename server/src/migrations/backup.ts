/**
 * Backups before anything is written: SQLite through the online backup API of the `sqlite3`
 * driver (consistent even while other connections write), PostgreSQL through `pg_dump -Fc`.
 * Files go to `<projectRoot>/.migration-guard/backups/`, mode 0600.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, mkdir, open, stat, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import type { BackupInfo, BackupKind, BackupManifest, BackupResult } from '../protocol';
import type { LoadedProject } from './config';
import { openKnex, readMigrationRows } from './db';
import { EngineError, errorMessage } from './errors';
import { maskText } from './mask';
import { backupName, MIGRATION_GUARD_VERSION, sanitizeLabel, writeManifest } from './manifest';
import { assertToolNotOlder, pgConnectionArgs, runPgTool, serverVersion, toolVersion } from './pgtools';
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
}

/** `backup_YYYYMMDD_HHMMSS` in UTC. */
export function backupBaseName(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `backup_${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}_${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

/** Lower-case hex sha256 and size of a file. */
export async function hashFile(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  // 4 MiB reads: the default 64 KiB stream chunks made hashing a 500 MB backup twice as slow.
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  const { size } = await stat(file);
  return { bytes: size, sha256: hash.digest('hex') };
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
 * Copies an SQLite database into `dest` with the online backup API
 * (`db.backup(dest)` → `step(-1)` → `finish()`), then (unless `verify: false`) runs
 * `PRAGMA quick_check` on the copy.
 * @throws EngineError `backup-failed`.
 */
export async function backupSqliteFile(source: string, dest: string, options: { verify?: boolean } = {}): Promise<void> {
  let src: sqlite3.Database | null = null;
  try {
    src = await openSqlite(source, sqlite3.OPEN_READONLY);
    await sqliteBackupStep(src, dest, true);
  } catch (err) {
    throw new EngineError('backup-failed', `SQLite backup of ${source} failed: ${errorMessage(err)}`, undefined, { cause: err });
  } finally {
    if (src) await closeSqlite(src);
  }
  if (options.verify === false) return;
  const copy = await openSqlite(dest, sqlite3.OPEN_READONLY);
  try {
    const result = await sqliteQuickCheck(copy);
    if (result !== 'ok') throw new EngineError('backup-failed', `The backup ${dest} failed PRAGMA quick_check: ${result}`);
  } finally {
    await closeSqlite(copy);
  }
}

/** Arguments and environment for `pg_dump`, the password only in `PGPASSWORD` (never on the command line). */
export function pgDumpInvocation(connection: unknown, dest: string): { args: string[]; env: Record<string, string> } {
  const conn = pgConnectionArgs(connection);
  return { args: ['--format=custom', '--no-password', `--file=${dest}`, ...conn.args], env: conn.env };
}

async function runPgDump(exe: string, args: string[], env: Record<string, string>): Promise<void> {
  try {
    await runPgTool(exe, args, env, { stdout: false });
  } catch (err) {
    if ((err as { missing?: boolean }).missing) {
      throw new EngineError('backup-failed', `pg_dump was not found (${exe}).`, "Install the PostgreSQL client tools matching the server version, set MG_PG_DUMP to pg_dump's path, or pass --no-backup.");
    }
    const text = errorMessage(err);
    const hint = /version mismatch/i.test(text)
      ? 'pg_dump must be at least as new as the server: install the matching PostgreSQL client and set MG_PG_DUMP.'
      : 'Check the connection settings and that the user may read every table.';
    throw new EngineError('backup-failed', text, hint);
  }
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
 * see protocol.ts `BackupManifest`). On PostgreSQL, pg_dump's major version is compared with the
 * server's (`SHOW server_version_num`) before dumping. Returns `{ path, bytes, sha256, name, manifest }`.
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
      await backupSqliteFile(source, dest, { verify: false });
      // The checks read the copy on the driver's thread pool while the main thread hashes it.
      const [facts, check, hashed] = await Promise.all([sqliteFacts(dest, tableName), options.verify === true ? quickCheckFile(dest).catch((e: unknown) => errorMessage(e)) : Promise.resolve('ok'), hashFile(dest)]);
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
    // Probe the connection first, so an unreachable server or a wrong password is a `connection`
    // error with its hint rather than pg_dump's stderr; then compare versions BEFORE dumping.
    const db = await openKnex(project, log);
    let server: { num: number; major: number };
    try {
      server = await serverVersion(db);
      migrations = (await readMigrationRows(db, tableName, schemaName)).rows.map((r) => ({ name: r.name, batch: r.batch }));
    } finally {
      await db.destroy();
    }
    const tool = await toolVersion(exe);
    assertToolNotOlder('pg_dump', exe, tool, server.major);
    tools.pg_dump = tool.text;
    tools.server = String(server.num);
    dest = await reserveFile(dir, base, '.dump');
    log('info', `Backing up ${project.info.connection} with ${exe} ${tool.text} to ${dest}`);
    const { args, env } = pgDumpInvocation(project.knexConfig.connection, dest);
    try {
      await runPgDump(exe, args, env);
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
