/**
 * `ban-cluster` (PostgreSQL): CLUSTER rewrites the table in index order under an ACCESS EXCLUSIVE lock (no reads or
 * writes until the copy and its index rebuilds are done); without a table it reclusters every previously clustered
 * table.
 * Source: PostgreSQL docs, "CLUSTER" ("When a table is being clustered, an ACCESS EXCLUSIVE lock is acquired on it");
 * strong_migrations / pgfence "cluster".
 */
import { displayTable, opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-cluster';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'CLUSTER',
    description: 'CLUSTER rewrites the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock: no reads or writes until it is done.',
    help: 'Do not cluster in a migration; use pg_repack (`--order-by`) online, or schedule CLUSTER in a maintenance window.',
    lock: 'ACCESS EXCLUSIVE (CLUSTER)',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'maintenance')) {
      if (op.command !== 'cluster' || op.tableIsNew) continue;
      violations.push(at(op, `CLUSTER rewrites ${op.table ? displayTable(op) : 'every clustered table'} under an ACCESS EXCLUSIVE lock.`));
    }
    return violations;
  },
};
