/**
 * The safe upgrade: status → lint pending files → backup folder writable → refuse unsafe → (dry run stops) → backup →
 * `knex.migrate.latest()` with absolute directories → validate.
 */
import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import type { BackupInfo, MigrationStatusEntry, PendingFinding, StatusResult, UpgradeResult } from '../../protocol';
import { assertBackupSpace, assertWritableFolder, backup, defaultBackupDirectory } from '../backups/backup';
import type { LoadedProject } from '../project/project';
import { checksumHooks, sha256File } from '../state/checksums';
import { databaseAbsent, freeLock, isLockConflict, lockRowBusy, openKnex, readLock, silentLog, withMigrationMutex, type EngineLog } from '../db';
import { EngineError, errorMessage, isEngineError } from '../errors';
import { checkMigrationModules } from './load-check';
import { lintTargets, withRuleOptions, type LintedFile, type LintResultCache, type LintTarget } from '../lint-files';
import { needsPreflight } from './preflight';
import { refuseDriftConflicts } from './drift-conflict';
import { assertSamePlan, dataLossFindings, planRecord, protectedRefusal, protectedTablesTouched, rememberPlan, unsafeReason } from './plan';
import { protectFindings, ruleOptionsFor, sizeFindings, TableSizeIndex } from '../../config';
import { tableStatsOn } from '../schema/stats';
import { previewPending } from './preview';
import { requireConfirmation } from '../project/guard';
import { isAppliedState, isPendingState, readStatus, type OperationOptions } from '../state/status';
import { runValidation } from '../state/validate';

/** Options of {@link upgrade}. */
export interface UpgradeOptions extends OperationOptions {
  /** Lint and plan only: nothing is written (no backup, no migration). */
  dryRun?: boolean;
  /** Apply even when findings of error severity exist. */
  allowUnsafe?: boolean;
  /** Skip the backup (required for clients without a backup method). */
  noBackup?: boolean;
  /** Backup folder; default `<root>/.migration-guard/backups`. */
  backupDirectory?: string;
  /** Apply only the first N pending migrations (N ≥ 1), in Knex's order. */
  step?: number;
  /** Apply the pending migrations up to and including this one (a file name as Knex records it). */
  to?: string;
  /** Database name typed to confirm a write on a protected environment (project/guard.ts). */
  confirm?: string;
  /**
   * The `planId` the user saw (a dry run's). The upgrade re-derives the plan and writes nothing unless the id is the
   * same (EngineError `plan-changed`, plan.ts); `allowUnsafe` then covers only the findings of that plan.
   */
  plan?: string;
  /**
   * Called once the plan is decided and is about to run (not on a dry run, a refusal or nothing to do), before the
   * backup: the CLI prints the plan then, so that the text reads plan → progress → result.
   */
  onPlan?: (plan: UpgradeResult) => void;
  /**
   * Protected tables (`.migration-guard.json` `protectedTables`) the user named again to allow data loss on them;
   * without it a plan touching one is refused even with `allowUnsafe`.
   */
  allowUnsafeTables?: string[];
  /**
   * Where lint results of files read before may be found and new ones kept (the CLI hands in its cache,
   * startup/lint-cache.ts: a dry run and the upgrade after it lint once). Default: none, every pending file is analyzed.
   */
  lintCache?: LintResultCache | null;
}

/**
 * Lints the pending migrations of a status (dialect from the project).
 * Findings carry the absolute file path and 1-based positions. When `hashes` is given, the sha256
 * of each linted file's bytes is stored in it by migration name (the checksum recorded on apply is
 * then the checksum of exactly what was linted).
 * @throws the `readFile` error of a pending file that cannot be read.
 */
export async function lintPending(status: StatusResult, project: LoadedProject, hashes?: Map<string, string>, cache: LintResultCache | null = null): Promise<PendingFinding[]> {
  const targets = lintTargetsOf(status.migrations.filter((m) => isPendingState(m.state)));
  if (targets.length === 0) return [];
  return collectLinted(await lintTargets(targets, project.dialect, cache), hashes);
}

/** The migrations that have a file, as lint targets with their rule options. @throws EngineError `usage` (invalid config). */
function lintTargetsOf(migrations: MigrationStatusEntry[]): LintTarget[] {
  return withRuleOptions(migrations.filter((m) => m.file).map((m) => ({ name: m.name, file: m.file as string })));
}

/**
 * The findings of migrations about to be applied, exactly as the upgrade's plan reports and refuses them: each file
 * with the rule options of its `.migration-guard.json`, and data-loss findings on the `protectedTables` of those
 * files made errors (as `check` and the editor do). `hashes` receives each linted file's sha256 by migration name.
 * @throws EngineError `usage` (an invalid config file); the `readFile` error of a file that cannot be read.
 */
export async function lintPlanned(
  migrations: MigrationStatusEntry[],
  project: LoadedProject,
  cache: LintResultCache | null = null,
  hashes?: Map<string, string>,
  sizesOf?: (tables: string[]) => Promise<TableSizeIndex | undefined>,
): Promise<{ findings: PendingFinding[]; protectedTables: string[] }> {
  const targets = lintTargetsOf(migrations);
  const protectedTables = [...new Set(targets.flatMap((t) => t.options?.protectedTables ?? []))];
  const findings = protectFindings(collectLinted(await lintTargets(targets, project.dialect, cache), hashes), protectedTables);
  const tables = [...new Set(findings.flatMap((f) => (f.table !== undefined ? [f.table] : [])))];
  const sizes = sizesOf && tables.length > 0 ? await sizesOf(tables) : undefined;
  if (!sizes) return { findings, protectedTables };
  // Each file's findings sized with the thresholds of its own config file, as `check --stats` does (the one function).
  const thresholds = new Map(targets.map((t) => [t.file, t.options?.tableSizeThresholds ?? ruleOptionsFor(t.file).tableSizeThresholds]));
  return { findings: findings.map((f) => sizeFindings([f], sizes, thresholds.get(f.file) ?? ruleOptionsFor(f.file).tableSizeThresholds)[0]!), protectedTables };
}

/**
 * The sizes of `tables` in the database the upgrade is about to migrate, read through its open connection (stats.ts
 * `tableStatsOn`: PostgreSQL reltuples and pg_total_relation_size; SQLite `count(*)` bounded by
 * {@link PLAN_COUNT_TIMEOUT_MS} in all). Undefined without a connection or for another client. Never throws: the
 * plan is then shown without sizes (severities unchanged), and the reason goes to the log.
 */
async function liveTableSizes(db: Knex | null, project: LoadedProject, tables: string[], log: EngineLog): Promise<TableSizeIndex | undefined> {
  if (!db || project.family === 'other') return undefined;
  try {
    return new TableSizeIndex(await tableStatsOn(db, project.family, PLAN_COUNT_TIMEOUT_MS, tables));
  } catch (error) {
    log('warn', `Table sizes not read (${errorMessage(error)}): the plan's severities stay as the analyzer gives them.`);
    return undefined;
  }
}

/** SQLite: how long the plan's row counts may take in all, in milliseconds (tables not counted by then: size unknown). */
export const PLAN_COUNT_TIMEOUT_MS = 2000;

/**
 * The findings of the migrations about to be applied, in the order they run. A lock finding (one that carries `lock`)
 * on a table that an earlier migration of the same upgrade creates is made `info` and says so: that table is new and
 * empty when the lock is taken, and nothing else uses it yet (issue 17, "new in this batch: no lock concern"; within
 * one file the rules already skip tables it created). `hashes` receives each file's sha256 by migration name.
 */
function collectLinted(linted: LintedFile[], hashes?: Map<string, string>): PendingFinding[] {
  const created = new Map<string, string>(); // table (lower case) → the migration that creates it
  const findings: PendingFinding[] = [];
  for (const l of linted) {
    hashes?.set(l.name, l.sha256);
    for (const f of l.findings) {
      const by = f.lock && f.table !== undefined ? createdBy(created, f.table) : undefined;
      findings.push(by ? { ...f, severity: 'info', message: `${f.message} (${by}, earlier in this upgrade, creates the table: it is still empty and unused when this runs.)` } : f);
    }
    for (const t of l.createdTables) if (!created.has(t.toLowerCase())) created.set(t.toLowerCase(), l.name);
  }
  return findings;
}

/** The migration in `created` that creates `table` (`schema.table` or `table`; an unqualified name matches either way). */
function createdBy(created: ReadonlyMap<string, string>, table: string): string | undefined {
  const key = table.toLowerCase();
  const bare = (t: string) => t.slice(t.lastIndexOf('.') + 1);
  return created.get(key) ?? [...created].find(([t]) => (t.includes('.') !== key.includes('.')) && bare(t) === bare(key))?.[1];
}

/** Whether a migration module opts out of transactions (`export const config = { transaction: false }`). Uses the require cache Knex just filled. */
function ranWithoutTransaction(project: LoadedProject, file: string | null): boolean {
  const m = project.knexConfig.migrations as { disableTransactions?: boolean } | undefined;
  if (m?.disableTransactions) return true;
  if (!file) return false;
  try {
    const mod = createRequire(file)(file) as { config?: { transaction?: boolean }; default?: { config?: { transaction?: boolean } } };
    return (mod.config ?? mod.default?.config)?.transaction === false;
  } catch {
    return false;
  }
}

/** One upgrade under way: its inputs, the Knex instance once open, and the result being filled in. */
interface UpgradeRun {
  project: LoadedProject;
  options: UpgradeOptions;
  log: EngineLog;
  /** Knex's logger, recording the failing file (Knex names it only there: 'migration file "<name>" failed'). */
  capture: EngineLog;
  failedName: string | null;
  db: Knex | null;
  result: UpgradeResult;
  status: StatusResult;
  /** The pending migrations this run targets (`result.pending`) with their status entries. */
  targeted: MigrationStatusEntry[];
  /** sha256 of each linted file, by migration name. */
  hashes: Map<string, string>;
  /** `protectedTables` of the targeted files' config files. */
  protectedTables: string[];
}

/**
 * Runs the safe upgrade and returns what happened.
 *
 * 1. Reads the status (read-only). A migration recorded without its file → `corrupt-directory`.
 *    Nothing pending → a result with empty lists.
 * 2. Lints every pending file (`analyze(text, { fileName, dialect })`), hashes it, and computes `planId` (plan.ts);
 *    `plan` given and different → `plan-changed`, nothing written. A module Knex cannot load → `migration-load`.
 * 2b. Drift conflicts (drift-conflict.ts): when the lint model of the pending files says one creates what the live
 *    database already has (a table, a column, an index name) or alters a table it lacks, the drift check runs, and
 *    drift behind it → `drift-conflict` (dry run too), before any pre-flight, backup or write.
 * 3. Pre-flight (preview.ts, rolled back): always on a dry run; on a real run when the analyzer found a statement
 *    that may delete rows (preflight.ts DESTRUCTIVE_RULES, which include the SQLite rebuild of knex#6213).
 * 4. Unsafe → `refused: true` (nothing written, no backup) unless `allowUnsafe`: findings of error severity, or
 *    pre-flight findings that delete rows or values (plan.ts dataLossFindings). The backup folder must be writable
 *    (dry run included). `dryRun` → returns the plan (nothing written).
 * 5. Lock held → `lock-held`. Backup (SQLite backup API / pg_dump) unless `noBackup`; a SQLite
 *    file that does not exist yet needs none.
 * 6. `knex.migrate.latest()` with absolute directories. Knex runs the batch in one transaction
 *    unless a file exports `config.transaction = false`; on failure the engine re-reads the table to
 *    say what stayed applied, and frees the lock if Knex left it held.
 * 7. Validates (`validation`). Knex is always destroyed.
 *
 * Movements: `step` / `to` limit the batch to a prefix of the pending list (`pending` and
 * `out-of-order` migrations, Knex's order); see {@link applyTargets}. The sha256 of each applied file
 * is recorded in `migration_guard_checksums` in the migration's own transaction (state/checksums.ts).
 * A protected environment (project/guard.ts) needs `confirm` = database name before anything is written.
 * When another process holds the lock (or applied everything while this one waited for it), the
 * error is `lock-held`.
 *
 * @throws EngineError `connection`, `driver-missing`, `corrupt-directory`, `lock-held`,
 *   `backup-failed`, `migration-failed` (message names the migration and whether the database
 *   was rolled back), `usage` (no backup method for the client without `noBackup`; bad `step`),
 *   `unknown-migration` (`to`), `confirmation-required`, `plan-changed`, `drift-conflict`, `migration-load` (a pending module
 *   cannot be loaded or exports no up/down: load-check.ts, before any preview, backup or write).
 */
export async function upgrade(project: LoadedProject, options: UpgradeOptions = {}): Promise<UpgradeResult> {
  const log: EngineLog = options.log ?? silentLog;
  const run: UpgradeRun = {
    project,
    options,
    log,
    capture: (level, message) => {
      const m = /^migration file "(.+)" failed$/.exec(message);
      if (m?.[1]) run.failedName = m[1];
      log(level, message);
    },
    failedName: null,
    db: null,
    result: { pending: [], findings: [], refused: false, dryRun: options.dryRun === true, planId: '', planMigrations: [], backupPlanned: false, backup: null, batch: null, applied: [], validation: null },
    status: undefined as unknown as StatusResult,
    targeted: [],
    hashes: new Map(),
    protectedTables: [],
  };
  const { result } = run;
  try {
    await readUpgradeStatus(run);
    if (result.pending.length === 0) {
      bindPlan(run);
      return result;
    }
    await lintAndPlan(run);
    // Drift that would make a pending migration fail refuses here, before the pre-flight, any backup or write.
    if (run.db) await refuseDriftConflicts(run.db, project, run.targeted, log);
    await preflight(run);
    const backupDirectory = options.backupDirectory ?? defaultBackupDirectory(project);
    await assertBackupPossible(run, backupDirectory);
    if (refuseUnsafe(run) || options.dryRun) return result;
    requireConfirmation(project, options.confirm, 'upgrade');
    await assertLockFree(run);
    result.backup = await backupFirst(run, backupDirectory);
    await applyPending(run);
    result.validation = await runValidation(run.db as Knex, project);
    return result;
  } finally {
    if (run.db) await run.db.destroy();
  }
}

/**
 * Step 1: opens Knex when the database exists (a new SQLite file is created only once the upgrade may write), reads
 * the status (checksum verdicts do not change what an upgrade applies: no file is hashed for them) and selects the
 * targets into `result.pending`. @throws EngineError `corrupt-directory`, `unknown-migration`, `usage` (bad step).
 */
async function readUpgradeStatus(run: UpgradeRun): Promise<void> {
  const { project, options } = run;
  if (!databaseAbsent(project)) run.db = await openKnex(project, run.capture);
  run.status = await readStatus(run.db, project, { checksums: false });
  const missing = run.status.migrations.filter((m) => m.state === 'missing').map((m) => m.name);
  if (missing.length > 0) {
    throw new EngineError(
      'corrupt-directory',
      `The migration directory is corrupt: ${missing.length} applied migration(s) have no file: ${missing.join(', ')}.`,
      `Restore the missing file(s) into ${project.migrations.directories.join(', ')} (for example from version control) before upgrading.`,
    );
  }
  run.result.pending = selectTargets(pendingNames(run.status), run.status, options);
  const targeted = new Set(run.result.pending);
  run.targeted = run.status.migrations.filter((m) => targeted.has(m.name));
}

function pendingNames(status: StatusResult): string[] {
  return status.migrations.filter((m) => isPendingState(m.state)).map((m) => m.name);
}

/**
 * Step 2: lints the targeted files (protected tables of their config files make data-loss findings errors, as in
 * `check` and the editor), records their sha256 in the plan and binds it (`plan-changed`), then refuses a module Knex
 * cannot load (load-check.ts), before any preview or backup.
 */
async function lintAndPlan(run: UpgradeRun): Promise<void> {
  const { project, result } = run;
  run.log('info', `Linting ${result.pending.length} pending migration(s) (${project.dialect})…`);
  // Table sizes from the database about to be migrated: lock findings on small tables become info, on large ones errors.
  const linted = await lintPlanned(run.targeted, project, run.options.lintCache ?? null, run.hashes, (tables) => liveTableSizes(run.db, project, tables, run.log));
  run.protectedTables = linted.protectedTables;
  result.findings = linted.findings;
  for (const m of run.targeted) result.planMigrations.push({ name: m.name, sha256: run.hashes.get(m.name) ?? (m.file ? sha256File(m.file) : null) });
  bindPlan(run);
  await checkMigrationModules(run.targeted, project.timeouts.loadMs);
}

/**
 * Step 3: the pending up() run in one rolled-back transaction (preflight.ts; on a dry run also the SQL preview,
 * preview.ts). A real upgrade runs it only when the analyzer found a destructive statement it would apply.
 */
async function preflight(run: UpgradeRun): Promise<void> {
  const { options, result } = run;
  const wouldApply = options.allowUnsafe || !result.findings.some((f) => f.severity === 'error');
  if (!options.dryRun && !(needsPreflight(result.findings) && wouldApply)) return;
  const outcome = await previewPending(run.db, run.project, run.targeted, { log: run.log });
  if (options.dryRun) result.preview = outcome.preview;
  result.preflight = outcome.preflight;
}

/** Whether the run creates its SQLite database (it needs no backup then). */
function databaseIsNew(project: LoadedProject): boolean {
  return project.family === 'sqlite' && (project.sqliteFile === null || databaseAbsent(project));
}

/** Step 4, first half: a backup that cannot be written is known before anything runs, dry run included. @throws EngineError `backup-failed`. */
async function assertBackupPossible(run: UpgradeRun, backupDirectory: string): Promise<void> {
  run.result.backupPlanned = !run.options.noBackup && !databaseIsNew(run.project);
  if (!run.result.backupPlanned) return;
  assertWritableFolder(backupDirectory);
  await assertBackupSpace(run.project, backupDirectory, run.db);
}

/** Step 4: sets `refused` (and its reason) when the plan is unsafe and not allowed; returns whether it did. */
function refuseUnsafe(run: UpgradeRun): boolean {
  const { options, result } = run;
  const touched = protectedTablesTouched(result.findings, result.preflight, run.protectedTables);
  if (touched.length > 0) result.protectedTables = touched;
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  const reason = protectedRefusal(touched, options.allowUnsafeTables ?? []) ?? (options.allowUnsafe ? null : unsafeReason(errors, dataLossFindings(result.preflight).length));
  if (!reason) return false;
  result.refused = true;
  result.refusedReason = reason;
  return true;
}

/** Step 5, first half. @throws EngineError `lock-held` when the migration lock is held. */
async function assertLockFree(run: UpgradeRun): Promise<void> {
  if (run.status.lock.held || (run.db && (await lockRowBusy(run.db, run.project)))) {
    throw new EngineError('lock-held', `The migration lock is held (${run.project.migrations.tableName}_lock.is_locked = 1): another migration is running, or one crashed.`, "If no migration is running, free it with 'migration-guard unlock' (in the editor: Migration Guard: Unlock), which checks that first; then retry.");
  }
}

/**
 * Step 5: the backup before anything is written (none with `noBackup` or for a new SQLite file); calls `onPlan` first.
 * @throws EngineError `usage` (no backup method for the client), `backup-failed`.
 */
async function backupFirst(run: UpgradeRun, directory: string): Promise<BackupInfo | null> {
  const { project, options, log } = run;
  const needed = !options.noBackup && !databaseIsNew(project);
  if (needed && project.family === 'other') {
    throw new EngineError('usage', `Backup is not yet supported for client '${project.client}', so the upgrade will not run.`, 'Back up the database yourself, then pass --no-backup.');
  }
  options.onPlan?.(run.result);
  if (options.noBackup) {
    log('warn', 'Skipping the backup (--no-backup).');
    return null;
  }
  if (!needed) {
    log('info', 'No backup needed: the SQLite database does not exist yet.');
    return null;
  }
  const info = (await backup(project, { log, directory, kind: 'pre-upgrade' })).backup;
  // Progress (stderr): the one place the path is known if the process dies before its result is printed.
  log('info', `Backup written: ${info.path} (${info.bytes} bytes)`);
  return info;
}

/**
 * Step 6: opens Knex if the database did not exist, applies the targets in one batch ({@link applyTargets}) and
 * explains a failure. @throws EngineError `migration-failed`, `lock-held` (nothing applied: another process did it).
 */
async function applyPending(run: UpgradeRun): Promise<void> {
  const { project, result, log } = run;
  run.db ??= await openKnex(project, run.capture);
  const db = run.db;
  log('info', `Applying ${result.pending.length} migration(s)…`);
  try {
    const [batch, names] = await withMigrationMutex(db, project, () => applyTargets(db, project, run.status, result.pending, pendingNames(run.status).length, log, run.hashes));
    result.batch = names.length > 0 ? batch : null;
    result.applied = names;
  } catch (err) {
    throw await explainFailure(err, db, project, run.status, run.failedName, result.backup, log);
  }
  if (result.applied.length === 0) {
    throw new EngineError('lock-held', `Nothing was applied: another migration process held the lock and applied ${result.pending.join(', ')} meanwhile.`, "Run 'migration-guard status' to see the state now.");
  }
}

/**
 * Sets `planId` from the plan in `result` (pending names and `planMigrations`), records it (plan.ts) and, when the
 * caller passed the id it showed, checks it. @throws EngineError `plan-changed`.
 */
function bindPlan(run: UpgradeRun): void {
  const record = planRecord(run.project, 'up', { step: run.options.step, to: run.options.to }, run.result.planMigrations);
  run.result.planId = rememberPlan(record);
  if (run.options.plan !== undefined) assertSamePlan(run.options.plan, record);
}

/**
 * The pending migrations an upgrade targets: all of them, or up to and including `options.to`, or
 * the first `options.step`. `to` naming an applied migration targets nothing.
 * @throws EngineError `usage` (step not a positive integer), `unknown-migration` (`to` is no migration of the project).
 */
function selectTargets(allPending: string[], status: StatusResult, options: UpgradeOptions): string[] {
  let targets = allPending;
  if (options.to !== undefined) {
    const idx = allPending.indexOf(options.to);
    if (idx < 0) {
      if (status.migrations.some((m) => m.name === options.to)) return [];
      throw new EngineError('unknown-migration', `No migration named '${options.to}' in ${status.project.migrationDirectories.join(', ')}.`, "Run 'migration-guard status' to see the names.");
    }
    targets = allPending.slice(0, idx + 1);
  }
  if (options.step !== undefined) {
    if (!Number.isInteger(options.step) || options.step < 1) throw new EngineError('usage', `--step must be a positive integer (got ${String(options.step)}).`);
    targets = targets.slice(0, options.step);
  }
  return targets;
}

/**
 * Applies `targets` (a prefix of the pending list, in Knex's order) in one batch: `migrate.latest()`
 * when it is every pending migration, else `migrate.to({ name: last })` (Knex ≥ 3.3.0), else, with an
 * older Knex, `migrate.up({ name })` per migration (one batch each). Creates the checksum table first
 * and records the checksums with Knex's hooks (checksumHooks), in the batch's transaction.
 */
async function applyTargets(db: Knex, project: LoadedProject, status: StatusResult, targets: string[], pendingCount: number, log: EngineLog, linted: Map<string, string>): Promise<[number, string[]]> {
  const { schemaName, directories } = project.migrations;
  const hashes = new Map<string, string>();
  const wanted = new Set(targets);
  for (const m of status.migrations) {
    if (m.file && wanted.has(m.name)) hashes.set(m.name, linted.get(m.name) ?? sha256File(m.file));
  }
  // checksumHooks: the table is created under Knex's lock; the rows are written in the batch's transaction.
  const config = { directory: directories, ...checksumHooks('up', schemaName, hashes, project.knexConfig.migrations as object | undefined) };
  const migrator = db.migrate as Knex.Migrator & { to?: (c: object) => Promise<[number, string[]]> };
  if (targets.length === pendingCount) return (await migrator.latest(config)) as [number, string[]];
  const last = targets[targets.length - 1] as string;
  if (typeof migrator.to === 'function') return migrator.to({ ...config, name: last });
  log('warn', 'This Knex has no migrate.to(): applying one migration per batch with migrate.up().');
  let batch = 0;
  const names: string[] = [];
  for (const name of targets) {
    const [b, done] = (await migrator.up({ ...config, name })) as [number, string[]];
    batch = b;
    names.push(...done);
  }
  return [batch, names];
}

async function explainFailure(
  err: unknown,
  db: Knex,
  project: LoadedProject,
  before: StatusResult,
  failedName: string | null,
  backupInfo: BackupInfo | null,
  log: EngineLog,
): Promise<EngineError> {
  const { tableName, schemaName } = project.migrations;
  if (isEngineError(err)) return err;
  const name = (err as { name?: string }).name;
  const msg = errorMessage(err);
  if (name === 'MigrationLocked' || isLockConflict(err)) {
    return new EngineError('lock-held', `The migration lock was taken by someone else: ${msg}`, "If no migration is running, free it with 'migration-guard unlock' (in the editor: Migration Guard: Unlock), which checks that first; then retry.", { cause: err });
  }
  if (/migration directory is corrupt/i.test(msg)) {
    return new EngineError('corrupt-directory', msg, 'Restore the missing migration files before upgrading.', { cause: err });
  }
  let after: StatusResult | null = null;
  try {
    after = await readStatus(db, project);
    if (after.lock.held && !before.lock.held) {
      log('warn', 'Knex left the migration lock held after the failure; freeing it.');
      await freeLock(db, tableName, schemaName);
    }
    if (await readLock(db, tableName, schemaName)) log('warn', 'The migration lock is still held.');
  } catch (e) {
    log('warn', `Could not re-read the migration state after the failure: ${errorMessage(e)}`);
  }
  const pendingBefore = new Set(before.migrations.filter((m) => isPendingState(m.state)).map((m) => m.name));
  const committed = after ? after.migrations.filter((m) => isAppliedState(m.state) && pendingBefore.has(m.name)).map((m) => m.name) : [];
  const failedFile = failedName ? (before.migrations.find((m) => m.name === failedName)?.file ?? null) : null;
  const noTrx = ranWithoutTransaction(project, failedFile);
  const parts = [`Migration ${failedName ?? '(while loading the pending migrations)'} failed: ${msg}.`];
  if (!after) parts.push('The state of the database after the failure is unknown.');
  else if (committed.length === 0 && !noTrx) parts.push('Nothing was applied: Knex ran the batch in one transaction and rolled it back, so the database is as it was before the upgrade.');
  else {
    if (committed.length > 0) parts.push(`${committed.length} migration(s) before it were committed and stay applied: ${committed.join(', ')}.`);
    if (noTrx) parts.push('The failed migration ran without a transaction, so part of its changes may remain.');
    else parts.push('The failed migration itself was rolled back.');
  }
  // Only a migration that ran outside a transaction can leave part of its work behind: then the backup is the way back.
  const restoreCommand = backupInfo ? `migration-guard restore ${backupInfo.name}` : '';
  const hint = !backupInfo
    ? 'Fix the migration and run upgrade again.'
    : noTrx || committed.length > 0
      ? `To return to the state before the upgrade, restore the backup taken just before it: ${restoreCommand} (it saves the current database first). Then fix the migration and run upgrade again.`
      : `Fix the migration and run upgrade again; the backup taken before the upgrade is ${backupInfo.path} (${restoreCommand}).`;
  return new EngineError('migration-failed', parts.join(' '), hint, { cause: err });
}
