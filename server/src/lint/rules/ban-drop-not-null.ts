/**
 * `ban-drop-not-null`: ALTER COLUMN … DROP NOT NULL (Knex `t.setNullable('c')`, or an explicit
 * `.nullable().alter()`) lets NULLs in, which running code that assumes a value may not handle. A bare `.alter()`
 * is not reported (whether it drops NOT NULL depends on the column's current state).
 * Source: PostgreSQL docs, "ALTER TABLE" — DROP NOT NULL (ACCESS EXCLUSIVE); Squawk `ban-drop-not-null`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-drop-not-null';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Dropping NOT NULL',
    description: 'After DROP NOT NULL the column can hold NULL; readers that assume a value (application code, reports, other services) may break, and the change is hard to undo once NULLs are written.',
    help: 'Make sure every reader handles NULL before deploying this, or keep NOT NULL and use a default / sentinel value.',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … ALTER COLUMN … DROP NOT NULL, brief)',
    docsPath: docsPath(id),
  },
  check(ctx) {
    const violations = [];
    for (const op of opsOfType(ctx.doc, 'dropNotNull')) {
      if (op.type !== 'dropNotNull' || op.tableIsNew || op.phase === 'down') continue;
      violations.push(at(op, `Dropping NOT NULL on "${op.column}" of ${displayTable(op)} lets NULLs in that existing readers may not expect.`));
    }
    return violations;
  },
};

