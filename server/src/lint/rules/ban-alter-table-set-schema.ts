/**
 * `ban-alter-table-set-schema` (PostgreSQL): `ALTER TABLE … SET SCHEMA` on an existing table moves it (with its
 * indexes, constraints and sequences) to another schema: running code that names it qualified, or finds it through
 * `search_path`, fails at once — like a rename — and the statement takes ACCESS EXCLUSIVE. (Renaming is
 * `renaming-table`'s; a SET SCHEMA gives no renameTable operation, so the two never report one statement.)
 * Source: PostgreSQL docs, ALTER TABLE ("SET SCHEMA … Associated indexes, constraints, and sequences owned by table
 * columns are moved as well"; ACCESS EXCLUSIVE); strong_migrations "renaming a table" (the same breakage).
 */
import { displayTable, opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-alter-table-set-schema';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Moving a table to another schema',
    description: 'SET SCHEMA moves the table: queries of the running application that name it by its old schema (or find it through search_path) fail as soon as the migration commits.',
    help: 'Create the table in the new schema and move readers and writers first (a view under the old name can bridge), or deploy code that uses the new name before the move.',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … SET SCHEMA)',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'setSchema')) {
      if (op.tableIsNew || op.phase === 'down') continue;
      violations.push(at(op, `SET SCHEMA moves ${displayTable(op)} to schema "${op.newSchema}": code using the old name breaks.`));
    }
    return violations;
  },
};
