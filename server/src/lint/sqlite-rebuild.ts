/**
 * SQLite's table rebuild, as the SQLite manual gives it for schema changes ALTER TABLE cannot make ("Making Other
 * Kinds Of Table Schema Changes", https://www.sqlite.org/lang_altertable.html#otheralter): `PRAGMA foreign_keys=OFF`,
 * `BEGIN`, `CREATE TABLE new_x`, `INSERT INTO new_x SELECT … FROM x`, `DROP TABLE x`, `ALTER TABLE new_x RENAME TO x`,
 * `PRAGMA foreign_key_check`, `COMMIT`, `PRAGMA foreign_keys=ON`. It is one operation that keeps the rows, not a drop
 * and a rename. Its danger is the DROP with foreign keys on: it deletes the rows of every table that references `x`
 * with ON DELETE CASCADE. `PRAGMA foreign_keys` "is a no-op within a transaction" (SQLite docs, "PRAGMA
 * foreign_keys"), so it counts only outside BEGIN … COMMIT and outside the runner's transaction (Knex runs each
 * migration in one unless `config.transaction` is false).
 */
import type { DropTableOp, Operation, RenameTableOp, RuleContext } from './model';
import { tableKey } from './model';
import { inRunnerTransaction, opsInExplicitTransaction } from './rules/util';

/** One rebuild: the `DROP TABLE x` and the `ALTER TABLE new_x RENAME TO x` that complete it. */
export interface SqliteRebuild {
  drop: DropTableOp;
  rename: RenameTableOp;
  /** Foreign keys were turned off (effectively: outside any transaction) before the DROP and not turned on again. */
  foreignKeysOff: boolean;
}

/** What {@link sqliteRebuilds} found in one document. */
export interface SqliteRebuilds {
  /** By the DROP TABLE operation of each rebuild. */
  byDrop: Map<Operation, SqliteRebuild>;
  /** Operations before which foreign keys are effectively off (`PRAGMA foreign_keys = OFF` outside a transaction). */
  foreignKeysOff: Set<Operation>;
}

const cache = new WeakMap<object, SqliteRebuilds>();

/** `off`, `0`, `false`, `no` → false; `on`, `1`, `true`, `yes` → true; else undefined. */
function booleanPragma(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (['off', '0', 'false', 'no'].includes(value)) return false;
  if (['on', '1', 'true', 'yes'].includes(value)) return true;
  return undefined;
}

/**
 * The rebuilds of a SQLite document (SQL files and SQL in `knex.raw`): in each phase, a `DROP TABLE x` after a
 * `CREATE TABLE n` of the same phase, followed by `ALTER TABLE n RENAME TO x`. Also where foreign keys are
 * effectively off. Computed once per document; empty for other dialects. Never throws.
 */
export function sqliteRebuilds(ctx: RuleContext): SqliteRebuilds {
  const doc = ctx.doc;
  const cached = cache.get(doc);
  if (cached) return cached;
  const found: SqliteRebuilds = { byDrop: new Map(), foreignKeysOff: new Set() };
  cache.set(doc, found);
  if (ctx.dialect !== 'sqlite') return found;
  const inExplicit = opsInExplicitTransaction(doc);
  let phase: string | undefined;
  let fkOff = false;
  const created = new Set<string>();
  /** Tables dropped after a CREATE TABLE of this phase, by name, waiting for the rename that completes a rebuild. */
  const pending = new Map<string, { drop: DropTableOp; foreignKeysOff: boolean }>();
  for (const op of doc.operations) {
    if (op.phase !== phase) {
      phase = op.phase;
      fkOff = false;
      created.clear();
      pending.clear();
    }
    if (fkOff) found.foreignKeysOff.add(op);
    if (op.type === 'setVariable' && op.name === 'foreign_keys' && !inExplicit.has(op) && !inRunnerTransaction(ctx, op)) {
      const on = booleanPragma(op.value);
      if (on !== undefined) fkOff = !on;
    } else if (op.type === 'createTable') {
      created.add(tableKey(op));
    } else if (op.type === 'dropTable' && created.size > 0 && !created.has(tableKey(op))) {
      pending.set(tableKey(op), { drop: op, foreignKeysOff: fkOff });
    } else if (op.type === 'renameTable' && created.has(tableKey(op))) {
      const p = pending.get(op.newName.toLowerCase());
      if (p) {
        found.byDrop.set(p.drop, { drop: p.drop, rename: op, foreignKeysOff: p.foreignKeysOff });
        pending.delete(op.newName.toLowerCase());
      }
    }
  }
  return found;
}
