/**
 * Restoring a backup: find it, verify it against its manifest (size and sha256), ALWAYS take a safety
 * backup of the current database first, then restore — SQLite through the online backup API INTO the
 * live file (never by copying over an open file), PostgreSQL with
 * `pg_restore --clean --if-exists --no-owner --single-transaction` after checking versions.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import type { BackupListEntry, BackupManifest, RestoreResult } from '../protocol';
import { backup, closeSqlite, defaultBackupDirectory, hashFile, openSqlite, quickCheckFile, sqliteBackupStep, sqliteQuickCheck } from './backup';
import type { LoadedProject } from './config';
import { databaseAbsent, migrationInProgress, openKnex, readMigrationRows, silentLog, type EngineLog } from './db';
import { EngineError, errorMessage } from './errors';
import { backupName, listBackups, manifestPath, readManifest } from './manifest';
import { assertToolNotOlder, parseToolVersion, pgConnectionArgs, runPgTool, serverVersion, toolVersion } from './pgtools';
import type { OperationOptions } from './status';

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
}

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
  const { sha256 } = await hashFile(file);
  if (sha256 !== manifest.sha256) {
    throw new EngineError('backup-failed', `The backup ${path.basename(file)} is corrupt: its sha256 ${sha256} differs from ${manifest.sha256} in its manifest. Refusing to restore it.`, 'Pick another backup (migration-guard backups).');
  }
  return manifest;
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
 * Throws while a migration may be running on the project's database (the Knex lock is set, or on
 * PostgreSQL another session holds the lock row): replacing the database under a running migration
 * would mix both. A lock left by a crash is freed with `unlock`, which checks first.
 * @throws EngineError `lock-held`, `connection`.
 */
async function refuseWhileMigrating(project: LoadedProject, log: EngineLog): Promise<void> {
  if (databaseAbsent(project)) return;
  const knex = await openKnex(project, log);
  try {
    if (await migrationInProgress(knex, project)) {
      throw new EngineError(
        'lock-held',
        `The migration lock is held (${project.migrations.tableName}_lock.is_locked = 1): a migration may be running, and restoring under it would mix both; nothing was restored.`,
        "If no migration is running (a crash left the lock), free it with 'migration-guard unlock' (it checks first), then restore.",
      );
    }
  } finally {
    await knex.destroy();
  }
}

/**
 * Restores a backup into the project's database. Steps: resolve and verify (size + sha256 against the
 * manifest; SQLite: also `PRAGMA quick_check` on the backup file, read-only, so a damaged backup is
 * refused before anything is written), check the backup's family matches the project, take a safety backup of the current
 * database (`kind: 'pre-restore'`, label `pre-restore`; skipped only when an SQLite file does not exist),
 * then restore:
 * - SQLite: opens the live file and runs the online backup API from the backup file INTO it (readers
 *   and writers of the live file see either the old or the new database), then `PRAGMA quick_check`.
 * - PostgreSQL: compares `pg_restore`'s major version with the server's and with the `pg_dump` that
 *   wrote the archive, then `pg_restore --clean --if-exists --no-owner --single-transaction --no-password`
 *   (password only in `PGPASSWORD`); then tables that are not in the archive (created after the backup;
 *   pg_restore --clean only drops what the archive contains) are dropped in one transaction, unless
 *   `keepNewTables`, and listed in `notes` (they remain in the safety backup).
 * Refused while the migration lock is held ({@link refuseWhileMigrating}).
 * @throws EngineError `usage` (unknown backup, wrong family, other clients), `backup-failed` (verification,
 *   safety backup, pg_restore failures), `lock-held`, `connection`.
 */
export async function restore(project: LoadedProject, ref: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  const log = options.log ?? silentLog;
  const directory = options.directory ?? defaultBackupDirectory(project);
  const file = await resolveBackup(ref, directory, options.cwd);
  const manifest = await verifyBackup(file);
  if (project.family === 'other' || manifest.family !== project.family) {
    throw new EngineError('usage', `The backup ${backupName(file)} is a ${manifest.family} backup (${manifest.client}); the project's database is ${project.client}.`, 'Restore it into a database of the same kind.');
  }
  if (project.family === 'sqlite') {
    // backup() skips quick_check by default (backup.ts BackupOptions.verify): check the backup before
    // the safety backup and before anything is written into the live database.
    const check = await quickCheckFile(file).catch((err: unknown) => errorMessage(err));
    if (check !== 'ok') {
      throw new EngineError('backup-failed', `The backup ${backupName(file)} is damaged (PRAGMA quick_check: ${check}); nothing was restored.`, 'Choose an older backup (migration-guard backups).');
    }
  }
  log('info', `Verified ${path.basename(file)} (${manifest.bytes} bytes, sha256 ${manifest.sha256}${project.family === 'sqlite' ? ', PRAGMA quick_check ok' : ''}).`);
  const notes: string[] = [];
  const { tableName, schemaName } = project.migrations;

  await refuseWhileMigrating(project, log);

  let safetyBackup: RestoreResult['safetyBackup'] = null;
  const sqliteMissing = project.family === 'sqlite' && (project.sqliteFile === null || !existsSync(project.sqliteFile));
  if (sqliteMissing && project.sqliteFile === null) throw new EngineError('usage', 'Cannot restore into an in-memory SQLite database.');
  if (sqliteMissing) {
    notes.push(`No safety backup: ${project.sqliteFile} did not exist.`);
  } else {
    safetyBackup = (await backup(project, { log, directory, kind: 'pre-restore', label: 'pre-restore', ...(options.pgDump ? { pgDump: options.pgDump } : {}) })).backup;
    log('info', `Safety backup of the current database: ${safetyBackup.path}`);
  }

  let migrations: string[];
  if (project.family === 'sqlite') {
    const live = project.sqliteFile as string;
    let db: sqlite3.Database | null = null;
    try {
      db = await openSqlite(live, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE);
      db.configure('busyTimeout', 10_000);
      await sqliteBackupStep(db, file, false);
      const check = await sqliteQuickCheck(db);
      if (check !== 'ok') throw new Error(`PRAGMA quick_check after the restore: ${check}`);
    } catch (err) {
      throw new EngineError('backup-failed', `Restoring ${path.basename(file)} into ${live} failed: ${errorMessage(err)}`, safetyBackup ? `The database before the restore is saved in ${safetyBackup.path}.` : undefined, { cause: err });
    } finally {
      if (db) await closeSqlite(db);
    }
    const knex = await openKnex(project, log);
    try {
      migrations = (await readMigrationRows(knex, tableName, schemaName)).rows.map((r) => r.name);
    } finally {
      await knex.destroy();
    }
    return { restored: await entryFor(file, manifest), safetyBackup, method: 'sqlite-backup-api', migrations, notes };
  }

  const exe = options.pgRestore ?? process.env.MG_PG_RESTORE ?? 'pg_restore';
  const knex = await openKnex(project, log);
  try {
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
      throw new EngineError('backup-failed', `pg_restore failed: ${errorMessage(err)}. It ran in one transaction, so the database is unchanged.`, safetyBackup ? `The database before the restore is saved in ${safetyBackup.path}.` : undefined, { cause: err });
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
  return { restored: await entryFor(file, manifest), safetyBackup, method: 'pg_restore', migrations, notes };
}

async function entryFor(file: string, manifest: BackupManifest): Promise<BackupListEntry> {
  const found = (await listBackups(path.dirname(file))).find((b) => b.path === file);
  if (found) return found;
  const { size } = await stat(file);
  return { name: backupName(file), path: file, bytes: size, created: manifest.created, ageSeconds: 0, label: manifest.label, kind: manifest.kind, migrations: manifest.migrations.map((m) => m.name), manifest, complete: true, checked: 'sha256' };
}
