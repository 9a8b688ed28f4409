/**
 * `prefer-text-field` (PostgreSQL, off by default): a `varchar(n)` column. The length limit is stored in the column
 * type, so raising it later is an ALTER COLUMN … TYPE under an ACCESS EXCLUSIVE lock (metadata-only since 9.2, but the
 * lock still queues behind long queries), and it is no faster than `text`. Knex `t.string()` is `varchar(255)`.
 * Fix (SQL): `text`.
 * Source: PostgreSQL docs, "Character Types" (Tip); PostgreSQL wiki, "Don't Do This" — varchar(n) by default;
 * Squawk `prefer-text-field`.
 */
import type { Rule } from '../model';
import { columnViolation, displayColumn, replaceTypeFix, typedColumns } from './column-types';
import { docsPath } from './util';

export const id = 'prefer-text-field';

const VARCHAR = new Set(['varchar']);

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'off',
    title: 'varchar(n) column instead of text',
    description: 'A length limit in the type is changed with ALTER COLUMN … TYPE, which needs an ACCESS EXCLUSIVE lock; varchar(n) is no faster than text.',
    help: 'Use `text`, with `CHECK (length(col) <= n)` added NOT VALID and validated when a limit matters (a CHECK can be changed without touching the type).',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    return typedColumns(ctx, VARCHAR)
      .filter((c) => c.dataType.args.length > 0)
      .map((c) => columnViolation(c, `Column ${displayColumn(c)} is varchar(${c.dataType.args[0]}); raising the limit later needs an ACCESS EXCLUSIVE lock.`, replaceTypeFix(ctx, c, /\b(?:character\s+varying|varchar)\s*\(\s*\d+\s*\)/i, 'text', 'Use text')));
  },
};
