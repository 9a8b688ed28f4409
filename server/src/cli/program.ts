/**
 * The `migration-guard` program around its commands: the commander program, stdout kept for results, errors
 * printed as the protocol says, exit codes (protocol `ExitCode`: 0 ok, 1 findings/invalid/failed/refused, 2 usage
 * or setup error). Both programs run through it: the whole CLI (main.ts) and `check` alone (check-main.ts, which
 * the launcher starts for `migration-guard check …` so that a check loads no engine). Imports no engine module
 * beyond its errors, masking and wait names.
 */
import { Command, CommanderError } from 'commander';
import { EngineError, errorMessage, isEngineError, SETUP_ERROR_CODES } from '../migrations/errors';
import { maskText } from '../migrations/mask';
import { neverSettledError, pendingWaits } from '../migrations/timeouts';
import { ExitCode, type ErrorResult } from '../protocol';
import { defaultIo, wantsJson, type CliIo, type CliOutput } from './output';

/** The version `--version` prints (and SARIF reports). */
export const VERSION = '0.1.0';

/**
 * Parses `argv` (the arguments after the script) with a program holding the commands `register` adds to it, runs
 * the one called with `ctx`, and returns the exit code. Never calls `process.exit`; never throws.
 */
export async function runProgram(argv: string[], ctx: CliOutput, register: (program: Command) => void): Promise<number> {
  const program = new Command('migration-guard')
    .description('Catches dangerous database migrations before they run, and runs Knex migrations safely.')
    .version(ctx.version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s) })
    .showHelpAfterError('(run migration-guard --help for usage)')
    .allowExcessArguments(false);
  register(program);
  // stdout carries results only: knexfiles and migrations that console.log go to stderr.
  const saved = { log: console.log, info: console.info, debug: console.debug };
  console.log = console.info = console.debug = (...args: unknown[]) => ctx.io.stderr(`${args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ')}\n`);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.code;
  } catch (err) {
    if (!(err instanceof CommanderError)) return reportError(ctx.io, ctx.json, err);
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
    if (ctx.json) printError(ctx.io, { error: { code: 'usage', message: err.message.replace(/^error: /, '') } });
    return ExitCode.setup;
  } finally {
    Object.assign(console, saved);
  }
}

function printError(io: Pick<CliIo, 'stdout'>, result: ErrorResult): void {
  io.stdout(`${JSON.stringify(result, null, 2)}\n`);
}

/**
 * Prints a thrown value as the command's error: an ErrorResult on stdout with `json`, else `error:`/`hint:` on
 * stderr (and the stack of an unexpected error). Returns the exit code: 2 for setup codes, else 1.
 */
function reportError(io: Pick<CliIo, 'stdout' | 'stderr'>, json: boolean, err: unknown): number {
  const e = isEngineError(err) ? err : new EngineError('migration-failed', `Unexpected error: ${errorMessage(err)}`);
  const code = isEngineError(err) ? err.code : 'internal';
  if (json) {
    printError(io, { error: { code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(e.environments ? { environments: e.environments } : {}) } });
  } else {
    io.stderr(`error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
    if (!isEngineError(err) && err instanceof Error && err.stack) io.stderr(`${maskText(err.stack)}\n`);
  }
  return isEngineError(err) && SETUP_ERROR_CODES.has(err.code) ? ExitCode.setup : ExitCode.failure;
}

/**
 * Runs `main` as the program with `argv`, then sets the exit code. If workspace code (a knexfile, a migration)
 * left a handle open, the process still ends once stdout is flushed (2 s later). If the process runs out of work
 * before main() settles (`beforeExit`: a promise in the project's code that nothing can settle), it prints that
 * error (timeouts.ts `neverSettledError`, naming the wait under way) and exits 2.
 */
export function runAsProgram(main: (argv: string[]) => Promise<number>, argv: string[]): void {
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
