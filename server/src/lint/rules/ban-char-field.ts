/**
 * `ban-char-field` (PostgreSQL, info): a `char(n)` / `character(n)` column (catalog `bpchar`). It pads values with
 * spaces to n characters, and the padding is ignored or kept depending on the operator, which surprises code comparing
 * or concatenating values; it is not faster than `text` or `varchar`. The internal one-byte `"char"` type is not meant.
 * Fix (SQL): write `text`.
 * Source: PostgreSQL docs, "Character Types" (Tip: "no performance difference … character(n) is usually the slowest");
 * PostgreSQL wiki, "Don't Do This" — char(n); Squawk `ban-char-field`.
 */
import type { Rule } from '../model';
import { columnViolation, displayColumn, replaceTypeFix, typedColumns } from './column-types';
import { docsPath } from './util';

export const id = 'ban-char-field';

const CHAR = new Set(['bpchar']);

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'info',
    title: 'Fixed-length char(n) column',
    description: 'char(n) pads values with spaces to n characters; whether the padding counts depends on the operator, and it is no faster than text or varchar.',
    help: 'Use `text` (with a CHECK on length() if a limit matters) or `varchar(n)`.',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    return typedColumns(ctx, CHAR).map((c) =>
      columnViolation(c, `Column ${displayColumn(c)} is char(${c.dataType.args[0] ?? 1}): values are padded with spaces.`, replaceTypeFix(ctx, c, /\b(?:character|char|bpchar)\b(?!\s+varying)(?:\s*\(\s*\d+\s*\))?/i, 'text', 'Use text')),
    );
  },
};
