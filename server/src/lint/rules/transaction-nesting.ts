/**
 * `transaction-nesting`: BEGIN / COMMIT / ROLLBACK where a transaction is already open.
 * - Knex: in `knex.raw` of a migration that runs in Knex's transaction (no `config = { transaction: false }`):
 *   BEGIN only warns on PostgreSQL (and fails on SQLite), while COMMIT/ROLLBACK end Knex's transaction early, so the
 *   rest of the migration and the `knex_migrations` bookkeeping run outside it.
 * - Plain SQL (heuristic, since the runner is unknown): a BEGIN while an earlier BEGIN in the same file is still open.
 * Source: PostgreSQL docs, "BEGIN" ("Issuing BEGIN when already inside a transaction block will provoke a warning");
 * SQLite docs, "BEGIN TRANSACTION"; Knex docs, Migrations — transactions; Squawk `transaction-nesting`.
 */
import { opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { at, docsPath, EMBEDDED_SQL_ORIGINS, inRunnerTransaction, runnerName } from './util';

export const id = 'transaction-nesting';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Transaction control inside a transaction',
    description: "BEGIN inside an open transaction does not nest (PostgreSQL only warns, SQLite fails), and COMMIT/ROLLBACK inside a runner's transaction end it early: later statements run outside it and a failure no longer rolls everything back.",
    help: 'Let the runner manage the transaction: remove BEGIN/COMMIT from the migration, or export `config = { transaction: false }` in Knex when you manage transactions yourself.',
    docsPath: docsPath(id),
  },
  check(ctx) {
    const violations: RuleViolation[] = [];
    let open = false;
    let phase: string | undefined;
    for (const op of opsOfType(ctx.doc, 'transactionControl')) {
      if (op.type !== 'transactionControl') continue;
      if (op.phase !== phase) {
        phase = op.phase;
        open = false;
      }
      if (EMBEDDED_SQL_ORIGINS.has(op.origin) && inRunnerTransaction(ctx, op)) {
        const runner = runnerName(ctx);
        violations.push(
          at(op, op.kind === 'begin' ? `BEGIN inside the transaction ${runner} opens for this migration does not start a new one.` : `${op.kind.toUpperCase()} here ends the transaction ${runner} opened for this migration; the rest runs outside it.`),
        );
      } else if (op.kind === 'begin' && open) {
        violations.push(at(op, 'BEGIN while the transaction opened earlier in this file is still open does not nest.'));
      }
      open = op.kind === 'begin' ? true : false;
    }
    return violations;
  },
};

