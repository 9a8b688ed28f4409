/**
 * `renaming-column`: RENAME COLUMN (and Knex `renameColumn`) breaks deployed code that still uses the old
 * name, between the migration and the deploy of the new code.
 * Source: PostgreSQL docs, "ALTER TABLE" — RENAME (ACCESS EXCLUSIVE, brief); Squawk `renaming-column`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'renaming-column';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Renaming a column',
    description: 'Renaming a column is instant, but every running instance of the application that still uses the old name fails until the new code is deployed.',
    help: 'Add the new column, write to both, backfill, switch reads to the new column, deploy, then drop the old column later (expand/contract); or use a view to expose both names during the transition.',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … RENAME COLUMN, brief)',
    docsPath: docsPath(id),
  },
  check(ctx) {
    const violations = [];
    for (const op of opsOfType(ctx.doc, 'renameColumn')) {
      if (op.type !== 'renameColumn' || op.tableIsNew || op.revertsUp) continue;
      violations.push(at(op, `Renaming column "${op.column}" of ${displayTable(op)} to "${op.newName}" breaks code that still uses the old name.`));
    }
    return violations;
  },
};

