/**
 * `ban-set-logged-unlogged` (PostgreSQL): ALTER TABLE … SET LOGGED / SET UNLOGGED rewrites the whole table (and its
 * indexes) under an ACCESS EXCLUSIVE lock; SET LOGGED also writes all of it to the WAL. An UNLOGGED table is
 * truncated after a crash and not replicated to standbys.
 * Source: PostgreSQL docs, "ALTER TABLE" — SET { LOGGED | UNLOGGED } ("… rewrites the table"), "CREATE TABLE" —
 * UNLOGGED; pgfence "set logged/unlogged".
 */
import { displayTable, opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-set-logged-unlogged';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'SET LOGGED / SET UNLOGGED',
    description: 'Changing a table between logged and unlogged rewrites it and its indexes under an ACCESS EXCLUSIVE lock; an unlogged table is emptied after a crash and is not replicated.',
    help: 'Choose LOGGED or UNLOGGED when creating the table; to switch a large table, create a new one and copy the data in batches.',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … SET LOGGED / UNLOGGED)',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'setPersistence')) {
      if (op.tableIsNew || op.phase === 'down') continue;
      const what = op.logged ? 'SET LOGGED rewrites' : 'SET UNLOGGED rewrites';
      violations.push(at(op, `${what} ${displayTable(op)} under an ACCESS EXCLUSIVE lock${op.logged ? ' and writes all of it to the WAL' : '; afterwards a crash empties it'}.`));
    }
    return violations;
  },
};
