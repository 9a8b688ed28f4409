/**
 * `require-lock-timeout` (PostgreSQL, off by default): a statement that takes a lock blocking the application (SHARE or
 * stronger: ACCESS EXCLUSIVE for most ALTER TABLE forms, SHARE for CREATE INDEX, SHARE ROW EXCLUSIVE for a foreign
 * key — the mode comes from the lock table, lint/locks.ts) on an existing table while no `lock_timeout` is in effect.
 * Waiting for its lock behind a long query, it makes every later query on the table wait behind it.
 * Flow-sensitive (lint/settings-flow.ts): `SET lock_timeout` counts from where it runs; `SET LOCAL` until its
 * transaction ends; `RESET`, `SET … TO DEFAULT` and `SET lock_timeout = 0` end it. Reported at the first such statement
 * of each stretch without a timeout (once per file when none is ever set).
 * Enable with `rules: { 'require-lock-timeout': 'warning' }` (config `severities`).
 * Source: PostgreSQL docs, "Client Connection Defaults" — lock_timeout; "Explicit Locking" — lock queueing; SET.
 */
import type { Rule, RuleViolation } from '../model';
import { uncoveredBlockingStatements } from '../settings-flow';
import { docsPath } from './util';

export const id = 'require-lock-timeout';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'off',
    title: 'Blocking lock without lock_timeout',
    description: 'While a statement waits for a lock that blocks reads or writes (behind any running query on the table), every later query on that table that conflicts with it waits behind it: a migration without lock_timeout can stall the application.',
    help: "Run `SET lock_timeout = '5s';` before the statement (in Knex: `await knex.raw(\"SET lock_timeout = '5s'\")`; `SET LOCAL` inside the migration's transaction) and retry the migration when it times out.",
    lock: 'SHARE or stronger (ALTER TABLE, CREATE INDEX, foreign keys, DROP TABLE, TRUNCATE, DROP INDEX, REINDEX, …)',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    return uncoveredBlockingStatements(ctx, 'lock_timeout').map(({ op, mode }): RuleViolation => ({ start: op.statement.start, end: op.statement.end, op, message: `This takes a ${mode} lock with no lock_timeout in effect; if it has to wait, the queries on the table that conflict with it wait behind it.` }));
  },
};
