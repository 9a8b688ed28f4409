/**
 * `schema-change-with-backfill` (PostgreSQL): an UPDATE of an existing table (SQL, Knex `knex('t').update(…)`, SQL in
 * `op.execute` / `pgm.sql`) in the same transaction as a schema change that locks an existing table — the runner's
 * transaction of a Knex / Alembic / node-pg-migrate migration, or one BEGIN … COMMIT block. Locks are held until
 * COMMIT, so the table stays locked (ACCESS EXCLUSIVE blocks even reads) for as long as the backfill runs, and the
 * backfill's row locks block writers meanwhile.
 * Source: PostgreSQL docs, "Explicit Locking" ("Once acquired, a lock is normally held until the end of the
 * transaction"); strong_migrations, "Backfilling data" ("… backfilling in the same transaction that alters a table keeps
 * the table locked for the duration of the backfill").
 */
import { blockingMode } from '../locks';
import { displayTable, opsOfType } from '../model';
import type { Operation, Rule, RuleContext, RuleViolation } from '../model';
import { at, docsPath, inRunnerTransaction } from './util';

export const id = 'schema-change-with-backfill';

/**
 * Schema changes that lock an existing table against the application until the transaction ends: a mode (lint/locks.ts)
 * blocking reads or writes; row changes (ROW EXCLUSIVE) are not schema changes.
 */
function locksTable(op: Operation): boolean {
  return op.type !== 'updateRows' && op.type !== 'deleteRows' && blockingMode(op) !== undefined;
}

/** Transaction groups: `phase:runner` for a migration's runner transaction, `phase:block:n` for the n-th BEGIN … COMMIT. */
function transactionGroups(ctx: RuleContext): Map<string, Operation[]> {
  const groups = new Map<string, Operation[]>();
  let block = 0;
  let open = false;
  let phase: string | undefined;
  for (const op of ctx.doc.operations) {
    if (op.phase !== phase) {
      phase = op.phase;
      open = false;
    }
    if (op.type === 'transactionControl') {
      if (op.kind === 'begin' && !open) block++;
      open = op.kind === 'begin';
      continue;
    }
    const key = inRunnerTransaction(ctx, op) ? `${phase ?? ''}:runner` : open ? `${phase ?? ''}:block:${block}` : undefined;
    if (!key) continue;
    const g = groups.get(key);
    if (g) g.push(op);
    else groups.set(key, [op]);
  }
  return groups;
}

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Data backfill in the same transaction as a schema change',
    description: 'Locks are held until the transaction commits: an UPDATE in the same transaction as a schema change keeps the altered table locked for the whole backfill.',
    help: 'Put the backfill in its own migration (without a transaction, in batches of a few thousand rows), after the schema change has committed.',
    lock: 'the schema change’s lock (often ACCESS EXCLUSIVE), held for the duration of the backfill',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql' || opsOfType(ctx.doc, 'updateRows').length === 0) return [];
    // A plain SQL file without BEGIN has no transaction to share.
    if (ctx.kind === 'sql' && opsOfType(ctx.doc, 'transactionControl').length === 0) return [];
    const violations: RuleViolation[] = [];
    for (const ops of transactionGroups(ctx).values()) {
      const change = ops.find((o) => locksTable(o) && !o.tableIsNew);
      if (!change) continue;
      for (const op of ops) {
        if (op.type !== 'updateRows' || op.tableIsNew) continue;
        violations.push(at(op, `This UPDATE runs in the same transaction as a schema change on ${displayTable(change)}, which stays locked until the backfill commits.`));
      }
    }
    return violations;
  },
};
