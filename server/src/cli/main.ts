/**
 * `migration-guard` CLI: `check` lints files; `status`, `upgrade`, `backup`, `validate` and the other commands run
 * the engine on the project's Knex configuration. The commands, their flags and results are the protocol's table
 * (protocol/cli.ts); each command's behaviour is a file in commands/, its text a formatter in format/. `--json`
 * prints the protocol's shapes on stdout (an ErrorResult on failure); human text goes to stdout and progress to
 * stderr. Exit codes: protocol `ExitCode` (0 ok, 1 findings/invalid/failed/refused, 2 usage or setup error).
 */
import { Command, CommanderError } from 'commander';
import { EngineError, errorMessage, isEngineError, maskText, SETUP_ERROR_CODES } from '../migrations';
import { neverSettledError, pendingWaits } from '../migrations/timeouts';
import { commands, ExitCode, type ErrorResult } from '../protocol';
import { handlers } from './commands';
import { CliContext, defaultIo, wantsJson, type CliIo } from './context';
import { registerCommand } from './register';

export type { CliIo } from './context';

/** The version `--version` prints (and SARIF reports). */
const VERSION = '0.1.0';

/**
 * Runs the CLI with `argv` (the arguments after the script, e.g. `['status', '--json']`) and
 * returns the exit code. Never calls `process.exit`.
 */
export async function main(argv: string[], ioOverrides: Partial<CliIo> = {}): Promise<number> {
  const ctx = new CliContext({ ...defaultIo(), ...ioOverrides }, argv, VERSION);
  const program = new Command('migration-guard')
    .description('Catches dangerous database migrations before they run, and runs Knex migrations safely.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout(s), writeErr: (s) => ctx.io.stderr(s) })
    .showHelpAfterError('(run migration-guard --help for usage)')
    .allowExcessArguments(false);
  const register = <K extends keyof typeof commands>(key: K) => registerCommand(program, commands[key], handlers[key], ctx);
  for (const key of Object.keys(commands) as Array<keyof typeof commands>) register(key);
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
