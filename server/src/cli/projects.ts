/**
 * CLI for projects of every runner (issue 16): `projects [--cwd DIR] [--json]` lists them; `status` and
 * `history` in an Alembic folder print the Alembic state (read-only) through {@link alembicStateFor}; Knex-only
 * commands call {@link refuseNonKnexProject} before loading a Knex configuration. Registered by main.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { findKnexfileUpward } from '../dialect';
import { EngineError } from '../migrations/errors';
import { getAlembicHistory } from '../migrations/projects/alembic';
import { discoverProjects, projectAt } from '../migrations/projects/discover';
import type { AlembicHistoryResult, ProjectsResult } from '../protocol';

/** What `projects` needs from main.ts. */
export interface ProjectsCommandContext {
  /** The CLI's base folder (default `--cwd`). */
  cwd: string;
  /** Prints JSON (`--json`) or the text. */
  emit(flags: { json?: boolean }, result: unknown, text: () => string): void;
  /** Tells main whether errors must be printed as JSON. */
  setJson(json: boolean): void;
}

/** Text of `projects`: one line per project, paths relative to the searched folder. */
export function formatProjects(r: ProjectsResult): string {
  if (r.projects.length === 0) return `No migration project found under ${r.cwd}.`;
  const rel = (p: string) => path.relative(r.cwd, p) || '.';
  const rows = r.projects.map((p) => {
    const dirs = (p.migrationsDirectories ?? [p.migrationsDirectory]).map(rel).join(', ');
    const kind = p.flavor ? `${p.runner} (${p.flavor})` : p.runner;
    return `${kind.padEnd(20)}  ${rel(p.root).padEnd(24)}  ${dirs}${p.directoryRead ? '' : '  (default: not read from the config)'}`;
  });
  return [`${'RUNNER'.padEnd(20)}  ${'ROOT'.padEnd(24)}  MIGRATIONS`, ...rows, '', `${r.projects.length} project${r.projects.length === 1 ? '' : 's'}.`].join('\n');
}

/** Text of the Alembic `history` / `status`. */
export function formatAlembic(h: AlembicHistoryResult): string {
  const current = new Set(h.current ?? []);
  const lines = [`Config: ${h.config}`, `Database: ${h.database ?? '(none in alembic.ini)'}`, `Versions: ${h.versionLocations.join(', ') || '(none)'}`, ''];
  if (h.revisions.length === 0) lines.push('No revision files found.');
  for (const r of h.revisions) {
    const marks = [r.isHead ? 'head' : '', r.isMerge ? 'merge' : '', current.has(r.id) ? 'current' : '', ...r.branchLabels.map((b) => `branch ${b}`)].filter(Boolean);
    lines.push(`  ${r.parents.join(', ') || '<base>'} -> ${r.id}${marks.length ? ` (${marks.join(', ')})` : ''}${r.message ? `, ${r.message}` : ''}`);
  }
  lines.push('', `Heads: ${h.heads.join(', ') || '(none)'}`);
  lines.push(h.current === null ? `Current: unknown: ${h.currentUnknownReason ?? ''}` : `Current: ${h.current.join(', ') || '(nothing applied)'}`);
  if (h.problems.length) lines.push('', `Problems (${h.problems.length}):`, ...h.problems.map((p) => `  ${p}`));
  return lines.join('\n');
}

/**
 * The Alembic state of `dir` when it is an Alembic project (an `alembic.ini` there) and not a Knex one (no
 * knexfile there and no `--knexfile`); null otherwise, so the Knex command runs as before.
 */
export async function alembicStateFor(dir: string, knexfileFlag: string | undefined): Promise<AlembicHistoryResult | null> {
  if (knexfileFlag !== undefined) return null;
  const ini = path.join(dir, 'alembic.ini');
  if (!fs.existsSync(ini) || projectAt(dir)?.runner === 'knex') return null;
  return getAlembicHistory(ini);
}

/**
 * Refuses a Knex-only command in a folder that is another runner's project (alembic.ini, a node-pg-migrate
 * package.json, a golang-migrate/Flyway/dbmate folder) and has no knexfile here or above: without this the
 * engine would act on its embedded default (DATABASE_URL, ./migrations).
 * @throws EngineError `not-knex-project`.
 */
export function refuseNonKnexProject(dir: string, knexfileFlag: string | undefined, command: string): void {
  if (knexfileFlag !== undefined || findKnexfileUpward(dir) !== null) return;
  // An SQL folder counts when it sits in `dir` or in `dir/db` (dbmate's default db/migrations).
  const sqlHere = () => discoverProjects(dir, { maxDepth: 2 }).projects.find((p) => p.runner === 'sql' && (p.root === dir || p.root === path.join(dir, 'db')));
  const here = projectAt(dir) ?? sqlHere();
  if (!here || here.runner === 'knex') return;
  const what = here.runner === 'sql' ? `a plain SQL migrations folder (${here.flavor}, ${here.migrationsDirectory})` : here.runner === 'alembic' ? 'an Alembic project (alembic.ini)' : 'a node-pg-migrate project (package.json)';
  const readOnly = here.runner === 'alembic' ? ' `status` and `history` read Alembic projects.' : '';
  throw new EngineError('not-knex-project', `${dir} is ${what}, not a Knex project: \`${command}\` runs Knex migrations only, so it did nothing.`, `Use ${here.runner === 'sql' ? 'its own tool' : here.runner} for this project.${readOnly} \`migration-guard projects\` lists the projects found; --knexfile selects a Knex project.`);
}

/** Registers `projects`. */
export function registerProjectsCommand(program: Command, ctx: ProjectsCommandContext): void {
  program
    .command('projects')
    .description('list every migration project under a folder: Knex, Alembic, node-pg-migrate, plain SQL (reads files only)')
    .option('--cwd <dir>', 'folder to search (default: the current folder)')
    .option('--json', 'print the result as JSON on stdout')
    .action((flags: { cwd?: string; json?: boolean }) => {
      ctx.setJson(flags.json === true);
      const dir = path.resolve(ctx.cwd, flags.cwd ?? '.');
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new EngineError('usage', `--cwd ${dir} is not a folder.`);
      const result = discoverProjects(dir);
      ctx.emit(flags, result, () => formatProjects(result));
    });
}
