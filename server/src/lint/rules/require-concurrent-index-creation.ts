/**
 * `require-concurrent-index-creation` (PostgreSQL only): CREATE INDEX without CONCURRENTLY on an existing
 * table holds a SHARE lock for the whole build, blocking INSERT/UPDATE/DELETE. Knex `t.index()`/`t.unique()`
 * in `alterTable` always builds the index this way. Tables created earlier in the same file are exempt.
 * Source: PostgreSQL docs, "CREATE INDEX" — Building Indexes Concurrently; Squawk `require-concurrent-index-creation`.
 */
import { displayTable } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'require-concurrent-index-creation';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Creating an index without CONCURRENTLY',
    description: 'CREATE INDEX without CONCURRENTLY holds a SHARE lock on the table until the index is built, so every write to the table waits, for minutes on large tables.',
    help: 'Use `CREATE INDEX CONCURRENTLY` (in Knex: `knex.raw(...)`) in a migration that does not run in a transaction (`exports.config = { transaction: false }`), since CONCURRENTLY cannot run inside a transaction block.',
    lock: 'SHARE (CREATE INDEX); SHARE UPDATE EXCLUSIVE with CONCURRENTLY',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations = [];
    for (const op of ctx.doc.operations) {
      if (op.type !== 'createIndex' || op.concurrently || op.tableIsNew) continue;
      const what = op.index ? `index "${op.index}"` : op.unique ? 'a unique index' : 'an index';
      violations.push(at(op, `Creating ${what} on ${displayTable(op)} without CONCURRENTLY blocks writes to the table until the index is built.`));
    }
    return violations;
  },
};

/** The rule as `{ meta, check }`, for callers that prefer named exports. */
export const { meta, check } = rule;
