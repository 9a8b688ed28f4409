/**
 * `statement-not-allowed-in-transaction` (PostgreSQL): statements PostgreSQL refuses inside a transaction block
 * ("… cannot run inside a transaction block"), run in one — between BEGIN and COMMIT, in a PL/pgSQL body, or in a
 * migration the runner wraps in its transaction (Knex without `config.transaction = false`, Alembic outside
 * `autocommit_block()`, node-pg-migrate without `pgm.noTransaction()`): `VACUUM` (any form), `REINDEX … CONCURRENTLY`,
 * `REINDEX SCHEMA / DATABASE / SYSTEM`, `CLUSTER` without a table, `ALTER TABLE … DETACH PARTITION … CONCURRENTLY`,
 * `DROP DATABASE`. The migration fails when it reaches them. CREATE / DROP INDEX CONCURRENTLY are
 * `concurrently-in-transaction`'s (one rule per statement kind).
 * Source: PostgreSQL docs — VACUUM ("VACUUM cannot be executed inside a transaction block"), REINDEX ("REINDEX
 * SCHEMA, REINDEX DATABASE and REINDEX SYSTEM cannot be executed inside a transaction block"; CONCURRENTLY likewise),
 * CLUSTER ("CLUSTER without a table_name … cannot be executed inside a transaction block"), ALTER TABLE (DETACH
 * PARTITION CONCURRENTLY "cannot be run in a transaction block"), DROP DATABASE; checked on PostgreSQL 15.
 */
import type { Operation, Rule, RuleViolation } from '../model';
import { docsPath, opsInExplicitTransaction, runnerName, transactionBlockViolation } from './util';

export const id = 'statement-not-allowed-in-transaction';

/** The statement's name when PostgreSQL refuses it in a transaction block, else undefined. */
function refusedInTransaction(op: Operation): string | undefined {
  if (op.type === 'maintenance') {
    if (op.command === 'vacuum' || op.command === 'vacuumFull') return op.command === 'vacuum' ? 'VACUUM' : 'VACUUM FULL';
    if (op.command === 'reindex' && op.concurrently) return 'REINDEX CONCURRENTLY';
    if (op.command === 'reindex' && (op.target === 'schema' || op.target === 'database' || op.target === 'system')) return `REINDEX ${op.target.toUpperCase()}`;
    if (op.command === 'cluster' && !op.table) return 'CLUSTER without a table';
    return undefined;
  }
  if (op.type === 'detachPartition' && op.concurrently) return 'DETACH PARTITION … CONCURRENTLY';
  if (op.type === 'dropDatabase' && op.object === 'database' && op.origin !== 'knex') return 'DROP DATABASE';
  return undefined;
}

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'Statement not allowed in a transaction block',
    description: 'PostgreSQL refuses VACUUM, REINDEX CONCURRENTLY (and REINDEX SCHEMA / DATABASE / SYSTEM), CLUSTER without a table, DETACH PARTITION CONCURRENTLY and DROP DATABASE inside a transaction block: the migration fails when it reaches them.',
    help: 'Run the statement outside BEGIN … COMMIT, in a migration of its own without a transaction (Knex: `config = { transaction: false }`; Alembic: `autocommit_block()`; node-pg-migrate: `pgm.noTransaction()`) — or leave maintenance out of migrations.',
    lock: 'n/a (the statement is rejected)',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    const explicit = opsInExplicitTransaction(ctx.doc);
    for (const op of ctx.doc.operations) {
      const what = refusedInTransaction(op);
      if (!what) continue;
      const v = transactionBlockViolation(ctx, op, explicit, what, `${what} fails in this ${runnerName(ctx)} migration: ${runnerName(ctx)} runs it in a transaction block, where PostgreSQL refuses it.`);
      if (v) violations.push(v);
    }
    return violations;
  },
};
