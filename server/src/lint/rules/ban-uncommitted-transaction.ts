/**
 * `ban-uncommitted-transaction`: a BEGIN with no COMMIT or ROLLBACK after it in the same file (and phase). The
 * transaction stays open when the script ends: psql rolls it back on exit, a pooled connection goes back to the pool
 * inside it, and the locks taken so far are held until then. Not reported for BEGIN inside a runner's transaction
 * (that is `transaction-nesting`).
 * Source: PostgreSQL docs, "BEGIN", "COMMIT"; SQLite docs, "BEGIN TRANSACTION"; Squawk `ban-uncommitted-transaction`.
 */
import { opsOfType } from '../model';
import type { Operation, Rule } from '../model';
import { at, docsPath, EMBEDDED_SQL_ORIGINS, inRunnerTransaction } from './util';

export const id = 'ban-uncommitted-transaction';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Transaction left open',
    description: 'A BEGIN without a later COMMIT leaves the transaction open when the script ends: its changes are rolled back or committed by whoever uses the connection next, and its locks are held until then.',
    help: 'End the transaction with `COMMIT;` at the end of the file (or remove BEGIN and let the runner manage the transaction).',
    docsPath: docsPath(id),
  },
  check(ctx) {
    const open = new Map<string, Operation>();
    for (const op of opsOfType(ctx.doc, 'transactionControl')) {
      if (EMBEDDED_SQL_ORIGINS.has(op.origin) && inRunnerTransaction(ctx, op)) continue;
      const phase = op.phase ?? '';
      if (op.kind === 'begin') {
        if (!open.has(phase)) open.set(phase, op);
      } else open.delete(phase);
    }
    return [...open.values()].map((op) => at(op, 'This transaction is never committed: no COMMIT or ROLLBACK follows it in the migration.'));
  },
};
