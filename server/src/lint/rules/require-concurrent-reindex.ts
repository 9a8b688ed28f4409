/**
 * `require-concurrent-reindex` (PostgreSQL 12+): REINDEX without CONCURRENTLY locks out writes to the table (and, for
 * REINDEX INDEX, reads that would use the index) until every index is rebuilt. REINDEX SYSTEM is not reported
 * (CONCURRENTLY cannot rebuild system catalogs). Fix: insert CONCURRENTLY where the statement runs outside a
 * transaction block (REINDEX CONCURRENTLY cannot run inside one).
 * Source: PostgreSQL docs, "REINDEX" — Rebuilding Indexes Concurrently (PostgreSQL 12+), Notes on locks.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { concurrentlyFix } from './concurrent-fix';
import { afterLeading, at, docsPath } from './util';

export const id = 'require-concurrent-reindex';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'REINDEX without CONCURRENTLY',
    description: 'REINDEX takes a SHARE lock on the table (writes wait) and an ACCESS EXCLUSIVE lock on each index being rebuilt (queries that would use it wait) until the rebuild ends.',
    help: 'Use `REINDEX … CONCURRENTLY` (PostgreSQL 12+), outside a transaction block (in Knex with `exports.config = { transaction: false }`).',
    lock: 'SHARE on the table, ACCESS EXCLUSIVE on the index (REINDEX); SHARE UPDATE EXCLUSIVE with CONCURRENTLY',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql' || ctx.postgresVersion < 12) return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'maintenance')) {
      if (op.command !== 'reindex' || op.concurrently || op.target === 'system' || op.tableIsNew || op.phase === 'down') continue;
      const what = op.target === 'index' ? `index "${op.table}"` : op.target === 'table' ? displayTable(op) : op.target === 'schema' ? `schema "${op.table}"` : 'the database';
      const v = at(op, `REINDEX of ${what} without CONCURRENTLY blocks writes (and queries using the index) until it finishes.`);
      const fix = concurrentlyFix(ctx, op, afterLeading(ctx.text, op.statement, /^REINDEX\s*(?:\([^)]*\)\s*)?(?:INDEX|TABLE|SCHEMA|DATABASE)\b/i));
      if (fix) v.fix = fix;
      violations.push(v);
    }
    return violations;
  },
};
