/**
 * The `migration-guard` CLI's contract: its exit codes and a typed table of its commands (name, arguments,
 * flags, result). The CLI registers its commands from {@link commands} (cli/main.ts); the extension calls
 * through it (`engine.run(commands.upgrade, { plan, allowUnsafe: true })` resolves to an `UpgradeResult`),
 * so neither side writes a command name, a flag or a result type by hand.
 *
 * Data and types only (argv.ts writes command lines from them): no engine import, no `vscode`.
 */
import type {
  BackupListResult,
  BackupResult,
  CheckResult,
  DowngradeResult,
  HistoryResult,
  MarkResult,
  NewMigrationResult,
  OtherRunnerState,
  ProjectsResult,
  PruneResult,
  RestoreResult,
  SafetyCheckResult,
  SchemaDiffResult,
  SchemaModel,
  StatusResult,
  TableStatsResult,
  UnlockResult,
  UpgradeResult,
  ValidateResult,
} from './shapes';

/** Exit codes of the CLI. */
export const ExitCode = {
  /** Everything fine. */
  ok: 0,
  /** Findings of error severity, invalid state, or a failed operation. */
  failure: 1,
  /** Usage or setup error (bad arguments, unloadable knexfile, unreachable database). */
  setup: 2,
} as const;

/** Default of `--load-timeout`, in seconds: the limit on loading the knexfile and each migration module. */
export const DEFAULT_LOAD_TIMEOUT_SECONDS = 30;

/** Default of `stats --count-timeout`, in seconds: the time SQLite row counts may take in all. */
export const DEFAULT_COUNT_TIMEOUT_SECONDS = 10;

/** Default of `--connect-timeout`, in seconds: the limit on opening the first database connection. */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;

/**
 * How a flag is written on the command line:
 * - `boolean`: `--dry-run` (present or not);
 * - `negatable`: `--no-backup`, keyed `backup` (true unless given, as commander reads it);
 * - `string`: `--to <name>`;
 * - `number`: `--step <n>`; the caller passes a number, the command receives the text as typed and validates it;
 * - `list`: `--allow-unsafe-table <name>`, repeatable.
 */
export type FlagKind = 'boolean' | 'negatable' | 'string' | 'number' | 'list';

/**
 * One flag. Its long name is its key in the command's `flags` written in kebab case (`allowUnsafe` is
 * `--allow-unsafe`, a negatable `backup` is `--no-backup`): the key is the property commander parses it into.
 */
export interface FlagSpec {
  readonly kind: FlagKind;
  /** Help text (`--help`). */
  readonly description: string;
  /** Placeholder of the value in the help (`--step <n>` has `n`); kinds `string`, `number` and `list` only. */
  readonly value?: string;
  /** One-letter alias (`-y`). */
  readonly short?: string;
  /** The only values accepted (`--format`). */
  readonly choices?: readonly string[];
  /** Value when the flag is not given. */
  readonly default?: string;
  /** The command refuses to run without it. */
  readonly required?: true;
}

/** A positional argument; `variadic` takes the rest of the line (`<paths...>`). */
export interface ArgSpec {
  readonly name: string;
  readonly description: string;
  readonly variadic?: true;
}

declare const resultType: unique symbol;

/** A command's result type, carried as a type only (the value is an empty object): `result: returns<UpgradeResult>()`. */
export interface Returns<R> {
  readonly [resultType]?: R;
}

/** The marker of a command's result type (see {@link Returns}). */
function returns<R>(): Returns<R> {
  return {};
}

/** One command of the table. */
export interface CommandSpec {
  /** The words typed after `migration-guard`: `upgrade`, or `schema snapshot` for a command of a group ({@link CLI_GROUPS}). */
  readonly name: string;
  readonly description: string;
  /** What it prints with `--json` on exit codes 0 and 1 (failures print an `ErrorResult`). */
  readonly result: Returns<unknown>;
  /** Whether it takes {@link ENGINE_FLAGS} (listed before its own flags). */
  readonly engine: boolean;
  /**
   * It writes nothing (no file, no database row, no backup): the extension may run it in its warm engine host
   * ({@link ENGINE_HOST_ARG}), which refuses every other command.
   */
  readonly readOnly?: true;
  readonly args: readonly ArgSpec[];
  /** Its own flags, in help order. */
  readonly flags: { readonly [key: string]: FlagSpec };
}

/** What a command prints with `--json`: `ResultOf<typeof commands.upgrade>` is `UpgradeResult`. */
export type ResultOf<C extends CommandSpec> = C['result'] extends Returns<infer R> ? R : never;

const JSON_FLAG = { kind: 'boolean', description: 'print the result as JSON on stdout' } as const satisfies FlagSpec;

/** Flags every engine command takes (the commands with `engine: true`). */
export const ENGINE_FLAGS = {
  cwd: { kind: 'string', value: 'dir', description: 'project folder: the knexfile is searched from here upward' },
  env: { kind: 'string', value: 'name', description: 'knexfile environment (default: NODE_ENV, else development)' },
  knexfile: { kind: 'string', value: 'path', description: 'knexfile to use (relative to --cwd)' },
  json: JSON_FLAG,
  loadTimeout: { kind: 'number', value: 'seconds', description: `give up when the knexfile or a migration module has not loaded after this long (default ${DEFAULT_LOAD_TIMEOUT_SECONDS})` },
  connectTimeout: { kind: 'number', value: 'seconds', description: `give up when the database has not answered after this long (default ${DEFAULT_CONNECT_TIMEOUT_SECONDS})` },
} as const satisfies Record<string, FlagSpec>;

const YES = { kind: 'boolean', short: 'y', description: 'do not ask for confirmation' } as const satisfies FlagSpec;
const CONFIRM_WRITE = {
  kind: 'string',
  value: 'database',
  description: 'the database name, typed to confirm a write on a protected environment (production, prod, or migrationGuard.protected)',
} as const satisfies FlagSpec;
const ALLOW_UNSAFE_TABLE = {
  kind: 'list',
  value: 'name',
  description: 'also allow data loss on this protected table (.migration-guard.json protectedTables); repeatable',
} as const satisfies FlagSpec;
const SCHEMA_SOURCE = "'database' (the live database), 'migrations' (the migration files replayed in a scratch database) or a snapshot file";

/**
 * The first argument that starts `dist/cli.js` as the extension's engine host: a process that stays up and runs
 * read-only commands ({@link CommandSpec.readOnly}) one at a time, each exactly as the CLI would with the same
 * arguments, so that a refresh of the Revisions view does not pay Node's start and Knex's load each time.
 * Messages go over Node's IPC channel: {@link EngineHostRequest} in, {@link EngineHostMessage} out.
 */
export const ENGINE_HOST_ARG = '--engine-host';

/** One command for the engine host: the CLI's arguments (`['status', '--json', '--cwd', dir]`) and its base folder. */
export interface EngineHostRequest {
  id: number;
  argv: string[];
  cwd: string;
}

/**
 * What the engine host sends: a progress line of request `id` (the CLI's stderr), or its end with what the CLI would
 * have printed on stdout and its exit code (protocol `ExitCode`). `restart`: the host exits after this answer (it
 * imported an ES module of the project, which Node never unloads, or registered a project's TypeScript loader).
 */
export type EngineHostMessage = { id: number; stderr: string } | { id: number; exitCode: number; stdout: string; restart?: true };

/** Descriptions of the command groups (the first word of a two-word command name). */
export const CLI_GROUPS: Readonly<Record<string, string>> = {
  schema: 'normalised schema: snapshot it, or diff two of: a snapshot file, the database, the migrations',
};

/**
 * Every command of the CLI, in the order `--help` lists them. `status` and `history` print another runner's
 * state ({@link OtherRunnerState}) in an Alembic, node-pg-migrate or plain SQL project.
 */
export const commands = {
  check: {
    name: 'check',
    description: 'lint migration files (directories are searched for .sql/.js/.ts/.cjs/.mjs/.py; .migration-guard.json include/exclude apply to them)',
    result: returns<CheckResult>(),
    engine: false,
    args: [{ name: 'paths', description: 'files or directories', variadic: true }],
    flags: {
      format: { kind: 'string', value: 'format', description: 'output format (github: workflow annotations; sarif: SARIF 2.1.0 for code scanning)', choices: ['text', 'json', 'github', 'sarif'], default: 'text' },
      json: { kind: 'boolean', description: 'same as --format json' },
      dialect: { kind: 'string', value: 'dialect', description: 'SQL dialect, overriding .migration-guard.json (default: its dialect, else auto: from the nearest knexfile, else postgresql)', choices: ['auto', 'postgresql', 'sqlite'] },
      changedSince: { kind: 'string', value: 'git-ref', description: 'only files changed since this git ref (committed since the merge base, uncommitted or untracked)' },
      stats: { kind: 'string', value: 'file', description: 'table sizes written by `migration-guard stats`: findings about a table say its size, and lock findings become info below smallTableRows and errors from largeTableRows' },
    },
  },
  status: {
    name: 'status',
    description: 'show applied, pending and missing migrations (read-only)',
    result: returns<StatusResult | OtherRunnerState>(),
    engine: true,
    readOnly: true,
    args: [],
    flags: {},
  },
  validate: {
    name: 'validate',
    description: 'check that applied migrations have files, the lock is free, the database is intact and its schema matches the migrations',
    result: returns<ValidateResult>(),
    engine: true,
    args: [],
    flags: {
      writeMigration: {
        kind: 'string',
        value: 'name',
        description: 'write a migration <timestamp>_<name>.js (or .ts) whose up brings the migrations in line with the live schema and whose down reverses it; never run (refused without drift)',
      },
    },
  },
  safetyCheck: {
    name: 'safety-check',
    description: 'is it safe to migrate now? database, lock, backup folder, pg_dump, migration files, drift, pending findings; one line each, nothing written (exit 1 when a check fails)',
    result: returns<SafetyCheckResult>(),
    engine: true,
    args: [],
    flags: {},
  },
  backup: {
    name: 'backup',
    description: 'write a backup of the database (and its manifest) under .migration-guard/backups',
    result: returns<BackupResult>(),
    engine: true,
    args: [],
    flags: {
      label: { kind: 'string', value: 'label', description: 'append a label to the name (letters, digits and - are kept)' },
      verify: { kind: 'boolean', description: 'SQLite: also run PRAGMA quick_check on the copy now (restore always checks it before use)' },
    },
  },
  backups: {
    name: 'backups',
    description: 'list backups, newest first, with size, age, label and migration state; incomplete ones with the reason',
    result: returns<BackupListResult>(),
    engine: true,
    args: [],
    flags: {},
  },
  prune: {
    name: 'prune',
    description: 'delete the oldest complete backups, keeping the newest N (never the newest), and incomplete ones older than a day',
    result: returns<PruneResult>(),
    engine: true,
    args: [],
    flags: {
      keep: { kind: 'number', value: 'n', description: 'how many of the newest complete backups to keep (at least 1)', required: true },
      yes: YES,
    },
  },
  restore: {
    name: 'restore',
    description: 'verify a backup against its manifest, back up the current database, then restore',
    result: returns<RestoreResult>(),
    engine: true,
    args: [{ name: 'backup', description: 'backup name (as listed by `backups`) or path' }],
    flags: {
      yes: YES,
      forceDisconnect: { kind: 'boolean', description: 'PostgreSQL: terminate the other sessions connected to the database instead of refusing (says how many)' },
    },
  },
  upgrade: {
    name: 'upgrade',
    description: 'lint, back up, then apply pending migrations (knex migrate:latest)',
    result: returns<UpgradeResult>(),
    engine: true,
    args: [],
    flags: {
      yes: YES,
      allowUnsafe: { kind: 'boolean', description: 'apply even when the plan is unsafe: findings of error severity, or a pre-flight that deletes rows or values' },
      dryRun: { kind: 'boolean', description: 'lint and show the plan and its planId; write nothing (exit 1 when the real run would be refused or fail)' },
      allowUnsafeTable: ALLOW_UNSAFE_TABLE,
      plan: { kind: 'string', value: 'planId', description: "apply only if the plan is still the one shown (a dry run's planId); else refuse with plan-changed and write nothing" },
      backup: { kind: 'negatable', description: 'skip the backup before applying' },
      step: { kind: 'number', value: 'n', description: 'apply only the next N pending migrations' },
      to: { kind: 'string', value: 'name', description: 'apply the pending migrations up to and including <name>' },
      confirm: { kind: 'string', value: 'database', description: 'the database name, typed to confirm on a protected environment (production, prod, or migrationGuard.protected)' },
    },
  },
  projects: {
    name: 'projects',
    description: 'list every migration project under a folder: Knex, Alembic, node-pg-migrate, plain SQL (reads files only)',
    result: returns<ProjectsResult>(),
    engine: false,
    readOnly: true,
    args: [],
    flags: {
      cwd: { kind: 'string', value: 'dir', description: 'folder to search (default: the current folder)' },
      json: JSON_FLAG,
    },
  },
  downgrade: {
    name: 'downgrade',
    description: 'undo applied migrations, most recently applied first (default: the last one); backs up first',
    result: returns<DowngradeResult>(),
    engine: true,
    args: [],
    flags: {
      confirm: CONFIRM_WRITE,
      step: { kind: 'number', value: 'n', description: 'undo the N most recently applied migrations' },
      to: { kind: 'string', value: 'name', description: 'undo every migration applied after <name> (it stays applied)' },
      all: { kind: 'boolean', description: 'undo every applied migration' },
      yes: YES,
      backup: { kind: 'negatable', description: 'skip the backup before undoing' },
      dryRun: { kind: 'boolean', description: 'show what would be undone, what it deletes, and the planId; change nothing (exit 1 when the real run would be refused)' },
      allowUnsafe: { kind: 'boolean', description: 'undo even when the down()s delete rows or values' },
      allowUnsafeTable: ALLOW_UNSAFE_TABLE,
      plan: { kind: 'string', value: 'planId', description: "undo only if the plan is still the one shown (a dry run's planId); else refuse with plan-changed and write nothing" },
    },
  },
  markApplied: {
    name: 'mark-applied',
    description: 'record a migration as applied without running it (baseline, like alembic stamp)',
    result: returns<MarkResult>(),
    engine: true,
    args: [{ name: 'name', description: 'migration file name, e.g. 20240101000000_create_users.js' }],
    flags: { confirm: CONFIRM_WRITE },
  },
  unmark: {
    name: 'unmark',
    description: 'forget that a migration was applied, without running its down()',
    result: returns<MarkResult>(),
    engine: true,
    args: [{ name: 'name', description: 'migration name as recorded in the migrations table' }],
    flags: { confirm: CONFIRM_WRITE },
  },
  unlock: {
    name: 'unlock',
    description: 'free the Knex migration lock after checking that no migration is running',
    result: returns<UnlockResult>(),
    engine: true,
    args: [],
    flags: { confirm: CONFIRM_WRITE },
  },
  new: {
    name: 'new',
    description: 'create a migration <timestamp>_<name>.js (or .ts) from a safe template',
    result: returns<NewMigrationResult>(),
    engine: true,
    args: [{ name: 'name', description: 'letters, digits, _ and -' }],
    flags: {},
  },
  history: {
    name: 'history',
    description: 'applied migrations by batch, newest first, then pending (read-only)',
    result: returns<HistoryResult | OtherRunnerState>(),
    engine: true,
    readOnly: true,
    args: [],
    flags: {},
  },
  stats: {
    name: 'stats',
    description: 'write the row estimate and size of every table of the database (for check --stats)',
    result: returns<TableStatsResult>(),
    engine: true,
    args: [],
    flags: {
      out: { kind: 'string', value: 'file', description: 'write to this file instead of stdout' },
      countTimeout: { kind: 'number', value: 'seconds', description: `SQLite: give up counting rows after this long in all; later tables get rows null (default ${DEFAULT_COUNT_TIMEOUT_SECONDS})` },
    },
  },
  schemaSnapshot: {
    name: 'schema snapshot',
    description: 'write the normalised schema as stable, sorted JSON',
    result: returns<SchemaModel>(),
    engine: true,
    args: [],
    flags: {
      from: { kind: 'string', value: 'source', description: `what to snapshot: ${SCHEMA_SOURCE}`, default: 'database' },
      out: { kind: 'string', value: 'file', description: 'write to this file instead of stdout' },
    },
  },
  schemaDiff: {
    name: 'schema diff',
    description: 'compare two schemas; exit 1 when they differ',
    result: returns<SchemaDiffResult>(),
    engine: true,
    args: [
      { name: 'expected', description: SCHEMA_SOURCE },
      { name: 'actual', description: SCHEMA_SOURCE },
    ],
    flags: {},
  },
} as const satisfies Record<string, CommandSpec>;

function firstWords(table: Readonly<Record<string, CommandSpec>>): readonly string[] {
  return [...new Set(Object.values(table).map((c) => c.name.split(' ')[0] as string))];
}

/** The commands' first words (`schema` for its group), in table order. The launcher keys its code cache by them. */
export const CLI_COMMANDS: readonly string[] = firstWords(commands);

// ---------------------------------------------------------------------------------------------------------
// Types of a command's input, on either side of the command line.
// ---------------------------------------------------------------------------------------------------------

type Simplify<T> = { [K in keyof T]: T[K] } & unknown;
type ValueOf<F extends FlagSpec> = F extends { readonly choices: readonly (infer C)[] } ? C : string;
type FlagsOf<C extends CommandSpec> = C['engine'] extends true ? typeof ENGINE_FLAGS & C['flags'] : C['flags'];

/** What a caller passes for a flag (omitted = not given). */
export type FlagInput<F extends FlagSpec> = F['kind'] extends 'boolean' | 'negatable'
  ? boolean
  : F['kind'] extends 'number'
    ? number
    : F['kind'] extends 'list'
      ? readonly string[]
      : ValueOf<F>;

/** What the CLI's parser (commander) hands a command for a flag: values as typed (a `number` flag is still text). */
export type FlagParsed<F extends FlagSpec> = F['kind'] extends 'boolean'
  ? boolean | undefined
  : F['kind'] extends 'negatable'
    ? boolean
    : F['kind'] extends 'list'
      ? string[]
      : F extends { readonly default: string } | { readonly required: true }
        ? ValueOf<F>
        : ValueOf<F> | undefined;

type ArgsOf<C extends CommandSpec, Variadic> = { [A in C['args'][number] as A['name']]: A extends { readonly variadic: true } ? Variadic : string };

/** The arguments and flags a caller (the extension) passes to a command: `{ plan, allowUnsafe: true }`. */
export type CommandInput<C extends CommandSpec> = Simplify<ArgsOf<C, readonly string[]> & { [K in keyof FlagsOf<C>]?: FlagsOf<C>[K] extends FlagSpec ? FlagInput<FlagsOf<C>[K]> : never }>;

/** The arguments and flags a command's handler receives from the parser. */
export type CommandOptions<C extends CommandSpec> = Simplify<ArgsOf<C, string[]> & { [K in keyof FlagsOf<C>]: FlagsOf<C>[K] extends FlagSpec ? FlagParsed<FlagsOf<C>[K]> : never }>;

/** The flags every engine command receives ({@link ENGINE_FLAGS}, parsed). */
export type EngineFlags = { [K in keyof typeof ENGINE_FLAGS]: FlagParsed<(typeof ENGINE_FLAGS)[K]> };
