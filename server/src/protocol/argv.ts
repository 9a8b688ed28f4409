/**
 * Command lines from the protocol's table of CLI commands (cli.ts): the flag syntax commander registers and the
 * argument list the extension spawns the CLI with. Pure functions.
 */
import { ENGINE_FLAGS, type CommandInput, type CommandSpec, type FlagSpec } from './cli';


/** A command's flags in help order: the {@link ENGINE_FLAGS} first for an engine command, then its own. */
export function flagsOf(spec: CommandSpec): Readonly<Record<string, FlagSpec>> {
  return spec.engine ? { ...ENGINE_FLAGS, ...spec.flags } : spec.flags;
}

/** The flag's long name as typed: `--allow-unsafe` for key `allowUnsafe`, `--no-backup` for the negatable `backup`. */
export function longFlag(key: string, flag: FlagSpec): string {
  return `--${flag.kind === 'negatable' ? 'no-' : ''}${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The flag as the help shows it: `-y, --yes`, `--no-backup`, `--step <n>`. */
export function flagSyntax(key: string, flag: FlagSpec): string {
  return `${flag.short ? `-${flag.short}, ` : ''}${longFlag(key, flag)}${flag.value ? ` <${flag.value}>` : ''}`;
}

/**
 * The command line of `spec` with `input`, after the program name: the command's words, its positional
 * arguments, then each flag given, in the order of `input`'s keys (`false` and `undefined` flags are left out,
 * but a negatable flag set to `false` is written `--no-…`).
 * @throws Error when `input` names a flag the command does not have (the types prevent it).
 */
export function commandArgv<C extends CommandSpec>(spec: C, input: CommandInput<C>): string[] {
  const argv = spec.name.split(' ');
  const values = input as Record<string, unknown>;
  for (const arg of spec.args) {
    const value = values[arg.name];
    if (Array.isArray(value)) argv.push(...(value as string[]));
    else argv.push(String(value));
  }
  const flags = flagsOf(spec);
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || spec.args.some((a) => a.name === key)) continue;
    const flag = flags[key];
    if (!flag) throw new Error(`migration-guard ${spec.name} has no flag '${key}'.`);
    const name = longFlag(key, flag);
    if (flag.kind === 'boolean' && value === true) argv.push(name);
    else if (flag.kind === 'negatable' && value === false) argv.push(name);
    else if (flag.kind === 'list') for (const item of value as readonly string[]) argv.push(name, item);
    else if (flag.kind === 'string' || flag.kind === 'number') argv.push(name, String(value));
  }
  return argv;
}
