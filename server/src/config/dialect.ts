/**
 * The database family of a Knex client name (the one table is lint/clients.ts, re-exported here for dialect
 * detection, the project loader and the connection description), and dialect detection without running workspace code: the language server may run in an
 * untrusted workspace, so it reads the nearest knexfile as text instead of loading it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dialect } from '../protocol';
import { clientFamily } from '../lint/clients';
import { findKnexfile } from './knexfile';
import type { DialectSetting } from './settings';

export type { DatabaseFamily } from '../lint/clients';
export { clientFamily } from '../lint/clients';

/** Maps a Knex `client` name to the dialect we parse with; null for clients we do not lint specially. */
export function dialectOfClient(client: string): Dialect | null {
  const family = clientFamily(client);
  return family === 'other' ? null : family;
}

/**
 * Guesses the dialect from a knexfile's source text: SQLite when every `client:` it names is a SQLite
 * client, else PostgreSQL (the production target).
 */
export function dialectFromKnexfileText(text: string): Dialect {
  const clients = [...text.matchAll(/\bclient\s*:\s*['"`]([\w-]+)['"`]/g)].map((m) => dialectOfClient(m[1] ?? ''));
  return clients.length > 0 && clients.every((d) => d === 'sqlite') ? 'sqlite' : 'postgresql';
}

/**
 * Resolves the `auto` dialect setting for a file: explicit settings win; else the nearest knexfile's
 * client; else PostgreSQL.
 */
export function resolveDialect(setting: DialectSetting, filePath: string, stopDir?: string): Dialect {
  if (setting !== 'auto') return setting;
  const knexfile = findKnexfile(path.dirname(filePath), stopDir);
  if (!knexfile) return 'postgresql';
  try {
    return dialectFromKnexfileText(fs.readFileSync(knexfile, 'utf8'));
  } catch {
    return 'postgresql';
  }
}
