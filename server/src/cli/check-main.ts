/**
 * `migration-guard check` as a program of its own (built to dist/cli-check.js): the same commander command, handler
 * and formatters as in the whole CLI (main.ts), without the engine and the other commands. The launcher
 * (startup/launcher.ts) starts it when the first argument is `check`; flags, output and exit codes are those of
 * main.ts, which still runs `check` from sources and in tests.
 */
import { commands } from '../protocol';
import { check } from './commands/check';
import { CliOutput, defaultIo, type CliIo } from './output';
import { runAsProgram as run, runProgram, VERSION } from './program';
import { registerCommand } from './register';

/** Runs `migration-guard check …` (`argv` starts with `check`) and returns the exit code. Never calls `process.exit`. */
export async function main(argv: string[], ioOverrides: Partial<CliIo> = {}): Promise<number> {
  const ctx = new CliOutput(defaultIo(ioOverrides), argv, VERSION);
  return runProgram(argv, ctx, (program) => registerCommand(program, commands.check, check, ctx));
}

/** Runs `check` as the program (program.ts `runAsProgram`); called by the launcher. */
export function runAsProgram(argv: string[]): void {
  run(main, argv);
}
