/**
 * Listing migration files the way Knex's FsMigrations does (lib/migrations/migrate/sources/fs-migrations.js):
 * read every directory, keep names whose `path.extname` is in `loadExtensions`, and sort by file
 * name across all directories (lodash `sortBy(…, 'file')`, i.e. code-unit order), or per
 * directory when `sortDirsSeparately`.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { MigrationSettings } from './project';

/** A migration file: `name` as Knex records it, `file` its absolute path. */
export interface MigrationFile {
  name: string;
  file: string;
}

function byName(a: MigrationFile, b: MigrationFile): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Lists migration files in Knex's run order. A directory that does not exist counts as empty
 * (Knex would throw ENOENT on `latest`; an empty list is the useful answer for a status view).
 */
export async function listMigrationFiles(settings: MigrationSettings): Promise<MigrationFile[]> {
  const perDir: MigrationFile[][] = [];
  for (const dir of settings.directories) {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') entries = [];
      else throw err;
    }
    const files = entries
      .filter((n) => settings.loadExtensions.includes(path.extname(n)))
      .map((n) => ({ name: n, file: path.join(dir, n) }));
    perDir.push(settings.sortDirsSeparately ? files.sort(byName) : files);
  }
  const all = perDir.flat();
  // lodash sortBy is stable; Array.prototype.sort is stable since ES2019.
  return settings.sortDirsSeparately ? all : all.sort(byName);
}
