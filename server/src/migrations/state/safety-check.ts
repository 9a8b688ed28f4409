/**
 * `safety-check`: "is it safe to migrate now?", answered without changing anything (issue 15). Each check reuses
 * what the safe upgrade and `validate` run — the connection probe (db.ts `openKnex`), the running-migration
 * detection (db.ts `runningMigration`), the backup folder and space checks (backups/backup.ts), the pg_dump version
 * check (backups/pgtools.ts), the status with checksums (state/status.ts), the drift step (schema/drift.ts), the load
 * check and the lint of pending migrations (movements/) — so it cannot say "ok" where they would refuse.
 *
 * Read-only: no backup, no lock (the probes of `runningMigration` begin a transaction and roll it back), no table,
 * and an absent SQLite file is not created (it fails the `connection` check). The drift step's scratch database is
 * removed by schema/scratch.ts, also on failure and on SIGINT/SIGTERM.
 *
 * Fail closed: a check that throws is a `fail` carrying the reason, never `ok`; only configuration errors (`usage`,
 * `knexfile-load`) are thrown, as every command throws them.
 */
import type { Knex } from 'knex';
import { formatBytes, type SafetyCheck, type SafetyCheckId, type SafetyCheckResult, type StatusResult } from '../../protocol';
import { assertWritableFolder, backupSpace, defaultBackupDirectory } from '../backups/backup';
import { assertToolNotOlder, serverVersion, toolVersion } from '../backups/pgtools';
import { databaseAbsent, openKnex, runningMigration, silentLog, SQLITE_WRITER_WAIT_MS, type EngineLog } from '../db';
import { classifySetupError, errorMessage, isEngineError } from '../errors';
import { checkMigrationModules } from '../movements/load-check';
import { lintPlanned } from '../movements/upgrade';
import type { LoadedProject } from '../project/project';
import { checkSchema, type SchemaCheckResult } from '../schema/drift';
import { isPendingState, readStatus, type OperationOptions } from './status';

/** Options of {@link safetyCheck}. */
export interface SafetyCheckOptions extends OperationOptions {
  /** Backup folder to check; default `<root>/.migration-guard/backups` (the upgrade's). */
  backupDirectory?: string;
  /** The pg_dump to check; default `MG_PG_DUMP`, else `pg_dump` on the PATH (what the backup runs). */
  pgDump?: string;
  /** SQLite: how long another connection may hold the write lock before it counts as a running migration (ms). */
  sqliteWaitMs?: number;
}

/** The title of each check, in the order they run ({@link SafetyCheckId}). */
const TITLES: Record<SafetyCheckId, string> = {
  connection: 'database reachable',
  lock: 'lock free, no migration running',
  'backup-folder': 'backup folder writable, space free',
  'pg-dump': 'pg_dump not older than the server',
  'migration-files': 'applied migrations unchanged',
  drift: 'schema matches the migrations',
  integrity: 'data integrity (catalog)',
  pending: 'pending migrations',
};

/** A check's outcome before its id and title are added. */
type Outcome = Omit<SafetyCheck, 'id' | 'title'>;

const ok = (message: string): Outcome => ({ status: 'ok', message });
const warn = (message: string, hint: string): Outcome => ({ status: 'warn', message, hint });
const fail = (message: string, hint?: string): Outcome => ({ status: 'fail', message, ...(hint ? { hint } : {}) });
const skipped = (message: string): Outcome => ({ status: 'skipped', message });

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** At most `max` names, then "and N more". */
function someNames(names: readonly string[], max = 5): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** Configuration errors are the command's error (exit 2, as in every command); everything else is a failed check. */
function isConfigurationError(err: unknown): boolean {
  return isEngineError(err) && (err.code === 'usage' || err.code === 'knexfile-load');
}

/**
 * Runs `check` and turns what it throws into a `fail` with the reason (an EngineError's message and hint as they
 * are, anything else as "the check could not run"). @throws configuration errors ({@link isConfigurationError}).
 */
async function guarded(check: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await check();
  } catch (err) {
    if (isConfigurationError(err)) throw err;
    if (isEngineError(err)) return fail(err.message, err.hint);
    return fail(`The check could not run: ${errorMessage(err)}`, 'Fix the cause and run safety-check again; until then it is not known to be safe.');
  }
}

/**
 * Answers "is it safe to migrate now?" for the project: one {@link SafetyCheck} per {@link SafetyCheckId}, in order;
 * `safe` when none failed. Writes nothing (see the module comment). Checks that need the database are `skipped` when
 * the `connection` check failed.
 * @throws EngineError `usage` or `knexfile-load` (configuration errors, e.g. an invalid `.migration-guard.json`);
 *   connection, credential and driver problems are the failed `connection` check, not thrown.
 */
export async function safetyCheck(project: LoadedProject, options: SafetyCheckOptions = {}): Promise<SafetyCheckResult> {
  const log = options.log ?? silentLog;
  const backupDirectory = options.backupDirectory ?? defaultBackupDirectory(project);
  const result: SafetyCheckResult = { safe: false, project: project.info, checks: [], backupDirectory, pending: [], findings: [], drift: [] };
  const add = (id: SafetyCheckId, outcome: Outcome) => result.checks.push({ id, title: TITLES[id], ...outcome });

  const connected = await connect(project, log);
  add('connection', connected.outcome);
  const db = connected.db;
  if (!db) {
    for (const id of Object.keys(TITLES).slice(1) as SafetyCheckId[]) add(id, skipped('Not checked: the database could not be opened (see database reachable).'));
    return result;
  }
  try {
    add('lock', await guarded(() => lockCheck(db, project, options.sqliteWaitMs ?? SQLITE_WRITER_WAIT_MS)));
    add('backup-folder', await guarded(() => backupFolderCheck(db, project, backupDirectory)));
    add('pg-dump', await guarded(() => pgDumpCheck(db, project, options.pgDump ?? process.env.MG_PG_DUMP ?? 'pg_dump')));
    let status: StatusResult | null = null;
    add('migration-files', await guarded(async () => {
      status = await readStatus(db, project);
      return migrationFilesOutcome(status, project);
    }));
    const read = status as StatusResult | null;
    const missingFiles = read ? read.migrations.some((m) => m.state === 'missing') : false;
    let schema: SchemaCheckResult | null = null;
    const drift = await guarded(async () => {
      schema = await checkSchema(db, project, log);
      return driftOutcome(schema, project, missingFiles);
    });
    add('drift', drift);
    const checked = schema as SchemaCheckResult | null;
    result.drift = checked?.drift ?? [];
    add('integrity', checked ? integrityOutcome(checked, project) : skipped('Not checked: the schema step did not run (see schema matches the migrations).'));
    if (!read) add('pending', skipped('Not checked: the migration state could not be read (see applied migrations unchanged).'));
    else {
      result.pending = read.pending;
      add('pending', await guarded(() => pendingCheck(read, project, result)));
    }
  } finally {
    await db.destroy();
  }
  result.safe = result.checks.every((c) => c.status !== 'fail');
  return result;
}

/**
 * The `connection` check: opens Knex (openKnex's probe, within `--connect-timeout`), then reads the catalog and the
 * server's version, so that a file that is not a database or a wrong password fails here. An absent SQLite file fails
 * without being created. Returns the open instance when it passed.
 * @throws configuration errors ({@link isConfigurationError}).
 */
async function connect(project: LoadedProject, log: EngineLog): Promise<{ db: Knex | null; outcome: Outcome }> {
  const target = project.info.connection;
  if (project.family === 'sqlite' && project.sqliteFile === null) {
    return { db: null, outcome: fail(`The SQLite database ${target} is in memory or a file: URI, which safety-check cannot open without possibly creating it.`, 'Point connection.filename at the database file.') };
  }
  if (databaseAbsent(project)) {
    return {
      db: null,
      outcome: fail(`The SQLite database ${target} does not exist (safety-check did not create it).`, "Check connection.filename in the knexfile (relative to the knexfile's folder). For a new database, 'migration-guard upgrade' creates it."),
    };
  }
  let db: Knex | null = null;
  try {
    db = await openKnex(project, log);
    const version = await databaseVersion(db, project);
    return { db, outcome: ok(`Connected to ${target}${version ? ` (${version})` : ''}.`) };
  } catch (err) {
    await db?.destroy().catch(() => {});
    if (isConfigurationError(err)) throw err;
    const e = classifySetupError(err, target);
    if (e) return { db: null, outcome: fail(e.message, e.hint) };
    return { db: null, outcome: fail(`Cannot read ${target}: ${errorMessage(err)}`, 'Check that the connection settings in the knexfile (or DATABASE_URL) name the right database.') };
  }
}

/** `SQLite 3.x` (after reading `sqlite_master`, which fails on a file that is not a database), `PostgreSQL 15.18`, or '' for other clients. */
async function databaseVersion(db: Knex, project: LoadedProject): Promise<string> {
  if (project.family === 'sqlite') {
    await db.raw('select count(*) from sqlite_master');
    const rows = (await db.raw('select sqlite_version() as v')) as Array<{ v: string }>;
    return `SQLite ${rows[0]?.v ?? '?'}`;
  }
  if (project.family === 'postgresql') {
    const r = (await db.raw('show server_version')) as { rows: Array<{ server_version: string }> };
    return `PostgreSQL ${(r.rows[0]?.server_version ?? '?').split(' ')[0] ?? '?'}`;
  }
  return '';
}

/** The `lock` check: db.ts {@link runningMigration} (the committed lock flag, the SQLite write lock, the PostgreSQL lock row). */
async function lockCheck(db: Knex, project: LoadedProject, sqliteWaitMs: number): Promise<Outcome> {
  const lockTable = `${project.migrations.tableName}_lock`;
  const reason = await runningMigration(db, project, sqliteWaitMs);
  const unlock = "If no migration is running (it crashed), free the lock with 'migration-guard unlock', which checks that first.";
  if (reason === 'lock-flag') return fail(`The migration lock is held (${lockTable}.is_locked = 1): a migration is running outside a transaction, or one crashed.`, `Wait for the migration to finish. ${unlock}`);
  if (reason === 'writer') return fail(`Another connection has held the SQLite write lock for more than ${sqliteWaitMs / 1000} s: a migration is running (or an unusually long write transaction).`, 'Wait for it to finish, then run safety-check again.');
  if (reason === 'lock-row') return fail(`A migration is running: another session holds the row lock of ${lockTable} (Knex's migration transaction).`, 'Wait for it to finish, then run safety-check again.');
  return ok(`The lock is free (${lockTable}) and no migration is running.`);
}

/** The `backup-folder` check: backups/backup.ts {@link assertWritableFolder} and {@link backupSpace}, as the upgrade runs them before its backup. */
async function backupFolderCheck(db: Knex, project: LoadedProject, dir: string): Promise<Outcome> {
  if (project.family === 'other') {
    return warn(`Migration Guard has no backup method for client '${project.client}': the upgrade needs --no-backup.`, "Back up the database with its own tools, then run 'migration-guard upgrade --no-backup'.");
  }
  assertWritableFolder(dir);
  const space = await backupSpace(project, dir, db);
  if (!space) return fail(`The size of the database could not be read, so the free space in ${dir} was not compared with it.`);
  const sizes = `${formatBytes(space.free)} free, the database is ${formatBytes(space.needed)}`;
  if (space.free < space.needed) {
    return fail(`Not enough free space in ${dir} for the backup before the upgrade: ${sizes}.`, 'Free space on that disk (migration-guard prune --keep N deletes old backups), or back up yourself and upgrade with --no-backup.');
  }
  return ok(`${dir} is writable; ${sizes}.`);
}

/** The `pg-dump` check (PostgreSQL): backups/pgtools.ts {@link toolVersion}, {@link serverVersion}, {@link assertToolNotOlder}, as the backup runs them. */
async function pgDumpCheck(db: Knex, project: LoadedProject, exe: string): Promise<Outcome> {
  if (project.family !== 'postgresql') return skipped(project.family === 'sqlite' ? 'Not needed: SQLite backups use the SQLite backup API.' : `Not needed for client '${project.client}'.`);
  const [tool, server] = await Promise.all([toolVersion(exe), serverVersion(db)]);
  assertToolNotOlder('pg_dump', exe, tool, server.major);
  return ok(`pg_dump ${tool.text} (${exe}) can dump the PostgreSQL ${Math.floor(server.major)} server.`);
}

/** The `migration-files` check: every applied migration has its file (else Knex refuses: "the migration directory is corrupt"), unchanged since it ran. */
function migrationFilesOutcome(status: StatusResult, project: LoadedProject): Outcome {
  const applied = status.migrations.filter((m) => m.batch !== null);
  const missing = applied.filter((m) => m.state === 'missing').map((m) => m.name);
  const edited = applied.filter((m) => m.state === 'edited').map((m) => m.name);
  if (missing.length || edited.length) {
    const parts: string[] = [];
    const hints: string[] = [];
    if (missing.length) {
      parts.push(`${plural(missing.length, 'applied migration')} ${missing.length === 1 ? 'has' : 'have'} no file (Knex refuses to migrate: the migration directory is corrupt): ${someNames(missing)}.`);
      hints.push(`Restore the missing file(s) into ${project.migrations.directories.join(', ')} (for example from version control).`);
    }
    if (edited.length) {
      parts.push(`${plural(edited.length, 'applied migration')} ${edited.length === 1 ? 'was' : 'were'} edited after ${edited.length === 1 ? 'it' : 'they'} ran (sha256 differs from the one recorded), so the database may not have what the files say: ${someNames(edited)}.`);
      hints.push('Restore each file as it was applied (from version control); put an intended change in a new migration.');
    }
    return fail(parts.join(' '), hints.join(' '));
  }
  const unrecorded = applied.filter((m) => m.checksum === 'none').length;
  const checksums = unrecorded ? ` (${unrecorded} applied without Migration Guard have no checksum to compare)` : '';
  return ok(applied.length ? `${plural(applied.length, 'applied migration')}: every file present, none edited${checksums}.` : 'No migration applied yet.');
}

/** The `drift` check from the schema step (schema/drift.ts `checkSchema`): any difference fails, and so does a schema that could not be rebuilt. */
function driftOutcome(schema: SchemaCheckResult, project: LoadedProject, missingFiles: boolean): Outcome {
  if (!schema.checked.includes('schema drift')) {
    return warn(`Schema drift is not checked for client '${project.client}' (SQLite and PostgreSQL only).`, 'Compare the schema with the migrations by hand before migrating.');
  }
  const unchecked = schema.problems.find((p) => p.code === 'drift-unchecked');
  if (unchecked && missingFiles) return skipped('Not checked: the expected schema cannot be rebuilt without the missing files (see applied migrations unchanged).');
  if (unchecked) return fail(unchecked.message, "Fix the cause, then run safety-check again ('migration-guard validate' says the same).");
  const n = schema.drift.length;
  if (n > 0) {
    const tables = [...new Set(schema.drift.map((d) => d.table))];
    const kinds = [...new Set(schema.drift.map((d) => d.kind))];
    return fail(
      `The live schema differs from what the applied migrations build: ${plural(n, 'difference')} (${kinds.join(', ')}) in ${someNames(tables)}.`,
      "'migration-guard validate' lists each difference by table with what to do. A pending migration may fail on it (a column it adds that already exists); bring the database and the migrations in line first.",
    );
  }
  return ok('The schema is the one the applied migrations build (replayed in a scratch database, removed again).');
}

/** The `integrity` check from the schema step's catalog checks (`foreign-key-check`, `invalid-index`, `not-valid-constraint`): a warning, never a failure. */
function integrityOutcome(schema: SchemaCheckResult, project: LoadedProject): Outcome {
  const problems = schema.problems.filter((p) => p.code !== 'drift-unchecked');
  const what = schema.checked.filter((c) => c !== 'schema drift');
  if (what.length === 0) return skipped(`Not checked for client '${project.client}'.`);
  if (problems.length) return warn(problems.map((p) => p.message).join(' '), "These do not stop a migration, but 'migration-guard validate' reports them as invalid: fix them in a migration.");
  return ok(`Nothing found (${what.join(', ')}).`);
}

/**
 * The `pending` check: the pending migrations load as Knex loads them (movements/load-check.ts) and their findings,
 * linted as the upgrade lints them (movements/upgrade.ts `lintPlanned`): an error finding or a module that does not
 * load fails (the upgrade refuses both), warnings and out-of-order files warn. Fills `result.findings`.
 */
async function pendingCheck(status: StatusResult, project: LoadedProject, result: SafetyCheckResult): Promise<Outcome> {
  const targeted = status.migrations.filter((m) => isPendingState(m.state));
  if (targeted.length === 0) return ok('Nothing pending: the database is up to date.');
  const { findings } = await lintPlanned(targeted, project);
  result.findings = findings;
  let loadError: string | null = null;
  let loadHint: string | undefined;
  try {
    await checkMigrationModules(targeted, project.timeouts.loadMs);
  } catch (err) {
    if (isConfigurationError(err) || !isEngineError(err)) throw err;
    loadError = err.message;
    loadHint = err.hint;
  }
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning');
  const outOfOrder = targeted.filter((m) => m.state === 'out-of-order').map((m) => m.name);
  const head = `${plural(targeted.length, 'pending migration')} (${someNames(targeted.map((m) => m.name))})`;
  const at = (fs: typeof findings) => someNames(fs.map((f) => `${f.migration}:${f.line}:${f.column} ${f.ruleId}`), 3);
  const parts = [head];
  if (errors.length) parts.push(`${plural(errors.length, 'finding')} of error severity: ${at(errors)}`);
  if (warnings.length) parts.push(`${plural(warnings.length, 'warning')}: ${at(warnings)}`);
  if (outOfOrder.length) parts.push(`${someNames(outOfOrder)} ${outOfOrder.length === 1 ? 'sorts' : 'sort'} before an applied migration (Knex applies ${outOfOrder.length === 1 ? 'it' : 'them'} anyway, after it)`);
  if (loadError) parts.push(loadError);
  const message = `${parts.join('; ')}.`.replace(/\.\.$/, '.');
  const review = "'migration-guard upgrade --dry-run' shows the plan, its SQL and what it would delete.";
  if (loadError) return fail(message, loadHint ?? review);
  if (errors.length) return fail(message, `The upgrade refuses these: fix them, or review them and run 'migration-guard upgrade --allow-unsafe'. ${review}`);
  if (warnings.length || outOfOrder.length) return warn(message, `Review the warnings before migrating: ${review}`);
  return ok(`${head}, no findings.`);
}

