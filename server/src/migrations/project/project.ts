/**
 * The project loader: finds and runs the project's knexfile and normalises what Knex needs, the way the knex CLI
 * does, but without ever depending on `process.cwd()`: every path handed to Knex is absolute. Finding the knexfile
 * by name and the client's database family are configuration (config/knexfile.ts, config/dialect.ts).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { clientFamily, findKnexfile, findKnexfilesBelow, type DatabaseFamily } from '../../config';
import type { Dialect, ProjectInfo } from '../../protocol';
import { assertProjectFolder, detectOtherTools, noProjectError } from './discover';
import { EngineError, errorMessage, isEngineError } from '../errors';
import { databaseNameOf, isProtectedEnvironment } from './guard';
import { importProjectModule } from './lasting-state';
import { ensureTypeScriptLoader, resolveKnex, type KnexModule } from './knex-loader';
import { describeConnection, registerSecret } from '../mask';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_LOAD_TIMEOUT_MS, withTimeout, type EngineTimeouts, type Wait } from '../timeouts';

/** Knex's default `migrations.loadExtensions` (lib/migrations/common/MigrationsLoader.js, knex 3.3.0). */
export const DEFAULT_LOAD_EXTENSIONS: readonly string[] = [
  '.co', '.coffee', '.eg', '.iced', '.js', '.cjs', '.litcoffee', '.ls', '.ts',
];

/** Options of {@link loadProject}. */
export interface LoadProjectOptions {
  /** Folder to start from (the CLI's `--cwd`, the editor's workspace folder). Resolved to absolute. */
  cwd: string;
  /** Environment name (the CLI's `--env`); default `NODE_ENV`, then `development`. */
  env?: string;
  /** Explicit knexfile path (the CLI's `--knexfile`), relative to `cwd`. No upward search then. */
  knexfile?: string;
  /** Environment variables to read `NODE_ENV` and `DATABASE_URL` from; default `process.env`. */
  processEnv?: Record<string, string | undefined>;
  /** Limit on loading the knexfile and the migration modules, ms (CLI `--load-timeout`); default timeouts.ts `DEFAULT_LOAD_TIMEOUT_MS`. */
  loadTimeoutMs?: number;
  /** Limit on opening the first connection, ms (CLI `--connect-timeout`); default timeouts.ts `DEFAULT_CONNECT_TIMEOUT_MS`. */
  connectTimeoutMs?: number;
}

/** Migration settings, normalised: absolute directories and Knex's defaults filled in. */
export interface MigrationSettings {
  /** Absolute migration directories, in the order Knex reads them. */
  directories: string[];
  /** `migrations.tableName`, default `knex_migrations`; the lock table is `<tableName>_lock`. */
  tableName: string;
  /** `migrations.schemaName` (PostgreSQL), if any. */
  schemaName: string | undefined;
  /** Extensions of files Knex treats as migrations. */
  loadExtensions: string[];
  /** `migrations.sortDirsSeparately`: sort per directory instead of across all directories. */
  sortDirsSeparately: boolean;
}

/** A loaded project: what the engine needs to open Knex, and the masked description to show. */
export interface LoadedProject {
  /** Masked, JSON-safe description (protocol.ts). */
  info: ProjectInfo;
  /** Folder of the knexfile, or `cwd` without one. Backups go under `<root>/.migration-guard/`. */
  root: string;
  /** Knex client name as configured (`sqlite3`, `pg`, …). */
  client: string;
  /** Database family, which picks the analyzer dialect and the backup method (config/dialect.ts `clientFamily`). */
  family: DatabaseFamily;
  /** Analyzer dialect: `sqlite` for SQLite clients, else `postgresql`. */
  dialect: Dialect;
  /** Absolute SQLite database file; null for other clients and for `:memory:`. */
  sqliteFile: string | null;
  /** Normalised migration settings. */
  migrations: MigrationSettings;
  /** Knex configuration with absolute paths, ready for `knex(config)`. Contains secrets: never print it. */
  knexConfig: Knex.Config;
  /** Write commands need the database name typed to confirm (guard.ts). */
  protected: boolean;
  /** Name to type to confirm a write (guard.ts `databaseNameOf`). */
  databaseName: string;
  /** The `knex` used to open the database: the workspace's own when installed (knex-loader.ts). */
  knex: KnexModule;
  /** Limits on loading the project's code and on connecting (timeouts.ts). */
  timeouts: EngineTimeouts;
}

/**
 * Loads (executes) a knexfile and returns its export: `default` wins, a function is awaited.
 * `.js`/`.cjs` are `require()`d afresh (cache entry dropped); ESM files and `.mjs` use `import()`.
 * `.ts` needs a TypeScript loader already registered in this process (tsx, ts-node).
 * @throws EngineError `knexfile-load` with the cause's message (masked).
 */
export async function loadKnexfile(file: string): Promise<unknown> {
  let mod: unknown;
  try {
    const ext = path.extname(file);
    if (ext === '.mjs') {
      mod = await importFresh(file);
    } else {
      const req = createRequire(file);
      try {
        delete req.cache[req.resolve(file)];
        mod = req(file);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE' || (ext === '.ts' && code === 'ERR_UNKNOWN_FILE_EXTENSION')) {
          mod = await importFresh(file);
        } else {
          throw err;
        }
      }
    }
    if (mod && typeof mod === 'object' && 'default' in mod && (mod as { default: unknown }).default !== undefined) {
      mod = (mod as { default: unknown }).default;
    }
    if (typeof mod === 'function') mod = await (mod as () => unknown)();
  } catch (err) {
    const hint = path.extname(file) === '.ts'
      ? 'A TypeScript knexfile needs a loader: run with `node --import tsx` or use knexfile.js.'
      : 'Fix the error in the knexfile (it is run as code), or pass another one with --knexfile.';
    throw new EngineError('knexfile-load', `Failed to load knexfile ${file}: ${errorMessage(err)}`, hint, { cause: err });
  }
  if (!mod || typeof mod !== 'object') {
    throw new EngineError('knexfile-load', `Knexfile ${file} does not export a configuration object.`, 'Export an object such as { development: { client, connection, migrations } }.');
  }
  return mod;
}

async function importFresh(file: string): Promise<unknown> {
  const url = `${pathToFileURL(file).href}?mtime=${statSync(file).mtimeMs}`;
  return importProjectModule(url);
}

/**
 * Finds and loads the project configuration.
 *
 * - Knexfile: `options.knexfile` (relative to `cwd`), else searched upward from `cwd`.
 *   Environment: `options.env`, then `NODE_ENV`, then `development`; `config[env]` when that key
 *   exists, else the whole export (Knex CLI behaviour).
 * - Without a knexfile: `no-project` when the folder belongs to another migration tool (Alembic,
 *   node-pg-migrate: discover.ts); else `DATABASE_URL` (client `pg`); else, only when
 *   `<cwd>/migrations` exists, the embedded default SQLite `<cwd>/dev.sqlite3` with `<cwd>/migrations`;
 *   else `no-project` (its hint names knexfiles found in subfolders).
 * - `migrations.directory` (string or array, default `./migrations`) and SQLite
 *   `connection.filename` are resolved against the knexfile's folder, never against
 *   `process.cwd()` (which is what Knex itself would do).
 *
 * @throws EngineError `knexfile-load` (missing/broken knexfile, unknown environment, no client),
 *   `no-project` (nothing to load, see above), `usage` (`cwd` is not a folder; unsupported setting
 *   such as a custom `migrationSource`).
 */
export async function loadProject(options: LoadProjectOptions): Promise<LoadedProject> {
  const cwd = path.resolve(options.cwd);
  assertProjectFolder(cwd);
  const processEnv = options.processEnv ?? process.env;
  const timeouts: EngineTimeouts = { loadMs: options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS, connectMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS };
  let knexfile: string | null;
  if (options.knexfile) {
    knexfile = path.resolve(cwd, options.knexfile);
    if (!existsSync(knexfile)) {
      throw new EngineError('knexfile-load', `Knexfile not found: ${knexfile}`, 'Check the --knexfile path (relative paths are resolved against --cwd).');
    }
  } else {
    knexfile = findKnexfile(cwd);
  }

  let raw: Record<string, unknown>;
  let environment: string | null = null;
  let environments: string[] = [];
  let protectedEnvironments: string[] = [];
  let source: ProjectInfo['source'];
  let root: string;
  const otherTools = knexfile ? [] : detectOtherTools(cwd);
  if (knexfile) {
    source = 'knexfile';
    root = path.dirname(knexfile);
    if (path.extname(knexfile) === '.ts') ensureTypeScriptLoader(root, `The knexfile ${knexfile}`);
    const all = (await withTimeout(loadKnexfile(knexfile), timeouts.loadMs, knexfileWait(knexfile))) as Record<string, unknown>;
    const envName = options.env ?? (processEnv.NODE_ENV || undefined) ?? 'development';
    const keyed = all[envName];
    environments = 'client' in all ? [] : environmentsOf(all);
    // An environment given as a function is protected by its name only here (it is not called for the list).
    protectedEnvironments = environments.filter((e) => isProtectedEnvironment(e, typeof all[e] === 'object' ? (all[e] as Record<string, unknown>) : {}));
    if (keyed && typeof keyed === 'object') {
      raw = (await withTimeout(resolveMaybeFunction(keyed, knexfile), timeouts.loadMs, knexfileWait(knexfile))) as Record<string, unknown>;
      environment = envName;
    } else if ('client' in all) {
      raw = all;
    } else {
      const available = environmentsOf(all);
      throw new EngineError(
        'knexfile-load',
        `Knexfile ${knexfile} has no environment '${envName}'${available.length ? ` (it has: ${available.join(', ')})` : ''}.`,
        'Pick one with --env NAME (or NODE_ENV).',
        { environments: available },
      );
    }
  } else if (otherTools.length > 0) {
    // Another tool's migrations must not be read (or run) as Knex migrations, even with DATABASE_URL set.
    throw noProjectError(cwd, otherTools, findKnexfilesBelow(cwd));
  } else if (processEnv.DATABASE_URL) {
    source = 'DATABASE_URL';
    root = cwd;
    raw = { client: 'pg', connection: processEnv.DATABASE_URL };
  } else if (!isDirectory(path.join(cwd, 'migrations'))) {
    throw noProjectError(cwd, [], findKnexfilesBelow(cwd));
  } else {
    source = 'embedded-default';
    root = cwd;
    raw = { client: 'sqlite3', connection: { filename: './dev.sqlite3' }, useNullAsDefault: true };
  }

  const client = typeof raw.client === 'string' ? raw.client : typeof raw.dialect === 'string' ? raw.dialect : '';
  if (!client) {
    throw new EngineError('knexfile-load', `Knexfile ${knexfile ?? ''} has no 'client' in the selected configuration.`.replace('  ', ' '), "Set client: 'sqlite3' or 'pg'.");
  }
  const family = clientFamily(client);

  let connection = raw.connection;
  if (typeof connection === 'function') {
    try {
      connection = await withTimeout((connection as () => unknown)(), timeouts.loadMs, knexfileWait(knexfile ?? cwd, "The knexfile's connection function"));
    } catch (err) {
      if (isEngineError(err)) throw err;
      throw new EngineError('knexfile-load', `The knexfile's connection function failed: ${errorMessage(err)}`, undefined, { cause: err });
    }
  }
  registerConnectionSecrets(connection);

  let sqliteFile: string | null = null;
  if (family === 'sqlite') {
    const settings = typeof connection === 'string' ? { filename: connection } : { ...(connection as Record<string, unknown> | undefined) };
    const filename = settings.filename;
    if (typeof filename !== 'string' || filename === '') {
      throw new EngineError('knexfile-load', `The SQLite configuration has no connection.filename.`, "Set connection: { filename: './dev.sqlite3' }.");
    }
    if (filename !== ':memory:' && !filename.startsWith('file:')) {
      settings.filename = path.resolve(root, filename);
      sqliteFile = settings.filename as string;
    }
    connection = settings;
  }

  const m = (raw.migrations && typeof raw.migrations === 'object' ? raw.migrations : {}) as Record<string, unknown>;
  if (m.migrationSource) {
    throw new EngineError('usage', 'A custom migrations.migrationSource is not supported by Migration Guard yet.', 'Use migrations.directory instead.');
  }
  const dirSetting = m.directory ?? './migrations';
  const dirs = (Array.isArray(dirSetting) ? dirSetting : [dirSetting]).map((d) => {
    if (typeof d !== 'string') throw new EngineError('knexfile-load', 'migrations.directory must be a string or an array of strings.');
    return path.resolve(root, d);
  });
  const loadExtensions = Array.isArray(m.loadExtensions) ? (m.loadExtensions as string[]) : [...DEFAULT_LOAD_EXTENSIONS];
  const migrations: MigrationSettings = {
    directories: dirs,
    tableName: typeof m.tableName === 'string' ? m.tableName : 'knex_migrations',
    schemaName: typeof m.schemaName === 'string' ? m.schemaName : undefined,
    loadExtensions,
    sortDirsSeparately: m.sortDirsSeparately === true,
  };

  const tsMigration = firstTypeScriptMigration(migrations);
  if (tsMigration) ensureTypeScriptLoader(root, `The migration ${tsMigration}`);
  const knex = resolveKnex(root);

  const isProtected = isProtectedEnvironment(environment, raw);
  const databaseName = databaseNameOf(client, connection, sqliteFile);
  const { migrationGuard: _guardSettings, ...knexSettings } = raw;
  const knexConfig = {
    ...knexSettings,
    client,
    connection,
    migrations: { ...m, directory: dirs },
  } as Knex.Config;
  if (family === 'sqlite' && knexConfig.useNullAsDefault === undefined) knexConfig.useNullAsDefault = true;

  return {
    info: {
      knexfile,
      environment,
      environments,
      protectedEnvironments,
      client,
      connection: describeConnection(client, connection),
      migrationDirectories: dirs,
      source,
      protected: isProtected,
      databaseName,
      ...(family === 'sqlite' ? { sqliteFile } : {}),
      knexVersion: knex.version,
      knexPath: knex.path,
    },
    root,
    client,
    family,
    dialect: family === 'sqlite' ? 'sqlite' : 'postgresql',
    sqliteFile,
    migrations,
    knexConfig,
    protected: isProtected,
    databaseName,
    knex,
    timeouts,
  };
}

/**
 * The environments of a knexfile export keyed by environment: its keys whose value is an object or a function (an
 * environment's config may be a function, awaited on use), in the export's order.
 */
export function environmentsOf(all: Record<string, unknown>): string[] {
  return Object.keys(all).filter((k) => k !== 'default' && all[k] !== null && (typeof all[k] === 'object' || typeof all[k] === 'function'));
}

/** The wait on a knexfile's code (timeouts.ts): its export, an environment's or the connection's function. */
function knexfileWait(file: string, what = "The knexfile's export"): Wait {
  return {
    code: 'knexfile-load',
    what: `${what} (${file})`,
    verb: 'settle',
    hint: 'Look in the knexfile for a promise that is never resolved (a connection that never opens, an await on nothing), or raise --load-timeout.',
  };
}

/** The first `.ts` migration file (absolute path) in the migration directories, or null. */
function firstTypeScriptMigration(settings: MigrationSettings): string | null {
  if (!settings.loadExtensions.includes('.ts')) return null;
  for (const dir of settings.directories) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const ts = names.find((n) => path.extname(n) === '.ts' && !n.endsWith('.d.ts'));
    if (ts) return path.join(dir, ts);
  }
  return null;
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

async function resolveMaybeFunction(value: unknown, file: string): Promise<unknown> {
  if (typeof value !== 'function') return value;
  try {
    return await (value as () => unknown)();
  } catch (err) {
    throw new EngineError('knexfile-load', `Failed to load knexfile ${file}: ${errorMessage(err)}`, undefined, { cause: err });
  }
}

function registerConnectionSecrets(connection: unknown): void {
  if (typeof connection === 'string') {
    try {
      const u = new URL(connection);
      if (u.password) registerSecret(decodeURIComponent(u.password));
    } catch {
      const kv = /\bpassword\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/i.exec(connection);
      if (kv?.[1]) registerSecret(kv[1].replace(/^'|'$/g, ''));
    }
    return;
  }
  if (connection && typeof connection === 'object') {
    const c = connection as Record<string, unknown>;
    registerSecret(c.password);
    if (typeof c.connectionString === 'string') registerConnectionSecrets(c.connectionString);
  }
}

