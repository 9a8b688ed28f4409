/**
 * `adding-serial-primary-key-field` (PostgreSQL): a primary key added to an existing table — `ADD COLUMN … PRIMARY KEY`
 * (Knex `increments()` in `alterTable`), or `ADD [CONSTRAINT …] PRIMARY KEY (…)` without `USING INDEX` (Knex
 * `t.primary()`, Alembic `op.create_primary_key`, node-pg-migrate `addConstraint(…, { primaryKey })`). The unique
 * index is built, and for a new column every row is written, while ALTER TABLE holds ACCESS EXCLUSIVE: no reads or
 * writes for the whole build.
 * Source: PostgreSQL docs, "ALTER TABLE" — ADD table_constraint_using_index ("… without blocking updates"), "Explicit
 * Locking"; Squawk `adding-serial-primary-key-field`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { at, docsPath } from './util';

export const id = 'adding-serial-primary-key-field';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Adding a primary key that builds its index under lock',
    description: 'Adding a primary key builds its unique index (and, for a new serial column, fills every row) while ALTER TABLE holds an ACCESS EXCLUSIVE lock: reads and writes wait for the whole build.',
    help: 'Add the column without the key, fill it, build `CREATE UNIQUE INDEX CONCURRENTLY t_pkey_idx ON t (id)`, then `ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_pkey_idx` (instant once the column is NOT NULL).',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … ADD PRIMARY KEY)',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'addColumn', 'addConstraint')) {
      if (op.tableIsNew || op.phase === 'down') continue;
      if (op.type === 'addColumn' && op.primaryKey) {
        violations.push(at(op, `Adding primary key column "${op.column}" to ${displayTable(op)} builds its index under an ACCESS EXCLUSIVE lock.`));
      } else if (op.type === 'addConstraint' && op.constraint === 'primaryKey' && !op.usingIndex && !op.inline) {
        // (inline: the PRIMARY KEY written on an added column, reported above with its column)
        violations.push(at(op, `Adding ${op.name ? `primary key "${op.name}"` : 'a primary key'} to ${displayTable(op)} builds its index under an ACCESS EXCLUSIVE lock; build it CONCURRENTLY and add it USING INDEX.`));
      }
    }
    return violations;
  },
};
