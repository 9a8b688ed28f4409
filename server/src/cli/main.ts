/**
 * `migration-guard` CLI: `check` lints files; `status`, `upgrade`, `backup`, `validate` run the
 * engine on the project's Knex configuration. `--json` prints the shapes of protocol.ts on stdout
 * (an ErrorResult on failure); human text goes to stdout and progress to stderr.
 * Exit codes: protocol.ts `ExitCode` (0 ok, 1 findings/invalid/failed/refused, 2 usage or setup error).
 */
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Command, CommanderError, Option } from 'commander';
import { formatPreview, registerBackupCommands } from './backups';
import {
  EngineError,
  errorMessage,
  getStatus,
  isEngineError,
  loadProject,
  maskText,
  SETUP_ERROR_CODES,
  requireConfirmation,
  upgrade,
  validate,
  type EngineLog,
  type LoadedProject,
  type UpgradeOptions,
} from '../migrations';
import { LintCache } from '../startup/lint-cache';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_LOAD_TIMEOUT_MS, neverSettledError, parseTimeoutSeconds, pendingWaits } from '../migrations/timeouts';
import { ExitCode, type Dialect, type ErrorResult, type UpgradeResult } from '../protocol';
import { runCheck } from './check';
import { formatFindings, formatStatus, formatUpgrade, formatUpgradeOutcome, formatUpgradePlan, formatValidation } from './format';
import { collectNames, parseStep, registerMovementCommands } from './movements';
import { formatDrift, registerSchemaCommands } from './schema';
import { formatGithub } from './format/github';
import { toSarif } from './format/sarif';
import { formatOtherRunner, otherRunnerStateFor, refuseNonKnexProject, registerProjectsCommand } from './projects';

/** Where the CLI reads and writes; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdin is an interactive terminal (upgrade asks y/N only then). */
  isTTY: boolean;
  /** Asks a question (on stderr) and returns the typed line. */
  ask(question: string): Promise<string>;
  /** Base for relative paths and the default `--cwd`. */
  cwd: string;
}

function defaultIo(): CliIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    isTTY: process.stdin.isTTY === true,
    cwd: process.cwd(),
    ask: (question) =>
      new Promise((resolve) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        rl.question(question, (answer) => {
          rl.close();
          resolve(answer);
        });
        rl.on('close', () => resolve(''));
      }),
  };
}

interface EngineFlags {
  cwd?: string;
  env?: string;
  knexfile?: string;
  json?: boolean;
  /** `--load-timeout <seconds>` as typed. */
  loadTimeout?: string;
  /** `--connect-timeout <seconds>` as typed. */
  connectTimeout?: string;
}

interface UpgradeFlags extends EngineFlags {
  step?: string;
  to?: string;
  confirm?: string;
  yes?: boolean;
  allowUnsafe?: boolean;
  dryRun?: boolean;
  backup?: boolean;
  plan?: string;
  allowUnsafeTable?: string[];
}

interface CheckFlags {
  format: 'text' | 'json' | 'github' | 'sarif';
  json?: boolean;
  /** Undefined when not given: the config file's dialect (else auto) applies. */
  dialect?: Dialect | 'auto';
  changedSince?: string;
}

function withEngineOptions(cmd: Command): Command {
  return cmd
    .option('--cwd <dir>', 'project folder: the knexfile is searched from here upward')
    .option('--env <name>', 'knexfile environment (default: NODE_ENV, else development)')
    .option('--knexfile <path>', 'knexfile to use (relative to --cwd)')
    .option('--json', 'print the result as JSON on stdout')
    .option('--load-timeout <seconds>', `give up when the knexfile or a migration module has not loaded after this long (default ${DEFAULT_LOAD_TIMEOUT_MS / 1000})`)
    .option('--connect-timeout <seconds>', `give up when the database has not answered after this long (default ${DEFAULT_CONNECT_TIMEOUT_MS / 1000})`);
}

/**
 * Runs the CLI with `argv` (the arguments after the script, e.g. `['status', '--json']`) and
 * returns the exit code. Never calls `process.exit`.
 */
export async function main(argv: string[], ioOverrides: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = { ...defaultIo(), ...ioOverrides };
  const state = { code: ExitCode.ok as number, json: wantsJson(argv) };
  const out = (text: string) => io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  const progress: EngineLog = (level, message) => {
    if (level === 'debug') return;
    io.stderr(`${level === 'warn' ? 'warning: ' : ''}${maskText(message)}\n`);
  };
  const folderOf = (flags: EngineFlags): string => (flags.cwd ? resolvePath(io.cwd, flags.cwd) : io.cwd);
  const project = async (flags: EngineFlags): Promise<LoadedProject> => {
    const loadTimeoutMs = parseTimeoutSeconds('--load-timeout', flags.loadTimeout);
    const connectTimeoutMs = parseTimeoutSeconds('--connect-timeout', flags.connectTimeout);
    refuseNonKnexProject(folderOf(flags), flags.knexfile, argv.find((a) => !a.startsWith('-')) ?? 'this command');
    return loadProject({
      cwd: folderOf(flags),
      ...(flags.env ? { env: flags.env } : {}),
      ...(flags.knexfile ? { knexfile: flags.knexfile } : {}),
      ...(loadTimeoutMs !== undefined ? { loadTimeoutMs } : {}),
      ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    });
  };
  /** State of the --cwd folder when another runner's project is there (Alembic, node-pg-migrate, SQL), else null. */
  const otherRunner = (flags: EngineFlags) => otherRunnerStateFor(folderOf(flags), flags.knexfile);
  const emit = (flags: { json?: boolean }, result: unknown, text: () => string) => {
    state.json = flags.json === true;
    out(flags.json ? JSON.stringify(result, null, 2) : text());
  };

  const program = new Command('migration-guard')
    .description('Catches dangerous database migrations before they run, and runs Knex migrations safely.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError('(run migration-guard --help for usage)')
    .allowExcessArguments(false);

  program
    .command('check')
    .description('lint migration files (directories are searched for .sql/.js/.ts/.cjs/.mjs/.py; .migration-guard.json include/exclude apply to them)')
    .argument('<paths...>', 'files or directories')
    .addOption(new Option('--format <format>', 'output format (github: workflow annotations; sarif: SARIF 2.1.0 for code scanning)').choices(['text', 'json', 'github', 'sarif']).default('text'))
    .option('--json', 'same as --format json')
    .addOption(new Option('--dialect <dialect>', 'SQL dialect, overriding .migration-guard.json (default: its dialect, else auto: from the nearest knexfile, else postgresql)').choices(['auto', 'postgresql', 'sqlite']))
    .option('--changed-since <git-ref>', 'only files changed since this git ref (committed since the merge base, uncommitted or untracked)')
    .action(async (paths: string[], flags: CheckFlags) => {
      const format = flags.json === true ? 'json' : flags.format;
      state.json = format === 'json';
      const { result, files } = await runCheck(paths, io.cwd, { dialect: flags.dialect, changedSince: flags.changedSince });
      if (format === 'json') out(JSON.stringify(result, null, 2));
      else if (format === 'github') io.stdout(result.findings.length ? `${formatGithub(result.findings)}\n` : '');
      else if (format === 'sarif') {
        const { rules } = await import('../lint');
        out(JSON.stringify(toSarif(result.findings, { cwd: io.cwd, version: program.version() ?? '0.0.0', rules }), null, 2));
      } else out(formatFindings(result.findings, files.length));
      state.code = result.findings.some((f) => f.severity === 'error') ? ExitCode.failure : ExitCode.ok;
    });

  withEngineOptions(program.command('status').description('show applied, pending and missing migrations (read-only)')).action(async (flags: EngineFlags) => {
    state.json = flags.json === true;
    const other = await otherRunner(flags);
    if (other) return emit(flags, other, () => formatOtherRunner(other));
    const result = await getStatus(await project(flags), { log: progress });
    emit(flags, result, () => formatStatus(result));
  });

  withEngineOptions(program.command('validate').description('check that applied migrations have files, the lock is free and the database is intact')).action(async (flags: EngineFlags) => {
    state.json = flags.json === true;
    const result = await validate(await project(flags), { log: progress });
    emit(flags, result, () => [formatValidation(result), formatDrift(result.drift)].filter(Boolean).join('\n'));
    state.code = result.valid ? ExitCode.ok : ExitCode.failure;
  });

  registerBackupCommands(program, {
    withEngineOptions,
    project,
    emit,
    progress,
    setCode: (code) => (state.code = code),
    setJson: (json) => (state.json = json),
    isTTY: io.isTTY,
    ask: (q) => io.ask(q),
    cwd: io.cwd,
  });

  withEngineOptions(program.command('upgrade').description('lint, back up, then apply pending migrations (knex migrate:latest)'))
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--allow-unsafe', 'apply even when the plan is unsafe: findings of error severity, or a pre-flight that deletes rows or values')
    .option('--dry-run', 'lint and show the plan and its planId; write nothing (exit 1 when the real run would be refused or fail)')
    .option('--allow-unsafe-table <name>', 'also allow data loss on this protected table (.migration-guard.json protectedTables); repeatable', collectNames, [])
    .option('--plan <planId>', 'apply only if the plan is still the one shown (a dry run\'s planId); else refuse with plan-changed and write nothing')
    .option('--no-backup', 'skip the backup before applying')
    .option('--step <n>', 'apply only the next N pending migrations')
    .option('--to <name>', 'apply the pending migrations up to and including <name>')
    .option('--confirm <database>', 'the database name, typed to confirm on a protected environment (production, prod, or migrationGuard.protected)')
    .action(async (flags: UpgradeFlags) => {
      state.json = flags.json === true;
      const dryRun = flags.dryRun === true;
      if (!dryRun && !flags.yes && !io.isTTY) {
        throw new EngineError('usage', 'upgrade needs confirmation, and stdin is not a terminal.', 'Pass --yes to apply without a prompt (or --dry-run to see the plan).');
      }
      const p = await project(flags);
      // A protected environment: ask for --confirm before the plan and the y/N prompt, not after.
      if (!dryRun) requireConfirmation(p, flags.confirm, 'upgrade');
      const step = parseStep(flags.step);
      const base: UpgradeOptions = {
        log: progress,
        lintCache: LintCache.open(),
        allowUnsafe: flags.allowUnsafe === true,
        allowUnsafeTables: flags.allowUnsafeTable ?? [],
        noBackup: flags.backup === false,
        ...(step !== undefined ? { step } : {}),
        ...(flags.to !== undefined ? { to: flags.to } : {}),
        ...(flags.confirm !== undefined ? { confirm: flags.confirm } : {}),
        ...(flags.plan !== undefined ? { plan: flags.plan } : {}),
      };
      // Text reads plan → progress (stderr) → outcome, each line once: the plan is printed when it is decided.
      let planPrinted = false;
      if (!dryRun && !flags.yes) {
        const plan = await upgrade(p, { ...base, dryRun: true });
        if (plan.pending.length === 0 || plan.refused) {
          emit(flags, plan, () => formatUpgrade(plan, formatPreview(plan.preview)));
          state.code = plan.refused ? ExitCode.failure : ExitCode.ok;
          return;
        }
        io.stderr(`${formatUpgradePlan(plan)}${formatPreview(plan.preview)}\n\n`);
        const answer = await io.ask(`Apply ${plan.pending.length} migration${plan.pending.length === 1 ? '' : 's'} to ${p.info.connection}${flags.backup === false ? ' without a backup' : ''}? [y/N] `);
        if (!/^y(es)?$/i.test(answer.trim())) {
          throw new EngineError('cancelled', 'Upgrade cancelled: nothing was applied.');
        }
        // The yes binds to the plan just shown: anything else is refused with plan-changed.
        base.plan = plan.planId;
        planPrinted = true;
      }
      const onPlan = flags.json || planPrinted ? undefined : (u: UpgradeResult) => {
        out(formatUpgradePlan(u));
        planPrinted = true;
      };
      const result = await upgrade(p, { ...base, dryRun, ...(onPlan ? { onPlan } : {}) });
      emit(flags, result, () => (planPrinted ? formatUpgradeOutcome(result) : formatUpgrade(result, formatPreview(result.preview))));
      const previewFailed = dryRun && (result.preview ?? []).some((m) => m.error !== undefined);
      state.code = result.refused || previewFailed || (result.validation !== null && !result.validation.valid) ? ExitCode.failure : ExitCode.ok;
    });

  registerProjectsCommand(program, { cwd: io.cwd, emit, setJson: (json) => (state.json = json) });

  registerMovementCommands(program, {
    withEngineOptions,
    project,
    otherRunner,
    emit,
    progress,
    setJson: (json) => (state.json = json),
    setCode: (code) => (state.code = code),
    out,
    isTTY: io.isTTY,
    ask: (q) => io.ask(q),
  });

  registerSchemaCommands(program, { withEngineOptions, project, emit, progress, setJson: (json) => (state.json = json), setCode: (code) => (state.code = code), cwd: io.cwd });

  // stdout carries results only: knexfiles and migrations that console.log go to stderr.
  const saved = { log: console.log, info: console.info, debug: console.debug };
  const toStderr = (...args: unknown[]) => io.stderr(`${args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ')}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
      if (state.json) printError(io, { error: { code: 'usage', message: err.message.replace(/^error: /, '') } });
      return ExitCode.setup;
    }
    return reportError(io, state.json, err);
  } finally {
    console.log = saved.log;
    console.info = saved.info;
    console.debug = saved.debug;
  }
}

function printError(io: Pick<CliIo, 'stdout'>, result: ErrorResult): void {
  io.stdout(`${JSON.stringify(result, null, 2)}\n`);
}

/** Whether the arguments ask for JSON output (`--json`, `--format json`), read before commander has parsed them. */
function wantsJson(argv: string[]): boolean {
  return argv.includes('--json') || argv.includes('--format=json') || argv.join(' ').includes('--format json');
}

/**
 * Prints a thrown value as the command's error: an ErrorResult on stdout with `json`, else `error:`/`hint:` on
 * stderr (and the stack of an unexpected error). Returns the exit code: 2 for setup codes, else 1.
 */
function reportError(io: Pick<CliIo, 'stdout' | 'stderr'>, json: boolean, err: unknown): number {
  const e = isEngineError(err) ? err : new EngineError('migration-failed', `Unexpected error: ${errorMessage(err)}`);
  const code = isEngineError(err) ? err.code : 'internal';
  if (json) {
    printError(io, { error: { code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } });
  } else {
    io.stderr(`error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
    if (!isEngineError(err) && err instanceof Error && err.stack) io.stderr(`${maskText(err.stack)}\n`);
  }
  return isEngineError(err) && SETUP_ERROR_CODES.has(err.code) ? ExitCode.setup : ExitCode.failure;
}

/** Resolves against the CLI's base folder, never against an implicit `process.cwd()`. */
function resolvePath(base: string, p: string): string {
  return path.resolve(base, p);
}

/**
 * Runs the CLI as the program: {@link main} with `argv`, then sets the exit code. If workspace code (a
 * knexfile, a migration) left a handle open, the process still ends once stdout is flushed (2 s later). If the
 * process runs out of work before main() settles (`beforeExit`: a promise in the project's code that nothing can
 * settle), it prints that error (timeouts.ts `neverSettledError`, naming the wait under way) and exits 2.
 * Called by the launcher (dist/cli.js, see launcher.ts) and when this file is run from source.
 */
export function runAsProgram(argv: string[]): void {
  // Node emits beforeExit when nothing is left to run. Before main() settles, that means the command waits on a
  // promise nothing can settle (a knexfile exporting `new Promise(() => {})`): say so and exit 2, never 0 in silence.
  let settled = false;
  const onBeforeExit = () => {
    if (settled) return;
    settled = true;
    process.exitCode = reportError(defaultIo(), wantsJson(argv), neverSettledError(pendingWaits()[0]));
  };
  process.on('beforeExit', onBeforeExit);
  void main(argv).then((code) => {
    settled = true;
    process.off('beforeExit', onBeforeExit);
    process.exitCode = code;
    setTimeout(() => process.exit(code), 2000).unref();
  });
}

// Run from source (node --import tsx server/src/cli/main.ts …). Importing main() from a test does not run it;
// the bundle (dist/cli-main.js) is started by the launcher.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) runAsProgram(process.argv.slice(2));
