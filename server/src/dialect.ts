/**
 * Dialect detection without running workspace code: the language server may run in an untrusted
 * workspace, so it reads the nearest knexfile as text instead of loading it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dialect } from './protocol';
import type { DialectSetting } from './settings';

/** Knexfile names the knex CLI looks for (lib/bin/cli.js, via `interpret` extensions we support). */
export const knexfileNames = ['knexfile.js', 'knexfile.cjs', 'knexfile.mjs', 'knexfile.ts'];

/**
 * Finds the nearest knexfile at or above `startDir`, stopping at `stopDir` (inclusive) when given.
 * @returns absolute path, or null when none is found.
 */
export function findKnexfileUpward(startDir: string, stopDir?: string): string | null {
  let dir = path.resolve(startDir);
  const stop = stopDir ? path.resolve(stopDir) : undefined;
  for (;;) {
    for (const name of knexfileNames) {
      const candidate = path.join(dir, name);
      if (fs.existsSync(candidate)) return candidate;
    }
    const parent = path.dirname(dir);
    if (dir === stop || parent === dir) return null;
    dir = parent;
  }
}

/** Maps a Knex `client` name to the dialect we parse with; null for clients we do not lint specially. */
export function dialectOfClient(client: string): Dialect | null {
  const c = client.toLowerCase();
  if (c === 'sqlite3' || c === 'sqlite' || c === 'better-sqlite3') return 'sqlite';
  if (c === 'pg' || c === 'postgres' || c === 'postgresql' || c === 'pgnative' || c === 'pg-native' || c === 'cockroachdb') return 'postgresql';
  return null;
}

/**
 * Guesses the dialect from a knexfile's source text: SQLite when every `client:` it names is a SQLite
 * client, else PostgreSQL (the production target).
 */
export function dialectFromKnexfileText(text: string): Dialect {
  const clients = [...text.matchAll(/\bclient\s*:\s*['"`]([\w-]+)['"`]/g)].map((m) => dialectOfClient(m[1]));
  return clients.length > 0 && clients.every((d) => d === 'sqlite') ? 'sqlite' : 'postgresql';
}

/**
 * Resolves the `auto` dialect setting for a file: explicit settings win; else the nearest knexfile's
 * client; else PostgreSQL.
 */
export function resolveDialect(setting: DialectSetting, filePath: string, stopDir?: string): Dialect {
  if (setting !== 'auto') return setting;
  const knexfile = findKnexfileUpward(path.dirname(filePath), stopDir);
  if (!knexfile) return 'postgresql';
  try {
    return dialectFromKnexfileText(fs.readFileSync(knexfile, 'utf8'));
  } catch {
    return 'postgresql';
  }
}
