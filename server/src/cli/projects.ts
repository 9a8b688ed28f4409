/**
 * CLI for projects of every runner (issue 16): `projects [--cwd DIR] [--json]` lists them; `status` and
 * `history` in another runner's folder print its state (read-only) through {@link otherRunnerStateFor}; Knex-only
 * commands call {@link refuseNonKnexProject} before loading a Knex configuration. Registered by main.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { EngineError } from '../migrations/errors';
import { getAlembicHistory } from '../migrations/projects/alembic';
import { discoverProjects, nonKnexProjectAt } from '../migrations/projects/discover';
import { getFolderState } from '../migrations/projects/sql-folders';
import type { AlembicHistoryResult, FolderStateResult, ProjectsResult } from '../protocol';

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

/** What `status` / `history` print in another runner's project. */
export type OtherRunnerState = AlembicHistoryResult | FolderStateResult;

/**
 * The read-only state of `dir` when it is another runner's project (see {@link nonKnexProjectAt}) and no
 * `--knexfile` was given; null otherwise, so the Knex command runs as before.
 */
export async function otherRunnerStateFor(dir: string, knexfileFlag: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<OtherRunnerState | null> {
  if (knexfileFlag !== undefined) return null;
  const p = nonKnexProjectAt(dir);
  if (!p) return null;
  if (p.runner === 'alembic') return getAlembicHistory(p.config!, env);
  return getFolderState(p, env);
}

/** Text of a node-pg-migrate / plain SQL folder's state. */
export function formatFolderState(s: FolderStateResult): string {
  const lines = [`Runner: ${s.runner}${s.flavor ? ` (${s.flavor})` : ''}`, `Database: ${s.database ?? '(DATABASE_URL not set)'}`, `Migrations: ${s.migrationsDirectory}`, ''];
  if (s.migrations.length === 0) lines.push('No migration files found.');
  for (const m of s.migrations) lines.push(`  ${m.state.padEnd(8)}  ${m.name}`);
  lines.push('', s.stateKnown ? `Current: ${s.current ?? '(nothing applied)'} (from ${s.table}).` : `State unknown: ${s.stateUnknownReason ?? ''}`);
  if (s.problems.length) lines.push('', `Problems (${s.problems.length}):`, ...s.problems.map((p) => `  ${p.severity}: ${p.message}`));
  return lines.join('\n');
}

/** Text of {@link OtherRunnerState}. */
export function formatOtherRunner(s: OtherRunnerState): string {
  return s.runner === 'alembic' ? formatAlembic(s) : formatFolderState(s);
}

/**
 * Refuses a Knex-only command in a folder that is another runner's project (see {@link nonKnexProjectAt}):
 * without this the engine would act on its embedded default (DATABASE_URL, ./migrations). `--knexfile` opts out.
 * @throws EngineError `not-knex-project`.
 */
export function refuseNonKnexProject(dir: string, knexfileFlag: string | undefined, command: string): void {
  if (knexfileFlag !== undefined) return;
  const here = nonKnexProjectAt(dir);
  if (!here) return;
  const what = here.runner === 'sql' ? `a plain SQL migrations folder (${here.flavor}, ${here.migrationsDirectory})` : here.runner === 'alembic' ? 'an Alembic project (alembic.ini)' : 'a node-pg-migrate project (package.json)';
  throw new EngineError('not-knex-project', `${dir} is ${what}, not a Knex project: \`${command}\` runs Knex migrations only, so it did nothing.`, `Use ${here.runner === 'sql' ? here.flavor : here.runner} for this project; \`status\` and \`history\` show its state read-only. \`migration-guard projects\` lists the projects found; --knexfile selects a Knex project.`);
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
