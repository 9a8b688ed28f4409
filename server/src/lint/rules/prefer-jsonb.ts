/**
 * `prefer-jsonb` (PostgreSQL, info): a `json` column (Knex `t.json()`, Alembic `sa.JSON`). `json` keeps the input text
 * and has no equality operator, so `SELECT DISTINCT`, `UNION`, `GROUP BY` and unique indexes over it fail ("could not
 * identify an equality operator for type json"), and it cannot be indexed with GIN. Fix: `jsonb` (SQL), `t.jsonb(`
 * (Knex).
 * Source: PostgreSQL docs, "JSON Types" ("In general, most applications should prefer to store JSON data as jsonb");
 * strong_migrations "json" check.
 */
import type { Rule } from '../model';
import type { Fix } from '../types';
import { columnViolation, displayColumn, replaceTypeFix, typedColumns } from './column-types';
import { docsPath } from './util';

export const id = 'prefer-jsonb';

const JSON_TYPES = new Set(['json', 'json[]']);

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'info',
    title: 'json column instead of jsonb',
    description: 'json has no equality operator: SELECT DISTINCT, UNION and GROUP BY over it fail, and it cannot have a GIN index; it re-parses the text on every access.',
    help: 'Use `jsonb`; in Knex `t.jsonb()`, in Alembic `postgresql.JSONB`. Keep `json` only when the exact input text (key order, duplicates, whitespace) must be preserved.',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    return typedColumns(ctx, JSON_TYPES).map((c) => {
      let fix: Fix | undefined = replaceTypeFix(ctx, c, /\bjson\b/i, 'jsonb', 'Use jsonb');
      if (!fix && c.op.origin === 'knex') {
        // `t.json('col')…`: rename the builder method.
        const m = /^\s*[\w$]+\s*\.\s*(json)\s*\(/.exec(ctx.text.slice(c.range.start, c.range.end));
        if (m) {
          const start = c.range.start + m[0].lastIndexOf('json');
          fix = { title: 'Use jsonb', edits: [{ start, end: start + 4, newText: 'jsonb' }] };
        }
      }
      return columnViolation(c, `Column ${displayColumn(c)} is json, which has no equality operator (DISTINCT, UNION and GROUP BY on it fail); jsonb does.`, fix);
    });
  },
};
