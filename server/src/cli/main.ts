/**
 * `migration-guard` CLI: `check` lints files; `status`, `upgrade`, `backup`, `validate` and the other commands run
 * the engine on the project's Knex configuration. The commands, their flags and results are the protocol's table
 * (protocol/cli.ts); each command's behaviour is a file in commands/, its text a formatter in format/; the program
 * around them (errors, exit codes) is program.ts. `--json` prints the protocol's shapes on stdout (an ErrorResult on
 * failure); human text goes to stdout and progress to stderr. Exit codes: protocol `ExitCode` (0 ok,
 * 1 findings/invalid/failed/refused, 2 usage or setup error). `check` alone also runs as its own smaller program
 * (check-main.ts), with the same output.
 */
import { commands, ENGINE_HOST_ARG } from '../protocol';
import { handlers } from './commands';
import { CliContext, defaultIo, type CliIo } from './context';
import { runEngineHost } from './engine-host';
import { runAsProgram as run, runProgram, VERSION } from './program';
import { registerCommand } from './register';

export type { CliIo } from './context';

/**
 * Runs the CLI with `argv` (the arguments after the script, e.g. `['status', '--json']`) and
 * returns the exit code. Never calls `process.exit`.
 */
export async function main(argv: string[], ioOverrides: Partial<CliIo> = {}): Promise<number> {
  const ctx = new CliContext(defaultIo(ioOverrides), argv, VERSION);
  return runProgram(argv, ctx, (program) => {
    const register = <K extends keyof typeof commands>(key: K) => registerCommand(program, commands[key], handlers[key], ctx);
    for (const key of Object.keys(commands) as Array<keyof typeof commands>) register(key);
  });
}

/**
 * Runs the CLI as the program (program.ts `runAsProgram`: exit code, open handles, a promise nothing settles), or as
 * the extension's engine host when the first argument is protocol `ENGINE_HOST_ARG` (engine-host.ts).
 * Called by the launcher (dist/cli.js, see startup/launcher.ts) and when this file is run from source.
 */
export function runAsProgram(argv: string[]): void {
  if (argv[0] === ENGINE_HOST_ARG) runEngineHost(main);
  else run(main, argv);
}

// Run from source (node --import tsx server/src/cli/main.ts …). Importing main() from a test does not run it;
// the bundle (dist/cli-main.js) is started by the launcher.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) runAsProgram(process.argv.slice(2));
