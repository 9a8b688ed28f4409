/**
 * The handler of every command of the protocol's table ({@link commands}), one file each. The type makes the
 * map complete: a command added to the table without a handler does not compile.
 */
import type { commands } from '../../protocol';
import type { Handler } from '../register';
import { backup } from './backup';
import { backups } from './backups';
import { check } from './check';
import { downgrade } from './downgrade';
import { history } from './history';
import { markApplied } from './mark-applied';
import { newMigration } from './new';
import { projects } from './projects';
import { prune } from './prune';
import { restore } from './restore';
import { safetyCheck } from './safety-check';
import { schemaDiff } from './schema-diff';
import { schemaSnapshot } from './schema-snapshot';
import { stats } from './stats';
import { status } from './status';
import { unlock } from './unlock';
import { unmark } from './unmark';
import { upgrade } from './upgrade';
import { validate } from './validate';

type Commands = typeof commands;

/** Each command's handler, by its key in the table. */
export const handlers: { [K in keyof Commands]: Handler<Commands[K]> } = {
  check,
  status,
  validate,
  safetyCheck,
  backup,
  backups,
  prune,
  restore,
  upgrade,
  projects,
  downgrade,
  markApplied,
  unmark,
  unlock,
  new: newMigration,
  history,
  stats,
  schemaSnapshot,
  schemaDiff,
};
