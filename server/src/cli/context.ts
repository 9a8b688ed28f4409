/**
 * What the engine commands share: the output of every command ({@link CliOutput}, output.ts), progress on stderr,
 * confirmation prompts, and loading the project from the engine flags ({@link EngineFlags}: `--cwd`, `--env`,
 * `--knexfile`, the timeouts). One {@link CliContext} per run of main().
 */
import path from 'node:path';
import { EngineError, loadProject, maskText, type EngineLog, type LoadedProject } from '../migrations';
import { getAlembicHistory } from '../migrations/projects/alembic';
import { nonKnexProjectAt } from '../migrations/projects/discover';
import { getFolderState } from '../migrations/projects/sql-folders';
import { parseTimeoutSeconds } from '../migrations/timeouts';
import type { EngineFlags, OtherRunnerState } from '../protocol';
import { CliOutput, type CliIo } from './output';

export { CliOutput, defaultIo, exitCode, wantsJson, type CliIo } from './output';

/** The shared state and services of one run of an engine command: {@link CliOutput}, progress, the project. */
export class CliContext extends CliOutput {
  /** Progress of the engine on stderr (`warning: ` before warnings; debug dropped; secrets masked). */
  readonly progress: EngineLog;

  constructor(io: CliIo, argv: readonly string[], version: string) {
    super(io, argv, version);
    // MIGRATION_GUARD_DEBUG=1 prints the engine's debug steps (a restore's lock, safety copy, overwrite), timed from start.
    const debug = process.env.MIGRATION_GUARD_DEBUG === '1';
    this.progress = (level, message) => {
      if (level === 'debug') {
        if (debug) io.stderr(`[debug ${Math.round(performance.now())} ms] ${maskText(message)}\n`);
        return;
      }
      io.stderr(`${level === 'warn' ? 'warning: ' : ''}${maskText(message)}\n`);
    };
  }

  /** The project folder: `--cwd` resolved against the CLI's base folder (never an implicit `process.cwd()`), else that folder. */
  folderOf(flags: Pick<EngineFlags, 'cwd'>): string {
    return flags.cwd ? path.resolve(this.io.cwd, flags.cwd) : this.io.cwd;
  }

  /**
   * Loads the Knex project the flags name, after refusing another runner's folder ({@link refuseNonKnexProject}).
   * @throws EngineError `usage` (a bad timeout), `not-knex-project`, and what `loadProject` throws.
   */
  async project(flags: EngineFlags): Promise<LoadedProject> {
    const loadTimeoutMs = parseTimeoutSeconds('--load-timeout', flags.loadTimeout);
    const connectTimeoutMs = parseTimeoutSeconds('--connect-timeout', flags.connectTimeout);
    refuseNonKnexProject(this.folderOf(flags), flags.knexfile, this.argv.find((a) => !a.startsWith('-')) ?? 'this command');
    return loadProject({
      cwd: this.folderOf(flags),
      ...(flags.env ? { env: flags.env } : {}),
      ...(flags.knexfile ? { knexfile: flags.knexfile } : {}),
      ...(loadTimeoutMs !== undefined ? { loadTimeoutMs } : {}),
      ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    });
  }

  /** The read-only state of the `--cwd` folder when it is another runner's project (see {@link otherRunnerStateFor}), else null. */
  otherRunner(flags: EngineFlags): Promise<OtherRunnerState | null> {
    return otherRunnerStateFor(this.folderOf(flags), flags.knexfile);
  }

  /** Options of a write movement (downgrade, mark-applied, unmark, unlock): progress, and `--confirm` when given. */
  writeOptions(confirm: string | undefined): { log: EngineLog; confirm?: string } {
    return { log: this.progress, ...(confirm !== undefined ? { confirm } : {}) };
  }

  /**
   * Asks `question [y/N]` on a terminal; elsewhere `--yes` is required. Returns at once when `yes`.
   * @throws EngineError `usage` (no terminal and no `--yes`) or `cancelled` (any answer but y / yes).
   */
  async confirm(yes: boolean | undefined, question: string, command: string): Promise<void> {
    if (yes) return;
    if (!this.io.isTTY) throw new EngineError('usage', `${command} needs confirmation, and stdin is not a terminal.`, 'Pass --yes to proceed without a prompt.');
    const answer = await this.io.ask(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new EngineError('cancelled', `${command} cancelled: nothing was changed.`);
  }
}

/** Parses `--step N` (a positive integer). @throws EngineError `usage`. */
export function parseStep(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new EngineError('usage', `--step must be a positive integer (got '${value}').`);
  return Number(value);
}

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
