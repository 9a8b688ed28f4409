/**
 * Restoring a backup: find it, verify it against its manifest (size and sha256), refuse while a migration
 * runs, ALWAYS take a safety backup of the current database first, then restore — SQLite through the
 * online backup API INTO the live file under one exclusive lock held from before the safety backup
 * (never by copying over an open file), PostgreSQL with
 * `pg_restore --clean --if-exists --no-owner --single-transaction` after checking versions and that no
 * other session is connected.
 */
import { existsSync } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type sqlite3 from 'sqlite3';
import { sqlite3Driver } from '../drivers';
import type { BackupInfo, BackupListEntry, BackupManifest, BackupResult, RestoreResult } from '../../protocol';
import { backup, closeSqlite, defaultBackupDirectory, hashFile, openSqlite, quickCheckFile, sqliteBackupStep } from './backup';
import type { LoadedProject } from '../project/project';
import type { Knex } from 'knex';
import { databaseAbsent, openKnex, readMigrationRows, runningMigration, silentLog, sqliteRows, sqliteTryBegin, sqliteValue, sqliteWriterActive, type EngineLog } from '../db';
import { EngineError, errorMessage } from '../errors';
import { backupName, listBackups, manifestPath, readManifest } from './manifest';
import { assertToolNotOlder, parseToolVersion, pgConnectionArgs, runPgTool, serverVersion, toolVersion } from './pgtools';
import type { OperationOptions } from '../state/status';

/** Options of {@link restore}. */
export interface RestoreOptions extends OperationOptions {
  /** Backup folder; default `<root>/.migration-guard/backups`. */
  directory?: string;
  /** `pg_restore` executable; default env `MG_PG_RESTORE`, else `pg_restore` from PATH. */
  pgRestore?: string;
  /** `pg_dump` for the safety backup; default env `MG_PG_DUMP`, else `pg_dump`. */
  pgDump?: string;
  /** Base for a relative backup path; default `process.cwd()`. */
  cwd?: string;
  /** PostgreSQL: keep tables that are not in the backup (default: drop them after pg_restore, so the database matches the backup). */
  keepNewTables?: boolean;
  /**
   * PostgreSQL: terminate the other sessions connected to the database (`pg_terminate_backend`) instead
   * of refusing with `database-in-use` (CLI `--force-disconnect`). Never used to stop a running migration.
   */
  forceDisconnect?: boolean;
  /**
   * How long to wait for other connections' locks (ms): SQLite, for a write transaction to end before a
   * running migration is assumed ({@link sqliteWriterActive}) and for the exclusive lock; PostgreSQL, for
   * terminated sessions to go. Default {@link RESTORE_LOCK_WAIT_MS}.
   */
  lockWaitMs?: number;
}

/** Default of {@link RestoreOptions.lockWaitMs}: 10 s (5 s was not enough against a writer committing in a tight loop on a loaded 2-core machine). */
export const RESTORE_LOCK_WAIT_MS = 10_000;

/** Page cache of the live connection while a backup is copied into it: `PRAGMA cache_size` in KiB when negative (32 MB). */
const RESTORE_CACHE_KIB = -32_000;

/**
 * Finds a backup by name (`backup_20240506_070809`, with or without extension) in the backup folder,
 * or by path (absolute, or relative to `cwd`).
 * @throws EngineError `usage` when no such backup exists (the message lists the newest names).
 */
export async function resolveBackup(ref: string, directory: string, cwd: string = process.cwd()): Promise<string> {
  const candidates = [path.resolve(cwd, ref), path.join(directory, ref), path.join(directory, `${ref}.sqlite3`), path.join(directory, `${ref}.dump`)];
  for (const c of candidates) {
    if (/\.(sqlite3|dump)$/.test(c) && existsSync(c)) return c;
  }
  const known = (await listBackups(directory)).slice(0, 5).map((b) => b.name);
  throw new EngineError('usage', `No backup named ${ref} in ${directory}.`, known.length ? `Run 'migration-guard backups' to list them; the newest: ${known.join(', ')}.` : 'There are no backups yet.');
}

/**
 * Verifies a backup file against its manifest: it must exist, have one, and match its size and sha256.
 * Returns the manifest.
 * @throws EngineError `backup-failed` naming the problem: no manifest, truncated (fewer bytes), size
 *   differs, sha256 differs (corrupt).
 */
export async function verifyBackup(file: string): Promise<BackupManifest> {
  const manifest = await checkManifestAndSize(file);
  await checkSha256(file, manifest);
  return manifest;
}

/**
 * The cheap part of {@link verifyBackup}: the manifest exists and is readable, and the file has its size.
 * @throws EngineError `backup-failed` (no manifest, unreadable, truncated, size differs).
 */
async function checkManifestAndSize(file: string): Promise<BackupManifest> {
  let manifest: BackupManifest | null;
  try {
    manifest = await readManifest(file);
  } catch (err) {
    throw new EngineError('backup-failed', `The manifest of ${file} cannot be read: ${errorMessage(err)}`, 'Without a valid manifest the backup cannot be verified; restore it by hand if you trust it.');
  }
  if (!manifest) {
    throw new EngineError('backup-failed', `${file} has no manifest (${path.basename(manifestPath(file))}), so it cannot be verified.`, 'Restore it by hand if you trust it (sqlite3 .restore / pg_restore).');
  }
  const { size } = await stat(file);
  if (size < manifest.bytes) {
    throw new EngineError('backup-failed', `The backup ${path.basename(file)} is truncated: ${size} bytes on disk, ${manifest.bytes} recorded in its manifest. Refusing to restore it.`, 'Pick another backup (migration-guard backups).');
  }
  if (size !== manifest.bytes) {
    throw new EngineError('backup-failed', `The backup ${path.basename(file)} has ${size} bytes but its manifest records ${manifest.bytes}: it was modified. Refusing to restore it.`, 'Pick another backup (migration-guard backups).');
  }
  return manifest;
}

/** @throws EngineError `backup-failed` when the file's sha256 differs from its manifest's (corrupt). */
async function checkSha256(file: string, manifest: BackupManifest): Promise<void> {
  const { sha256 } = await hashFile(file);
  if (sha256 !== manifest.sha256) {
    throw new EngineError('backup-failed', `The backup ${path.basename(file)} is corrupt: its sha256 ${sha256} differs from ${manifest.sha256} in its manifest. Refusing to restore it.`, 'Pick another backup (migration-guard backups).');
  }
}

/**
 * The expensive part of the verification, started by {@link restore} and awaited before anything is
 * written into the database: the sha256 (main thread) and, for an SQLite backup, `PRAGMA quick_check`
 * (driver thread) at the same time; a sha256 mismatch is reported first.
 * @throws EngineError `backup-failed`.
 */
async function checkContent(file: string, manifest: BackupManifest, sqliteBackup: boolean): Promise<void> {
  const [hashed, checked] = await Promise.allSettled([checkSha256(file, manifest), sqliteBackup ? quickCheckFile(file).catch((err: unknown) => errorMessage(err)) : Promise.resolve('ok')]);
  if (hashed.status === 'rejected') throw hashed.reason;
  const check = checked.status === 'fulfilled' ? checked.value : errorMessage(checked.reason);
  if (check !== 'ok') {
    throw new EngineError('backup-failed', `The backup ${backupName(file)} is damaged (PRAGMA quick_check: ${check}); nothing was restored.`, 'Choose an older backup (migration-guard backups).');
  }
}

/** Table names in the archive, from `pg_restore --list` lines like `215; 1259 16390 TABLE public a postgres`. */
function archiveTables(listing: string): Set<string> {
  const out = new Set<string>();
  for (const line of listing.split('\n')) {
    const m = /^\d+;\s+\d+\s+\d+\s+TABLE\s+(\S+)\s+(\S+)\s/.exec(line);
    if (m) out.add(`${m[1]}.${m[2]}`);
  }
  return out;
}

/**
 * Throws while a migration may be running on the project's database ({@link runningMigration}): replacing
 * the database under a running migration would lose the upgrade (issue 13). A lock flag left by a crash
 * is freed with `unlock`, which checks first.
 * @throws EngineError `migration-running` (a migration's transaction holds the database: SQLite write
 *   lock held longer than `waitMs`, PostgreSQL lock row locked), `lock-held` (committed lock flag).
 */
async function refuseWhileMigrating(knex: Knex, project: LoadedProject, waitMs: number): Promise<void> {
  const reason = await runningMigration(knex, project, waitMs);
  if (reason === 'writer') throw migrationRunningSqlite(project.sqliteFile ?? 'the database', waitMs);
  if (reason === 'lock-row') {
    throw new EngineError(
      'migration-running',
      `Another session holds the migration lock row (${project.migrations.tableName}_lock, locked by a running Knex migration's transaction): restoring now would lose the upgrade; nothing was restored.`,
      'Wait for the upgrade to finish, then restore again.',
    );
  }
  if (reason === 'lock-flag') {
    throw new EngineError(
      'lock-held',
      `The migration lock is held (${project.migrations.tableName}_lock.is_locked = 1): a migration may be running, and restoring under it would mix both; nothing was restored.`,
      "If no migration is running (a crash left the lock), free it with 'migration-guard unlock' (it checks first), then restore.",
    );
  }
}

/** The `migration-running` refusal for SQLite: the write lock stayed taken for `waitMs`. */
function migrationRunningSqlite(file: string, waitMs: number): EngineError {
  return new EngineError(
    'migration-running',
    `Another connection has held the write lock of ${file} for more than ${waitMs / 1000} s: a migration is probably running (Knex holds the database in one write transaction for the whole batch), or an application runs a long write transaction. Restoring now would lose what it commits; nothing was restored.`,
    'Wait for the upgrade (or the writer) to finish, then restore again.',
  );
}

/** Names in the migrations table (`id` order) read on an open SQLite connection; [] without the table. */
async function sqliteMigrationNames(db: sqlite3.Database, tableName: string): Promise<string[]> {
  if ((await sqliteRows(db, "select 1 from sqlite_master where type = 'table' and name = ?", [tableName])).length === 0) return [];
  return (await sqliteRows(db, `select name from "${tableName.replace(/"/g, '""')}" order by id`)).map((r) => String(r.name));
}

/**
 * Opens the live SQLite file and takes its EXCLUSIVE lock for the life of the connection:
 * `PRAGMA locking_mode = EXCLUSIVE`, then `BEGIN EXCLUSIVE; COMMIT` (in exclusive locking mode the lock is
 * kept after the transaction until the connection closes: sqlite.org/pragma.html#pragma_locking_mode).
 * While it is open no other connection reads or writes; theirs wait in their busy handler or get
 * SQLITE_BUSY, and what they committed before is in the safety backup taken through this connection.
 * Each attempt uses a fresh connection, retried at once until `waitMs` has passed: in exclusive locking
 * mode a failed `BEGIN EXCLUSIVE` keeps the SHARED lock it took, so a writer holding RESERVED could never
 * commit and the retry could never win (checked on these machines; it failed CI once, issue 13).
 * The first conflict is logged at 'debug' through `log`.
 * @throws EngineError `database-in-use` when the lock cannot be taken within `waitMs` (a long read or
 *   write transaction, or, in WAL mode, any other connection holding the database open).
 */
export async function lockSqliteExclusively(file: string, waitMs: number, log: EngineLog = silentLog): Promise<sqlite3.Database> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    const conn = await openSqlite(file, sqlite3Driver().OPEN_READWRITE);
    try {
      await sqliteExec(conn, 'PRAGMA locking_mode = EXCLUSIVE');
      if (await sqliteTryBegin(conn, 'EXCLUSIVE')) {
        await sqliteExec(conn, 'COMMIT');
        // Held from here on: the copies through this connection wait for nobody.
        conn.configure('busyTimeout', waitMs);
        return conn;
      }
    } catch (err) {
      await closeSqlite(conn);
      throw err;
    }
    await closeSqlite(conn);
    if (attempt === 1) log('debug', 'restore: another connection holds a lock on the database; retrying');
    if (Date.now() >= deadline) {
      throw new EngineError(
        'database-in-use',
        `Could not lock ${file} for the restore within ${waitMs / 1000} s: another connection is reading or writing it, or (in WAL mode) holds it open. Nothing was restored.`,
        'Stop the application that uses the database (in WAL mode SQLite cannot lock a database other connections keep open), then restore again.',
      );
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** `page_count × page_size` of an open SQLite database: its size in bytes as SQLite sees it (sqlite.org/pragma.html). */
async function sqliteLogicalBytes(db: sqlite3.Database): Promise<number> {
  return Number(await sqliteValue(db, 'PRAGMA page_count')) * Number(await sqliteValue(db, 'PRAGMA page_size'));
}

function sqliteExec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
}

/** Whether Knex's committed lock flag is set, read on an open SQLite connection. */
async function sqliteLockFlag(db: sqlite3.Database, tableName: string): Promise<boolean> {
  const lockTable = `${tableName}_lock`;
  if ((await sqliteRows(db, "select 1 from sqlite_master where type = 'table' and name = ?", [lockTable])).length === 0) return false;
  return (await sqliteRows(db, `select is_locked from "${lockTable.replace(/"/g, '""')}"`)).some((r) => Number(r.is_locked) === 1);
}

/** The other client sessions connected to the current PostgreSQL database (pg_stat_activity). */
async function otherPgSessions(knex: Knex): Promise<Array<{ pid: number; who: string }>> {
  const r = (await knex.raw(
    "select pid, coalesce(usename, '') as usename, coalesce(application_name, '') as app, coalesce(client_addr::text, 'local') as addr from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend' order by pid",
  )) as { rows: Array<{ pid: number; usename: string; app: string; addr: string }> };
  return r.rows.map((x) => ({ pid: Number(x.pid), who: `pid ${x.pid} ${x.usename}@${x.addr}${x.app ? ` (${x.app})` : ''}` }));
}

/**
 * PostgreSQL: refuses (`database-in-use`) while other client sessions are connected to the database, or
 * with `force` terminates them (`pg_terminate_backend`, PostgreSQL docs "Server Signaling Functions") and
 * waits up to `waitMs` until they are gone. `ignore` skips sessions of our own tools that are exiting
 * (pg_dump of the safety backup). Returns how many were terminated.
 * @throws EngineError `database-in-use`.
 */
async function clearPgSessions(knex: Knex, force: boolean, waitMs: number, log: EngineLog, when: string, ignore: (who: string) => boolean = () => false): Promise<number> {
  const others = (await otherPgSessions(knex)).filter((s) => !ignore(s.who));
  if (others.length === 0) return 0;
  const list = others.map((s) => s.who).join('; ');
  if (!force) {
    throw new EngineError(
      'database-in-use',
      `${others.length} other session(s) are connected to the database ${when} (${list}): what they commit after the safety backup would be lost by the restore, so nothing was restored.`,
      'Stop the applications using the database, or pass --force-disconnect to terminate those sessions and restore.',
    );
  }
  log('warn', `Terminating ${others.length} other session(s) connected to the database: ${list}`);
  const pids = others.map((s) => s.pid);
  await knex.raw('select pg_terminate_backend(pid) from unnest(?::int[]) as pid', [pids]);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const left = (await otherPgSessions(knex)).filter((s) => pids.includes(s.pid));
    if (left.length === 0) return others.length;
    if (Date.now() > deadline) {
      throw new EngineError('database-in-use', `${left.length} session(s) did not end after pg_terminate_backend within ${waitMs / 1000} s (${left.map((s) => s.who).join('; ')}); nothing was restored.`, 'The user may lack the right to terminate them (pg_signal_backend); stop those clients, then restore again.');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Restores a backup into the project's database. Steps: resolve it, check its manifest and size and
 * that its family matches the project, verify its content (sha256 against the manifest; SQLite: also
 * `PRAGMA quick_check` on the backup file, read-only; a damaged backup is refused before anything is
 * written), refuse while a migration runs (SQLite: {@link sqliteWriterActive}, then the lock flag read
 * under the restore's lock; PostgreSQL: {@link refuseWhileMigrating}), take a safety backup of the
 * current database (`kind: 'pre-restore'`, label `pre-restore`; skipped only when an SQLite file does not
 * exist), then restore:
 * - SQLite: one connection takes the live database's EXCLUSIVE lock ({@link lockSqliteExclusively}) and
 *   keeps it from before the safety backup (a copy of the locked file, or the online backup API with
 *   this connection as the source: backup.ts `sqliteSourceLocked`) until the backup is written INTO it
 *   (online backup API, this connection as the destination) and holds exactly the backup's bytes: nothing
 *   commits in between (issue 13), and a kill leaves the old or the restored content (SQLite's journal).
 *   Other connections wait (busy timeout) or get SQLITE_BUSY. The content verification runs while the
 *   lock is taken and the safety backup written (both only read the live database); the safety backup
 *   is deleted again if the verification fails.
 * - PostgreSQL: refuses while other client sessions are connected, before the safety backup and again
 *   just before pg_restore (or terminates them with `forceDisconnect`); compares `pg_restore`'s major
 *   version with the server's and with the `pg_dump` that wrote the archive, then
 *   `pg_restore --clean --if-exists --no-owner --single-transaction --no-password` (password only in
 *   `PGPASSWORD`); then tables that are not in the archive (created after the backup; pg_restore --clean
 *   only drops what the archive contains) are dropped in one transaction, unless `keepNewTables`, and
 *   listed in `notes` (they remain in the safety backup).
 * @throws EngineError `usage` (unknown backup, wrong family), `backup-failed` (verification, safety
 *   backup, pg_restore failures), `migration-running`, `lock-held`, `database-in-use`, `connection`.
 */
export async function restore(project: LoadedProject, ref: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  const log = options.log ?? silentLog;
  const directory = options.directory ?? defaultBackupDirectory(project);
  const waitMs = options.lockWaitMs ?? RESTORE_LOCK_WAIT_MS;
  const file = await resolveBackup(ref, directory, options.cwd);
  log('debug', 'restore: start');
  const manifest = await checkManifestAndSize(file);
  if (project.family === 'other' || manifest.family !== project.family) {
    throw new EngineError('usage', `The backup ${backupName(file)} is a ${manifest.family} backup (${manifest.client}); the project's database is ${project.client}.`, 'Restore it into a database of the same kind.');
  }
  // backup() skips quick_check by default (backup.ts BackupOptions.verify): an SQLite backup is checked
  // here, before anything is written into the live database. restoreSqlite awaits it only after its
  // safety backup, which it takes meanwhile (reading the live database, writing nothing into it).
  const content = checkContent(file, manifest, project.family === 'sqlite' && file.endsWith('.sqlite3'));
  const verified = content.then(() => log('debug', 'restore: backup verified (sha256 + quick_check)')).then(() => log('info', `Verified ${path.basename(file)} (${manifest.bytes} bytes, sha256 ${manifest.sha256}${project.family === 'sqlite' ? ', PRAGMA quick_check ok' : ''}).`));
  verified.catch(() => {}); // awaited below or in restoreSqlite; not an unhandled rejection meanwhile
  if (project.family === 'sqlite') return restoreSqlite(project, file, manifest, verified, { ...options, log, directory, waitMs });
  await verified;
  return restorePg(project, file, manifest, { ...options, log, directory, waitMs });
}

type ResolvedRestoreOptions = RestoreOptions & { log: EngineLog; directory: string; waitMs: number };

/**
 * The SQLite part of {@link restore}. `verified` is the backup's sha256 + quick_check, already running: meanwhile
 * the lock is taken and the safety backup copies the live file; then the backup is copied into the live database
 * while the verification and the safety backup's sha256, fsync and manifest go on, in one write transaction that
 * commits only after both have finished ({@link sqliteBackupStep}'s `commitGate`). Measured on 531 MB
 * (bench/restore-sqlite.ts, MIGRATION_GUARD_DEBUG=1): the verification (~1 s) and the safety backup's hashing and
 * fsync (~0.8 s) no longer come before the copy. A failed verification or safety backup rolls the copy back (a
 * failed verification also discards the safety backup); any refusal waits for the verification, and a damaged
 * backup is reported first.
 */
async function restoreSqlite(project: LoadedProject, file: string, manifest: BackupManifest, verified: Promise<void>, options: ResolvedRestoreOptions): Promise<RestoreResult> {
  const { log, directory, waitMs } = options;
  const { tableName } = project.migrations;
  const notes: string[] = [];
  let migrations: string[];
  let safetyBackup: RestoreResult['safetyBackup'] = null;
  let db: sqlite3.Database | null = null;
  const live = project.sqliteFile;
  // What the copy into the live database waits for before it commits (see below).
  let gate: Promise<void> = verified;
  // Read through a function: the safety backup is recorded in a callback, which narrowing does not see.
  const savedSafety = (): RestoreResult['safetyBackup'] => safetyBackup;
  let safety: Promise<BackupResult> | undefined;
  try {
    if (live === null) throw new EngineError('usage', 'Cannot restore into an in-memory SQLite database.');
    if (databaseAbsent(project)) {
      await verified;
      notes.push(`No safety backup: ${live} did not exist.`);
      db = await openSqlite(live, sqlite3Driver().OPEN_READWRITE | sqlite3Driver().OPEN_CREATE);
      db.configure('busyTimeout', waitMs);
    } else {
      // No Knex here: its connection has no busy timeout, and a busy application made its reads fail.
      if (await sqliteWriterActive(live, waitMs)) throw migrationRunningSqlite(live, waitMs);
      log('debug', 'restore: writer probe done');
      db = await lockSqliteExclusively(live, waitMs, log);
      log('debug', 'restore: exclusive lock taken');
      // A crashed migration's flag may have been committed between the probe and the lock.
      if (await sqliteLockFlag(db, tableName)) {
        throw new EngineError('lock-held', `The migration lock is held (${tableName}_lock.is_locked = 1): a migration may be running, and restoring under it would mix both; nothing was restored.`, "If no migration is running (a crash left the lock), free it with 'migration-guard unlock' (it checks first), then restore.");
      }
      // The safety backup's copy of the file (disk-bound) while the backup is verified (CPU); once the live file is
      // read, the copy into it starts while the verification and the safety backup's sha256, fsync and manifest go
      // on: it commits only after both have finished (the gate), so a committed restore always has its verified
      // backup and a complete safety backup.
      let sourceRead!: () => void;
      const liveRead = new Promise<void>((resolve) => (sourceRead = resolve));
      safety = backup(project, { log, directory, kind: 'pre-restore', label: 'pre-restore', sqliteSource: db, sqliteSourceLocked: true, onSourceRead: sourceRead });
      safety.catch(() => {}); // awaited below
      await Promise.race([liveRead, safety]).catch(async (err: unknown) => {
        throw (await verified.then(() => null, (e: unknown) => e)) ?? err;
      });
      const safetyDone = safety.then((b) => {
        safetyBackup = b.backup;
        log('debug', 'restore: safety backup done');
        log('info', `Safety backup of the current database (taken under the restore's exclusive lock): ${b.backup.path}`);
      });
      safetyDone.catch(() => {}); // awaited below
      gate = verified.then(() => safetyDone);
      gate.catch(() => {}); // awaited by the copy
    }
    try {
      // A bigger page cache for the copy: the journal is synced before each spill of dirty pages, so
      // the default 2 MB cache meant ~630 fsyncs for 531 MB; with 32 MB, ~40 and the copy took 13–31%
      // less here (sqlite.org/pragma.html#pragma_cache_size). The memory is freed when the connection closes.
      await sqliteExec(db, `PRAGMA cache_size = ${RESTORE_CACHE_KIB}`);
      await sqliteBackupStep(db, file, false, undefined, gate);
      log('debug', 'restore: backup copied into the live database');
      // The copy took every page of a backup that passed its sha256 and PRAGMA quick_check above; a quick_check of
      // the result would read the same pages again, from the page cache (0.4 s of a 531 MB restore, 8% of it), and
      // could not see a bad disk write either. What is checked is that the copy is whole: the database now holds
      // exactly the backup's bytes.
      const bytes = await sqliteLogicalBytes(db);
      if (bytes !== manifest.bytes) throw new Error(`after the copy the database holds ${bytes} bytes, the backup ${manifest.bytes}`);
    } catch (err) {
      const gateError = await gate.then(() => null, (e: unknown) => e);
      if (gateError !== null && err === gateError) {
        // The copy was rolled back (sqliteBackupStep rejects with the gate's own error only then): nothing changed.
        const refused = await verified.then(() => null, (e: unknown) => e);
        if (refused !== null) {
          // A backup that failed its verification needs no safety backup: remove it once it is written.
          const written = await safety?.then((b) => b.backup, () => null);
          if (written) await discardBackup(written);
          safetyBackup = null;
        }
        throw gateError;
      }
      await safety?.then(
        () => {},
        () => {},
      ); // the safety backup, when it is written, is named in the hint
      const saved = savedSafety();
      throw new EngineError('backup-failed', `Restoring ${path.basename(file)} into ${live} failed: ${errorMessage(err)}`, saved ? `The database before the restore is saved in ${saved.path}.` : undefined, { cause: err });
    }
    migrations = await sqliteMigrationNames(db, tableName);
  } catch (err) {
    throw (await verified.then(() => null, (e: unknown) => e)) ?? err;
  } finally {
    if (db) await closeSqlite(db);
  }
  log('debug', 'restore: live connection closed');
  return { restored: await entryFor(file, manifest), safetyBackup, method: 'sqlite-backup-api', migrations, notes, disconnectedSessions: 0 };
}

async function restorePg(project: LoadedProject, file: string, manifest: BackupManifest, options: ResolvedRestoreOptions): Promise<RestoreResult> {
  const { log, directory, waitMs } = options;
  const { tableName, schemaName } = project.migrations;
  const notes: string[] = [];
  const force = options.forceDisconnect === true;
  const exe = options.pgRestore ?? process.env.MG_PG_RESTORE ?? 'pg_restore';
  // One pooled connection: the session checks must not count connections of our own pool.
  const single: LoadedProject = { ...project, knexConfig: { ...project.knexConfig, pool: { min: 0, max: 1 } } };
  const knex = await openKnex(single, log);
  let migrations: string[];
  let safetyBackup: RestoreResult['safetyBackup'];
  let disconnected = 0;
  try {
    // A running migration is refused even with --force-disconnect: terminating it would abort the upgrade.
    await refuseWhileMigrating(knex, project, waitMs);
    disconnected += await clearPgSessions(knex, force, waitMs, log, 'before the safety backup');
    safetyBackup = (await backup(project, { log, directory, kind: 'pre-restore', label: 'pre-restore', ...(options.pgDump ? { pgDump: options.pgDump } : {}) })).backup;
    log('info', `Safety backup of the current database: ${safetyBackup.path}`);
    // Someone may have connected while pg_dump ran (its own session may still be ending: not counted).
    disconnected += await clearPgSessions(knex, force, waitMs, log, `after the safety backup (it is in ${safetyBackup.path})`, (who) => / \(pg_dump\)$/.test(who));
    if (disconnected > 0) notes.push(`Terminated ${disconnected} other session(s) connected to the database (--force-disconnect).`);
    const server = await serverVersion(knex);
    const tool = await toolVersion(exe);
    assertToolNotOlder('pg_restore', exe, tool, server.major);
    const dumpedWith = manifest.tools.pg_dump ? parseToolVersion(`(PostgreSQL) ${manifest.tools.pg_dump}`) : null;
    if (dumpedWith && dumpedWith.major > tool.major) {
      throw new EngineError('backup-failed', `The backup was written by pg_dump ${dumpedWith.text}; pg_restore ${tool.text} (${exe}) cannot read it.`, `Install postgresql-client-${dumpedWith.major} and set MG_PG_RESTORE to its pg_restore.`);
    }
    const inArchive = archiveTables(await runPgTool(exe, ['--list', file]));
    const live = (await knex.raw(
      "select table_schema || '.' || table_name as t from information_schema.tables where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1",
    )) as { rows: Array<{ t: string }> };
    const extra = live.rows.map((r) => r.t).filter((t) => !inArchive.has(t));
    const conn = pgConnectionArgs(project.knexConfig.connection);
    const args = ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--no-password', ...conn.args, file];
    log('info', `Restoring ${path.basename(file)} with ${exe} ${tool.text}…`);
    try {
      await runPgTool(exe, args, conn.env, { stdout: false });
    } catch (err) {
      throw new EngineError('backup-failed', `pg_restore failed: ${errorMessage(err)}. It ran in one transaction, so the database is unchanged.`, `The database before the restore is saved in ${safetyBackup.path}.`, { cause: err });
    }
    if (extra.length > 0 && options.keepNewTables) {
      notes.push(`Kept ${extra.length} table(s) created after the backup (pg_restore --clean drops only what the backup contains): ${extra.join(', ')}.`);
    } else if (extra.length > 0) {
      // pg_restore --clean drops only what the archive contains: tables created after the backup (by
      // the migrations being undone) would survive and break the next upgrade. They are in the safety backup.
      await knex.transaction(async (trx) => {
        for (const t of extra) {
          const [schema, table] = t.split(/\.(.*)/s) as [string, string];
          await trx.raw('DROP TABLE IF EXISTS ??.?? CASCADE', [schema, table]);
        }
      });
      notes.push(`Dropped ${extra.length} table(s) created after the backup, so the database matches it (they are in the safety backup): ${extra.join(', ')}.`);
    }
    migrations = (await readMigrationRows(knex, tableName, schemaName)).rows.map((r) => r.name);
  } finally {
    await knex.destroy();
  }
  return { restored: await entryFor(file, manifest), safetyBackup, method: 'pg_restore', migrations, notes, disconnectedSessions: disconnected };
}

/** Deletes a backup file and its manifest (a safety backup taken for a restore that was then refused). */
async function discardBackup(b: BackupInfo): Promise<void> {
  await unlink(manifestPath(b.path)).catch(() => {});
  await unlink(b.path).catch(() => {});
}

async function entryFor(file: string, manifest: BackupManifest): Promise<BackupListEntry> {
  const found = (await listBackups(path.dirname(file))).find((b) => b.path === file);
  if (found) return found;
  const { size } = await stat(file);
  return { name: backupName(file), path: file, bytes: size, created: manifest.created, ageSeconds: 0, label: manifest.label, kind: manifest.kind, migrations: manifest.migrations.map((m) => m.name), manifest, complete: true, checked: 'sha256' };
}
