/**
 * `migration-guard` CLI: `check` lints files; `status`, `upgrade`, `backup`, `validate` run the
 * engine on the project's Knex configuration. `--json` prints the shapes of protocol.ts on stdout
 * (an ErrorResult on failure); human text goes to stdout and progress to stderr.
 * Exit codes: protocol.ts `ExitCode` (0 ok, 1 findings/invalid/failed/refused, 2 usage or setup error).
 */
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Command, CommanderError, Option } from 'commander';
import { formatPreflightAndPreview, registerBackupCommands } from './backups';
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
} from '../migrations';
import { stopLintWorkers } from '../migrations/lint-pool';
import { ExitCode, type Dialect, type ErrorResult } from '../protocol';
import { runCheck } from './check';
import { trace } from './trace';
import { formatFindings, formatStatus, formatUpgrade, formatValidation } from './format';
import { parseStep, registerMovementCommands } from './movements';
import { formatDrift, registerSchemaCommands } from './schema';
import { formatGithub } from './format/github';
import { toSarif } from './format/sarif';

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
}

interface UpgradeFlags extends EngineFlags {
  step?: string;
  to?: string;
  confirm?: string;
  yes?: boolean;
  allowUnsafe?: boolean;
  dryRun?: boolean;
  backup?: boolean;
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
    .option('--json', 'print the result as JSON on stdout');
}

/**
 * Runs the CLI with `argv` (the arguments after the script, e.g. `['status', '--json']`) and
 * returns the exit code. Never calls `process.exit`.
 */
export async function main(argv: string[], ioOverrides: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = { ...defaultIo(), ...ioOverrides };
  const state = {
    code: ExitCode.ok as number,
    json: argv.includes('--json') || argv.includes('--format=json') || argv.join(' ').includes('--format json'),
  };
  const out = (text: string) => io.stdout(text.endsWith('\n') ? text : `${text}\n`);
  const progress: EngineLog = (level, message) => {
    if (level === 'debug') return;
    io.stderr(`${level === 'warn' ? 'warning: ' : ''}${maskText(message)}\n`);
  };
  const project = (flags: EngineFlags): Promise<LoadedProject> =>
    loadProject({
      cwd: flags.cwd ? resolvePath(io.cwd, flags.cwd) : io.cwd,
      ...(flags.env ? { env: flags.env } : {}),
      ...(flags.knexfile ? { knexfile: flags.knexfile } : {}),
    });
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
    .option('--allow-unsafe', 'apply even when findings of error severity exist')
    .option('--dry-run', 'lint and show the plan; write nothing')
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
      try {
        const p = await project(flags);
        trace('project loaded');
        // A protected environment: ask for --confirm before the plan and the y/N prompt, not after.
        if (!dryRun) requireConfirmation(p, flags.confirm, 'upgrade');
        const step = parseStep(flags.step);
        const base = {
          log: progress,
          allowUnsafe: flags.allowUnsafe === true,
          noBackup: flags.backup === false,
          ...(step !== undefined ? { step } : {}),
          ...(flags.to !== undefined ? { to: flags.to } : {}),
          ...(flags.confirm !== undefined ? { confirm: flags.confirm } : {}),
        };
        if (!dryRun && !flags.yes) {
          const plan = await upgrade(p, { ...base, dryRun: true });
          if (plan.pending.length === 0 || plan.refused) {
            emit(flags, plan, () => formatUpgrade(plan));
            state.code = plan.refused ? ExitCode.failure : ExitCode.ok;
            return;
          }
          io.stderr(`${formatUpgrade({ ...plan, dryRun: true }).replace(/\n\nDry run: nothing was applied\.$/, '')}${formatPreflightAndPreview(plan)}\n\n`);
          const answer = await io.ask(`Apply ${plan.pending.length} migration${plan.pending.length === 1 ? '' : 's'} to ${p.info.connection}${flags.backup === false ? ' without a backup' : ''}? [y/N] `);
          if (!/^y(es)?$/i.test(answer.trim())) {
            throw new EngineError('cancelled', 'Upgrade cancelled: nothing was applied.');
          }
        }
        const result = await upgrade(p, { ...base, dryRun });
        emit(flags, result, () => formatUpgrade(result) + formatPreflightAndPreview(result));
        trace('result written');
        state.code = result.refused || (result.validation !== null && !result.validation.valid) ? ExitCode.failure : ExitCode.ok;
      } finally {
        stopLintWorkers();
      }
    });

  registerMovementCommands(program, {
    withEngineOptions,
    project,
    emit,
    progress,
    setJson: (json) => (state.json = json),
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
    const e = isEngineError(err) ? err : new EngineError('migration-failed', `Unexpected error: ${errorMessage(err)}`);
    const code = isEngineError(err) ? err.code : 'internal';
    if (state.json) {
      printError(io, { error: { code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) } });
    } else {
      io.stderr(`error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      if (!isEngineError(err) && err instanceof Error && err.stack) io.stderr(`${maskText(err.stack)}\n`);
    }
    return isEngineError(err) && SETUP_ERROR_CODES.has(err.code) ? ExitCode.setup : ExitCode.failure;
  } finally {
    console.log = saved.log;
    console.info = saved.info;
    console.debug = saved.debug;
  }
}

function printError(io: CliIo, result: ErrorResult): void {
  io.stdout(`${JSON.stringify(result, null, 2)}\n`);
}

/** Resolves against the CLI's base folder, never against an implicit `process.cwd()`. */
function resolvePath(base: string, p: string): string {
  return path.resolve(base, p);
}

/**
 * Runs the CLI as the program: {@link main} with `argv`, then sets the exit code. If workspace code (a
 * knexfile, a migration) left a handle open, the process still ends once stdout is flushed (2 s later).
 * Called by the launcher (dist/cli.js, see launcher.ts) and when this file is run from source.
 */
export function runAsProgram(argv: string[]): void {
  void main(argv).then((code) => {
    trace('command done');
    process.once('exit', () => trace('exit'));
    process.exitCode = code;
    setTimeout(() => process.exit(code), 2000).unref();
  });
}

// Run from source (node --import tsx server/src/cli/main.ts …). Importing main() from a test does not run it;
// the bundle (dist/cli-main.js) is started by the launcher.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) runAsProgram(process.argv.slice(2));
