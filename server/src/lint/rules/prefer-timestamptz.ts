/**
 * `prefer-timestamptz` (PostgreSQL, info): a `timestamp` (without time zone) column. It stores the wall-clock time
 * without the offset, so values written by servers or sessions in different time zones cannot be compared, and
 * daylight-saving changes make them ambiguous. Knex `t.timestamp(…, { useTz: false })`, Alembic `sa.DateTime()`
 * without `timezone=True`. Fix (SQL): `timestamptz`.
 * Source: PostgreSQL docs, "Date/Time Types" — Time Zones; PostgreSQL wiki, "Don't Do This" — timestamp without time
 * zone; Squawk `prefer-timestamptz`.
 */
import type { Rule } from '../model';
import { columnViolation, displayColumn, replaceTypeFix, typedColumns } from './column-types';
import { docsPath } from './util';

export const id = 'prefer-timestamptz';

const TIMESTAMP = new Set(['timestamp']);

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'info',
    title: 'timestamp without time zone',
    description: 'timestamp without time zone stores wall-clock time without its offset: values from sessions in different time zones cannot be compared, and daylight-saving changes make them ambiguous.',
    help: 'Use `timestamptz` (`timestamp with time zone`); in Knex leave `useTz` on (the default), in Alembic `sa.DateTime(timezone=True)`.',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    return typedColumns(ctx, TIMESTAMP).map((c) => {
      const fix = replaceTypeFix(ctx, c, /\btimestamp\b(\s*\(\s*\d+\s*\))?(?:\s+without\s+time\s+zone)?/i, 'timestamptz', 'Use timestamptz');
      // Keep a precision: `timestamp(3)` → `timestamptz(3)`.
      if (fix) {
        const e = fix.edits[0]!;
        const precision = /\(\s*\d+\s*\)/.exec(ctx.text.slice(e.start, e.end));
        if (precision) e.newText = `timestamptz${precision[0].replace(/\s+/g, '')}`;
      }
      return columnViolation(c, `Column ${displayColumn(c)} is timestamp without time zone; timestamptz keeps the instant unambiguous.`, fix);
    });
  },
};
