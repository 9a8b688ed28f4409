/**
 * `ban-vacuum-full` (PostgreSQL): VACUUM FULL rewrites each table (and its indexes) into a new file under an ACCESS
 * EXCLUSIVE lock — no reads or writes for the whole copy — and needs room for a second copy on disk. Without a table it
 * does this to every table of the database.
 * Source: PostgreSQL docs, "VACUUM" — FULL ("requires an ACCESS EXCLUSIVE lock on each table while it is being
 * processed"), "Routine Vacuuming"; strong_migrations / pgfence "vacuum full".
 */
import { displayTable, opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-vacuum-full';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'VACUUM FULL',
    description: 'VACUUM FULL rewrites the table and its indexes under an ACCESS EXCLUSIVE lock (no reads or writes until done) and needs disk space for a full second copy.',
    help: 'Rely on (auto)vacuum; to reclaim space online use pg_repack or pg_squeeze, outside migrations.',
    lock: 'ACCESS EXCLUSIVE on each table (VACUUM FULL)',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'maintenance')) {
      if (op.command !== 'vacuumFull' || op.tableIsNew) continue;
      violations.push(at(op, `VACUUM FULL rewrites ${op.table ? displayTable(op) : 'every table of the database'} under an ACCESS EXCLUSIVE lock.`));
    }
    return violations;
  },
};
