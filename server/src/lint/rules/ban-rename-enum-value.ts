/**
 * `ban-rename-enum-value` (PostgreSQL 10+): `ALTER TYPE … RENAME VALUE 'a' TO 'b'` (node-pg-migrate `renameTypeValue`)
 * changes the label in place: the running application still writes and compares the old label, which is now
 * `invalid input value for enum` — the same breakage as renaming a column, for data.
 * Source: PostgreSQL docs, ALTER TYPE ("RENAME VALUE … Renames a value of an enum type"; the value's label changes
 * for every row at once); strong_migrations, "renaming … " (backward-incompatible changes).
 */
import { opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-rename-enum-value';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Renaming an enum value',
    description: 'Renaming an enum label changes it for every row at once: running code that writes or compares the old label fails with "invalid input value for enum".',
    help: 'Add the new value (ALTER TYPE … ADD VALUE), deploy code that accepts both, update the rows in batches, deploy code that writes only the new one; leave the old label unused.',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'renameEnumValue')) {
      if (op.phase === 'down') continue;
      violations.push(at(op, `Renaming "${op.value}" to "${op.newValue}" in enum "${op.table}" breaks code that still uses "${op.value}".`));
    }
    return violations;
  },
};
