/**
 * The CLI's table of commands (protocol/cli.ts) as the two sides use it: what the extension writes with
 * `commandArgv` is parsed by the CLI (registered from the same table) into the same values; every flag's key is
 * the property commander parses it into; result types come from the table.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { CliContext, defaultIo } from '../../server/src/cli/context';
import { registerCommand } from '../../server/src/cli/register';
import { CLI_COMMANDS, commandArgv, commands, flagsOf, type CommandInput, type CommandSpec, type ResultOf, type UpgradeResult } from '../../server/src/protocol';

/** Parses `argv` with a program holding only `spec`, and returns what its handler received. */
async function parsedBy<C extends CommandSpec>(spec: C, argv: string[]): Promise<Record<string, unknown>> {
  const ctx = new CliContext({ ...defaultIo(), stdout: () => {}, stderr: () => {} }, argv, '0.0.0');
  const program = new Command('migration-guard').exitOverride();
  let received: Record<string, unknown> | undefined;
  registerCommand(program, spec, (_ctx, options) => void (received = options as Record<string, unknown>), ctx);
  await program.parseAsync(argv, { from: 'user' });
  assert.ok(received, `${spec.name}: the handler was not called`);
  return received;
}

test('each flag key is the property commander parses the flag into', () => {
  for (const spec of Object.values(commands)) {
    const program = new Command('migration-guard');
    const ctx = new CliContext(defaultIo(), [], '0.0.0');
    registerCommand(program, spec, () => {}, ctx);
    const words = spec.name.split(' ');
    const command = words.reduce<Command>((parent, word) => parent.commands.find((c) => c.name() === word) as Command, program);
    assert.deepEqual(
      command.options.map((o) => o.attributeName()),
      Object.keys(flagsOf(spec)),
      spec.name,
    );
  }
});

test('what the extension writes is what the CLI reads (upgrade, downgrade, restore, mark-applied)', async () => {
  const upgrade: CommandInput<typeof commands.upgrade> = { yes: true, plan: 'abc', step: 2, allowUnsafe: true, allowUnsafeTable: ['users', 'orders'], backup: false, json: true, cwd: '/p' };
  const argv = commandArgv(commands.upgrade, upgrade);
  assert.deepEqual(argv, ['upgrade', '--yes', '--plan', 'abc', '--step', '2', '--allow-unsafe', '--allow-unsafe-table', 'users', '--allow-unsafe-table', 'orders', '--no-backup', '--json', '--cwd', '/p']);
  const parsed = await parsedBy(commands.upgrade, argv);
  assert.deepEqual(
    { yes: parsed.yes, plan: parsed.plan, step: parsed.step, allowUnsafe: parsed.allowUnsafe, allowUnsafeTable: parsed.allowUnsafeTable, backup: parsed.backup, json: parsed.json, cwd: parsed.cwd },
    { yes: true, plan: 'abc', step: '2', allowUnsafe: true, allowUnsafeTable: ['users', 'orders'], backup: false, json: true, cwd: '/p' },
  );

  const down = await parsedBy(commands.downgrade, commandArgv(commands.downgrade, { dryRun: true, to: '002_b.js' }));
  assert.equal(down.dryRun, true);
  assert.equal(down.to, '002_b.js');
  assert.equal(down.backup, true, 'no --no-backup: back up');
  assert.deepEqual(down.allowUnsafeTable, []);

  const restoreArgv = commandArgv(commands.restore, { backup: '/p/.migration-guard/backups/backup_1.sqlite3', yes: true });
  assert.deepEqual(restoreArgv, ['restore', '/p/.migration-guard/backups/backup_1.sqlite3', '--yes']);
  assert.equal((await parsedBy(commands.restore, restoreArgv)).backup, '/p/.migration-guard/backups/backup_1.sqlite3');

  const mark = await parsedBy(commands.markApplied, commandArgv(commands.markApplied, { name: '001_a.js', confirm: 'prod_db' }));
  assert.deepEqual([mark.name, mark.confirm], ['001_a.js', 'prod_db']);

  const diff = await parsedBy(commands.schemaDiff, commandArgv(commands.schemaDiff, { expected: 'migrations', actual: 'database' }));
  assert.deepEqual([diff.expected, diff.actual], ['migrations', 'database']);
  const check = await parsedBy(commands.check, commandArgv(commands.check, { paths: ['a.sql', 'b.sql'], format: 'sarif' }));
  assert.deepEqual([check.paths, check.format], [['a.sql', 'b.sql'], 'sarif']);
});

test('false and omitted flags are left out; an unknown flag is refused', () => {
  assert.deepEqual(commandArgv(commands.upgrade, { yes: false, dryRun: undefined, backup: true }), ['upgrade']);
  assert.throws(() => commandArgv(commands.upgrade, { bogus: true } as CommandInput<typeof commands.upgrade>), /has no flag 'bogus'/);
});

test('CLI_COMMANDS are the first words of the table', () => {
  assert.ok(CLI_COMMANDS.includes('schema') && !CLI_COMMANDS.includes('snapshot'));
  assert.equal(new Set(CLI_COMMANDS).size, CLI_COMMANDS.length);
});

test('a command carries its result type', () => {
  // Compile-time: ResultOf<upgrade> is UpgradeResult both ways.
  const fromTable = (r: ResultOf<typeof commands.upgrade>): UpgradeResult => r;
  const toTable = (r: UpgradeResult): ResultOf<typeof commands.upgrade> => r;
  assert.equal(typeof fromTable, 'function');
  assert.equal(typeof toTable, 'function');
});
