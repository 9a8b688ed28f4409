/**
 * Typed errors of the migration engine. Every message and hint is masked (see `mask.ts`)
 * when the error is built, so callers may print them as they are.
 */
import { maskText } from './mask';

/** Stable error codes; the CLI prints them in `ErrorResult.error.code`. */
export type EngineErrorCode =
  | 'knexfile-load'
  | 'connection'
  | 'auth'
  | 'driver-missing'
  | 'lock-held'
  | 'migration-running'
  | 'database-in-use'
  | 'corrupt-directory'
  | 'migration-failed'
  /** A migration module cannot be loaded or exports no up/down function; found before any write (movements/load-check.ts). Exit 1. */
  | 'migration-load'
  | 'backup-failed'
  | 'cancelled'
  | 'confirmation-required'
  | 'unknown-migration'
  | 'no-project'
  | 'plan-changed'
  /** `validate --write-migration`: the live schema matches the migrations; nothing was written. Exit 1. */
  | 'no-drift'
  /** The upgrade found drift that would make a pending migration fail (a column or table it adds exists, …); nothing was written. Exit 1. */
  | 'drift-conflict'
  | 'usage'
  | 'not-knex-project';

/** Codes that mean "the setup is wrong" (CLI exit code 2) rather than "the operation failed" (exit 1). */
export const SETUP_ERROR_CODES: ReadonlySet<EngineErrorCode> = new Set<EngineErrorCode>([
  'knexfile-load',
  'connection',
  'auth',
  'driver-missing',
  'no-project',
  'usage',
  'not-knex-project',
]);

/** An error the engine expects and explains: `code` is stable, `message` one clear sentence, `hint` the next step. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly code: EngineErrorCode;
  readonly hint: string | undefined;
  /** `knexfile-load` for an unknown environment: the environments the knexfile has (so an editor can offer them). */
  readonly environments: string[] | undefined;

  constructor(code: EngineErrorCode, message: string, hint?: string, options?: { cause?: unknown; environments?: string[] }) {
    super(maskText(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = hint === undefined ? undefined : maskText(hint);
    this.environments = options?.environments;
  }
}

/** True when `err` is an {@link EngineError}. */
export function isEngineError(err: unknown): err is EngineError {
  return err instanceof EngineError;
}

/** The message of any thrown value, masked. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return maskText(err.message);
  return maskText(String(err));
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '28000', // invalid_authorization_specification (unknown role, no pg_hba.conf entry)
  '3D000', // invalid_catalog_name (database does not exist)
  'SQLITE_CANTOPEN',
  'SQLITE_NOTADB',
]);

/** The user a failed login was for: from the server's message, else from the (masked) target URL. */
function loginUser(message: string, target: string): string | undefined {
  const quoted = /for user ["']([^"']+)["']/.exec(message)?.[1];
  if (quoted) return quoted;
  try {
    return decodeURIComponent(new URL(target).username) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * `auth` when the server refused the password (PostgreSQL 28P01, MySQL ER_ACCESS_DENIED_ERROR) or asked
 * for one the connection does not give (node-postgres: "SASL: … client password must be a string"), else null.
 */
function classifyAuthError(err: unknown, code: string | undefined, message: string, target: string): EngineError | null {
  const user = loginUser(message, target);
  const who = user ? `user "${user}"` : 'the user';
  if (code === '28P01' || code === 'ER_ACCESS_DENIED_ERROR' || /password authentication failed/i.test(message)) {
    return new EngineError(
      'auth',
      // PostgreSQL's own reason ("password authentication failed for user …") would only say it again.
      `The database server rejected the password for ${who} (${target})${/^password authentication failed/i.test(message) ? '.' : `: ${message}`}`,
      `Check the password for ${who} in the knexfile's connection (or DATABASE_URL). Where the connection gives no password, the pg driver takes PGPASSWORD (then ~/.pgpass): check that too.`,
      { cause: err },
    );
  }
  if (/client password must be a string|no password supplied/i.test(message)) {
    return new EngineError(
      'auth',
      `The database server asks for a password for ${who} (${target}), and the connection gives none.`,
      `Add the password to the knexfile's connection (or DATABASE_URL), or set PGPASSWORD in the environment that runs the migrations.`,
      { cause: err },
    );
  }
  return null;
}

/** Socket-level failures in words (Node's `code`s, node-postgres's and Knex's pool messages); null for the others. */
function unreachableReason(code: string | undefined, message: string): string | null {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused: nothing listens there';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ETIMEDOUT':
      return 'the connection attempt timed out';
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'ECONNRESET':
      return 'the connection was reset';
  }
  if (/Connection terminated unexpectedly/i.test(message)) return 'the connection was closed before the server answered';
  // Knex's pool gave up (the knexfile's acquireConnectionTimeout): "Knex: Timeout acquiring a connection. The pool is
  // probably full. Are you missing a .transacting(trx) call?" — misleading for a first connection that never opened.
  if (/timeout acquiring a connection/i.test(message)) return "no connection opened within the knexfile's acquireConnectionTimeout";
  return null;
}

/** `host:port` of the failed connection: the socket error's own address, else the (masked) target URL's; undefined for neither. */
function hostPort(err: unknown, target: string): string | undefined {
  const e = err as { address?: unknown; port?: unknown; hostname?: unknown } | null;
  if (typeof e?.address === 'string' && typeof e.port === 'number') return `${e.address}:${e.port}`;
  try {
    const u = new URL(target);
    if (!u.hostname) return undefined;
    const port = u.port || (/^postgres(ql)?:$/.test(u.protocol) ? '5432' : /^mysql2?:$/.test(u.protocol) ? '3306' : '');
    return port ? `${u.hostname}:${port}` : u.hostname;
  } catch {
    return typeof e?.hostname === 'string' ? e.hostname : undefined;
  }
}

/**
 * Turns a driver error raised while connecting or querying into an {@link EngineError}
 * (`auth`, `connection` or `driver-missing`), or returns null when it is not a setup problem.
 * Knex raises "Knex: run\n$ npm install pg --save\nCannot find module 'pg'" when the driver is absent.
 */
export function classifySetupError(err: unknown, target: string): EngineError | null {
  if (isEngineError(err)) return err;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (/Cannot find module|npm install/.test(message) && /Knex|module/.test(message)) {
    const driver = /Cannot find module '([^']+)'/.exec(message)?.[1];
    return new EngineError(
      'driver-missing',
      // The first line of Node's "Cannot find module" message; the require stack that follows is noise.
      driver ? `The database driver '${driver}' is not installed.` : `The database driver is not installed: ${(message.split('\n').find((l) => /Cannot find module/.test(l)) ?? message).trim()}`,
      driver ? `Install it in the project: npm install ${driver}` : 'Install the driver package for your Knex client.',
      { cause: err },
    );
  }
  const auth = classifyAuthError(err, code, message, target);
  if (auth) return auth;
  const unreachable = unreachableReason(code, message);
  if (unreachable) {
    const where = hostPort(err, target);
    return new EngineError(
      'connection',
      `Cannot reach the database${where ? ` at ${where}` : ''} (${unreachable}). Connection: ${target}.`,
      code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'Check the host name in the knexfile\'s connection (or DATABASE_URL).'
        : 'Check that the database server is running and listens on that host and port, and that the connection settings in the knexfile (or DATABASE_URL) are right.',
      { cause: err },
    );
  }
  if ((code && CONNECTION_CODES.has(code)) || /connect|timeout acquiring a connection/i.test(message)) {
    let hint = 'Check that the database server is running and that the connection settings in the knexfile (or DATABASE_URL) are right.';
    if (code === '28000') hint = "The server does not accept this user (unknown role, or no pg_hba.conf entry for it): check the user name in the knexfile's connection (or DATABASE_URL).";
    else if (code === '3D000') hint = 'The database does not exist: create it (createdb) or fix the database name.';
    else if (code === 'SQLITE_CANTOPEN') hint = 'Check that the SQLite file path and its folder exist and are readable.';
    else if (code === 'SQLITE_NOTADB') hint = 'The SQLite file is not a database (or is encrypted / corrupt).';
    return new EngineError('connection', `Cannot connect to ${target}: ${message}`, hint, { cause: err });
  }
  return null;
}
