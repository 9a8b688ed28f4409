/**
 * `concurrently-in-transaction` (PostgreSQL): CREATE/DROP INDEX CONCURRENTLY inside a transaction block fails with
 * `… cannot run inside a transaction block`. Reported for SQL between an explicit BEGIN and COMMIT/ROLLBACK, inside
 * a PL/pgSQL body (`DO`, functions: "cannot be executed from a function"), and for
 * operations of a migration module that runs in the runner's transaction: Knex (SQL in `knex.raw`) without
 * `config = { transaction: false }`, Alembic outside `autocommit_block()`, node-pg-migrate without `pgm.noTransaction()`.
 * Fix (Knex): append `exports.config = { transaction: false };` (`export const config` in ES modules).
 * Source: PostgreSQL docs, "CREATE INDEX" / "DROP INDEX" — CONCURRENTLY; Knex docs, Migrations — transactions.
 */
import { opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { docsPath, opsInExplicitTransaction, runnerName, transactionBlockViolation } from './util';

export const id = 'concurrently-in-transaction';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'CONCURRENTLY inside a transaction',
    description: 'PostgreSQL refuses CREATE INDEX CONCURRENTLY and DROP INDEX CONCURRENTLY inside a transaction block ("cannot run inside a transaction block"), so the migration fails. Knex runs each migration in a transaction unless told otherwise.',
    help: 'Run the statement outside BEGIN … COMMIT; in Knex export `config = { transaction: false }` from this migration (and keep it to this one statement, since nothing else is rolled back on failure).',
    lock: 'n/a (the statement is rejected)',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    const explicit = opsInExplicitTransaction(ctx.doc);
    for (const op of opsOfType(ctx.doc, 'createIndex', 'dropIndex')) {
      if ((op.type !== 'createIndex' && op.type !== 'dropIndex') || !op.concurrently) continue;
      const verb = op.type === 'createIndex' ? 'CREATE INDEX CONCURRENTLY' : 'DROP INDEX CONCURRENTLY';
      const how =
        ctx.kind === 'alembic'
          ? 'unless it is inside `with op.get_context().autocommit_block():`'
          : ctx.kind === 'node-pg-migrate'
            ? 'unless the migration calls pgm.noTransaction()'
            : 'unless the migration exports config = { transaction: false }';
      const v = transactionBlockViolation(ctx, op, explicit, verb, `${verb} fails in this ${runnerName(ctx)} migration: ${runnerName(ctx)} runs it in a transaction ${how}.`);
      if (v) violations.push(v);
    }
    return violations;
  },
};

