/**
 * `require-statement-timeout` (PostgreSQL, off by default): a migration that locks an existing table (ACCESS EXCLUSIVE,
 * or SHARE for an index build, REINDEX …) without first running `SET statement_timeout = …`:
 * a statement that runs longer than expected (a rewrite, a scan, a build on a table larger than thought) keeps the
 * lock for as long as it runs. Which statements lock: those whose mode (lint/locks.ts) blocks reads or writes.
 * Flow-sensitive like require-lock-timeout (lint/settings-flow.ts: SET, SET LOCAL, RESET, `= 0`): reported at the first
 * such statement of each stretch without a timeout.
 * Enable with `rules: { 'require-statement-timeout': 'warning' }` (config `severities`).
 * Source: PostgreSQL docs, "Client Connection Defaults" — statement_timeout; "Explicit Locking"; Squawk
 * `require-timeout-settings`.
 */
import type { Rule, RuleViolation } from '../model';
import { uncoveredBlockingStatements } from '../settings-flow';
import { docsPath } from './util';

export const id = 'require-statement-timeout';

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
    return uncoveredBlockingStatements(ctx, 'statement_timeout').map(({ op }): RuleViolation => ({ start: op.statement.start, end: op.statement.end, op, message: 'This locks the table without a statement_timeout in effect; if it runs long, the lock is held as long.' }));
  },
};
