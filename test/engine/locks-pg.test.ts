/**
 * The lock table (server/src/lint/locks.ts) against a REAL PostgreSQL (MG_TEST_PG_URL): for every statement kind of
 * the table, one statement is analysed (its lock taken from the analyzer) and run on the server, and the strongest
 * mode it holds on each table (`pg_locks`, locktype `relation`) must equal the analyzer's. Statements that may run in
 * a transaction run inside one (BEGIN, statement, read pg_locks, ROLLBACK). CONCURRENTLY statements cannot: session A
 * holds a conflicting lock, session B starts the statement, and session C polls `pg_locks` until B waits, then reads
 * the mode B asks for (no fixed sleeps). The conflict table behind `blocks` is checked pair by pair with
 * `LOCK TABLE … NOWAIT`, and the modes SELECT and INSERT take (what "reads" and "writes" mean) are read from pg_locks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { conflicts, modeOf } from '../../server/src/lint/locks';
import { initAnalyzer, LOCK_MODES, LOCK_TABLE, lockKindOf, parseDocument, pgLocksMode, statementLock } from '../../server/src/lint';
import type { LockKind, LockMode, Operation, TableLock } from '../../server/src/lint';
import { createPgDatabase, pgSkip } from './helpers';

const skip = pgSkip('lock table checks against PostgreSQL');

const SETUP = `
CREATE TABLE users (id int PRIMARY KEY, email text);
CREATE TABLE orders (id int, user_id int, qty int, note text NOT NULL DEFAULT '');
CREATE INDEX orders_qty_idx ON orders (qty);
CREATE UNIQUE INDEX orders_id_uidx ON orders (id);
ALTER TABLE orders ADD CONSTRAINT orders_qty_check CHECK (qty > 0) NOT VALID;
CREATE TABLE payments (id int, user_id int CONSTRAINT payments_user_id_foreign REFERENCES users (id));
CREATE TABLE items (id int PRIMARY KEY);
CREATE MATERIALIZED VIEW item_ids AS SELECT id FROM items;
CREATE UNIQUE INDEX item_ids_id ON item_ids (id);
CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE UNLOGGED TABLE scratch (id int);
CREATE SCHEMA archive;
INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 50) g;
INSERT INTO orders SELECT g, g, g, '' FROM generate_series(1, 50) g;`;

/**
 * One statement per lock kind; `concurrently` ones (and the others PostgreSQL refuses in a transaction block: VACUUM)
 * run outside a transaction, seen waiting from another session; `restore` undoes what they did. `reads`: tables the
 * statement reads under ACCESS SHARE that the analyzer does not name (a materialized view's source).
 */
interface Case {
  kind: LockKind;
  sql: string;
  concurrently?: { restore: string };
  reads?: string[];
}

const CASES: Case[] = [
  { kind: 'addColumn', sql: 'ALTER TABLE orders ADD COLUMN total int NOT NULL DEFAULT 0' },
  { kind: 'dropColumn', sql: 'ALTER TABLE orders DROP COLUMN note' },
  { kind: 'alterColumnType', sql: 'ALTER TABLE orders ALTER COLUMN qty TYPE bigint' },
  { kind: 'setNotNull', sql: 'ALTER TABLE orders ALTER COLUMN qty SET NOT NULL' },
  { kind: 'dropNotNull', sql: 'ALTER TABLE orders ALTER COLUMN note DROP NOT NULL' },
  { kind: 'renameColumn', sql: 'ALTER TABLE orders RENAME COLUMN note TO remark' },
  { kind: 'renameTable', sql: 'ALTER TABLE orders RENAME TO purchases' },
  { kind: 'addForeignKey', sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)' },
  { kind: 'addForeignKey', sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id) NOT VALID' },
  { kind: 'addCheck', sql: 'ALTER TABLE orders ADD CONSTRAINT orders_qty_nonneg CHECK (qty >= 0)' },
  { kind: 'addUnique', sql: 'ALTER TABLE orders ADD CONSTRAINT orders_id_key UNIQUE (id)' },
  { kind: 'addUniqueUsingIndex', sql: 'ALTER TABLE orders ADD CONSTRAINT orders_id_ukey UNIQUE USING INDEX orders_id_uidx' },
  { kind: 'addPrimaryKey', sql: 'ALTER TABLE orders ADD PRIMARY KEY (id)' },
  { kind: 'addExclusion', sql: 'ALTER TABLE orders ADD CONSTRAINT orders_id_excl EXCLUDE USING btree (id WITH =)' },
  { kind: 'validateConstraint', sql: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_qty_check' },
  { kind: 'createIndex', sql: 'CREATE INDEX orders_user_idx ON orders (user_id)' },
  { kind: 'createIndex', sql: 'CREATE UNIQUE INDEX orders_id_uidx2 ON orders (id)' },
  { kind: 'createIndexConcurrently', sql: 'CREATE INDEX CONCURRENTLY orders_user_cidx ON orders (user_id)', concurrently: { restore: 'DROP INDEX orders_user_cidx' } },
  { kind: 'dropIndex', sql: 'DROP INDEX orders_qty_idx' },
  { kind: 'dropIndexConcurrently', sql: 'DROP INDEX CONCURRENTLY orders_qty_idx', concurrently: { restore: 'CREATE INDEX orders_qty_idx ON orders (qty)' } },
  { kind: 'dropTable', sql: 'DROP TABLE orders' },
  { kind: 'truncate', sql: 'TRUNCATE orders' },
  { kind: 'deleteRows', sql: 'DELETE FROM orders WHERE id = 1' },
  { kind: 'updateRows', sql: 'UPDATE orders SET qty = 2 WHERE id = 1' },
  // Several sub-commands: the statement's strongest lock on the table, and the referenced table's.
  { kind: 'addForeignKey', sql: 'ALTER TABLE orders ADD COLUMN buyer_id int REFERENCES users (id)' },
  // Maintenance, persistence, partitions (REINDEX / VACUUM FULL / CLUSTER / REFRESH / SET LOGGED / DETACH PARTITION).
  { kind: 'reindex', sql: 'REINDEX TABLE orders' },
  { kind: 'reindex', sql: 'REINDEX INDEX orders_qty_idx' },
  { kind: 'cluster', sql: 'CLUSTER orders USING orders_qty_idx' },
  { kind: 'refreshMaterializedView', sql: 'REFRESH MATERIALIZED VIEW item_ids', reads: ['items'] },
  // Unlike CREATE INDEX CONCURRENTLY, REFRESH … CONCURRENTLY may run in a transaction block.
  { kind: 'refreshMaterializedViewConcurrently', sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY item_ids', reads: ['items'] },
  { kind: 'setPersistence', sql: 'ALTER TABLE orders SET UNLOGGED' },
  { kind: 'setPersistence', sql: 'ALTER TABLE scratch SET LOGGED' },
  { kind: 'detachPartition', sql: 'ALTER TABLE events DETACH PARTITION events_2024' },
  { kind: 'lockTable', sql: 'LOCK TABLE orders' },
  { kind: 'lockTable', sql: 'LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE' },
  { kind: 'setSchema', sql: 'ALTER TABLE orders SET SCHEMA archive' },
  // Refused in a transaction block: seen waiting (the mode asked first, on the statement's table).
  { kind: 'vacuumFull', sql: 'VACUUM FULL orders', concurrently: { restore: 'SELECT 1' } },
  { kind: 'vacuum', sql: 'VACUUM ANALYZE orders', concurrently: { restore: 'SELECT 1' } },
  { kind: 'reindexConcurrently', sql: 'REINDEX INDEX CONCURRENTLY orders_qty_idx', concurrently: { restore: 'SELECT 1' } },
  {
    kind: 'detachPartitionConcurrently',
    sql: 'ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY',
    concurrently: { restore: "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')" },
  },
];

/** Knex schema-builder calls (run as the SQL Knex generates for PostgreSQL), for the kinds only Knex produces too. */
interface KnexForm {
  kind: LockKind;
  table: string;
  source: string;
  build: (knex: Knex) => { toSQL(): Array<{ sql: string }> };
  /** A table the statement also locks that the source does not name (the analyzer cannot list it). */
  referencedUnnamed?: string;
}

const KNEX_FORMS: KnexForm[] = [
  { kind: 'addUnique', table: 'orders', source: "t.unique(['id'])", build: (k) => k.schema.alterTable('orders', (t) => void t.unique(['id'])) },
  { kind: 'createIndex', table: 'orders', source: "t.index(['user_id'])", build: (k) => k.schema.alterTable('orders', (t) => void t.index(['user_id'])) },
  { kind: 'addForeignKey', table: 'orders', source: "t.foreign('user_id').references('users.id')", build: (k) => k.schema.alterTable('orders', (t) => void t.foreign('user_id').references('users.id')) },
  { kind: 'addForeignKey', table: 'orders', source: "t.integer('buyer').references('id').inTable('users')", build: (k) => k.schema.alterTable('orders', (t) => void t.integer('buyer').references('id').inTable('users')) },
  { kind: 'addColumn', table: 'orders', source: "t.integer('total').notNullable().defaultTo(0)", build: (k) => k.schema.alterTable('orders', (t) => void t.integer('total').notNullable().defaultTo(0)) },
  { kind: 'dropForeignKey', table: 'payments', source: "t.dropForeign('user_id')", build: (k) => k.schema.alterTable('payments', (t) => void t.dropForeign('user_id')), referencedUnnamed: 'users' },
  { kind: 'dropConstraint', table: 'items', source: 't.dropPrimary()', build: (k) => k.schema.alterTable('items', (t) => void t.dropPrimary()) },
];

/** The table the lock is on (a DROP INDEX names only the index: its table is `orders` in every case here). */
function lockedTable(lock: { table: string; onIndex?: true }): string {
  return lock.onIndex ? 'orders' : lock.table;
}

/**
 * The analyzer's view of `sql` (one statement): the lock of its statement, found through the operation of `kind`.
 * With one operation, the lock's mode is the table's entry for `kind`.
 */
function analyzerLock(sql: string, kind: LockKind): TableLock {
  const doc = parseDocument(`${sql};`, { fileName: 'lock.sql', dialect: 'postgresql' });
  const op = doc.operations.find((o) => lockKindOf(o) === kind);
  assert.ok(op, `the analyzer sees a ${kind} in: ${sql}`);
  const lock = statementLock(op, doc.operations.filter((o: Operation) => o.statement.start === op.statement.start));
  assert.ok(lock, `a lock for: ${sql}`);
  if (doc.operations.length === 1) assert.equal(lock.mode, modeOf(op, kind));
  return lock;
}

const MODE_BY_PG = new Map(LOCK_MODES.map((m) => [pgLocksMode(m), m]));

/** The strongest table lock mode `pid` holds (granted) or waits for (not granted) on each relation, by oid. */
async function locksOf(client: pg.Client, pid: number, granted: boolean): Promise<Map<string, LockMode>> {
  const rows = (
    await client.query<{ relation: string; mode: string }>(
      "SELECT relation::text AS relation, mode FROM pg_locks WHERE locktype = 'relation' AND pid = $1 AND granted = $2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      [pid, granted],
    )
  ).rows;
  const out = new Map<string, LockMode>();
  for (const r of rows) {
    const mode = MODE_BY_PG.get(r.mode);
    assert.ok(mode, `known mode ${r.mode}`);
    const prev = out.get(r.relation);
    if (!prev || LOCK_MODES.indexOf(mode) > LOCK_MODES.indexOf(prev)) out.set(r.relation, mode);
  }
  return out;
}

void describe('lock table against PostgreSQL pg_locks (MG_TEST_PG_URL)', { skip }, () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  const clients: pg.Client[] = [];
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: db.url() });
    await c.connect();
    clients.push(c);
    return c;
  };
  let main: pg.Client;
  let oids: Map<string, string>;
  const knex = knexFactory({ client: 'pg' });

  before(async () => {
    await initAnalyzer();
    db = await createPgDatabase('locks');
    main = await connect();
    await main.query(SETUP);
    const rows = (await main.query<{ name: string; oid: string }>("SELECT c.relname AS name, c.oid::text AS oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm', 'p')")).rows;
    oids = new Map(rows.map((r) => [r.name, r.oid]));
  });
  after(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await knex.destroy();
    await db?.drop();
  });

  const oidOf = (table: string): string => {
    const oid = oids.get(table.replace(/^public\./, ''));
    assert.ok(oid, `table ${table} exists`);
    return oid;
  };

  void it('has a statement for every kind of the lock table', () => {
    assert.deepEqual([...new Set([...CASES, ...KNEX_FORMS].map((c) => c.kind))].sort(), Object.keys(LOCK_TABLE).sort());
  });

  for (const c of CASES.filter((k) => !k.concurrently)) {
    void it(`${c.kind}: ${c.sql}`, async () => {
      const lock = analyzerLock(c.sql, c.kind);
      await main.query('BEGIN');
      try {
        await main.query(c.sql);
        const held = await locksOf(main, (main as unknown as { processID: number }).processID, true);
        assert.equal(held.get(oidOf(lockedTable(lock))), lock.mode, `mode on ${lockedTable(lock)}`);
        for (const also of lock.alsoLocks ?? []) assert.equal(held.get(oidOf(also.table)), also.mode, `mode on ${also.table}`);
        // No other table of the schema is locked unless the analyzer says so.
        const named = new Set([oidOf(lockedTable(lock)), ...(lock.alsoLocks ?? []).map((a) => oidOf(a.table))]);
        for (const read of c.reads ?? []) assert.equal(held.get(oidOf(read)), 'ACCESS SHARE', `reads ${read}`);
        const reads = new Set((c.reads ?? []).map(oidOf));
        for (const [name, oid] of oids) if (!named.has(oid) && !reads.has(oid)) assert.equal(held.get(oid), undefined, `no lock on ${name}`);
      } finally {
        await main.query('ROLLBACK');
      }
    });
  }

  for (const c of CASES.filter((k) => k.concurrently)) {
    void it(`${c.kind} (seen waiting from another session): ${c.sql}`, async () => {
      const lock = analyzerLock(c.sql, c.kind);
      const [a, b, observer] = [await connect(), await connect(), await connect()];
      const bPid = (b as unknown as { processID: number }).processID;
      const table = oidOf(lockedTable(lock));
      // A holds EXCLUSIVE, which conflicts with every mode but ACCESS SHARE: B must wait for whatever it asks.
      await a.query('BEGIN');
      await a.query(`LOCK TABLE ${lockedTable(lock)} IN EXCLUSIVE MODE`);
      const running = b.query(c.sql);
      let waiting: LockMode | undefined;
      const deadline = Date.now() + 20_000;
      while (waiting === undefined) {
        waiting = (await locksOf(observer, bPid, false)).get(table);
        if (waiting === undefined) {
          assert.ok(Date.now() < deadline, `session B waits for a lock on ${lockedTable(lock)}`);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      await a.query('COMMIT');
      await running;
      assert.equal(waiting, lock.mode);
      await main.query(c.concurrently!.restore);
    });
  }

  void it('the Knex schema builder statements take the locks the analyzer gives them (SQL from knex toSQL)', async () => {
    const pid = (main as unknown as { processID: number }).processID;
    for (const form of KNEX_FORMS) {
      const text = `exports.up = async (knex) => {\n  await knex.schema.alterTable('${form.table}', (t) => {\n    ${form.source};\n  });\n};\nexports.down = async () => {};\n`;
      const doc = parseDocument(text, { fileName: '20240101_lock.js', dialect: 'postgresql' });
      const op = doc.operations.find((o) => lockKindOf(o) === form.kind);
      assert.ok(op, `${form.kind}: ${form.source}`);
      const lock = statementLock(op, doc.operations.filter((o: Operation) => o.statement.start === op.statement.start))!;
      const statements = form.build(knex).toSQL().map((q) => q.sql);
      await main.query('BEGIN');
      try {
        for (const sql of statements) await main.query(sql);
        const held = await locksOf(main, pid, true);
        assert.equal(held.get(oidOf(form.table)), lock.mode, `${form.source} (${statements.join('; ')})`);
        for (const also of lock.alsoLocks ?? []) assert.equal(held.get(oidOf(also.table)), also.mode, `${form.source} on ${also.table}`);
        // A referenced table the source does not name (t.dropForeign): the table's `referenced` mode.
        if (form.referencedUnnamed) assert.equal(held.get(oidOf(form.referencedUnnamed)), LOCK_TABLE[form.kind].referenced, `${form.source} on ${form.referencedUnnamed}`);
        const named = new Set([form.table, ...(lock.alsoLocks ?? []).map((a) => a.table), ...(form.referencedUnnamed ? [form.referencedUnnamed] : [])].map(oidOf));
        for (const [name, oid] of oids) if (!named.has(oid)) assert.equal(held.get(oid), undefined, `${form.source}: no lock on ${name}`);
      } finally {
        await main.query('ROLLBACK');
      }
    }
  });

  void it('the conflict table behind `blocks` is PostgreSQL\'s (LOCK TABLE … NOWAIT for every pair of modes)', async () => {
    const [a, b] = [await connect(), await connect()];
    for (const held of LOCK_MODES) {
      await a.query('BEGIN');
      await a.query(`LOCK TABLE users IN ${held} MODE`);
      try {
        for (const asked of LOCK_MODES) {
          await b.query('BEGIN');
          let blocked = false;
          try {
            await b.query(`LOCK TABLE users IN ${asked} MODE NOWAIT`);
          } catch (error) {
            assert.equal((error as { code?: string }).code, '55P03', String(error));
            blocked = true;
          } finally {
            await b.query('ROLLBACK');
          }
          assert.equal(conflicts(held, asked), blocked, `${held} vs ${asked}`);
        }
      } finally {
        await a.query('ROLLBACK');
      }
    }
  });

  void it('SELECT takes ACCESS SHARE and INSERT/UPDATE/DELETE take ROW EXCLUSIVE (what "reads" and "writes" mean)', async () => {
    const pid = (main as unknown as { processID: number }).processID;
    for (const [sql, mode] of [
      ['SELECT count(*) FROM users', 'ACCESS SHARE'],
      ["INSERT INTO users VALUES (1000, 'x')", 'ROW EXCLUSIVE'],
      ['UPDATE users SET email = email WHERE id = 1', 'ROW EXCLUSIVE'],
      ['DELETE FROM users WHERE id = 2', 'ROW EXCLUSIVE'],
    ] as const) {
      await main.query('BEGIN');
      try {
        await main.query(sql);
        assert.equal((await locksOf(main, pid, true)).get(oidOf('users')), mode, sql);
      } finally {
        await main.query('ROLLBACK');
      }
    }
  });
});
