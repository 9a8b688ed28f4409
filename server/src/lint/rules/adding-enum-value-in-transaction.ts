/**
 * `adding-enum-value-in-transaction` (PostgreSQL before 12): ALTER TYPE … ADD VALUE (node-pg-migrate `addTypeValue`)
 * inside a transaction block fails before PostgreSQL 12 ("ALTER TYPE … ADD cannot run inside a transaction block"):
 * in a migration runner's transaction, or between BEGIN and COMMIT. From 12 on it runs, but the new value cannot be
 * used until the transaction commits. Checked against `postgresVersion` (default 15: not reported).
 * Source: PostgreSQL docs, "ALTER TYPE" — Notes (PostgreSQL 11: "cannot be executed inside a transaction block";
 * PostgreSQL 12 release notes: "Allow ALTER TYPE … ADD VALUE to be run inside a transaction block").
 */
import { opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { at, docsPath, inRunnerTransaction, opsInExplicitTransaction, runnerName } from './util';

export const id = 'adding-enum-value-in-transaction';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'ALTER TYPE … ADD VALUE in a transaction (PostgreSQL < 12)',
    description: 'Before PostgreSQL 12, ALTER TYPE … ADD VALUE cannot run inside a transaction block: the migration fails.',
    help: 'Run it outside a transaction (Knex `exports.config = { transaction: false }`, node-pg-migrate `pgm.noTransaction()`, Alembic `with op.get_context().autocommit_block():`), or upgrade to PostgreSQL 12+.',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql' || ctx.postgresVersion >= 12) return [];
    const violations: RuleViolation[] = [];
    const explicit = opsInExplicitTransaction(ctx.doc);
    for (const op of opsOfType(ctx.doc, 'addEnumValue')) {
      const runner = inRunnerTransaction(ctx, op);
      if (!runner && !explicit.has(op) && !op.inPlpgsqlBody) continue;
      const where = runner ? `the transaction ${runnerName(ctx)} opens for this migration` : 'a transaction block';
      violations.push(at(op, `Adding value '${op.value}' to type "${op.table}" inside ${where} fails before PostgreSQL 12 (configured: ${ctx.postgresVersion}).`));
    }
    return violations;
  },
};
