/**
 * Every JSON shape the engine and CLI print (`--json`), declared once. The client imports these
 * types; it never re-declares them. Types only: no runtime code.
 */

/** Severity of a finding, as a user configures it and as the CLI prints it. */
export type Severity = 'error' | 'warning' | 'info';

/** SQL dialect the analyzer parses with. */
export type Dialect = 'postgresql' | 'sqlite';

/**
 * One finding in the CLI's `check --format json` output.
 * Positions are 1-based, columns counted in UTF-16 code units, as ESLint's JSON formatter does;
 * `endLine`/`endColumn` point one past the last character of the range.
 */
export interface CheckFinding {
  /** Path of the file, as given on the command line (relative paths stay relative). */
  file: string;
  ruleId: string;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** PostgreSQL: the table lock the finding's statement takes (server/src/lint/locks.ts); absent for other findings and dialects. */
  lock?: TableLock;
  /** The table the finding is about, `schema.table` or `table` as the migration writes it (no quotes); table sizes are matched by it. */
  table?: string;
  /**
   * The size of {@link table}: with `check --stats FILE` when the file knows it; in the upgrade's plan, read from the
   * database it is about to migrate.
   */
  tableSize?: TableSize;
}

/** A table's size: estimated rows and bytes on disk (PostgreSQL: with indexes and TOAST); null when not known. */
export interface TableSize {
  /** PostgreSQL `pg_class.reltuples` (an estimate; 0 for a never-analysed empty table); SQLite `count(*)`. Null: not known (never analysed, or the count ran out of time). */
  rows: number | null;
  /** PostgreSQL `pg_total_relation_size`; SQLite the table's and its indexes' pages (`dbstat`). Null when not known. */
  bytes: number | null;
}

/**
 * `migration-guard stats [--out FILE]`, read by `check --stats FILE`. Keys: `schema.table` on PostgreSQL (an
 * unqualified table in a migration matches `defaultSchema`), the table name on SQLite.
 */
export interface TableStatsResult {
  dialect: Dialect;
  /** PostgreSQL: the connection's `current_schema()`, which unqualified table names mean. */
  defaultSchema?: string;
  tables: Record<string, TableSize>;
}

/**
 * A PostgreSQL table-level lock mode, named as the documentation names it (PostgreSQL docs, "Explicit Locking",
 * 13.3.1 Table-Level Lock Modes), weakest first. `pg_locks.mode` spells them `AccessShareLock` … `AccessExclusiveLock`.
 */
export type LockMode =
  | 'ACCESS SHARE'
  | 'ROW SHARE'
  | 'ROW EXCLUSIVE'
  | 'SHARE UPDATE EXCLUSIVE'
  | 'SHARE'
  | 'SHARE ROW EXCLUSIVE'
  | 'EXCLUSIVE'
  | 'ACCESS EXCLUSIVE';

/**
 * What a held lock makes other sessions wait for on that table: `reads` (SELECT, which takes ACCESS SHARE) and
 * `writes` (INSERT/UPDATE/DELETE, which take ROW EXCLUSIVE), from the conflict table (Explicit Locking, Table 13.2).
 */
export type LockBlocks = 'reads' | 'writes';

/** One table lock: its mode, the table as the migration names it (`schema.table` or `table`), and what it blocks. */
export interface TableLockEntry {
  mode: LockMode;
  /** The table as written, `schema.table` when qualified. With `onIndex`, the index whose table is locked (DROP INDEX names no table). */
  table: string;
  /** Subset of `["reads", "writes"]`, in that order; empty when the lock blocks neither (e.g. SHARE UPDATE EXCLUSIVE). */
  blocks: LockBlocks[];
  /** True when `table` names an index: the statement locks that index's table, which it does not name. */
  onIndex?: true;
}

/**
 * The lock a finding's statement takes on its table until the transaction ends, plus the locks on further tables
 * (`alsoLocks`: the referenced table of a foreign key). In `check --format json`, the upgrade plan and the hovers.
 */
export interface TableLock extends TableLockEntry {
  /** Other tables the same statement locks, e.g. SHARE ROW EXCLUSIVE on the table a new foreign key references. */
  alsoLocks?: TableLockEntry[];
}

/** `migration-guard check --format json` */
export interface CheckResult {
  findings: CheckFinding[];
}

/**
 * State of one migration:
 * - `applied`: recorded in the migrations table and its file exists;
 * - `pending`: its file exists and it is not recorded;
 * - `missing`: recorded as applied, but no file has that name any more;
 * - `edited`: applied, but the file's sha256 differs from the one Migration Guard recorded when it
 *   applied it (table `migration_guard_checksums`);
 * - `out-of-order`: pending, but its name sorts before the most recently applied migration (Knex
 *   will still run it on the next upgrade).
 */
export type MigrationState = 'applied' | 'pending' | 'missing' | 'edited' | 'out-of-order';

/**
 * Checksum verdict of one migration: `match` (recorded sha256 equals the file's), `edited` (differs),
 * `missing` (a sha256 was recorded, but the file is gone: nothing to compare it with), `none` (no
 * checksum recorded: applied without Migration Guard, or pending).
 */
export type ChecksumState = 'match' | 'edited' | 'missing' | 'none';

/** One migration in `status --json`. */
export interface MigrationStatusEntry {
  /** File name as Knex records it in `knex_migrations.name`, e.g. `20240101000000_create_users.js`. */
  name: string;
  state: MigrationState;
  /** Batch number it was applied in; null when not applied. */
  batch: number | null;
  /** ISO-8601 time it was applied (UTC); null when not applied. */
  appliedAt: string | null;
  /** Absolute path of the migration file; null when the file is missing. */
  file: string | null;
  /** Checksum verdict (see {@link ChecksumState}); absent in output of older versions. */
  checksum?: ChecksumState;
}

/** Where the engine's configuration came from; connection strings are always masked. */
export interface ProjectInfo {
  /** Absolute path of the knexfile used, or null for `DATABASE_URL` / the embedded default. */
  knexfile: string | null;
  /** Environment name chosen (`--env`, `NODE_ENV`, else `development`); null when the config is not keyed by environment. */
  environment: string | null;
  /**
   * The knexfile's environments (keys of its export whose value is an object or a function), in its order; `[]`
   * when the export is not keyed by environment or there is no knexfile. Absent in older versions.
   */
  environments?: string[];
  /**
   * Those of {@link environments} that are protected (`production`, `prod`, or `migrationGuard: { protected: true }`
   * in the environment's config; an environment written as a function is judged by its name). Absent in older versions.
   */
  protectedEnvironments?: string[];
  /** Knex client name, e.g. `sqlite3`, `pg`. */
  client: string;
  /** Human-readable connection target with any password replaced by `****`. */
  connection: string;
  /** Absolute migration directories, in the order Knex reads them. */
  migrationDirectories: string[];
  /** Where this configuration came from. */
  source: 'knexfile' | 'DATABASE_URL' | 'embedded-default';
  /** Version of the `knex` package the engine used (the workspace's own when installed, else the bundled one). */
  knexVersion?: string;
  /** Absolute path of that `knex` package's folder. */
  knexPath?: string;
  /**
   * True when write commands need `--confirm <databaseName>`: environment `production`/`prod`, or
   * `migrationGuard: { protected: true }` in the environment's knex config.
   */
  protected?: boolean;
  /** Database name to type to confirm a write on a protected environment (PostgreSQL database, SQLite file name). */
  databaseName?: string;
  /**
   * Absolute path of the SQLite database file (the file the editor's database file guard watches); null for
   * `:memory:` and `file:` URIs; absent for other clients and in output of older versions.
   */
  sqliteFile?: string | null;
}

/** `migration-guard status --json` */
export interface StatusResult {
  project: ProjectInfo;
  migrations: MigrationStatusEntry[];
  lock: { held: boolean };
  /** Name of the most recently applied migration (highest `id` in the migrations table); null when none. Absent in older versions. */
  current?: string | null;
  /**
   * Names of the migrations the next upgrade runs (states `pending` and `out-of-order`), in run order: the engine's
   * one definition of "pending", which the editor's tree and status bar show as they come.
   */
  pending: string[];
  /** Recorded migrations by batch, grouped as `history` groups them (newest batch first, most recently applied first). */
  batches: StatusBatch[];
}

/** One batch of {@link StatusResult.batches}. */
export interface StatusBatch {
  batch: number;
  /** Names of its migrations (each one entry of {@link StatusResult.migrations}), most recently applied (highest `id`) first. */
  migrations: string[];
}

/**
 * `migration-guard downgrade --json`: migrations undone, most recently applied (highest id) first.
 * Each is undone by Knex's `down({ name })` in its own transaction (unless it opts out).
 */
export interface DowngradeResult {
  /** The project acted on (database and environment, masked), as `status` gives it: the editor's modal names it. Absent in output of older versions. */
  project?: ProjectInfo;
  /** Migrations that were to be undone, in the order they are undone. */
  planned: string[];
  /** Migrations actually undone. */
  undone: string[];
  /** Backup taken before undoing; null with `--no-backup`, or when nothing was to be undone. */
  backup: BackupInfo | null;
  /** Name of the most recently applied migration afterwards; null when none remains. */
  current: string | null;
  /** Dry run: the SQL of each `down()`, run inside one transaction and rolled back (as `upgrade --dry-run`). */
  preview?: MigrationPreview[];
  /**
   * What the `down()`s would delete on the live database (rows of dropped tables, values of dropped columns): on a dry
   * run, and on a real run before anything is written.
   */
  preflight?: PreflightFinding[];
  /** Whether this was a dry run (nothing written). */
  dryRun: boolean;
  /** True when the plan is unsafe (pre-flight data loss) and `--allow-unsafe` was not given: nothing was written, exit code 1. */
  refused: boolean;
  /** Why it was refused, one sentence; absent when not refused. */
  refusedReason?: string;
  /** Protected tables (`.migration-guard.json` `protectedTables`) whose data the `down()`s delete; absent when none. */
  protectedTables?: string[];
  /** Identity of this plan ({@link UpgradeResult.planId}); pass it back with `downgrade --plan <planId>`. */
  planId: string;
  /** The migrations of the plan in the order they are undone, with their files' sha256. */
  planMigrations: PlanMigration[];
}

/** A migration of a plan, with the sha256 of its file (null when it has no file). */
export interface PlanMigration {
  name: string;
  /** Lower-case hex sha256 of the file's bytes; null when the file is missing. */
  sha256: string | null;
}

/** `migration-guard mark-applied <name> --json` and `unmark <name> --json` (no migration code runs). */
export interface MarkResult {
  name: string;
  /** What was done to the migrations table. */
  action: 'marked-applied' | 'unmarked';
  /** Batch of the inserted row (`mark-applied`) or of the deleted row (`unmark`). */
  batch: number;
  /** sha256 recorded for the file (`mark-applied` with the file present); null otherwise. */
  sha256: string | null;
}

/** `migration-guard unlock --json` */
export interface UnlockResult {
  /** Whether the lock was held before. */
  wasHeld: boolean;
  /** Whether this command freed it (false when it was already free). */
  freed: boolean;
  /** What was checked to make sure no migration is running, e.g. "LOCK TABLE knex_migrations_lock NOWAIT". */
  checked: string[];
}

/**
 * Why `name` cannot name a new migration (`migration-guard new <name>`), or undefined when it can: letters, digits,
 * `_` and `-`, starting with a letter or a digit (the file is `<timestamp>_<name>.<ext>`). The engine refuses such a
 * name with this reason and the editor's input box shows it as the user types: one check for both.
 */
export function migrationNameProblem(name: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name) ? undefined : "use letters, digits, '_' and '-', starting with a letter or a digit";
}

/**
 * The migration name for what a person typed: accents dropped (`añadir` → `anadir`), every run of other characters
 * than letters, digits, `_` and `-` (spaces, dots, slashes) turned into one `_`, and `_`/`-` trimmed at both ends:
 * `add user email` → `add_user_email`. Letter case is kept. The engine's `new` and the editor's input box both call it,
 * then {@link migrationNameProblem} on the result (empty when nothing usable was typed).
 */
export function normalizeMigrationName(typed: string): string {
  return typed
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '');
}

/** `migration-guard new <name> --json` */
export interface NewMigrationResult {
  /** Absolute path of the created file. */
  file: string;
  /** File name, as Knex will record it. */
  name: string;
}

/** One batch in `history`. */
export interface HistoryBatch {
  batch: number;
  /** Migrations of the batch, most recently applied first. */
  migrations: Array<{ name: string; appliedAt: string | null; state: MigrationState; checksum?: ChecksumState }>;
}

/** `migration-guard history --json`: applied migrations by batch, newest first, then pending. */
export interface HistoryResult {
  project: ProjectInfo;
  batches: HistoryBatch[];
  /** Pending (and out-of-order) migrations in the order an upgrade would run them. */
  pending: string[];
  current: string | null;
}

/** A file written by `backup` (and by a safe upgrade before it applies anything). */
export interface BackupInfo {
  /** Absolute path of the backup file. */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** Lower-case hex sha256 of the file's bytes. */
  sha256: string;
  /** Backup name: the file name without extension, `backup_YYYYMMDD_HHMMSS[_label]`. */
  name?: string;
  /** Absolute path of its manifest (`<name>.json` beside it). */
  manifest?: string;
}

/** `migration-guard backup --json` */
export interface BackupResult {
  backup: BackupInfo;
}

/** Why a backup was taken. */
export type BackupKind = 'manual' | 'pre-upgrade' | 'pre-restore' | 'pre-downgrade';

/**
 * The manifest written beside every backup as `<name>.json` (mode 0600).
 * `restore` refuses a backup whose bytes or sha256 differ from it.
 */
export interface BackupManifest {
  /** Manifest format version (1). */
  format: 1;
  /** Backup name (file name without extension). */
  name: string;
  /** File name of the backup, relative to the manifest's folder. */
  file: string;
  /** Lower-case hex sha256 of the backup file. */
  sha256: string;
  /** Size of the backup file in bytes. */
  bytes: number;
  /** ISO-8601 UTC time the backup was taken. */
  created: string;
  /** Sanitised label (letters, digits, `-`), or null. */
  label: string | null;
  kind: BackupKind;
  /** Where the data came from, password masked (a file path or a URL). */
  source: string;
  /** Knex client name (`sqlite3`, `pg`, …). */
  client: string;
  family: 'sqlite' | 'postgresql';
  /** `sqlite-backup-api` (a SQLite database file) or `pg_dump-custom` (`pg_dump -Fc` archive). */
  method: 'sqlite-backup-api' | 'pg_dump-custom';
  /** Migrations recorded as applied at backup time, in `id` order. */
  migrations: Array<{ name: string; batch: number }>;
  /** Versions: `migration-guard`, `knex`, and `sqlite` or `pg_dump` + `server`. */
  tools: Record<string, string>;
}

/** One backup in `backups --json`. */
export interface BackupListEntry {
  name: string;
  /** Absolute path of the backup file. */
  path: string;
  bytes: number;
  /** ISO-8601 UTC creation time (manifest; else the file's modification time). */
  created: string;
  /** Age in seconds when listed. */
  ageSeconds: number;
  label: string | null;
  kind: BackupKind | null;
  /** Applied migration names at backup time (from the manifest); null without a manifest. */
  migrations: string[] | null;
  manifest: BackupManifest | null;
  /**
   * True only for a verified backup: its manifest exists and is readable, names this file, and the
   * file's size matches it, and its sha256 too when `checked` is `sha256` (issue 13: a backup killed
   * midway, or an orphaned pg_dump's output, has no manifest and never counts). `prune --keep N` counts
   * complete backups only; `restore` always checks size and sha256 itself.
   */
  complete: boolean;
  /**
   * What was compared with the manifest: `sha256` (size and sha256), `size` (the listing hashes backups
   * up to 64 MiB only, migrations/backups/manifest.ts LIST_HASH_LIMIT), or null (no readable manifest).
   */
  checked: 'sha256' | 'size' | null;
  /** The backup file's modification time (ISO-8601 UTC): `prune` removes incomplete files older than a day by it. */
  modified?: string;
  /**
   * Why the backup is incomplete (no manifest, unreadable manifest, truncated, size or sha256 differs);
   * absent when `complete`. Such a backup cannot be restored by Migration Guard.
   */
  problem?: string;
}

/** `migration-guard backups --json`: newest first. */
export interface BackupListResult {
  directory: string;
  backups: BackupListEntry[];
}

/** `migration-guard prune --keep N --json` */
export interface PruneResult {
  /** Complete backups kept (the newest N, sha256 verified), newest first. */
  kept: string[];
  /** Complete backups deleted (file and manifest), oldest last. */
  deleted: string[];
  /**
   * Incomplete backups (see BackupListEntry.complete) and temporary files of killed backups
   * (`.tmp-…`) older than a day, removed (with their manifest if any): file name and why it was incomplete.
   */
  removedIncomplete: Array<{ name: string; reason: string }>;
  /** Incomplete backups younger than a day, left in place (a backup may still be writing them): file name and reason. */
  leftIncomplete: Array<{ name: string; reason: string }>;
}

/** `migration-guard restore <backup> --json` */
export interface RestoreResult {
  /** The backup restored (verified against its manifest first). */
  restored: BackupListEntry;
  /** Safety backup of the database taken just before restoring; null only when there was no database to save (a SQLite file that did not exist). */
  safetyBackup: BackupInfo | null;
  /** How it was restored: `sqlite-backup-api` or `pg_restore`. */
  method: 'sqlite-backup-api' | 'pg_restore';
  /** Applied migrations after the restore, in `id` order. */
  migrations: string[];
  /** Notes for the user (for example tables created after the backup that pg_restore --clean keeps). */
  notes: string[];
  /** PostgreSQL: other sessions terminated with `--force-disconnect` (`pg_terminate_backend`) before restoring; 0 otherwise. */
  disconnectedSessions: number;
}

/**
 * The SQL a pending migration would run, captured by running it inside one transaction that is rolled
 * back (`upgrade --dry-run`). `previewable: false` with `reason` when it was not run.
 */
export interface MigrationPreview {
  migration: string;
  /** Statements in execution order (bindings inlined as `?` placeholders are left as Knex sent them, see `bindings`). */
  sql: string[];
  previewable: boolean;
  /** Why it was not run, or why it failed inside the preview. */
  reason?: string;
  /** Set when the migration threw inside the preview: the error message (the transaction was rolled back). */
  error?: string;
  /**
   * What it changed in the schema inside the rolled-back preview (tables and columns before and after it); present
   * only when it ran to the end. For a downgrade's `down()` this is what it brings back and what it drops.
   */
  effects?: SchemaEffects;
}

/**
 * Schema changes of one previewed migration, from the tables and columns listed before and after it
 * (migrations/movements/effects.ts). A rename shows as one dropped and one created name. Sorted.
 */
export interface SchemaEffects {
  tablesCreated: string[];
  tablesDropped: string[];
  /** `table.column`, for tables that exist before and after. */
  columnsAdded: string[];
  /** `table.column`, for tables that exist before and after. */
  columnsDropped: string[];
}

/** A pre-flight observation on the live database, e.g. "DROP TABLE exchange_accounts deletes 12 rows". */
export interface PreflightFinding {
  migration: string;
  /** `drop-table`, `truncate`, `rows-deleted` (rebuild/cascade/delete), `drop-column`, `column-exists`. */
  kind: 'drop-table' | 'truncate' | 'rows-deleted' | 'drop-column' | 'column-exists';
  message: string;
  /** Table concerned. */
  table?: string;
  /** `drop-column`: the column dropped. */
  column?: string;
  /** Rows that would be deleted, when counted; for `drop-column`, the non-null values the column holds. */
  rows?: number;
}

/** One problem `validate` found. */
export interface ValidationProblem {
  /** Stable code: `missing-file`, `edited`, `lock-held`, `integrity-check`, `connection`, … */
  code: string;
  /**
   * `error`: Knex refuses to run, or the data is damaged (`missing-file`, `lock-held`, `integrity-check`);
   * `warning`: Knex still runs, but the database may not match the files (`edited`: an applied
   * migration's file changed after it ran). Either makes the result invalid (exit 1).
   * Absent in output of older versions (read it as `error`).
   */
  severity?: 'error' | 'warning';
  /** Name of the migration concerned, when the problem is about one. */
  migration?: string;
  message: string;
}

/** `migration-guard validate --json` */
export interface ValidateResult {
  /**
   * `validate` only (not the validation after an upgrade): the project validated (environment and database, the
   * connection masked), as `status` gives it; the editor's report names it. Absent in output of older versions.
   */
  project?: ProjectInfo;
  /** False when any problem was found, of either severity (exit code 1). */
  valid: boolean;
  problems: ValidationProblem[];
  /** What was checked, for the report, e.g. ["migration files", "lock", "PRAGMA integrity_check"]. */
  checked: string[];
  /** `validate` only (not the validation after an upgrade): schema drift against the applied migrations replayed in a scratch database ({@link DriftItem}); any item makes `valid` false. */
  drift?: DriftItem[];
  /** `validate --write-migration <name>` only: the migration written from the drift (never run). */
  writtenMigration?: WrittenMigration;
}

/**
 * The migration `validate --write-migration <name>` wrote: its `up` brings the migration history in line with the
 * live schema, its `down` reverses it. Written for review, never run.
 */
export interface WrittenMigration {
  /** Absolute path of the file. */
  path: string;
  /** File name, as Knex will record it (`<timestamp>_<name>.<js|ts>`). */
  name: string;
  /** Findings of this project's linter in the file (also written as comments at its top); empty when it passes. Lines are the file's. */
  findings: Array<Omit<CheckFinding, 'file'>>;
  /** Drift that could not be turned into code (views, …): each is also a TODO comment in the file. */
  notes: string[];
}

/** A finding in a pending migration, as the upgrade plan reports it. */
export interface PendingFinding extends CheckFinding {
  /** Name of the pending migration the finding is in. */
  migration: string;
}

/**
 * `migration-guard upgrade --json`.
 * With `--dry-run`, nothing is written: `applied` is empty and `backup` is null.
 * When unsafe findings stop the upgrade, `refused` is true and the exit code is 1.
 */
export interface UpgradeResult {
  /** The project acted on (database and environment, masked), as `status` gives it: the editor's modal names it. Absent in output of older versions. */
  project?: ProjectInfo;
  /** Pending migrations, in the order they would run / ran. */
  pending: string[];
  /** Findings of the analyzer in the pending migration files. */
  findings: PendingFinding[];
  /**
   * True when the plan is unsafe and `--allow-unsafe` was not given: findings of error severity, or a pre-flight
   * finding that deletes rows or values (`drop-table` / `truncate` with rows, `rows-deleted`, `drop-column` with values).
   * Nothing was written; exit code 1 (a dry run too: the real run would be refused).
   */
  refused: boolean;
  /** Why it was refused, one sentence; absent when not refused. */
  refusedReason?: string;
  /**
   * Identity of this plan: lower-case hex sha256 over the database (masked connection), the direction, the selection
   * (`step` / `to`) and the ordered migrations with each file's sha256 (migrations/movements/plan.ts). `upgrade --plan <planId>`
   * applies only when the plan is still the same, else fails with `plan-changed`.
   */
  planId: string;
  /**
   * Protected tables (`.migration-guard.json` `protectedTables`) the plan deletes data of (analyzer or pre-flight);
   * absent when none. Such a plan is refused even with `--allow-unsafe` unless each is named with `--allow-unsafe-table`.
   */
  protectedTables?: string[];
  /** The migrations of the plan in run order, with their files' sha256 (what `planId` covers). */
  planMigrations: PlanMigration[];
  dryRun: boolean;
  /**
   * Whether a backup is (or, on a dry run, would be) taken before applying: false with `--no-backup`
   * and for a SQLite database file that does not exist yet (nothing to lose).
   */
  backupPlanned: boolean;
  /** Backup taken before applying; null when nothing was applied or on a dry run. */
  backup: BackupInfo | null;
  /** Batch number used; null when nothing was applied. */
  batch: number | null;
  /** Migrations actually applied. */
  applied: string[];
  /** Validation after the upgrade; null when nothing was applied. */
  validation: ValidateResult | null;
  /** Dry run: the SQL of each pending migration, captured inside a rolled-back transaction (SQLite and PostgreSQL). */
  preview?: MigrationPreview[];
  /** Rows each destructive statement would delete and added columns that already exist, counted on the live database. */
  preflight?: PreflightFinding[];
}

/** Printed (with `--json`) instead of a result when a command fails; exit code 1 or 2. */
export interface ErrorResult {
  error: {
    /**
     * Stable code, e.g. `knexfile-load`, `connection`, `lock-held`, `usage`, `migration-failed`,
     * `no-project` (no knexfile, no DATABASE_URL and no migrations/ folder, or another tool's project).
     */
    code: string;
    /** One clear sentence, passwords masked. */
    message: string;
    /** The next step for the user, when there is one. */
    hint?: string;
    /** `knexfile-load` for an unknown environment: the knexfile's environments, to pick one from. */
    environments?: string[];
  };
}

// ---------------------------------------------------------------------------------------------------------
// Projects of every runner (issue 16): `migration-guard projects`, and `status` / `history` in an Alembic
// project. Built by server/src/migrations/projects/.
// ---------------------------------------------------------------------------------------------------------

/** The tool that runs a project's migrations. `sql`: a folder of plain SQL files (see {@link SqlFlavor}). */
export type ProjectRunner = 'knex' | 'alembic' | 'node-pg-migrate' | 'sql';

/** Naming scheme of a plain SQL folder: golang-migrate `1_x.up.sql`/`.down.sql`, Flyway `V1__x.sql`, dbmate `1_x.sql` with `-- migrate:up`. */
export type SqlFlavor = 'golang-migrate' | 'flyway' | 'dbmate';

/** One project found by `migration-guard projects` (paths absolute). */
export interface DiscoveredProject {
  /** The project's folder: the knexfile's, alembic.ini's or package.json's folder; for an SQL folder, its parent. */
  root: string;
  runner: ProjectRunner;
  /** The (first) folder of migration files. */
  migrationsDirectory: string;
  /** Every folder, when there are several (Knex `directory: [...]`, Alembic `version_locations`). */
  migrationsDirectories?: string[];
  /** The configuration file read (knexfile, alembic.ini, package.json); absent for an SQL folder. */
  config?: string;
  /**
   * False when the folder could not be read from the configuration without running it (a computed Knex
   * `directory`, no `-m` for node-pg-migrate, an Alembic package resource): the runner's default is shown.
   */
  directoryRead: boolean;
  /** Why the folder is a default or unresolved, when it is. */
  note?: string;
  /** For `runner: 'sql'`: the naming scheme recognised. */
  flavor?: SqlFlavor;
  /** node-pg-migrate: `-t`/`--migrations-table` from the package.json scripts (default `pgmigrations`). */
  migrationsTable?: string;
  /** node-pg-migrate: `-d`/`--database-url-var` from the package.json scripts (default `DATABASE_URL`). */
  databaseUrlVariable?: string;
}

/** Output of `migration-guard projects --json`. */
export interface ProjectsResult {
  /** The folder searched (absolute). */
  cwd: string;
  /** Sorted by root, then runner; each migrations folder appears once. */
  projects: DiscoveredProject[];
}

/** One Alembic revision, read from its file (no Python run). */
export interface AlembicRevision {
  /** `revision = '…'`. */
  id: string;
  /** `down_revision` (a tuple for a merge; empty for a base), as written: a parent may be missing. */
  parents: string[];
  /** First line of the module docstring (the `alembic revision -m` message); '' when none. */
  message: string;
  /** The revision file (absolute). */
  file: string;
  /** `branch_labels`. */
  branchLabels: string[];
  /** More than one distinct parent. */
  isMerge: boolean;
  /** No revision names it as parent. */
  isHead: boolean;
  /** More than one revision names it as parent (the history branches here). */
  isBranchPoint: boolean;
  /** One of `current` (the database is at this revision). */
  isCurrent: boolean;
  /**
   * `applied`: a current revision or one of their ancestors (what `alembic upgrade` ran); `pending`: not applied yet;
   * `unknown`: `current` could not be read.
   */
  state: AlembicRevisionState;
}

/** See {@link AlembicRevision.state}. */
export type AlembicRevisionState = 'applied' | 'pending' | 'unknown';

/** Output of `history --json` and `status --json` in an Alembic project (read-only). */
export interface AlembicHistoryResult {
  runner: 'alembic';
  /** The alembic.ini read. */
  config: string;
  /** Folders the revisions were read from. */
  versionLocations: string[];
  /** Head revision ids, sorted. More than one means `alembic upgrade head` fails until they are merged. */
  heads: string[];
  /** Every revision: the heads first (sorted by id), then newest first (children before parents). */
  revisions: AlembicRevision[];
  /**
   * `alembic_version.version_num` rows, sorted; `[]` when the database is reachable and has no such table
   * (nothing applied); null when the database could not be read — see `currentUnknownReason`.
   */
  current: string[] | null;
  /** Why `current` is null. */
  currentUnknownReason?: string;
  /** The database URL read (password masked); null when none is configured in alembic.ini. */
  database: string | null;
  /** What Alembic would fail on: missing parents, duplicated ids, several heads, an unknown current revision. */
  problems: string[];
}

/** State of one migration of a node-pg-migrate project or a plain SQL folder. `unknown`: the database was not read. */
export type FolderMigrationState = 'applied' | 'pending' | 'missing' | 'unknown';

/** One migration of a node-pg-migrate project or a plain SQL folder. */
export interface FolderMigration {
  /** File name without extension (and without `.up` for golang-migrate); for `missing`, what the table records. */
  name: string;
  /** Version prefix (`1`, `1.1`, a timestamp); null when the name has none. */
  version: string | null;
  /** The file (absolute); null when `missing`. */
  file: string | null;
  state: FolderMigrationState;
}

/** What the runner itself would stop on. */
export interface FolderStateProblem {
  severity: 'error' | 'warning';
  /** `dirty`: golang-migrate's version failed halfway; `failed`: a failed Flyway row; `missing-file`: applied, no file. */
  code: 'dirty' | 'failed' | 'missing-file';
  message: string;
}

/** Output of `status --json` / `history --json` in a node-pg-migrate project or a plain SQL folder (read-only). */
export interface FolderStateResult {
  runner: 'node-pg-migrate' | 'sql';
  flavor?: SqlFlavor;
  migrationsDirectory: string;
  /** The database URL (password masked) from DATABASE_URL, or node-pg-migrate's `-d` variable; null when unset. */
  database: string | null;
  /** The runner's table that was (or would be) read: pgmigrations, schema_migrations, flyway_schema_history. */
  table: string;
  /** False when the database was not read: every migration is then `unknown`, never "up to date". */
  stateKnown: boolean;
  /** Why the state is unknown. */
  stateUnknownReason?: string;
  migrations: FolderMigration[];
  /** The last applied migration (golang-migrate: the recorded version); null when none or unknown. */
  current: string | null;
  problems: FolderStateProblem[];
}

/** What `status --json` and `history --json` print in another runner's project (Alembic, node-pg-migrate, plain SQL). */
export type OtherRunnerState = AlembicHistoryResult | FolderStateResult;

// ---------------------------------------------------------------------------------------------
// Schema model and drift (issue 15): `schema snapshot`, `schema diff`, `validate --json` `drift`.
// ---------------------------------------------------------------------------------------------

/**
 * One column of a {@link SchemaTable}. `type` is normalised per dialect: SQLite keeps the declared
 * type name (lower-case, single spaces, no space inside parentheses, e.g. `varchar(255)`); PostgreSQL
 * gives `format_type(atttypid, atttypmod)` (e.g. `character varying(255)`, `timestamp with time zone`).
 * `default` is the default expression as the catalog prints it (SQLite `dflt_value`, PostgreSQL
 * `pg_get_expr(adbin, adrelid)` with the table's schema on the search path), null without one.
 */
export interface SchemaColumn {
  name: string;
  type: string;
  nullable: boolean;
  default: string | null;
}

/** A non-constraint index. `columns` holds column names, or the expression text for expression keys; `predicate` is the WHERE of a partial index. */
export interface SchemaIndex {
  name: string;
  columns: string[];
  unique: boolean;
  predicate: string | null;
}

/** A unique constraint (SQLite: declared `UNIQUE` in the table; PostgreSQL: `pg_constraint.contype = 'u'`). Matched by columns, not by name. */
export interface SchemaUnique {
  name: string | null;
  columns: string[];
}

/** A foreign key. Actions are upper-case SQL (`NO ACTION`, `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`). */
export interface SchemaForeignKey {
  /** Constraint name (PostgreSQL; SQLite keeps none in its catalog: null). */
  name: string | null;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

/** A CHECK constraint; `expression` is the text inside `CHECK (…)` with whitespace collapsed. */
export interface SchemaCheck {
  name: string | null;
  expression: string;
}

/** One table of a {@link SchemaModel}; every list is sorted (columns and indexes by name, the rest by their key). */
export interface SchemaTable {
  name: string;
  columns: SchemaColumn[];
  /** Primary key columns in key order; null without a primary key. */
  primaryKey: string[] | null;
  uniques: SchemaUnique[];
  indexes: SchemaIndex[];
  foreignKeys: SchemaForeignKey[];
  checks: SchemaCheck[];
}

/**
 * A database schema, normalised so that two databases of the same dialect compare item by item.
 * Knex's migrations and lock tables and `migration_guard_checksums` are left out.
 * `schema snapshot --json` prints this (sorted, stable: the same schema gives the same bytes).
 */
export interface SchemaModel {
  /** Format version of this shape. */
  version: 1;
  dialect: Dialect;
  /** PostgreSQL: the schema introspected (the connection's `current_schema()`, which follows the knexfile's `searchPath`); SQLite: `main`. */
  schema: string;
  tables: SchemaTable[];
  /** View names, sorted. */
  views: string[];
}

/** Kind of one drift item: what the actual database has compared to the expected one. */
export type DriftKind =
  | 'missing-table'
  | 'extra-table'
  | 'missing-column'
  | 'extra-column'
  | 'type-mismatch'
  | 'nullability-mismatch'
  | 'default-mismatch'
  | 'missing-index'
  | 'extra-index'
  | 'index-mismatch'
  | 'missing-foreign-key'
  | 'extra-foreign-key'
  | 'missing-constraint'
  | 'extra-constraint';

/**
 * One difference between the expected schema (the applied migrations, replayed in a scratch
 * database) and the actual one. `expected`/`actual` are short descriptions (a type, `NOT NULL`,
 * an index definition); `hint` says what to do.
 */
export interface DriftItem {
  kind: DriftKind;
  table: string;
  column?: string;
  index?: string;
  constraint?: string;
  expected?: string;
  actual?: string;
  message: string;
  hint: string;
}

/** Where a side of `schema diff` came from: a snapshot file, the live database, or the migrations folder replayed in a scratch database. */
export interface SchemaSource {
  kind: 'file' | 'database' | 'migrations';
  /** The file path, the masked connection, or the migration directories. */
  description: string;
}

/** `migration-guard schema diff <a> <b> --json`: the drift of `b` (actual) against `a` (expected). Exit 1 when `drift` is not empty. */
export interface SchemaDiffResult {
  expected: SchemaSource;
  actual: SchemaSource;
  drift: DriftItem[];
}

// ---------------------------------------------------------------------------------------------------------
// `migration-guard safety-check` (issue 15): "is it safe to migrate now?", answered without changing anything.
// ---------------------------------------------------------------------------------------------------------

/**
 * The checks of `safety-check`, in the order they run and print:
 * - `connection`: the database is reachable and the credentials are valid (an absent SQLite file fails: nothing is created);
 * - `lock`: Knex's lock is free and no migration is running (lock flag, SQLite write lock, PostgreSQL lock row);
 * - `backup-folder`: the backup folder is writable and its disk has at least the database's size free;
 * - `pg-dump`: PostgreSQL, `pg_dump`'s major version is at least the server's (skipped on SQLite);
 * - `migration-files`: every applied migration has its file, unchanged since it ran (checksums);
 * - `drift`: the live schema is the one the applied migrations build (replayed in a scratch database, removed after);
 * - `integrity`: what the catalog says about the data (SQLite `foreign_key_check`; PostgreSQL invalid indexes and
 *   `NOT VALID` constraints): a warning, never a failure;
 * - `pending`: the pending migrations load as Knex loads them, and their findings (error severity fails, as the
 *   upgrade refuses them).
 */
export type SafetyCheckId = 'connection' | 'lock' | 'backup-folder' | 'pg-dump' | 'migration-files' | 'drift' | 'integrity' | 'pending';

/**
 * `ok`: passed; `warn`: passed with something to look at; `fail`: not safe, or the check could not run (fail closed:
 * a crash or an unreachable database is a failure with its reason, never `ok`); `skipped`: does not apply (`pg-dump`
 * on SQLite) or needs a check that failed (a `fail` is then always in the same result).
 */
export type SafetyCheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

/** One line of `safety-check`. */
export interface SafetyCheck {
  id: SafetyCheckId;
  /** What was checked, a few words ("database reachable"). */
  title: string;
  status: SafetyCheckStatus;
  /** What was found, one sentence or two, passwords masked. */
  message: string;
  /** What to do; on `fail` and `warn`. */
  hint?: string;
}

/** `migration-guard safety-check --json`. Exit 0 when `safe`, else 1. Nothing is written: no backup, no lock, no table, no file. */
export interface SafetyCheckResult {
  /** True when no check has status `fail`. */
  safe: boolean;
  /** The project checked (connection masked). */
  project: ProjectInfo;
  /** Every check of {@link SafetyCheckId}, in that order. */
  checks: SafetyCheck[];
  /** The backup folder checked (absolute). */
  backupDirectory: string;
  /** The pending migrations, in the order the upgrade would apply them (empty when the database could not be read). */
  pending: string[];
  /** Findings in the pending migrations, as the upgrade's plan reports them. */
  findings: PendingFinding[];
  /** Schema drift items (as `validate --json` reports them); empty when none or not checked. */
  drift: DriftItem[];
}
