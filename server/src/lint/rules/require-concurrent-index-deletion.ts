/**
 * `require-concurrent-index-deletion` (PostgreSQL): DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the
 * index's table, blocking reads and writes while it waits for running queries. Knex `t.dropIndex(…)` always does.
 * Not reported for an index created earlier in the same migration, or on a table created there.
 * Fix (SQL): insert `CONCURRENTLY` (single index, no CASCADE), and in Knex append `exports.config = { transaction: false }`.
 * Source: PostgreSQL docs, "DROP INDEX" — CONCURRENTLY; Squawk `require-concurrent-index-deletion`.
 */
import { opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import type { Fix } from '../types';
import { afterLeading, at, docsPath, inKnexTransaction, knexNoTransactionEdit, opsInExplicitTransaction } from './util';

export const id = 'require-concurrent-index-deletion';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Dropping an index without CONCURRENTLY',
    description: 'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table: it waits for every running query on it, and all reads and writes queue behind it.',
    help: 'Use `DROP INDEX CONCURRENTLY IF EXISTS name` (one index per statement, no CASCADE), outside a transaction block (in Knex: `exports.config = { transaction: false }`).',
    lock: 'ACCESS EXCLUSIVE on the table (DROP INDEX); SHARE UPDATE EXCLUSIVE with CONCURRENTLY',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    const explicit = opsInExplicitTransaction(ctx.doc);
    const createdIndexes = new Set<string>();
    const perStatement = new Map<number, number>();
    for (const op of opsOfType(ctx.doc, 'dropIndex')) perStatement.set(op.statement.start, (perStatement.get(op.statement.start) ?? 0) + 1);
    for (const op of opsOfType(ctx.doc, 'createIndex', 'dropIndex')) {
      if (op.type === 'createIndex' && op.index) createdIndexes.add(`${op.phase ?? ''}:${op.index.toLowerCase()}`);
      if (op.type !== 'dropIndex' || op.concurrently || op.tableIsNew || op.phase === 'down') continue;
      if (createdIndexes.has(`${op.phase ?? ''}:${op.index.toLowerCase()}`)) continue;
      const v = at(op, `Dropping index "${op.index}" without CONCURRENTLY locks its table against reads and writes.`);
      // Inside BEGIN … COMMIT, CONCURRENTLY would be rejected: no mechanical fix there.
      if (op.origin !== 'knex' && !explicit.has(op)) {
        const stmtText = ctx.text.slice(op.statement.start, op.statement.end);
        const pos = afterLeading(ctx.text, op.statement, /^DROP\s+INDEX\b/i);
        const single = (perStatement.get(op.statement.start) ?? 0) === 1;
        if (pos !== undefined && single && !/\bCASCADE\b/i.test(stmtText)) {
          const fix: Fix = { title: 'Add CONCURRENTLY', edits: [{ start: pos, end: pos, newText: ' CONCURRENTLY' }] };
          const needsConfig = op.origin === 'knex-raw' && inKnexTransaction(ctx);
          const edit = needsConfig ? knexNoTransactionEdit(ctx.text) : undefined;
          if (edit) fix.edits.push(edit);
          // Without the config edit, CONCURRENTLY would fail in Knex's transaction: then offer no fix.
          if (!needsConfig || edit) v.fix = fix;
        }
      }
      violations.push(v);
    }
    return violations;
  },
};

