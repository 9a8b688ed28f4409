/**
 * Typed errors of the migration engine. Every message and hint is masked (see `mask.ts`)
 * when the error is built, so callers may print them as they are.
 */
import { maskText } from './mask';

/** Stable error codes; the CLI prints them in `ErrorResult.error.code`. */
export type EngineErrorCode =
  | 'knexfile-load'
  | 'connection'
  | 'driver-missing'
  | 'lock-held'
  | 'corrupt-directory'
  | 'migration-failed'
  | 'backup-failed'
  | 'cancelled'
  | 'confirmation-required'
  | 'unknown-migration'
  | 'usage';

/** Codes that mean "the setup is wrong" (CLI exit code 2) rather than "the operation failed" (exit 1). */
export const SETUP_ERROR_CODES: ReadonlySet<EngineErrorCode> = new Set<EngineErrorCode>([
  'knexfile-load',
  'connection',
  'driver-missing',
  'usage',
]);

/** An error the engine expects and explains: `code` is stable, `message` one clear sentence, `hint` the next step. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly code: EngineErrorCode;
  readonly hint: string | undefined;

  constructor(code: EngineErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(maskText(message), options);
    this.code = code;
    this.hint = hint === undefined ? undefined : maskText(hint);
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
  '28P01', // invalid_password
  '28000', // invalid_authorization_specification
  '3D000', // invalid_catalog_name (database does not exist)
  'SQLITE_CANTOPEN',
  'SQLITE_NOTADB',
]);

/**
 * Turns a driver error raised while connecting or querying into an {@link EngineError}
 * (`connection` or `driver-missing`), or returns null when it is not a setup problem.
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
  if ((code && CONNECTION_CODES.has(code)) || /connect|password authentication|timeout acquiring a connection/i.test(message)) {
    let hint = 'Check that the database server is running and that the connection settings in the knexfile (or DATABASE_URL) are right.';
    if (code === '28P01' || /password authentication/i.test(message)) hint = 'The server rejected the user name or password: check the credentials in the knexfile (or DATABASE_URL).';
    else if (code === '3D000') hint = 'The database does not exist: create it (createdb) or fix the database name.';
    else if (code === 'SQLITE_CANTOPEN') hint = 'Check that the SQLite file path and its folder exist and are readable.';
    else if (code === 'SQLITE_NOTADB') hint = 'The SQLite file is not a database (or is encrypted / corrupt).';
    return new EngineError('connection', `Cannot connect to ${target}: ${message}`, hint, { cause: err });
  }
  return null;
}
