/**
 * Knexfile discovery, by file name only: nothing here runs a knexfile (the language server and project discovery
 * may read an untrusted workspace). The one list of knexfile names and the one upward search; the project loader
 * (migrations/project/project.ts), dialect detection (dialect.ts) and project discovery all use them.
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';

/**
 * Knexfile names searched in each folder, in this order. The knex CLI searches `knexfile.{js,mjs,coffee,ts,eg,ls}`
 * upward from its working folder (knex 3.3.0 bin/cli.js `invoke`, `findUpConfig`); CoffeeScript, Earl Grey and
 * LiveScript are not supported here, `.cjs` is.
 */
export const KNEXFILE_NAMES: readonly string[] = ['knexfile.js', 'knexfile.cjs', 'knexfile.mjs', 'knexfile.ts'];

/**
 * Glob matching {@link KNEXFILE_NAMES} in any folder: the language server watches it; package.json
 * `activationEvents` spells it out too (a unit test keeps them equal).
 */
export const KNEXFILE_GLOB = `**/knexfile.{${KNEXFILE_NAMES.map((n) => n.slice('knexfile.'.length)).join(',')}}`;

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The knexfile directly in `dir` (the first of {@link KNEXFILE_NAMES} that is a file), as an absolute path, or null. */
export function knexfileIn(dir: string): string | null {
  const abs = path.resolve(dir);
  for (const name of KNEXFILE_NAMES) {
    const candidate = path.join(abs, name);
    if (isFile(candidate)) return candidate;
  }
  return null;
}

/**
 * The nearest knexfile at or above `startDir`, as the knex CLI finds it (escalade from the working folder), stopping
 * at `stopDir` (inclusive) when given and `startDir` is inside it, else at the filesystem root.
 * @returns absolute path, or null when none is found.
 */
export function findKnexfile(startDir: string, stopDir?: string): string | null {
  let dir = path.resolve(startDir);
  const stop = stopDir ? path.resolve(stopDir) : undefined;
  for (;;) {
    const found = knexfileIn(dir);
    if (found) return found;
    const parent = path.dirname(dir);
    if (dir === stop || parent === dir) return null;
    dir = parent;
  }
}

/** How deep below the folder {@link findKnexfilesBelow} looks (1 = direct subfolders). */
export const KNEXFILE_SEARCH_DEPTH = 4;
/** At most this many folders are read by {@link findKnexfilesBelow} (breadth first): ~0.1 ms each, and only on the error path. */
export const KNEXFILE_SEARCH_MAX_DIRS = 1000;

/** Folders never searched below: dependencies, VCS data, build output. Dot-folders are skipped too. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', 'out', 'coverage', 'vendor']);

/**
 * Knexfiles in the folders below `cwd` (not `cwd` itself), breadth first, at most
 * {@link KNEXFILE_SEARCH_DEPTH} levels and {@link KNEXFILE_SEARCH_MAX_DIRS} folders; `node_modules`,
 * `.git` and other dot-folders and build folders are skipped. Returns paths relative to `cwd`, sorted.
 * Used to say where a project is when `cwd` has none.
 */
export function findKnexfilesBelow(cwd: string): string[] {
  const found: string[] = [];
  let level = [cwd];
  let read = 0;
  // One readdir per folder and no stat per entry: the file types come with the listing.
  for (let depth = 0; depth <= KNEXFILE_SEARCH_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      if (read >= KNEXFILE_SEARCH_MAX_DIRS) break;
      read++;
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      if (depth > 0) {
        const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
        const knexfile = KNEXFILE_NAMES.find((n) => names.has(n));
        if (knexfile) found.push(path.relative(cwd, path.join(dir, knexfile)));
      }
      if (depth === KNEXFILE_SEARCH_DEPTH) continue;
      for (const e of entries) {
        if (e.isDirectory() && !e.name.startsWith('.') && !SKIPPED_DIRS.has(e.name)) next.push(path.join(dir, e.name));
      }
    }
    level = next;
  }
  return found.sort();
}
