/**
 * Every JSON shape the engine and CLI print (`--json`) and every custom LSP message,
 * declared once. The client imports these types; it never re-declares them.
 *
 * This module must stay free of runtime dependencies on `vscode` and on the engine:
 * only types and method-name constants live here.
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
}

/** `migration-guard check --format json` */
export interface CheckResult {
  findings: CheckFinding[];
}

/**
 * State of one migration:
 * - `applied`: recorded in the migrations table and its file exists;
 * - `pending`: its file exists and it is not recorded;
 * - `missing`: recorded as applied, but no file has that name any more.
 */
export type MigrationState = 'applied' | 'pending' | 'missing';

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
}

/** Where the engine's configuration came from; connection strings are always masked. */
export interface ProjectInfo {
  /** Absolute path of the knexfile used, or null for `DATABASE_URL` / the embedded default. */
  knexfile: string | null;
  /** Environment name chosen (`--env`, `NODE_ENV`, else `development`); null when the config is not keyed by environment. */
  environment: string | null;
  /** Knex client name, e.g. `sqlite3`, `pg`. */
  client: string;
  /** Human-readable connection target with any password replaced by `****`. */
  connection: string;
  /** Absolute migration directories, in the order Knex reads them. */
  migrationDirectories: string[];
  /** Where this configuration came from. */
  source: 'knexfile' | 'DATABASE_URL' | 'embedded-default';
}

/** `migration-guard status --json` */
export interface StatusResult {
  project: ProjectInfo;
  migrations: MigrationStatusEntry[];
  lock: { held: boolean };
}

/** A file written by `backup` (and by a safe upgrade before it applies anything). */
export interface BackupInfo {
  /** Absolute path of the backup file. */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** Lower-case hex sha256 of the file's bytes. */
  sha256: string;
}

/** `migration-guard backup --json` */
export interface BackupResult {
  backup: BackupInfo;
}

/** One problem `validate` found. */
export interface ValidationProblem {
  /** Stable code: `missing-file`, `lock-held`, `integrity-check`, `connection`, … */
  code: string;
  message: string;
}

/** `migration-guard validate --json` */
export interface ValidateResult {
  valid: boolean;
  problems: ValidationProblem[];
  /** What was checked, for the report, e.g. ["migration files", "lock", "PRAGMA integrity_check"]. */
  checked: string[];
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
  /** Pending migrations, in the order they would run / ran. */
  pending: string[];
  /** Findings of the analyzer in the pending migration files. */
  findings: PendingFinding[];
  /** True when findings of error severity stopped the upgrade (no `--allow-unsafe`). */
  refused: boolean;
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
}

/** Printed (with `--json`) instead of a result when a command fails; exit code 1 or 2. */
export interface ErrorResult {
  error: {
    /** Stable code, e.g. `knexfile-load`, `connection`, `lock-held`, `usage`, `migration-failed`. */
    code: string;
    /** One clear sentence, passwords masked. */
    message: string;
    /** The next step for the user, when there is one. */
    hint?: string;
  };
}

/** Exit codes of the CLI. */
export const ExitCode = {
  /** Everything fine. */
  ok: 0,
  /** Findings of error severity, invalid state, or a failed operation. */
  failure: 1,
  /** Usage or setup error (bad arguments, unloadable knexfile, unreachable database). */
  setup: 2,
} as const;

/**
 * Custom LSP messages. Method names are declared here once; the server and the client
 * build `RequestType`s from them.
 */
export const LspMethods = {
  /** Client → server: re-analyze every open document (e.g. after a settings change). */
  reanalyze: 'migrationGuard/reanalyze',
} as const;
