/**
 * `disallowed-unique-constraint` (PostgreSQL): ADD CONSTRAINT … UNIQUE without USING INDEX builds the unique index
 * while holding ACCESS EXCLUSIVE on an existing table; so does `ADD COLUMN … UNIQUE` (the index of an inline
 * constraint is built in the same ALTER TABLE; USING INDEX cannot be written there). A primary key, added or inline,
 * is `adding-serial-primary-key-field`'s: one finding per statement.
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
    description: 'ADD CONSTRAINT … UNIQUE, and a column added with UNIQUE, build a unique index while holding an ACCESS EXCLUSIVE lock, so every read and write on the table waits for the whole build.',
    help: 'Build the index first with `CREATE UNIQUE INDEX CONCURRENTLY name ON t (cols)`, then attach it: `ALTER TABLE t ADD CONSTRAINT name UNIQUE USING INDEX name` (instant).',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … ADD CONSTRAINT … UNIQUE) during the index build',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations = [];
    for (const op of opsOfType(ctx.doc, 'addConstraint')) {
      if (op.type !== 'addConstraint' || op.usingIndex || op.tableIsNew || op.phase === 'down') continue;
      if (op.constraint !== 'unique') continue;
      const what = op.name ? `UNIQUE constraint "${op.name}"` : 'a UNIQUE constraint';
      const message = op.inline
        ? `Adding a column with ${what} to ${displayTable(op)} builds its unique index under an ACCESS EXCLUSIVE lock. Add the column without it, build the index CONCURRENTLY, then attach it with USING INDEX.`
        : `Adding ${what} to ${displayTable(op)} builds its index under an ACCESS EXCLUSIVE lock.`;
      violations.push(at(op, message));
    }
    return violations;
  },
};

