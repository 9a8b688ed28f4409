/**
 * Backup then restore of a database with at least 100,000 rows gives identical rows in every table:
 * SQLite (real file, online backup API both ways) and PostgreSQL (pg_dump -Fc / pg_restore; needs
 * MG_TEST_PG_URL). Data is generated in the database with recursive CTEs / generate_series.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { backup, loadProject, type LoadedProject } from '../../server/src/migrations';
import { restore } from '../../server/src/migrations/backups/restore';
import { pgSkip, sqliteAll, sqliteKnexfile, tempDir, usePgDatabase, writeFiles } from './helpers';

/** Every table's rows (ordered by rowid) as one sha256 per table, plus the row counts and the schema. */
async function sqliteDigest(file: string): Promise<Record<string, string | number>> {
  const out: Record<string, string | number> = {};
  const schema = await sqliteAll(file, 'select type, name, sql from sqlite_master order by type, name');
  out.schema = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
  for (const t of await sqliteAll(file, "select name from sqlite_master where type = 'table' order by name")) {
    const rows = await sqliteAll(file, `select * from "${String(t.name)}" order by rowid`);
    const h = createHash('sha256');
    for (const r of rows) h.update(JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)));
    out[`${String(t.name)}#rows`] = rows.length;
    out[String(t.name)] = h.digest('hex');
  }
  return out;
}

void describe('backup and restore with ≥100,000 rows', () => {
  void it('SQLite: identical rows in every table after backup, damage and restore', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const db = project.sqliteFile as string;
      await sqliteAll(db, 'create table customers (id integer primary key, name text not null, email text unique, balance real, avatar blob)');
      await sqliteAll(db, 'create table orders (id integer primary key, customer_id integer references customers(id), total numeric, note text)');
      await sqliteAll(db, 'create index orders_customer on orders (customer_id)');
      await sqliteAll(db, "with recursive c(x) as (select 1 union all select x + 1 from c where x < 100000) insert into customers select x, 'Customer ' || x || ' — ü', 'c' || x || '@example.com', x * 0.37, randomblob(24) from c");
      await sqliteAll(db, "with recursive c(x) as (select 1 union all select x + 1 from c where x < 60000) insert into orders select x, (x * 7) % 100000 + 1, x * 3.5, case when x % 3 = 0 then null else 'note ' || x end from c");
      const before = await sqliteDigest(db);
      assert.equal(before['customers#rows'], 100000);

      const { backup: b } = await backup(project, { label: 'big' });
      await sqliteAll(db, 'delete from orders where id % 2 = 0');
      await sqliteAll(db, "update customers set name = 'x' where id < 5000");
      await sqliteAll(db, 'drop index orders_customer');
      assert.notDeepEqual(await sqliteDigest(db), before);

      const r = await restore(project, b.name as string);
      assert.equal(r.method, 'sqlite-backup-api');
      assert.deepEqual(await sqliteDigest(db), before);
    } finally {
      cleanup();
    }
  });
});

const skip = pgSkip('PostgreSQL big-data test');

void describe('backup and restore with ≥100,000 rows (PostgreSQL, MG_TEST_PG_URL)', { skip }, () => {
  const db = usePgDatabase('bigdata');
  let tmp: { dir: string; cleanup: () => void };
  let project: LoadedProject;

  async function digest(): Promise<Record<string, string>> {
    const c = new pg.Client({ connectionString: db.url() });
    await c.connect();
    try {
      const out: Record<string, string> = {};
      const cols = await c.query("select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns where table_schema = 'public' order by 1, ordinal_position");
      out.columns = createHash('sha256').update(JSON.stringify(cols.rows)).digest('hex');
      for (const t of ['customers', 'orders']) {
        const r = await c.query<{ n: string; h: string }>(`select count(*)::text as n, md5(coalesce(string_agg(t::text, '|' order by id), '')) as h from "${t}" t`);
        out[t] = `${r.rows[0]?.n}:${r.rows[0]?.h}`;
      }
      return out;
    } finally {
      await c.end();
    }
  }

  before(async () => {
    tmp = tempDir();
    writeFiles(tmp.dir, { 'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(db.url())}, migrations: { directory: './migrations' } } };`, 'migrations/.keep': '' });
    project = await loadProject({ cwd: tmp.dir, processEnv: {} });
    const c = new pg.Client({ connectionString: db.url() });
    await c.connect();
    await c.query('create table customers (id int primary key, name text not null, email text unique, balance numeric(14,2), created timestamptz, tags jsonb, avatar bytea)');
    await c.query('create table orders (id int primary key, customer_id int references customers(id) on delete cascade, total numeric, note text)');
    await c.query("insert into customers select g, 'Customer ' || g || ' — ü', 'c' || g || '@example.com', g * 0.37, timestamptz '2024-01-01' + g * interval '1 minute', jsonb_build_object('g', g), decode(md5(g::text), 'hex') from generate_series(1, 100000) g");
    await c.query("insert into orders select g, (g * 7) % 100000 + 1, g * 3.5, case when g % 3 = 0 then null else 'note ' || g end from generate_series(1, 60000) g");
    await c.end();
  });

  after(async () => {
    tmp?.cleanup();
  });

  void it('PostgreSQL: identical rows in every table after backup, damage and pg_restore', async () => {
    const before = await digest();
    assert.match(before.customers ?? '', /^100000:/);
    const { backup: b } = await backup(project, { label: 'big' });
    const c = new pg.Client({ connectionString: db.url() });
    await c.connect();
    await c.query('delete from orders where id % 2 = 0');
    await c.query("update customers set name = 'x' where id < 5000");
    await c.query('create table extra_after_backup (id int)');
    await c.end();
    assert.notDeepEqual(await digest(), before);
    const r = await restore(project, b.name as string);
    assert.equal(r.method, 'pg_restore');
    assert.deepEqual(await digest(), before);
  });
});
