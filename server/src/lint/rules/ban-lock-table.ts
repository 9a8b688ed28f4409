/**
 * `ban-lock-table` (PostgreSQL): an explicit `LOCK TABLE` in a migration. The lock (ACCESS EXCLUSIVE unless another mode
 * is written) is held until the transaction ends — in a Knex / Alembic / node-pg-migrate migration, until the whole
 * migration commits — and while it waits for the table, every later conflicting query waits behind it. Modes that
 * block neither reads nor writes (ACCESS SHARE … SHARE UPDATE EXCLUSIVE) are not reported; tables created in the same
 * file are not.
 * Source: PostgreSQL docs, LOCK (sql-lock.html: "If no lock mode is specified, then ACCESS EXCLUSIVE … is used";
 * "Once obtained, the lock is held for the remainder of the current transaction"); Explicit Locking 13.3.1.
 */
import { blockingMode } from '../locks';
import { displayTable, opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-lock-table';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Explicit LOCK TABLE',
    description: 'LOCK TABLE holds its lock (ACCESS EXCLUSIVE by default: no reads or writes) until the transaction ends — for a migration run in a transaction, until the whole migration commits — and queues every conflicting query behind it while it waits.',
    help: 'Drop the LOCK TABLE: each statement takes the lock it needs. If you need one, take the weakest mode that works, set `lock_timeout` first, and keep the transaction short.',
    lock: 'the mode written (ACCESS EXCLUSIVE by default)',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'lockTable')) {
      const mode = blockingMode(op);
      if (!mode || op.tableIsNew) continue;
      violations.push(at(op, `LOCK TABLE takes ${mode} on ${displayTable(op)} and holds it until the transaction ends.`));
    }
    return violations;
  },
};
