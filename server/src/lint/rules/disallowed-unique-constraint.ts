/**
 * `disallowed-unique-constraint` (PostgreSQL): ADD CONSTRAINT … UNIQUE without USING INDEX builds the unique index
 * while holding ACCESS EXCLUSIVE on an existing table.
 * Source: PostgreSQL docs, "ALTER TABLE" — ADD table_constraint_using_index; Squawk `disallowed-unique-constraint`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'disallowed-unique-constraint';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Adding a UNIQUE constraint that builds its index under lock',
    description: 'ADD CONSTRAINT … UNIQUE builds a unique index while holding an ACCESS EXCLUSIVE lock, so every read and write on the table waits for the whole build.',
    help: 'Build the index first with `CREATE UNIQUE INDEX CONCURRENTLY name ON t (cols)`, then attach it: `ALTER TABLE t ADD CONSTRAINT name UNIQUE USING INDEX name` (instant).',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … ADD CONSTRAINT … UNIQUE) during the index build',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations = [];
    for (const op of opsOfType(ctx.doc, 'addConstraint')) {
      if (op.type !== 'addConstraint' || op.constraint !== 'unique' || op.usingIndex || op.tableIsNew || op.phase === 'down') continue;
      violations.push(at(op, `Adding ${op.name ? `UNIQUE constraint "${op.name}"` : 'a UNIQUE constraint'} to ${displayTable(op)} builds its index under an ACCESS EXCLUSIVE lock.`));
    }
    return violations;
  },
};

