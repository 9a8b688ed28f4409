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

/** npm packages of the SQLite drivers Knex loads (`sqlite3`, `better-sqlite3`) and of the PostgreSQL ones (`pg`, `pg-native`). */
const SQLITE_DRIVERS = ['sqlite3', 'better-sqlite3'];
const POSTGRES_DRIVERS = ['pg', 'pg-native', 'postgres'];

/**
 * The dialect a `package.json` text implies: SQLite when its dependencies (any of `dependencies`,
 * `devDependencies`, `optionalDependencies`, `peerDependencies`) name a SQLite driver and no PostgreSQL driver;
 * undefined otherwise (both, neither, or not JSON: the caller's default decides).
 */
export function dialectFromPackageJson(text: string): Dialect | undefined {
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch {
    return undefined;
  }
  const names = new Set<string>();
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
    const deps = pkg !== null && typeof pkg === 'object' ? (pkg as Record<string, unknown>)[field] : undefined;
    if (deps !== null && typeof deps === 'object') for (const name of Object.keys(deps)) names.add(name);
  }
  return SQLITE_DRIVERS.some((d) => names.has(d)) && !POSTGRES_DRIVERS.some((d) => names.has(d)) ? 'sqlite' : undefined;
}

/** The nearest `package.json` from `startDir` up to `stopDir` (inclusive) or the root, or null. */
function findPackageJson(startDir: string, stopDir?: string): string | null {
  let dir = path.resolve(startDir);
  const stop = stopDir ? path.resolve(stopDir) : undefined;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (dir === stop || parent === dir) return null;
    dir = parent;
  }
}

/**
 * Resolves the `auto` dialect setting for a file: explicit settings win; else the nearest knexfile's client; else,
 * without a knexfile, the nearest `package.json`'s database driver ({@link dialectFromPackageJson}: a Knex project
 * configured in code that depends on `sqlite3` or `better-sqlite3` only); else PostgreSQL.
 */
export function resolveDialect(setting: DialectSetting, filePath: string, stopDir?: string): Dialect {
  if (setting !== 'auto') return setting;
  const knexfile = findKnexfile(path.dirname(filePath), stopDir);
  try {
    if (knexfile) return dialectFromKnexfileText(fs.readFileSync(knexfile, 'utf8'));
    const pkg = findPackageJson(path.dirname(filePath), stopDir);
    return (pkg && dialectFromPackageJson(fs.readFileSync(pkg, 'utf8'))) || 'postgresql';
  } catch {
    return 'postgresql';
  }
}
