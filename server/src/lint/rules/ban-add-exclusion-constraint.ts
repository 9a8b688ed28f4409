/**
 * `ban-add-exclusion-constraint` (PostgreSQL): `ALTER TABLE … ADD CONSTRAINT … EXCLUDE` on an existing table builds its
 * index and checks every row under ACCESS EXCLUSIVE (no reads or writes meanwhile), and unlike CHECK / FOREIGN KEY
 * (NOT VALID) or UNIQUE (USING INDEX) there is no online form. Not `disallowed-unique-constraint` (UNIQUE / PRIMARY
 * KEY) nor `constraint-missing-not-valid` (CHECK / FOREIGN KEY): each kind has one rule.
 * Source: PostgreSQL docs, ALTER TABLE ("ADD table_constraint … EXCLUDE"; NOT VALID "is currently only allowed for
 * foreign key and CHECK constraints"; USING INDEX for UNIQUE / PRIMARY KEY only); Squawk `ban-add-exclusion-constraint`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-add-exclusion-constraint';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Adding an exclusion constraint to an existing table',
    description: 'An EXCLUDE constraint is built and checked against every row under an ACCESS EXCLUSIVE lock (no reads or writes), and it has no NOT VALID or USING INDEX form to do it online.',
    help: 'Add it while the table is new or small, or in a maintenance window; enforce the rule in the application (or a trigger) meanwhile.',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … ADD CONSTRAINT … EXCLUDE)',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'addConstraint')) {
      if (op.constraint !== 'exclusion' || op.tableIsNew || op.phase === 'down') continue;
      violations.push(at(op, `Adding an exclusion constraint builds its index and scans ${displayTable(op)} under an ACCESS EXCLUSIVE lock.`));
    }
    return violations;
  },
};
