/**
 * What a Knex migration node of the Revisions view offers, and the CLI command line that does the same (no `vscode`
 * import, so it is unit-tested). package.json's `view/item/context` entries show each action by the node's
 * `contextValue` (`migration.<state>`); test/unit/node-actions.test.ts checks that they agree with
 * {@link migrationActions}. Every action runs through the existing commands (plan modal, consent bound to the plan,
 * backup first); nothing here runs anything.
 */
import { commandArgv, commands, type MigrationState } from '../../../server/src/protocol';

/** An action of a migration node; `inline` ones are the buttons on the row, the others the context menu. */
export type MigrationAction = 'open' | 'preview' | 'upgradeTo' | 'downgradeTo' | 'markApplied' | 'unmark' | 'copyName' | 'copyCliCommand' | 'reveal';

/** The command id of each action (package.json `contributes.commands`). */
export const ACTION_COMMANDS: Readonly<Record<MigrationAction, string>> = {
  open: 'migrationGuard.openMigration',
  preview: 'migrationGuard.preview',
  upgradeTo: 'migrationGuard.upgradeTo',
  downgradeTo: 'migrationGuard.downgradeTo',
  markApplied: 'migrationGuard.markApplied',
  unmark: 'migrationGuard.unmark',
  copyName: 'migrationGuard.copyMigrationName',
  copyCliCommand: 'migrationGuard.copyCliCommand',
  reveal: 'migrationGuard.revealMigration',
};

/** The node's `contextValue`: package.json's `when` clauses match `viewItem` against it. */
export function migrationContextValue(state: MigrationState): string {
  return `migration.${state}`;
}

/** True when the migration is not applied (the next upgrade runs it). */
function isPending(state: MigrationState): boolean {
  return state === 'pending' || state === 'out-of-order';
}

/**
 * The actions of a node in `state`, inline first, then the context menu:
 * - pending / out of order: Open, Preview (the upgrade up to it), Upgrade to Here; Mark as Applied;
 * - applied / edited: Open, Preview (the down()s of Downgrade to Here), Downgrade to Here; Unmark;
 * - missing (recorded, no file): Unmark only — there is no file to open, preview or run.
 * Every node with a name gets Copy Name and Copy CLI Command; a node with a file, Reveal in Explorer. Upgrade and
 * Downgrade to Here are in the context menu too: inline buttons need a mouse, the context menu has a key (Shift+F10).
 */
export function migrationActions(state: MigrationState): { inline: MigrationAction[]; menu: MigrationAction[] } {
  if (state === 'missing') return { inline: [], menu: ['unmark', 'copyName', 'copyCliCommand'] };
  if (isPending(state)) return { inline: ['open', 'preview', 'upgradeTo'], menu: ['upgradeTo', 'markApplied', 'copyName', 'copyCliCommand', 'reveal'] };
  return { inline: ['open', 'preview', 'downgradeTo'], menu: ['downgradeTo', 'unmark', 'copyName', 'copyCliCommand', 'reveal'] };
}

/** Where the node's project is, as the engine runner gets it (engine.ts `EngineTarget` and the folder's settings). */
export interface CliPlace {
  /** The workspace folder (a terminal opens there). */
  folder: string;
  /** The project root the engine runs in (`--cwd`); the folder when no project was discovered. */
  root: string;
  /** The knexfile the engine is given (`--knexfile`): the discovered one, or the `migrationGuard.knexfile` setting (relative to the folder). */
  knexfile?: string;
  /** `migrationGuard.environment` (`--env`); empty or undefined: the default. */
  environment?: string;
}

/** `to` relative to `from` with `/`, or `to` itself when it is not below `from`; '' when they are the same. */
function below(from: string, to: string): string {
  const a = from.replace(/\\/g, '/').replace(/\/+$/, '');
  const b = to.replace(/\\/g, '/').replace(/\/+$/, '');
  if (a === b) return '';
  return b.startsWith(`${a}/`) ? b.slice(a.length + 1) : to;
}

/** Quoted for a POSIX shell when it needs it (`'it''s'` style: `'` closes, `\'`, reopens). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const DEFAULT_KNEXFILE = /^knexfile\.(js|ts|cjs|mjs|cts|mts)$/;

/**
 * The `migration-guard …` command line that does what the node's main action does, to run in a terminal opened at
 * the workspace folder: `upgrade --to <name>` for a pending migration, `downgrade --to <name>` for an applied or
 * edited one, `unmark <name>` for a missing one. Built from the protocol's command table (`commandArgv`), so the
 * flags are the CLI's own; without `--yes`, so the CLI shows the plan and asks before it writes. `--cwd` when the
 * project is not the folder itself (relative when below it), `--knexfile` only when the engine would not find it
 * by itself (not a `knexfile.*` in the project root), `--env` when an environment is selected. Names and paths
 * only: no connection string, no password.
 */
export function cliCommand(state: MigrationState, name: string, place: CliPlace): string {
  const cwd = below(place.folder, place.root);
  const knexfileAbs = place.knexfile === undefined ? undefined : /^([/\\]|[A-Za-z]:)/.test(place.knexfile) ? place.knexfile : `${place.folder.replace(/[/\\]+$/, '')}/${place.knexfile}`;
  const knexfileRel = knexfileAbs === undefined ? '' : below(place.root, knexfileAbs);
  const knexfile = knexfileRel && !DEFAULT_KNEXFILE.test(knexfileRel) ? knexfileRel : undefined;
  const flags = { ...(cwd ? { cwd } : {}), ...(knexfile ? { knexfile } : {}), ...(place.environment ? { env: place.environment } : {}) };
  const argv =
    state === 'missing'
      ? commandArgv(commands.unmark, { name, ...flags })
      : isPending(state)
        ? commandArgv(commands.upgrade, { to: name, ...flags })
        : commandArgv(commands.downgrade, { to: name, ...flags });
  return ['migration-guard', ...argv].map(shellQuote).join(' ');
}
