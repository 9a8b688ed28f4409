/**
 * Production guard: write commands on a protected environment need the database name typed back
 * (`--confirm <databaseName>` in the CLI, `confirm` in the engine API).
 *
 * Protected means: the selected knexfile environment is named `production` or `prod`
 * (case-insensitive), or the environment's knex config object has `migrationGuard: { protected: true }`
 * (the key sits next to `client`/`connection`; Migration Guard removes it before handing the config to Knex).
 * `migrationGuard: { protected: false }` does not unprotect `production`/`prod`.
 */
import path from 'node:path';
import type { ProjectInfo } from '../../protocol';
import { EngineError } from '../errors';

/** Environment names that are always protected. */
export const PROTECTED_ENVIRONMENTS: readonly string[] = ['production', 'prod'];

/** Whether an environment is protected (see the module comment). `rawConfig` is the environment's knex config. */
export function isProtectedEnvironment(environment: string | null, rawConfig: Record<string, unknown>): boolean {
  if (environment && PROTECTED_ENVIRONMENTS.includes(environment.toLowerCase())) return true;
  const mg = rawConfig.migrationGuard;
  return !!mg && typeof mg === 'object' && (mg as { protected?: unknown }).protected === true;
}

/**
 * The name a user types to confirm: the PostgreSQL database (`connection.database`, or the path of
 * a connection URL), the SQLite file's base name (`:memory:` for memory), else the client name.
 */
export function databaseNameOf(client: string, connection: unknown, sqliteFile: string | null): string {
  if (sqliteFile) return path.basename(sqliteFile);
  if (typeof connection === 'string') return nameFromUrl(connection) ?? client;
  if (connection && typeof connection === 'object') {
    const c = connection as Record<string, unknown>;
    if (typeof c.database === 'string' && c.database) return c.database;
    if (typeof c.filename === 'string') return c.filename === ':memory:' ? ':memory:' : path.basename(c.filename);
    if (typeof c.connectionString === 'string') return nameFromUrl(c.connectionString) ?? client;
  }
  return client;
}

function nameFromUrl(url: string): string | null {
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return name || null;
  } catch {
    return /\bdbname\s*=\s*(\S+)/.exec(url)?.[1] ?? null;
  }
}

/**
 * What {@link requireConfirmation} reads of a loaded project (project.ts `LoadedProject`, which imports this module:
 * declared here so the two do not import each other).
 */
export interface GuardedProject {
  /** Whether write commands need the database name typed back. */
  protected: boolean;
  /** The name to type ({@link databaseNameOf}). */
  databaseName: string;
  info: Pick<ProjectInfo, 'environment'>;
}

/**
 * Throws unless the write `action` may run: the project is not protected, or `confirm` equals its
 * database name exactly.
 * @throws EngineError `confirmation-required` naming the database to type.
 */
export function requireConfirmation(project: GuardedProject, confirm: string | undefined, action: string): void {
  if (!project.protected) return;
  if (confirm === project.databaseName) return;
  const env = project.info.environment ?? '(default)';
  const why = confirm === undefined ? 'needs confirmation' : `was not confirmed: '${confirm}' is not the database name`;
  throw new EngineError(
    'confirmation-required',
    `${action} on the protected environment '${env}' (database '${project.databaseName}') ${why}.`,
    `Type the database name to confirm: --confirm ${project.databaseName}`,
  );
}
