/**
 * `require-statement-timeout` (PostgreSQL, off by default): a migration that locks an existing table (ACCESS EXCLUSIVE,
 * or SHARE for an index build, constraint validation, REINDEX …) without first running `SET statement_timeout = …`:
 * a statement that runs longer than expected (a rewrite, a scan, a build on a table larger than thought) keeps the
 * lock for as long as it runs. Reported once per file (per phase), at the first such statement.
 * Enable with `rules: { 'require-statement-timeout': 'warning' }` (config `severities`).
 * Source: PostgreSQL docs, "Client Connection Defaults" — statement_timeout; "Explicit Locking"; Squawk
 * `require-timeout-settings`.
 */
import type { Operation, Rule, RuleViolation } from '../model';
import { docsPath } from './util';

export const id = 'require-statement-timeout';

/** Operations that hold a lock blocking writes (or more) on an existing table for as long as they run. */
function locksTable(op: Operation): boolean {
  switch (op.type) {
    case 'dropTable':
    case 'truncate':
    case 'dropColumn':
    case 'addColumn':
    case 'renameColumn':
    case 'renameTable':
    case 'alterColumnType':
    case 'setNotNull':
    case 'dropNotNull':
    case 'addConstraint':
    case 'setPersistence':
      return true;
    case 'createIndex':
    case 'dropIndex':
    case 'detachPartition':
    case 'maintenance':
      return !op.concurrently;
    default:
      return false;
  }
}

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'off',
    title: 'Locking statement without statement_timeout',
    description: 'Without statement_timeout a locking statement that runs longer than expected (a rewrite, scan or index build on a large table) holds its lock, and blocks the application, for as long as it runs.',
    help: "Start the migration with `SET statement_timeout = '15min';` (or a limit that fits; in Knex: `await knex.raw(\"SET statement_timeout = '15min'\")`), next to `SET lock_timeout`.",
    lock: 'any table lock held for the statement',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    const timeoutSet = new Set<string>();
    const reported = new Set<string>();
    for (const op of ctx.doc.operations) {
      const phase = op.phase ?? '';
      if (op.type === 'setVariable' && op.name === 'statement_timeout') timeoutSet.add(phase);
      if (timeoutSet.has(phase) || reported.has(phase) || op.tableIsNew || !locksTable(op)) continue;
      reported.add(phase);
      violations.push({ start: op.statement.start, end: op.statement.end, message: 'This locks the table without a statement_timeout set earlier in the migration; if it runs long, the lock is held as long.' });
      // A SQL file has one phase: nothing more to report.
      if (ctx.kind === 'sql') break;
    }
    return violations;
  },
};
