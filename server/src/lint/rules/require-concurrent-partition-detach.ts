/**
 * `require-concurrent-partition-detach` (PostgreSQL 14+): ALTER TABLE … DETACH PARTITION without CONCURRENTLY takes
 * ACCESS EXCLUSIVE on the parent table: every query on any partition waits. With CONCURRENTLY only SHARE UPDATE
 * EXCLUSIVE is taken. Fix: append CONCURRENTLY where the statement runs outside a transaction block and holds only
 * this sub-command (CONCURRENTLY cannot run in a transaction block, nor with a default partition on the parent).
 * Source: PostgreSQL docs, "ALTER TABLE" — DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+); Squawk
 * `require-concurrent-partition-detach`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { concurrentlyFix } from './concurrent-fix';
import { at, docsPath } from './util';

export const id = 'require-concurrent-partition-detach';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'DETACH PARTITION without CONCURRENTLY',
    description: 'DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the parent table, so queries on every partition wait until it is done.',
    help: 'Use `ALTER TABLE parent DETACH PARTITION child CONCURRENTLY` (PostgreSQL 14+), outside a transaction block; if it is interrupted, finish with `… DETACH PARTITION child FINALIZE`.',
    lock: 'ACCESS EXCLUSIVE on the parent (DETACH PARTITION); SHARE UPDATE EXCLUSIVE with CONCURRENTLY',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql' || ctx.postgresVersion < 14) return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'detachPartition')) {
      if (op.concurrently || op.tableIsNew || op.phase === 'down') continue;
      const v = at(op, `Detaching partition "${op.partition}" from ${displayTable(op)} without CONCURRENTLY locks the whole partitioned table against reads and writes.`);
      // Only when the sub-command ends the statement (DETACH … CONCURRENTLY cannot be combined with other sub-commands).
      const alone = op.range.end === op.statement.end && /^DETACH\s+PARTITION\b/i.test(ctx.text.slice(op.range.start, op.range.end));
      const fix = alone ? concurrentlyFix(ctx, op, op.range.end) : undefined;
      if (fix) v.fix = fix;
      violations.push(v);
    }
    return violations;
  },
};
