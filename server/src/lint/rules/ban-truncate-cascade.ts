/**
 * `ban-truncate-cascade` (PostgreSQL): TRUNCATE … CASCADE also empties every table that references the truncated one
 * by foreign key, and the tables referencing those, whatever their names — including tables the migration never names.
 * Reported in every phase and for new tables too: the cascade reaches existing tables. Fix: remove CASCADE (the
 * statement then fails while other tables reference it, which is the point).
 * Source: PostgreSQL docs, "TRUNCATE" — CASCADE ("Automatically truncate all tables that have foreign-key references
 * to any of the named tables"); Squawk `ban-truncate-cascade`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-truncate-cascade';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'TRUNCATE … CASCADE',
    description: 'TRUNCATE … CASCADE empties every table that references the truncated one by foreign key, recursively, including tables the migration never names.',
    help: 'Truncate (or better, delete from) only the tables you name, without CASCADE, so the statement fails while other tables still reference them.',
    lock: 'ACCESS EXCLUSIVE on every table truncated, including the cascaded ones',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    const seen = new Set<number>();
    for (const op of opsOfType(ctx.doc, 'truncate')) {
      if (!op.cascade || seen.has(op.statement.start)) continue;
      seen.add(op.statement.start);
      const v = at(op, `TRUNCATE ${displayTable(op)} CASCADE also empties every table that references it by foreign key, recursively.`);
      v.start = op.statement.start;
      v.end = op.statement.end;
      const stmt = ctx.text.slice(op.statement.start, op.statement.end);
      const m = /\s+CASCADE\s*$/i.exec(stmt);
      if (m) v.fix = { title: 'Remove CASCADE', edits: [{ start: op.statement.start + m.index, end: op.statement.end, newText: '' }] };
      violations.push(v);
    }
    return violations;
  },
};
