/**
 * Whether a PostgreSQL setting (`lock_timeout`, `statement_timeout`) is in effect at each statement of a migration,
 * followed through the statements in order (flow-sensitive, not "set somewhere in the file"):
 * - `SET name = v` / `SET SESSION name = v`: in effect from there on, unless `v` is zero (`0`, `'0s'`: disabled).
 * - `SET LOCAL name = v`: until the end of the current transaction (an explicit BEGIN … COMMIT/ROLLBACK, or the
 *   runner's transaction around a Knex / Alembic / node-pg-migrate migration); outside a transaction it does nothing
 *   (PostgreSQL warns "SET LOCAL can only be used in transaction blocks").
 * - `RESET name`, `SET name TO DEFAULT`, `RESET ALL`: back to the server default (taken as none).
 * - `ROLLBACK` undoes the SETs of its transaction; `COMMIT` ends the SET LOCALs.
 * Each phase (`up`, `down`) starts with the setting not in effect. A setting made by the role, the database or the
 * runner's connection is not seen (the rules using this are off by default for that reason).
 * Source: PostgreSQL docs, SET (sql-set.html): "The effects of SET LOCAL last only till the end of the current
 * transaction"; "If SET (or equivalently SET SESSION) is issued within a transaction that is later aborted, the
 * effects of the SET command disappear when the transaction is rolled back".
 */
import { blockingMode } from './locks';
import type { Operation, SetVariableOp } from './model';
import type { RuleContext } from './model';
import { inRunnerTransaction } from './rules/util';

/** A value that disables a timeout: `0`, `0s`, `'0ms'`, `0.0`. */
function isZero(value: string | undefined): boolean {
  return value !== undefined && /^0+(?:\.0*)?\s*(?:us|ms|s|min|h|d)?$/.test(value.trim());
}

/** What one SET / RESET makes of the setting: in effect (true) or not. */
function effectOf(op: SetVariableOp): boolean {
  return !op.reset && !isZero(op.value);
}

/**
 * Calls `visit(op, inEffect)` for every operation of `ctx.doc`, in document order, with whether `name` (lower case)
 * is in effect when the operation runs. Never throws.
 */
export function followSetting(ctx: RuleContext, name: string, visit: (op: Operation, inEffect: boolean) => void): void {
  let phase: string | undefined;
  let now = false; // in effect for the next statement
  let session = false; // what remains when the current transaction commits
  let beforeTx = false; // what remains when it rolls back
  let inBlock = false; // inside an explicit BEGIN
  let first = true;
  for (const op of ctx.doc.operations) {
    if (first || op.phase !== phase) {
      first = false;
      phase = op.phase;
      now = session = beforeTx = inBlock = false;
    }
    if (op.type === 'transactionControl') {
      if (op.kind === 'begin') {
        inBlock = true;
        beforeTx = session;
      } else {
        inBlock = false;
        if (op.kind === 'rollback') session = beforeTx;
        now = session;
      }
    } else if (op.type === 'setVariable' && (op.name === name || (op.name === 'all' && op.reset))) {
      const value = effectOf(op);
      if (!op.local) now = session = value;
      else if (inBlock || (inRunnerTransaction(ctx, op) && !op.inPlpgsqlBody)) now = value;
    }
    visit(op, now);
  }
}

/**
 * The statements that take a blocking lock (lint/locks.ts {@link blockingMode}: SHARE or stronger) on a table that
 * exists before the migration while `name` is not in effect: the first of each stretch without it (a stretch ends
 * where the setting comes into effect, and at each phase), in document order, with the lock mode. What
 * `require-lock-timeout` and `require-statement-timeout` report.
 */
export function uncoveredBlockingStatements(ctx: RuleContext, name: string): Array<{ op: Operation; mode: string }> {
  const found: Array<{ op: Operation; mode: string }> = [];
  /** A statement was reported since the setting was last in effect. */
  let reported = false;
  let phase: string | undefined;
  followSetting(ctx, name, (op, inEffect) => {
    if (op.phase !== phase) {
      phase = op.phase;
      reported = false;
    }
    if (inEffect) {
      reported = false;
      return;
    }
    if (reported || op.tableIsNew) return;
    const mode = blockingMode(op);
    if (!mode) return;
    reported = true;
    found.push({ op, mode });
  });
  return found;
}
