/**
 * The Revisions view's migration nodes (issue 16): which actions each state gets, that package.json's menus show
 * exactly those (inline and context menu, evaluated from their `when` clauses), and the CLI command line that
 * Copy CLI Command puts on the clipboard.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ACTION_COMMANDS, cliCommand, migrationActions, migrationContextValue, shellQuote, type MigrationAction } from '../../client/src/revisions/node-actions';
import type { MigrationState } from '../../server/src/protocol';

const STATES: MigrationState[] = ['pending', 'out-of-order', 'applied', 'edited', 'missing'];

interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}
const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { commands: Array<{ command: string; icon?: string }>; menus: Record<string, MenuItem[]> };
};

/** Evaluates the subset of `when` syntax the view's items use: `view == x`, `viewItem == x`, `viewItem =~ /re/`, joined by `&&`. */
function shown(when: string | undefined, viewItem: string): boolean {
  if (!when) return true;
  return when.split('&&').every((clause) => {
    const c = clause.trim();
    let m = /^view == (\S+)$/.exec(c);
    if (m) return m[1] === 'migrationGuard.revisions';
    m = /^viewItem == (\S+)$/.exec(c);
    if (m) return m[1] === viewItem;
    m = /^viewItem =~ \/(.+)\/$/.exec(c);
    if (m) return new RegExp(m[1]!).test(viewItem);
    throw new Error(`unexpected when clause: ${c}`);
  });
}

const byCommand = new Map(Object.entries(ACTION_COMMANDS).map(([action, command]) => [command, action as MigrationAction]));

void describe('migration node actions', () => {
  void it('each state gets its actions: Upgrade to Here only on pending nodes, Downgrade to Here only on applied ones, nothing to open on a missing file', () => {
    assert.deepEqual(migrationActions('pending'), { inline: ['open', 'preview', 'upgradeTo'], menu: ['upgradeTo', 'markApplied', 'copyName', 'copyCliCommand', 'reveal'] });
    assert.deepEqual(migrationActions('out-of-order'), migrationActions('pending'));
    assert.deepEqual(migrationActions('applied'), { inline: ['open', 'preview', 'downgradeTo'], menu: ['downgradeTo', 'unmark', 'copyName', 'copyCliCommand', 'reveal'] });
    assert.deepEqual(migrationActions('edited'), migrationActions('applied'));
    assert.deepEqual(migrationActions('missing'), { inline: [], menu: ['unmark', 'copyName', 'copyCliCommand'] });
  });

  void it("package.json's view/item/context shows exactly those actions for each state, inline ones in the inline group", () => {
    const items = pkg.contributes.menus['view/item/context'] ?? [];
    for (const state of STATES) {
      const viewItem = migrationContextValue(state);
      const visible = items.filter((i) => shown(i.when, viewItem));
      const inline = visible.filter((i) => i.group?.startsWith('inline')).map((i) => byCommand.get(i.command) ?? i.command);
      const menu = visible.filter((i) => !i.group?.startsWith('inline')).map((i) => byCommand.get(i.command) ?? i.command);
      const want = migrationActions(state);
      assert.deepEqual(inline.sort(), [...want.inline].sort(), `inline of ${state}`);
      assert.deepEqual(menu.sort(), [...want.menu].sort(), `menu of ${state}`);
    }
  });

  void it('every action command is contributed, inline ones with an icon, and none is offered in the palette without a node', () => {
    const contributed = new Map(pkg.contributes.commands.map((c) => [c.command, c]));
    const hidden = new Set((pkg.contributes.menus.commandPalette ?? []).filter((i) => i.when === 'false').map((i) => i.command));
    for (const [action, command] of Object.entries(ACTION_COMMANDS)) {
      assert.ok(contributed.has(command), `${command} is contributed`);
      if (['open', 'upgradeTo', 'downgradeTo', 'copyName', 'copyCliCommand', 'reveal', 'markApplied', 'unmark'].includes(action)) assert.ok(hidden.has(command), `${command} hidden from the palette`);
    }
    for (const state of STATES) for (const action of migrationActions(state).inline) assert.ok(contributed.get(ACTION_COMMANDS[action])?.icon, `${action} has an icon`);
    const upgradeUnlessPending = STATES.filter((st) => st !== 'pending' && st !== 'out-of-order').some((st) => [...migrationActions(st).inline, ...migrationActions(st).menu].includes('upgradeTo'));
    assert.equal(upgradeUnlessPending, false, 'Upgrade to Here only on pending nodes');
    const downgradeUnlessApplied = STATES.filter((st) => st !== 'applied' && st !== 'edited').some((st) => [...migrationActions(st).inline, ...migrationActions(st).menu].includes('downgradeTo'));
    assert.equal(downgradeUnlessApplied, false, 'Downgrade to Here only on applied nodes');
  });
});

void describe('Copy CLI Command', () => {
  const folder = '/work/shop';
  void it('a pending migration: upgrade --to, no --yes (the CLI shows the plan and asks); nothing else in a plain workspace', () => {
    assert.equal(cliCommand('pending', '20240105090000_create_users.js', { folder, root: folder }), 'migration-guard upgrade --to 20240105090000_create_users.js');
    assert.equal(cliCommand('out-of-order', '003_c.js', { folder, root: folder, knexfile: `${folder}/knexfile.js` }), 'migration-guard upgrade --to 003_c.js');
  });

  void it('an applied or edited migration: downgrade --to (it stays applied); a missing one: unmark', () => {
    assert.equal(cliCommand('applied', '002_b.js', { folder, root: folder }), 'migration-guard downgrade --to 002_b.js');
    assert.equal(cliCommand('edited', '002_b.js', { folder, root: folder }), 'migration-guard downgrade --to 002_b.js');
    assert.equal(cliCommand('missing', '001_a.js', { folder, root: folder }), 'migration-guard unmark 001_a.js');
  });

  void it('a project below the folder gets --cwd (relative), a selected environment --env, a knexfile of another name --knexfile', () => {
    assert.equal(
      cliCommand('pending', '003_c.js', { folder, root: `${folder}/services/api`, knexfile: `${folder}/services/api/knexfile.ts`, environment: 'production' }),
      'migration-guard upgrade --to 003_c.js --cwd services/api --env production',
    );
    assert.equal(cliCommand('applied', '003_c.js', { folder, root: folder, knexfile: 'config/db.knexfile.js' }), 'migration-guard downgrade --to 003_c.js --knexfile config/db.knexfile.js');
    assert.equal(cliCommand('missing', '003_c.js', { folder, root: '/elsewhere/app' }), 'migration-guard unmark 003_c.js --cwd /elsewhere/app');
  });

  void it('quotes what a shell would split or expand', () => {
    assert.equal(cliCommand('pending', "003 it's.js", { folder, root: `${folder}/my app`, environment: 'stage $1' }), `migration-guard upgrade --to '003 it'\\''s.js' --cwd 'my app' --env 'stage $1'`);
    assert.equal(shellQuote('a/b-c_d.js'), 'a/b-c_d.js');
    assert.equal(shellQuote(''), "''");
  });
});
