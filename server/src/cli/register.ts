/**
 * Turns the protocol's table of commands into commander commands: each command's words, arguments and flags
 * come from its {@link CommandSpec}; its behaviour from its {@link Handler} (cli/commands/).
 */
import { Command, Option } from 'commander';
import { CLI_GROUPS, ExitCode, flagsOf, flagSyntax, type CommandOptions, type CommandSpec, type FlagSpec } from '../protocol';
import type { CliContext } from './context';
import type { CliOutput } from './output';

/**
 * Runs one command: receives the parsed arguments and flags, prints through `ctx`, and returns the exit code
 * (nothing = 0). Throws an EngineError (or anything) to fail: main() prints it and picks the exit code. `X` is
 * the context it needs: {@link CliContext} for the engine commands, only {@link CliOutput} for `check`.
 */
export type Handler<C extends CommandSpec, X extends CliOutput = CliContext> = (ctx: X, options: CommandOptions<C>) => Promise<number | void> | number | void;

/** A commander option for one flag of the table. */
export function toOption(key: string, flag: FlagSpec): Option {
  const option = new Option(flagSyntax(key, flag), flag.description);
  if (flag.choices) option.choices(flag.choices);
  if (flag.default !== undefined) option.default(flag.default);
  if (flag.kind === 'list') option.argParser((value: string, previous: string[]) => [...previous, value]).default([]);
  if (flag.required) option.makeOptionMandatory();
  return option;
}

/**
 * Adds `spec` to `program` (under its group for a two-word name, creating the group from {@link CLI_GROUPS}
 * once) and runs `handler` with the parsed input when it is called. Before the handler runs, `ctx.json` follows
 * the command's `--json`; its exit code is kept in `ctx.code`.
 */
export function registerCommand<C extends CommandSpec, X extends CliOutput>(program: Command, spec: C, handler: Handler<C, X>, ctx: X): void {
  const words = spec.name.split(' ');
  let parent = program;
  for (const group of words.slice(0, -1)) {
    parent = parent.commands.find((c) => c.name() === group) ?? parent.command(group).description(CLI_GROUPS[group] ?? '');
  }
  const command = parent.command(words[words.length - 1] as string).description(spec.description);
  for (const arg of spec.args) command.argument(arg.variadic ? `<${arg.name}...>` : `<${arg.name}>`, arg.description);
  for (const [key, flag] of Object.entries(flagsOf(spec))) command.addOption(toOption(key, flag));
  command.action(async (...params: unknown[]) => {
    const flags = params[spec.args.length] as Record<string, unknown>;
    const args = Object.fromEntries(spec.args.map((arg, i) => [arg.name, params[i]]));
    ctx.json = flags.json === true;
    const code = await handler(ctx, { ...args, ...flags } as CommandOptions<C>);
    ctx.code = code ?? ExitCode.ok;
  });
}
