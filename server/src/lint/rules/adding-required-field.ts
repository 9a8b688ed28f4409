/**
 * `adding-required-field`: ADD COLUMN … NOT NULL without DEFAULT on an existing table.
 * PostgreSQL fails with `column "x" of relation "t" contains null values` as soon as the table has a row;
 * SQLite refuses outright: `Cannot add a NOT NULL column with default value NULL`.
 * Knex: `t.<type>('x').notNullable()` without `.defaultTo(…)` inside `alterTable`/`table`.
 * Fix (Knex, Alembic): add the column nullable (`.nullable()`, `nullable=True`), to backfill before NOT NULL (runner-fixes.ts).
 * Source: PostgreSQL docs, "ALTER TABLE" — ADD COLUMN (ACCESS EXCLUSIVE); SQLite docs "ALTER TABLE" (ADD COLUMN restrictions);
 * Squawk `adding-required-field`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule } from '../model';
import { knexNullableFix, alembicNullableFix } from './runner-fixes';
import { at, docsPath } from './util';

export const id = 'adding-required-field';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'Adding a NOT NULL column without a default',
    description: 'A NOT NULL column without a DEFAULT has no value for existing rows: PostgreSQL aborts the migration when the table has rows, and SQLite rejects it outright.',
    help: 'Add the column with a DEFAULT (constant defaults are instant on PostgreSQL 11+), or add it nullable, backfill it in batches, then set NOT NULL (on PostgreSQL via a `CHECK (col IS NOT NULL) NOT VALID` constraint validated separately).',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … ADD COLUMN)',
    docsPath: docsPath(id),
  },
  check(ctx) {
    const violations = [];
    for (const op of opsOfType(ctx.doc, 'addColumn')) {
      if (op.type !== 'addColumn' || !op.notNull || op.hasDefault || op.tableIsNew || op.revertsUp) continue;
      const v = at(op, `Adding NOT NULL column "${op.column}" to ${displayTable(op)} without a DEFAULT fails when the table already has rows.`);
      const fix = op.origin === 'knex' ? knexNullableFix(ctx, op) : op.origin === 'alembic' ? alembicNullableFix(ctx, op) : undefined;
      if (fix) v.fix = fix;
      violations.push(v);
    }
    return violations;
  },
};

