/**
 * `prefer-bigint-over-smallint` (PostgreSQL, off by default): a `smallint` / `smallserial` column, whose range ends at
 * 32,767. Values past it make writes fail; widening later rewrites the table under an ACCESS EXCLUSIVE lock.
 * Fix (SQL): `bigint` / `bigserial`.
 * Source: PostgreSQL docs, "Numeric Types" (Table 8.2 ranges); Squawk `prefer-bigint-over-smallint`.
 */
import type { Rule } from '../model';
import { columnViolation, displayColumn, replaceTypeFix, typedColumns } from './column-types';
import { docsPath } from './util';

export const id = 'prefer-bigint-over-smallint';

const INT2 = new Set(['int2', 'smallserial']);

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'off',
    title: 'smallint column that may overflow',
    description: 'smallint and smallserial stop at 32,767: a value past it makes writes fail, and changing the type later rewrites the table under an ACCESS EXCLUSIVE lock.',
    help: 'Use `bigint` (or `integer` when the range is known to be small but not tiny); in Knex `t.bigInteger()`, in Alembic `sa.BigInteger`.',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    return typedColumns(ctx, INT2).map((c) => {
      const serial = c.dataType.name === 'smallserial';
      const fix = serial ? replaceTypeFix(ctx, c, /\b(?:smallserial|serial2)\b/i, 'bigserial', 'Use bigserial') : replaceTypeFix(ctx, c, /\b(?:smallint|int2)\b/i, 'bigint', 'Use bigint');
      return columnViolation(c, `Column ${displayColumn(c)} is ${serial ? 'smallserial' : 'smallint'} (2 bytes, at most 32,767); bigint avoids running out.`, fix);
    });
  },
};
