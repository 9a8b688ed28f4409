/**
 * `require-concurrent-index-creation` (PostgreSQL only): CREATE INDEX without CONCURRENTLY on an existing
 * table holds a SHARE lock for the whole build, blocking INSERT/UPDATE/DELETE. Knex `t.index()`/`t.unique()`
 * in `alterTable` always builds the index this way. Tables created earlier in the same file are exempt.
 * Fix (SQL, `knex.raw`): insert CONCURRENTLY; in a Knex migration that runs in a transaction also append
 * `exports.config = { transaction: false };`. Alembic `op.create_index`: add `postgresql_concurrently=True` and wrap the call
 * in `with op.get_context().autocommit_block():`; Knex `alterTable` holding only `t.index(…)`: the same index through
 * `knex.raw('CREATE INDEX CONCURRENTLY …')` (runner-fixes.ts).
 * Source: PostgreSQL docs, "CREATE INDEX" — Building Indexes Concurrently; Squawk `require-concurrent-index-creation`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import type { Fix } from '../types';
import { alembicConcurrentIndexFix, knexRawIndexFix } from './runner-fixes';
import { afterLeading, at, docsPath, inKnexTransaction, knexNoTransactionEdit, opsInExplicitTransaction } from './util';

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
    const violations: RuleViolation[] = [];
    const explicit = opsInExplicitTransaction(ctx.doc);
    for (const op of opsOfType(ctx.doc, 'createIndex')) {
      if (op.type !== 'createIndex' || op.concurrently || op.tableIsNew || op.revertsUp) continue;
      const what = op.index ? `index "${op.index}"` : op.unique ? 'a unique index' : 'an index';
      const v = at(op, `Creating ${what} on ${displayTable(op)} without CONCURRENTLY blocks writes to the table until the index is built.`);
      // Inside BEGIN … COMMIT, CONCURRENTLY would be rejected: no mechanical fix there.
      if ((op.origin === 'sql' || op.origin === 'knex-raw') && !explicit.has(op)) {
        const pos = afterLeading(ctx.text, op.statement, /^CREATE\s+(?:UNIQUE\s+)?INDEX\b/i);
        if (pos !== undefined) {
          const fix: Fix = { title: 'Add CONCURRENTLY', edits: [{ start: pos, end: pos, newText: ' CONCURRENTLY' }] };
          const edit = op.origin === 'knex-raw' && inKnexTransaction(ctx) ? knexNoTransactionEdit(ctx.text) : undefined;
          if (edit) {
            fix.title = 'Add CONCURRENTLY and run the migration outside a transaction';
            fix.edits.push(edit);
          }
          // Without the config edit, CONCURRENTLY would fail in Knex's transaction: then offer no fix.
          if (edit || !(op.origin === 'knex-raw' && inKnexTransaction(ctx))) v.fix = fix;
        }
      }
      if (op.origin === 'alembic' || op.origin === 'knex') {
        const fix = op.origin === 'alembic' ? alembicConcurrentIndexFix(ctx, op) : knexRawIndexFix(ctx, op);
        if (fix) v.fix = fix;
      }
      violations.push(v);
    }
    return violations;
  },
};

