/**
 * `require-lock-timeout` (PostgreSQL, off by default): a migration that takes an ACCESS EXCLUSIVE lock on an existing
 * table without first running `SET lock_timeout = …` can queue behind a long query, and then every other query on the
 * table queues behind it. Reported once per file (per phase), at the first such statement.
 * Enable with `rules: { 'require-lock-timeout': 'warning' }` (config `severities`).
 * Source: PostgreSQL docs, "Client Connection Defaults" — lock_timeout; "Explicit Locking" — lock queueing.
 */
import type { Operation, Rule, RuleViolation } from '../model';
import { docsPath } from './util';

export const id = 'require-lock-timeout';

/** Operations that take ACCESS EXCLUSIVE on an existing table. */
function takesAccessExclusive(op: Operation): boolean {
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
      return true;
    case 'addConstraint':
      return op.constraint !== 'foreignKey';
    case 'dropIndex':
      return !op.concurrently;
    default:
      return false;
  }
}

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'off',
    title: 'ACCESS EXCLUSIVE lock without lock_timeout',
    description: 'While a statement waits for an ACCESS EXCLUSIVE lock (behind any running query on the table), every later query on that table waits behind it: a migration without lock_timeout can stall the application.',
    help: "Start the migration with `SET lock_timeout = '5s';` (in Knex: `await knex.raw(\"SET lock_timeout = '5s'\")`) and retry the migration when it times out.",
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE, DROP TABLE, TRUNCATE, DROP INDEX)',
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
      if (op.type === 'setVariable' && op.name === 'lock_timeout') timeoutSet.add(phase);
      if (timeoutSet.has(phase) || reported.has(phase) || op.tableIsNew || !takesAccessExclusive(op)) continue;
      reported.add(phase);
      violations.push({ start: op.statement.start, end: op.statement.end, message: 'This takes an ACCESS EXCLUSIVE lock without a lock_timeout set earlier in the migration; if it has to wait, all queries on the table wait behind it.' });
    }
    return violations;
  },
};

