/**
 * `renaming-table`: ALTER TABLE … RENAME TO (and Knex `renameTable`) breaks deployed code that still uses the old
 * name. Source: PostgreSQL docs, "ALTER TABLE" — RENAME (ACCESS EXCLUSIVE, brief); Squawk `renaming-table`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'renaming-table';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Renaming a table',
    description: 'Renaming a table is instant, but every running instance of the application that still uses the old name fails until the new code is deployed.',
    help: 'Expand/contract: create the new table (or rename and leave an updatable view with the old name), switch the code over, deploy, then remove the old name in a later migration.',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … RENAME TO, brief)',
    docsPath: docsPath(id),
  },
  check(ctx) {
    const violations = [];
    for (const op of opsOfType(ctx.doc, 'renameTable')) {
      if (op.type !== 'renameTable' || op.tableIsNew || op.phase === 'down') continue;
      violations.push(at(op, `Renaming ${displayTable(op)} to "${op.newName}" breaks code that still uses the old name.`));
    }
    return violations;
  },
};

