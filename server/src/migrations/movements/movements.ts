/**
 * Movements besides `upgrade` (upgrade.ts): `downgrade`, `markApplied` / `unmark` (baseline without
 * running code, like `alembic stamp`) and `unlock`. Every one is a write command: it checks the
 * production guard (project/guard.ts) first and never runs while another migration holds Knex's lock.
 *
 * Knex facts relied on (knex 3.3.0, lib/migrations/migrate/Migrator.js): `down({ name })` undoes that
 * migration in its own transaction (unless it exports `config.transaction = false`) and deletes its
 * `knex_migrations` row; `afterEach(trx, [migration])` runs inside that transaction; `down()` without a
 * name would pick the last by FILE NAME (knex#3131), so the engine always passes the name of the row
 * with the highest `id`.
 */
import type { Knex } from 'knex';
import type { BackupInfo, DowngradeResult, MarkResult, UnlockResult } from '../../protocol';
import { assertBackupSpace, backup, defaultBackupDirectory } from '../backups/backup';
import { checksumHooks, deleteChecksum, ensureChecksumTable, recordChecksum, sha256File } from '../state/checksums';
import type { LoadedProject } from '../project/project';
import { databaseAbsent, isLockConflict, migrationInProgress, openKnex, qualifiedName, readLock, readMigrationRows, silentLog, tableExists, withMigrationMutex, type EngineLog, type MigrationRow } from '../db';
import { EngineError, errorMessage, isEngineError } from '../errors';
import { listMigrationFiles } from '../project/files';
import { checkMigrationModules } from './load-check';
import { requireConfirmation } from '../project/guard';
import { assertSamePlan, dataLossFindings, planRecord, protectedRefusal, protectedTablesTouched, rememberPlan, unsafeReason } from './plan';
import { withRuleOptions, type LintTarget } from '../lint-files';
import { previewPending } from './preview';
import type { OperationOptions } from '../state/status';

/** Options every write movement takes. */
export interface WriteOptions extends OperationOptions {
  /** Database name typed to confirm a write on a protected environment (project/guard.ts). */
  confirm?: string;
}

/** Options of {@link downgrade}: exactly one of `step`, `to`, `all` (default: `step: 1`). */
export interface DowngradeOptions extends WriteOptions {
  /** Undo the N most recently applied migrations (highest ids first). */
  step?: number;
  /** Undo every migration applied after this one (by id); this one stays applied. */
  to?: string;
  /** Undo every applied migration. */
  all?: boolean;
  /** Skip the backup taken before undoing. */
  noBackup?: boolean;
  /** Backup folder; default `<root>/.migration-guard/backups`. */
  backupDirectory?: string;
  /** Compute the plan only; nothing is written. */
  dryRun?: boolean;
  /** Undo even when the `down()`s delete rows or values (pre-flight data loss). */
  allowUnsafe?: boolean;
  /** The `planId` the user saw: undo only when the plan is still the same (else `plan-changed`, plan.ts). */
  plan?: string;
  /** Called once the plan is decided and about to run, before the backup (the CLI prints the plan then). */
  onPlan?: (plan: DowngradeResult) => void;
  /** Protected tables named again to allow data loss on them (see UpgradeOptions.allowUnsafeTables). */
  allowUnsafeTables?: string[];
}

function lockHeldError(detail: string): EngineError {
  return new EngineError('lock-held', `The migration lock is held: ${detail}`, "If no migration is running, free it with 'migration-guard unlock' (in the editor: Migration Guard: Unlock), which checks that first; then retry.");
}

/**
 * The rows a downgrade undoes, in the order it undoes them (highest `id` first).
 * @throws EngineError `usage` (bad or conflicting options), `unknown-migration` (`to` not applied).
 */
export function planDowngrade(rows: MigrationRow[], options: Pick<DowngradeOptions, 'step' | 'to' | 'all'>): string[] {
  const given = [options.step !== undefined, options.to !== undefined, options.all === true].filter(Boolean).length;
  if (given > 1) throw new EngineError('usage', 'Pass only one of --step, --to and --all.');
  const newestFirst = [...rows].sort((a, b) => b.id - a.id);
  const names: string[] = [];
  const add = (n: string) => {
    if (!names.includes(n)) names.push(n);
  };
  if (options.all) {
    newestFirst.forEach((r) => add(r.name));
  } else if (options.to !== undefined) {
    const target = rows.filter((r) => r.name === options.to);
    if (target.length === 0) throw new EngineError('unknown-migration', `Migration '${options.to}' is not applied, so there is nothing to downgrade to.`, "Run 'migration-guard history' to see the applied migrations.");
    const targetId = Math.max(...target.map((r) => r.id));
    newestFirst.filter((r) => r.id > targetId && r.name !== options.to).forEach((r) => add(r.name));
  } else {
    const step = options.step ?? 1;
    if (!Number.isInteger(step) || step < 1) throw new EngineError('usage', `--step must be a positive integer (got ${String(step)}).`);
    for (const r of newestFirst) {
      if (names.length >= step) break;
      add(r.name);
    }
  }
  return names;
}

/**
 * Undoes applied migrations, most recently applied (highest `id`) first: the last `step` (default 1),
 * everything after `to`, or `all`. Takes a backup first (unless `noBackup`), then runs Knex's
 * `down({ name })` once per migration (each in its own transaction), deleting each checksum row in
 * that transaction. A failure stops there: the migrations undone before it stay undone.
 * Every run first computes `planId` (plan.ts; `plan` given and different → `plan-changed`) and what the `down()`s
 * would delete (`preflight`; preview.ts runs them in one transaction and rolls it back). Rows or values deleted →
 * `refused: true`, nothing written (no backup), unless `allowUnsafe`.
 * `dryRun` changes nothing: it returns the plan with the SQL of the `down()`s (`preview`) as well.
 * @throws EngineError `usage`, `unknown-migration`, `corrupt-directory` (a migration to undo has no
 *   file), `confirmation-required`, `lock-held`, `backup-failed`, `migration-failed`, `connection`, `plan-changed`,
 *   `migration-load` (a module to undo cannot be loaded or has no down()).
 */
export async function downgrade(project: LoadedProject, options: DowngradeOptions = {}): Promise<DowngradeResult> {
  const log: EngineLog = options.log ?? silentLog;
  const { tableName, schemaName, directories } = project.migrations;
  const result: DowngradeResult = { planned: [], undone: [], backup: null, current: null, dryRun: options.dryRun === true, refused: false, planId: '', planMigrations: [] };
  const target = { step: options.step, to: options.to, all: options.all };
  const bind = () => {
    const record = planRecord(project, 'down', target, result.planMigrations);
    result.planId = rememberPlan(record);
    if (options.plan !== undefined) assertSamePlan(options.plan, record);
  };
  if (databaseAbsent(project)) {
    planDowngrade([], options);
    bind();
    return result;
  }
  const db = await openKnex(project, log);
  try {
    const { rows } = await readMigrationRows(db, tableName, schemaName);
    result.current = rows.at(-1)?.name ?? null;
    result.planned = planDowngrade(rows, options);
    const files = new Map((await listMigrationFiles(project.migrations)).map((f) => [f.name, f.file]));
    for (const name of result.planned) {
      const file = files.get(name);
      result.planMigrations.push({ name, sha256: file ? sha256File(file) : null });
    }
    // The plan the user consented to (--plan) is checked before anything runs or is written.
    bind();
    if (result.planned.length === 0) return result;
    const noFile = result.planned.filter((n) => !files.has(n));
    if (noFile.length > 0 && !options.dryRun) {
      throw new EngineError('corrupt-directory', `Cannot undo ${noFile.join(', ')}: the migration file is missing, so its down() cannot run.`, `Restore the file(s) into ${directories.join(', ')}, or use 'migration-guard unmark <name>' to forget a migration without running it.`);
    }
    // A module Knex cannot load (syntax error, no up/down) is refused now, before any preview or backup (load-check.ts).
    await checkMigrationModules(result.planned.map((name) => ({ name, file: files.get(name) ?? null })), project.timeouts.loadMs);
    // What the down()s would delete, as the upgrade's pre-flight: run in one transaction, then rolled back. A real
    // downgrade computes it too, before deciding: a down() that deletes rows or values is unsafe.
    const outcome = await previewPending(db, project, result.planned.map((name) => ({ name, file: files.get(name) ?? null })), { log, direction: 'down' });
    if (options.dryRun) result.preview = outcome.preview;
    result.preflight = outcome.preflight;
    const withFiles: LintTarget[] = result.planned.flatMap((name) => (files.has(name) ? [{ name, file: files.get(name) as string }] : []));
    const protectedTables = [...new Set(withRuleOptions(withFiles).flatMap((t) => t.options?.protectedTables ?? []))];
    const touched = protectedTablesTouched([], result.preflight, protectedTables);
    if (touched.length > 0) result.protectedTables = touched;
    const reason = protectedRefusal(touched, options.allowUnsafeTables ?? []) ?? (options.allowUnsafe ? null : unsafeReason(0, dataLossFindings(result.preflight).length));
    if (reason) {
      result.refused = true;
      result.refusedReason = reason;
      return result;
    }
    if (options.dryRun) return result;
    requireConfirmation(project, options.confirm, 'downgrade');
    if (await migrationInProgress(db, project)) throw lockHeldError(`${tableName}_lock.is_locked = 1, or another session is migrating.`);
    options.onPlan?.(result);
    result.backup = await backupBefore(project, options, log);
    // The checksum rows of undone migrations are deleted with them (checksumHooks), in the same transaction.
    const hooks = checksumHooks('down', schemaName, new Map(), project.knexConfig.migrations as object | undefined);
    await withMigrationMutex(db, project, async () => {
      for (const name of result.planned) {
        log('info', `Undoing ${name}…`);
        try {
          await db.migrate.down({ directory: directories, name, ...hooks } as Knex.MigratorConfig);
        } catch (err) {
          throw downFailure(err, name, result, tableName);
        }
        result.undone.push(name);
      }
    });
    result.current = (await readMigrationRows(db, tableName, schemaName)).rows.at(-1)?.name ?? null;
    return result;
  } finally {
    await db.destroy();
  }
}

function downFailure(err: unknown, name: string, result: DowngradeResult, tableName: string): EngineError {
  if (isEngineError(err)) return err;
  const e = err as { name?: string };
  if (e.name === 'MigrationLocked' || isLockConflict(err)) return lockHeldError(`${tableName}_lock was taken by another process: ${errorMessage(err)}`);
  const done = result.undone.length ? ` Already undone (they stay undone): ${result.undone.join(', ')}.` : '';
  const hint = result.backup ? `Fix the migration's down() and retry; the backup taken before the downgrade is ${result.backup.path}.` : "Fix the migration's down() and retry.";
  return new EngineError('migration-failed', `Undoing ${name} failed: ${errorMessage(err)}. It stays applied (its transaction was rolled back unless it opts out of transactions).${done}`, hint, { cause: err });
}

async function backupBefore(project: LoadedProject, options: DowngradeOptions, log: EngineLog): Promise<BackupInfo | null> {
  if (options.noBackup) {
    log('warn', 'Skipping the backup (--no-backup).');
    return null;
  }
  if (project.family === 'other') {
    throw new EngineError('usage', `Backup is not yet supported for client '${project.client}', so the downgrade will not run.`, 'Back up the database yourself, then pass --no-backup.');
  }
  await assertBackupSpace(project, options.backupDirectory ?? defaultBackupDirectory(project));
  const info = (await backup(project, { log, kind: 'pre-downgrade', ...(options.backupDirectory ? { directory: options.backupDirectory } : {}) })).backup;
  log('info', `Backup written: ${info.path} (${info.bytes} bytes)`);
  return info;
}

/**
 * Creates Knex's `knex_migrations` and `knex_migrations_lock` (with its one row) when missing, with
 * the same columns as Knex (lib/migrations/migrate/table-creator.js): `id` increments, `name`
 * varchar(255), `batch` integer, `migration_time` timestamp; `index` increments, `is_locked` integer.
 */
export async function ensureMigrationTables(db: Knex, project: LoadedProject): Promise<void> {
  const { tableName, schemaName } = project.migrations;
  const lockTable = `${tableName}_lock`;
  const schema = () => (schemaName ? db.schema.withSchema(schemaName) : db.schema);
  if (!(await tableExists(db, tableName, schemaName))) {
    await schema().createTable(tableName, (t) => {
      t.increments();
      t.string('name');
      t.integer('batch');
      t.timestamp('migration_time');
    });
  }
  if (!(await tableExists(db, lockTable, schemaName))) {
    await schema().createTable(lockTable, (t) => {
      t.increments('index').primary();
      t.integer('is_locked');
    });
  }
  const q = () => (schemaName ? db.withSchema(schemaName).from(lockTable) : db.from(lockTable));
  if ((await q().select('*')).length === 0) await q().insert({ is_locked: 0 });
}

/**
 * Runs `fn` in a transaction holding Knex's lock the way Knex takes it (`is_locked` 0 → 1, back to 0
 * before COMMIT), so that no `knex migrate` runs at the same time.
 * @throws EngineError `lock-held` when the lock is set or another session holds its row / the SQLite write lock.
 */
export async function withKnexLock<T>(db: Knex, project: LoadedProject, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  const { tableName, schemaName } = project.migrations;
  const lockTable = qualifiedName(`${tableName}_lock`, schemaName);
  try {
    return await db.transaction(async (trx) => {
      if (project.family === 'postgresql') await trx.raw('select is_locked from ?? for update nowait', [lockTable]);
      const taken = await trx(lockTable).where({ is_locked: 0 }).update({ is_locked: 1 });
      if (Number(taken) === 0) throw lockHeldError(`${tableName}_lock.is_locked = 1 (a migration is running, or one crashed).`);
      const out = await fn(trx);
      await trx(lockTable).update({ is_locked: 0 });
      return out;
    });
  } catch (err) {
    if (!isEngineError(err) && isLockConflict(err)) throw lockHeldError(`another session is migrating (${errorMessage(err)}).`);
    throw err;
  }
}

/**
 * Records `name` as applied without running it (baseline, like `alembic stamp`): inserts a
 * `knex_migrations` row with the next batch number and records the file's sha256. Creates the
 * migrations tables (and the SQLite file) when missing.
 * @throws EngineError `unknown-migration` (no such file), `usage` (already applied),
 *   `confirmation-required`, `lock-held`, `connection`.
 */
export async function markApplied(project: LoadedProject, name: string, options: WriteOptions = {}): Promise<MarkResult> {
  const { tableName, schemaName } = project.migrations;
  const file = (await listMigrationFiles(project.migrations)).find((f) => f.name === name);
  if (!file) throw new EngineError('unknown-migration', `No migration file named '${name}' in ${project.migrations.directories.join(', ')}.`, "Run 'migration-guard status' to see the names.");
  requireConfirmation(project, options.confirm, 'mark-applied');
  const sha256 = sha256File(file.file);
  const db = await openKnex(project, options.log ?? silentLog);
  try {
    await ensureMigrationTables(db, project);
    await ensureChecksumTable(db, schemaName);
    const table = qualifiedName(tableName, schemaName);
    return await withKnexLock(db, project, async (trx) => {
      if ((await trx(table).where({ name }).first()) !== undefined) {
        throw new EngineError('usage', `Migration '${name}' is already applied.`, `To record it again, first run 'migration-guard unmark ${name}'.`);
      }
      const max = (await trx(table).max({ m: 'batch' }).first()) as { m: unknown } | undefined;
      const batch = Number(max?.m ?? 0) + 1;
      await trx(table).insert({ name, batch, migration_time: new Date() });
      await recordChecksum(trx, schemaName, name, sha256);
      return { name, action: 'marked-applied', batch, sha256 };
    });
  } finally {
    await db.destroy();
  }
}

/**
 * Forgets that `name` was applied without running its `down()`: deletes its `knex_migrations` row(s)
 * and its checksum. Works for a migration whose file is gone (it repairs a "corrupt directory").
 * @throws EngineError `unknown-migration` (neither applied nor a file), `usage` (not applied),
 *   `confirmation-required`, `lock-held`, `connection`.
 */
export async function unmark(project: LoadedProject, name: string, options: WriteOptions = {}): Promise<MarkResult> {
  const { tableName, schemaName } = project.migrations;
  const isFile = (await listMigrationFiles(project.migrations)).some((f) => f.name === name);
  const notApplied = () =>
    isFile
      ? new EngineError('usage', `Migration '${name}' is not applied; nothing to unmark.`)
      : new EngineError('unknown-migration', `No migration named '${name}' is applied or present in ${project.migrations.directories.join(', ')}.`, "Run 'migration-guard history' to see the names.");
  if (databaseAbsent(project)) throw notApplied();
  const db = await openKnex(project, options.log ?? silentLog);
  try {
    const { rows } = await readMigrationRows(db, tableName, schemaName);
    const row = rows.filter((r) => r.name === name).at(-1);
    if (!row) throw notApplied();
    requireConfirmation(project, options.confirm, 'unmark');
    await ensureChecksumTable(db, schemaName);
    const table = qualifiedName(tableName, schemaName);
    return await withKnexLock(db, project, async (trx) => {
      await trx(table).where({ name }).del();
      await deleteChecksum(trx, schemaName, name);
      return { name, action: 'unmarked', batch: row.batch, sha256: null };
    });
  } finally {
    await db.destroy();
  }
}

/**
 * Frees Knex's lock (`is_locked = 0`) after checking that no migration is running:
 * - PostgreSQL: `LOCK TABLE <migrations>, <migrations>_lock IN ACCESS EXCLUSIVE MODE NOWAIT` in a
 *   transaction (PostgreSQL docs, LOCK): a running Knex migration's transaction holds locks on both
 *   (its `SELECT … FOR UPDATE` on the lock row, its reads of the table), so NOWAIT fails with 55P03;
 *   the UPDATE then runs in the same transaction.
 * - SQLite: `BEGIN IMMEDIATE` (SQLite docs, "BEGIN TRANSACTION"): fails with SQLITE_BUSY while another
 *   connection has a write transaction open (a running Knex migration has written its lock row).
 * Not detectable: a migration with `transaction: false` between two of its statements.
 * @throws EngineError `lock-held` (a migration is running), `confirmation-required`, `connection`.
 */
export async function unlock(project: LoadedProject, options: WriteOptions = {}): Promise<UnlockResult> {
  const { tableName, schemaName } = project.migrations;
  const lockTable = `${tableName}_lock`;
  if (databaseAbsent(project)) return { wasHeld: false, freed: false, checked: ['the SQLite database file does not exist'] };
  const db = await openKnex(project, options.log ?? silentLog);
  try {
    if (!(await tableExists(db, lockTable, schemaName))) return { wasHeld: false, freed: false, checked: [`${lockTable} does not exist`] };
    const wasHeld = await readLock(db, tableName, schemaName);
    requireConfirmation(project, options.confirm, 'unlock');
    const running = (detail: string) =>
      new EngineError('lock-held', `A migration is running (${detail}); the lock was not freed.`, 'Wait for it to finish, then check again with migration-guard status.');
    if (project.family === 'postgresql') {
      const tables = [qualifiedName(tableName, schemaName), qualifiedName(lockTable, schemaName)];
      const checked = [`LOCK TABLE ${tables.join(', ')} IN ACCESS EXCLUSIVE MODE NOWAIT (no other transaction uses them)`];
      try {
        await db.transaction(async (trx) => {
          await trx.raw(`lock table ${tables.map(() => '??').join(', ')} in access exclusive mode nowait`, tables);
          if (wasHeld) await trx(tables[1] as string).update({ is_locked: 0 });
        });
      } catch (err) {
        if (isLockConflict(err)) throw running(`another session holds a lock on ${tables.join(' or ')}`);
        throw err;
      }
      return { wasHeld, freed: wasHeld, checked };
    }
    if (project.family === 'sqlite') {
      const checked = ['BEGIN IMMEDIATE (no other connection is writing to the SQLite file)'];
      await sqliteImmediate(db, async (run) => {
        if (wasHeld) await run(`update "${lockTable.replace(/"/g, '""')}" set is_locked = 0`);
      }).catch((err: unknown) => {
        if (isLockConflict(err)) throw running('another connection holds the SQLite write lock');
        throw err;
      });
      return { wasHeld, freed: wasHeld, checked };
    }
    if (wasHeld) await (schemaName ? db.withSchema(schemaName).from(lockTable) : db.from(lockTable)).update({ is_locked: 0 });
    return { wasHeld, freed: wasHeld, checked: [`nothing (no running-migration check for client '${project.client}')`] };
  } finally {
    await db.destroy();
  }
}

interface SqliteConnection {
  run(sql: string, cb: (err: Error | null) => void): void;
}

/** Runs `fn` inside `BEGIN IMMEDIATE … COMMIT` on one pooled sqlite3 connection (ROLLBACK on error). */
async function sqliteImmediate(db: Knex, fn: (run: (sql: string) => Promise<void>) => Promise<void>): Promise<void> {
  const client = db.client as { acquireConnection(): Promise<SqliteConnection>; releaseConnection(c: SqliteConnection): Promise<void> };
  const conn = await client.acquireConnection();
  const run = (sql: string) => new Promise<void>((resolve, reject) => conn.run(sql, (err) => (err ? reject(err) : resolve())));
  try {
    await run('BEGIN IMMEDIATE');
    try {
      await fn(run);
      await run('COMMIT');
    } catch (err) {
      await run('ROLLBACK').catch(() => {});
      throw err;
    }
  } finally {
    await client.releaseConnection(conn);
  }
}
