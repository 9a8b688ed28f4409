/**
 * `require-concurrent-refresh` (PostgreSQL): REFRESH MATERIALIZED VIEW without CONCURRENTLY takes ACCESS EXCLUSIVE on
 * the view, so every query reading it waits until the whole query behind the view has run again (node-pg-migrate
 * `refreshMaterializedView(v)` without `{ concurrently: true }`). Not reported for WITH NO DATA (which cannot be
 * concurrent). Fix (SQL): insert CONCURRENTLY — it needs a unique index on the view (without one the refresh fails).
 * Source: PostgreSQL docs, "REFRESH MATERIALIZED VIEW" — CONCURRENTLY ("without locking out concurrent selects";
 * "only allowed if there is at least one UNIQUE index"); strong_migrations / pgfence "refresh materialized view".
 */
import { opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { afterLeading, at, docsPath, insertFix } from './util';

export const id = 'require-concurrent-refresh';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY',
    description: 'REFRESH MATERIALIZED VIEW takes an ACCESS EXCLUSIVE lock on the view: every query reading it waits until the view has been recomputed.',
    help: 'Create a unique index on the view once, then use `REFRESH MATERIALIZED VIEW CONCURRENTLY v` (readers keep the old contents until it commits).',
    lock: 'ACCESS EXCLUSIVE on the view; EXCLUSIVE with CONCURRENTLY (reads continue)',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'maintenance')) {
      if (op.command !== 'refreshMaterializedView' || op.concurrently || op.withNoData || op.phase === 'down') continue;
      const v = at(op, `Refreshing materialized view "${op.table}" without CONCURRENTLY blocks every query reading it until the refresh ends.`);
      const pos = op.origin === 'node-pg-migrate' ? undefined : afterLeading(ctx.text, op.statement, /^REFRESH\s+MATERIALIZED\s+VIEW\b/i);
      if (pos !== undefined) v.fix = insertFix('Add CONCURRENTLY (the view needs a unique index)', pos, ' CONCURRENTLY');
      violations.push(v);
    }
    return violations;
  },
};
