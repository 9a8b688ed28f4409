/**
 * `new <name>`: a migration file `<YYYYMMDDHHMMSS>_<name>.<js|ts>` in the first migrations directory,
 * from a template with `up` and `down`. The extension is `.ts` when the project's newest migration
 * is `.ts` (or, with no migration yet, when the knexfile is `.ts`), else `.js` (CommonJS).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { migrationNameProblem, normalizeMigrationName, type NewMigrationResult } from '../../protocol';
import type { LoadedProject } from './project';
import { EngineError } from '../errors';
import { listMigrationFiles } from './files';
import { findKnexPackage } from './knex-loader';

/** UTC `YYYYMMDDHHMMSS`, the prefix the knex CLI gives new migrations. */
export function migrationTimestamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

/**
 * The template: an `up` and a `down` that undoes it, transactional (Knex's default), with safety notes.
 * `.js`: type-checked (`// @ts-check`, JSDoc `import('knex').Knex`) when `knexTypes` says the file's folder resolves
 * `knex`; without it (a workspace that relies on Migration Guard's own knex) the editor's TypeScript would flag
 * "Cannot find module 'knex'" on a file nobody has touched yet.
 */
export function migrationTemplate(ext: '.js' | '.ts', options: { knexTypes?: boolean } = {}): string {
  const notes = `// Migration Guard: keep each change reversible and safe on a live database.
// - Prefer adding over dropping; drop in a later release, after the code stops using it.
// - On PostgreSQL, build indexes on big tables with CREATE INDEX CONCURRENTLY in a migration that
//   exports config = { transaction: false }.
// - On SQLite, dropColumn/alter rebuild the table: with foreign keys on, ON DELETE CASCADE children are deleted.
`;
  if (ext === '.ts') {
    return `import type { Knex } from 'knex';

${notes}
export async function up(knex: Knex): Promise<void> {
  // await knex.schema.createTable('example', (t) => { t.increments('id'); t.string('name'); });
}

export async function down(knex: Knex): Promise<void> {
  // await knex.schema.dropTable('example');
}
`;
  }
  const typed = options.knexTypes ?? true;
  const param = typed ? "/** @param {import('knex').Knex} knex */\n" : '';
  return `${typed ? '// @ts-check\n' : ''}${notes}
${param}exports.up = async function up(knex) {
  // await knex.schema.createTable('example', (t) => { t.increments('id'); t.string('name'); });
};

${param}exports.down = async function down(knex) {
  // await knex.schema.dropTable('example');
};
`;
}

/**
 * Creates the migration file (and the directory when missing) for the name `typed`, normalised by protocol
 * {@link normalizeMigrationName} (`add user email` → `add_user_email`). Never overwrites.
 * @throws EngineError `usage` (name refused by protocol.ts {@link migrationNameProblem}; file exists).
 */
export async function newMigration(project: LoadedProject, typed: string, options: { now?: Date } = {}): Promise<NewMigrationResult> {
  // "add user email" names add_user_email: the one normalisation (protocol), shared with the editor's input box.
  // Refused in the words the user typed (what is left after normalising may be nothing at all).
  const planned = await plannedMigrationFile(project, normalizeMigrationName(typed), options.now ?? new Date(), 'Example: migration-guard new add_users_email', typed);
  await mkdir(planned.dir, { recursive: true });
  await writeFile(planned.file, migrationTemplate(planned.ext, { knexTypes: findKnexPackage(planned.dir) !== null }), { flag: 'wx' });
  return { file: planned.file, name: planned.fileName };
}

/** Where a new migration `<timestamp>_<name>.<ext>` goes ({@link plannedMigrationFile}). */
export interface PlannedMigrationFile {
  /** The first migrations directory (absolute). */
  dir: string;
  /** Absolute path of the file. */
  file: string;
  /** File name, as Knex will record it. */
  fileName: string;
  ext: '.js' | '.ts';
}

/**
 * The file a new migration named `name` gets (as `new` names it), checked before anything is written: the name is
 * valid, a migrations directory is configured, no file has that path. `typed`: the name as the user wrote it, for the
 * error message (default `name`).
 * @throws EngineError `usage` (name refused by protocol.ts {@link migrationNameProblem}; no directory; file exists).
 */
export async function plannedMigrationFile(project: LoadedProject, name: string, now: Date, example: string, typed: string = name): Promise<PlannedMigrationFile> {
  const problem = migrationNameProblem(name);
  if (problem) throw new EngineError('usage', `Invalid migration name '${typed}': ${problem}.`, example);
  const dir = project.migrations.directories[0];
  if (!dir) throw new EngineError('usage', 'No migrations directory is configured.');
  const existing = await listMigrationFiles(project.migrations);
  const newest = existing.at(-1)?.name;
  const ext: '.js' | '.ts' = newest ? (path.extname(newest) === '.ts' ? '.ts' : '.js') : path.extname(project.info.knexfile ?? '') === '.ts' ? '.ts' : '.js';
  const fileName = `${migrationTimestamp(now)}_${name}${ext}`;
  const file = path.join(dir, fileName);
  if (existsSync(file)) throw new EngineError('usage', `${file} already exists.`, 'Wait a second or choose another name.');
  return { dir, file, fileName, ext };
}
