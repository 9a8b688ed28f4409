/**
 * What a folder without a knexfile is: the facts behind the `no-project` error (issue 12, item 4).
 * Without them the engine fell back to an embedded SQLite default anywhere, and an empty folder, a
 * typo in `--cwd`, an Alembic project or a monorepo root all read as "no migrations, up to date".
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { KNEXFILE_NAMES } from '../../config';
import { EngineError } from '../errors';

/** A migration tool other than Knex that a folder belongs to, and the file that says so. */
export interface OtherTool {
  /** Tool name as shown to the user. */
  tool: 'Alembic' | 'node-pg-migrate';
  /** Path of the evidence, relative to the folder (`alembic.ini`, `migrations/alembic.ini`, `package.json`). */
  evidence: string;
}

/**
 * Usage error when `cwd` does not exist or is not a folder (a typo in `--cwd` must not read as an
 * empty project).
 * @throws EngineError `usage`.
 */
export function assertProjectFolder(cwd: string): void {
  let isDir = false;
  try {
    isDir = statSync(cwd).isDirectory();
  } catch {
    throw new EngineError('usage', `The project folder does not exist: ${cwd}`, 'Check the --cwd path (relative paths are resolved against the current folder).');
  }
  if (!isDir) throw new EngineError('usage', `The project folder is not a folder: ${cwd}`, 'Pass the folder that holds the knexfile (or the migrations/ folder) with --cwd.');
}

/**
 * Other migration tools a folder belongs to: Alembic (`alembic.ini` in the folder or, as Flask-Migrate
 * lays it out, in `migrations/`), node-pg-migrate (a dependency in `package.json`, any dependency section).
 */
export function detectOtherTools(cwd: string): OtherTool[] {
  const tools: OtherTool[] = [];
  const alembic = ['alembic.ini', path.join('migrations', 'alembic.ini')].find((rel) => isFile(path.join(cwd, rel)));
  if (alembic) tools.push({ tool: 'Alembic', evidence: alembic });
  try {
    const pkg = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8')) as Record<string, unknown>;
    const sections = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
    if (sections.some((s) => typeof pkg[s] === 'object' && pkg[s] !== null && 'node-pg-migrate' in (pkg[s] as object))) {
      tools.push({ tool: 'node-pg-migrate', evidence: 'package.json' });
    }
  } catch {
    // No package.json, or not JSON: no evidence either way.
  }
  return tools;
}

/**
 * The `no-project` error for a folder with no knexfile (here or above) and no fallback that applies:
 * the message says what the folder is, the hint what was looked for and the next step.
 * @param tools other migration tools the folder belongs to ({@link detectOtherTools}).
 * @param knexfilesBelow knexfiles in subfolders (config/knexfile.ts `findKnexfilesBelow`), relative to `cwd`.
 */
export function noProjectError(cwd: string, tools: OtherTool[], knexfilesBelow: string[]): EngineError {
  const looked =
    `Looked for ${KNEXFILE_NAMES.join(', ')} in ${cwd} and its parent folders, the DATABASE_URL environment variable, ` +
    `and a migrations/ folder (which would use the embedded default: SQLite ./dev.sqlite3).`;
  const parts: string[] = [];
  if (tools.length > 0) {
    const what = tools.map((t) => `${t.tool} (${t.evidence})`).join(' and ');
    parts.push(`This folder is ${article(what)} ${what} project: Migration Guard lints its migration files (migration-guard check), but reads and runs only Knex migrations.`);
  }
  if (knexfilesBelow.length > 0) {
    const shown = knexfilesBelow.slice(0, 5).join(', ') + (knexfilesBelow.length > 5 ? `, and ${knexfilesBelow.length - 5} more` : '');
    const first = knexfilesBelow[0] ?? '';
    parts.push(
      `Knexfiles found in subfolders: ${shown}. Pass the project's folder with --cwd ${path.dirname(first)}, or the knexfile with --knexfile ${first}` +
        ` (in the editor: the migrationGuard.knexfile setting).`,
    );
  }
  if (parts.length === 0) parts.push('Create a knexfile (or a migrations/ folder), or pass --cwd or --knexfile.');
  const message =
    tools.length > 0
      ? `No Knex project in ${cwd}: it is ${article(tools[0]?.tool ?? '')} ${tools.map((t) => t.tool).join(' and ')} project, and it has no knexfile.`
      : `No Knex project in ${cwd}: no knexfile here or above, no DATABASE_URL and no migrations/ folder.`;
  return new EngineError('no-project', message, `${parts.join(' ')} ${looked}`);
}

function isFile(file: string): boolean {
  return existsSync(file) && statSync(file).isFile();
}

/** "an" before a vowel sound (an Alembic project), else "a" (a node-pg-migrate project). */
function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}
