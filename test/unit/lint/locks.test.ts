/**
 * Locks on findings (server/src/lint/locks.ts): every PostgreSQL finding on a statement that takes a table lock
 * carries `lock: { mode, table, blocks }` from the one lock table. The table itself is checked against a real
 * PostgreSQL in test/engine/locks-pg.test.ts.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, blocksOf, describeLock, initAnalyzer, LOCK_MODES, LOCK_TABLE, pgLocksMode } from '../../../server/src/lint';
import type { Finding } from '../../../server/src/lint';
import { knexPg, knexUp, lite, pg } from './helpers';

function lockOf(ruleId: string, text: string, options = pg): Finding['lock'] {
  const found = analyze(text, options).filter((f) => f.ruleId === ruleId);
  assert.equal(found.length, 1, `${ruleId} in ${text}: ${JSON.stringify(found)}`);
  return found[0]!.lock;
}

void describe('locks on findings', () => {
  before(async () => {
    await initAnalyzer();
  });

  void it('the examples of the issue: ADD COLUMN … NOT NULL, CREATE INDEX, a foreign key, CREATE INDEX CONCURRENTLY', () => {
    assert.deepEqual(lockOf('adding-required-field', 'ALTER TABLE orders ADD COLUMN total int NOT NULL;'), { mode: 'ACCESS EXCLUSIVE', table: 'orders', blocks: ['reads', 'writes'] });
    assert.deepEqual(lockOf('require-concurrent-index-creation', 'CREATE INDEX orders_user_idx ON public.orders (user_id);'), { mode: 'SHARE', table: 'public.orders', blocks: ['writes'] });
    assert.deepEqual(lockOf('constraint-missing-not-valid', 'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);'), {
      mode: 'SHARE ROW EXCLUSIVE',
      table: 'orders',
      blocks: ['writes'],
      alsoLocks: [{ mode: 'SHARE ROW EXCLUSIVE', table: 'users', blocks: ['writes'] }],
    });
    assert.deepEqual(lockOf('prefer-robust-stmts', 'CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);'), { mode: 'SHARE UPDATE EXCLUSIVE', table: 'orders', blocks: [] });
  });

  void it('the statement\'s strongest lock on the table: an inline REFERENCES in ADD COLUMN holds ACCESS EXCLUSIVE', () => {
    assert.deepEqual(lockOf('constraint-missing-not-valid', 'ALTER TABLE orders ADD COLUMN buyer_id int REFERENCES s.users (id);'), {
      mode: 'ACCESS EXCLUSIVE',
      table: 'orders',
      blocks: ['reads', 'writes'],
      alsoLocks: [{ mode: 'SHARE ROW EXCLUSIVE', table: 's.users', blocks: ['writes'] }],
    });
  });

  void it('DROP INDEX names its index (the lock is on its table); DELETE takes ROW EXCLUSIVE, which blocks neither', () => {
    assert.deepEqual(lockOf('require-concurrent-index-deletion', 'DROP INDEX orders_user_idx;'), { mode: 'ACCESS EXCLUSIVE', table: 'orders_user_idx', blocks: ['reads', 'writes'], onIndex: true });
    assert.deepEqual(lockOf('ban-delete-without-where', 'DELETE FROM orders;'), { mode: 'ROW EXCLUSIVE', table: 'orders', blocks: [] });
  });

  void it('a rule reporting the whole statement without its operation (require-lock-timeout) gets the lock too', () => {
    const lock = lockOf('require-lock-timeout', 'ALTER TABLE orders DROP COLUMN note;', { ...pg, rules: { 'require-lock-timeout': 'warning' } });
    assert.deepEqual(lock, { mode: 'ACCESS EXCLUSIVE', table: 'orders', blocks: ['reads', 'writes'] });
  });

  void it('Knex: t.unique() is ALTER TABLE … ADD CONSTRAINT UNIQUE (ACCESS EXCLUSIVE); t.foreign / .references name the referenced table', () => {
    const text = knexUp("  await knex.schema.alterTable('orders', (t) => {\n    t.unique(['code']);\n    t.index(['user_id']);\n    t.foreign('user_id').references('id').inTable('users');\n    t.foreign('shop_id').references('shop.shops.id');\n  });");
    const locks = analyze(text, knexPg)
      .filter((f) => f.ruleId === 'require-concurrent-index-creation' || f.ruleId === 'constraint-missing-not-valid')
      .map((f) => [f.ruleId, f.lock?.mode, f.lock?.alsoLocks?.map((a) => a.table)]);
    assert.deepEqual(locks, [
      ['require-concurrent-index-creation', 'ACCESS EXCLUSIVE', undefined],
      ['require-concurrent-index-creation', 'SHARE', undefined],
      ['constraint-missing-not-valid', 'SHARE ROW EXCLUSIVE', ['users']],
      ['constraint-missing-not-valid', 'SHARE ROW EXCLUSIVE', ['shop.shops']],
    ]);
  });

  void it('no lock on SQLite findings, on findings of statements that take none, nor on a CONCURRENTLY rejected in a transaction', () => {
    assert.ok(analyze('DROP TABLE orders;', lite).every((f) => f.lock === undefined));
    assert.equal(lockOf('concurrently-in-transaction', 'BEGIN;\nCREATE INDEX CONCURRENTLY i ON orders (a);\nCOMMIT;'), undefined);
    assert.equal(lockOf('ban-drop-database', 'DROP SCHEMA app CASCADE;'), undefined);
    assert.equal(lockOf('syntax-error', 'SELEC 1;'), undefined);
  });

  void it('maintenance, persistence and partition findings carry their lock (REINDEX INDEX on the index\'s table, DETACH also on the partition)', () => {
    assert.deepEqual(lockOf('ban-vacuum-full', 'VACUUM FULL orders;'), { mode: 'ACCESS EXCLUSIVE', table: 'orders', blocks: ['reads', 'writes'] });
    assert.equal(lockOf('ban-vacuum-full', 'VACUUM FULL;'), undefined);
    assert.deepEqual(lockOf('ban-cluster', 'CLUSTER orders USING orders_pkey;'), { mode: 'ACCESS EXCLUSIVE', table: 'orders', blocks: ['reads', 'writes'] });
    assert.deepEqual(lockOf('require-concurrent-reindex', 'REINDEX TABLE orders;'), { mode: 'SHARE', table: 'orders', blocks: ['writes'] });
    assert.deepEqual(lockOf('require-concurrent-reindex', 'REINDEX INDEX orders_pkey;'), { mode: 'SHARE', table: 'orders_pkey', blocks: ['writes'], onIndex: true });
    assert.equal(lockOf('require-concurrent-reindex', 'REINDEX SCHEMA app;'), undefined);
    assert.deepEqual(lockOf('require-concurrent-refresh', 'REFRESH MATERIALIZED VIEW totals;'), { mode: 'ACCESS EXCLUSIVE', table: 'totals', blocks: ['reads', 'writes'] });
    assert.deepEqual(lockOf('ban-set-logged-unlogged', 'ALTER TABLE orders SET UNLOGGED;'), { mode: 'ACCESS EXCLUSIVE', table: 'orders', blocks: ['reads', 'writes'] });
    assert.deepEqual(lockOf('require-concurrent-partition-detach', 'ALTER TABLE events DETACH PARTITION events_2024;'), {
      mode: 'ACCESS EXCLUSIVE',
      table: 'events',
      blocks: ['reads', 'writes'],
      alsoLocks: [{ mode: 'ACCESS EXCLUSIVE', table: 'events_2024', blocks: ['reads', 'writes'] }],
    });
    assert.equal(LOCK_TABLE.refreshMaterializedViewConcurrently.mode, 'EXCLUSIVE');
    assert.deepEqual(blocksOf(LOCK_TABLE.refreshMaterializedViewConcurrently.mode), ['writes']);
  });

  void it('blocks follows the conflict table: reads only for ACCESS EXCLUSIVE, writes from SHARE up', () => {
    assert.deepEqual(
      LOCK_MODES.map((m) => [m, blocksOf(m)]),
      [
        ['ACCESS SHARE', []],
        ['ROW SHARE', []],
        ['ROW EXCLUSIVE', []],
        ['SHARE UPDATE EXCLUSIVE', []],
        ['SHARE', ['writes']],
        ['SHARE ROW EXCLUSIVE', ['writes']],
        ['EXCLUSIVE', ['writes']],
        ['ACCESS EXCLUSIVE', ['reads', 'writes']],
      ],
    );
    assert.equal(pgLocksMode('SHARE ROW EXCLUSIVE'), 'ShareRowExclusiveLock');
  });

  void it('every entry of the lock table cites PostgreSQL\'s documentation', () => {
    for (const [kind, entry] of Object.entries(LOCK_TABLE)) assert.match(entry.source, /PostgreSQL docs, /, kind);
  });

  void it('describeLock says mode, table and what is blocked', () => {
    assert.equal(
      describeLock({ mode: 'SHARE ROW EXCLUSIVE', table: 'orders', blocks: ['writes'], alsoLocks: [{ mode: 'SHARE ROW EXCLUSIVE', table: 'users', blocks: ['writes'] }] }),
      'SHARE ROW EXCLUSIVE on "orders" (blocks writes); SHARE ROW EXCLUSIVE on "users" (blocks writes)',
    );
    assert.equal(describeLock({ mode: 'ACCESS EXCLUSIVE', table: 'i', blocks: ['reads', 'writes'], onIndex: true }), 'ACCESS EXCLUSIVE on the table of index "i" (blocks reads and writes)');
  });
});
