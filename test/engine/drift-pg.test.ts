/**
 * Schema drift on the REAL PostgreSQL server of the tests (MG_TEST_PG_URL): each kind of drift made by
 * hand is found exactly and alone; no drift on a database built from its migrations (also after
 * upgrade → downgrade → upgrade and as a user without CREATEDB, in a scratch schema); invalid indexes
 * and NOT VALID constraints; scratch databases gone after success, failure and SIGINT.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downgrade, loadProject, upgrade, validate, type LoadedProject } from '../../server/src/migrations';
import type { DriftItem, ValidateResult } from '../../server/src/protocol';
import { createPgDatabase, pgBaseUrl, pgQuery, pgSkip, startCli, tempDir, writeFiles } from './helpers';
import { DRIFT_MIGRATIONS } from './drift-helpers';

const skip = pgSkip('PostgreSQL drift tests');

function kinds(drift: DriftItem[] | undefined): Array<Record<string, string>> {
  return (drift ?? []).map((d) => ({ kind: d.kind, table: d.table, ...(d.column ? { column: d.column } : {}), ...(d.index ? { index: d.index } : {}) }));
}

void describe('schema drift on PostgreSQL (MG_TEST_PG_URL)', { skip }, () => {
  let tmp: { dir: string; cleanup: () => void };
  const drops: Array<() => Promise<void>> = [];
  let n = 0;

  before(() => {
    tmp = tempDir('mg-drift-pg-');
  });
  after(async () => {
    // Newest first: a test database before the role that owns it.
    for (const d of drops.reverse()) await d().catch(() => {});
    tmp?.cleanup();
  });

  /** Scratch databases and schemas left on the server (every name starts with mg_scratch_). */
  async function scratchLeft(url: string): Promise<string[]> {
    const dbs = await pgQuery<{ n: string }>(pgBaseUrl as string, "select datname as n from pg_database where datname like 'mg\\_scratch\\_%'");
    const schemas = await pgQuery<{ n: string }>(url, "select nspname as n from pg_namespace where nspname like 'mg\\_scratch\\_%'");
    return [...dbs, ...schemas].map((r) => r.n);
  }

  async function built(user?: string): Promise<{ project: LoadedProject; dir: string; url: string; query: (sql: string) => Promise<unknown> }> {
    const db = await createPgDatabase('drift');
    drops.push(() => db.drop());
    let url = db.url();
    if (user) {
      await pgQuery(pgBaseUrl as string, `ALTER DATABASE ${db.name()} OWNER TO ${user}`);
      const u = new URL(url);
      u.username = user;
      url = u.toString();
    }
    const dir = path.join(tmp.dir, `p${n++}`);
    writeFiles(dir, {
      'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(url)}, migrations: { directory: './db/migrations' } } };`,
      ...DRIFT_MIGRATIONS,
    });
    const project = await loadProject({ cwd: dir, processEnv: {} });
    await upgrade(project, { noBackup: true, allowUnsafe: true });
    return { project, dir, url, query: (sql) => pgQuery(db.url(), sql) };
  }

  async function driftAfter(sql: string): Promise<ValidateResult> {
    const b = await built();
    await b.query(sql);
    const v = await validate(b.project);
    assert.deepEqual(await scratchLeft(b.url), [], 'scratch database removed');
    return v;
  }

  void it('finds no drift on a database built from its migrations, also after upgrade → downgrade → upgrade', async () => {
    const b = await built();
    const v = await validate(b.project);
    assert.deepEqual(v.drift, []);
    assert.equal(v.valid, true, JSON.stringify(v.problems));
    assert.deepEqual(await scratchLeft(b.url), []);
    await downgrade(b.project, { step: 2, noBackup: true });
    await upgrade(b.project, { noBackup: true, allowUnsafe: true });
    const again = await validate(b.project);
    assert.deepEqual(again.drift, []);
    assert.equal(again.valid, true);
  });

  void it('finds an added column, a dropped index, a changed type, a dropped NOT NULL, each alone', async () => {
    assert.deepEqual(kinds((await driftAfter('ALTER TABLE users ADD COLUMN nickname text')).drift), [{ kind: 'extra-column', table: 'users', column: 'nickname' }]);
    assert.deepEqual(kinds((await driftAfter('DROP INDEX users_age_idx')).drift), [{ kind: 'missing-index', table: 'users', index: 'users_age_idx' }]);
    const type = await driftAfter('ALTER TABLE users ALTER COLUMN age TYPE bigint');
    assert.deepEqual(kinds(type.drift), [{ kind: 'type-mismatch', table: 'users', column: 'age' }]);
    assert.equal(type.drift?.[0]?.expected, 'integer');
    assert.equal(type.drift?.[0]?.actual, 'bigint');
    const nn = await driftAfter('ALTER TABLE users ALTER COLUMN email DROP NOT NULL');
    assert.deepEqual(kinds(nn.drift), [{ kind: 'nullability-mismatch', table: 'users', column: 'email' }]);
  });

  void it('finds a removed foreign key, an extra table and a table dropped by hand', async () => {
    const fk = await driftAfter('ALTER TABLE posts DROP CONSTRAINT posts_user_id_foreign');
    assert.deepEqual(kinds(fk.drift), [{ kind: 'missing-foreign-key', table: 'posts', column: 'user_id' }]);
    assert.equal(fk.drift?.[0]?.constraint, 'posts_user_id_foreign');
    assert.deepEqual(kinds((await driftAfter('CREATE TABLE audit (id serial primary key)')).drift), [{ kind: 'extra-table', table: 'audit' }]);
    assert.deepEqual(kinds((await driftAfter('DROP TABLE posts')).drift), [{ kind: 'missing-table', table: 'posts' }]);
  });

  void it('reports an invalid index left by a failed CREATE INDEX CONCURRENTLY and a NOT VALID constraint', async () => {
    const b = await built();
    await b.query("INSERT INTO users (email, age) VALUES ('a@x', 1), ('b@x', 1)");
    await assert.rejects(b.query('CREATE UNIQUE INDEX CONCURRENTLY users_age_unique ON users (age)'));
    await b.query('ALTER TABLE users ADD CONSTRAINT users_age_small CHECK (age < 100) NOT VALID');
    const v = await validate(b.project);
    assert.deepEqual(v.problems.map((p) => p.code), ['invalid-index', 'not-valid-constraint']);
    assert.match(v.problems[0]?.message ?? '', /users_age_unique/);
    // Both objects are also drift: the migrations create neither.
    assert.deepEqual(kinds(v.drift).map((d) => d.kind).sort(), ['extra-constraint', 'extra-index']);
  });

  void it('without CREATEDB: replays in a scratch schema, finds no drift, and drops the schema', async () => {
    const role = `mg_drift_nocreatedb_${process.pid}`;
    await pgQuery(pgBaseUrl as string, `CREATE ROLE ${role} LOGIN NOCREATEDB`);
    drops.push(() => pgQuery(pgBaseUrl as string, `DROP ROLE IF EXISTS ${role}`).then(() => {}));
    const b = await built(role);
    await b.query('ALTER TABLE users ADD COLUMN nickname text');
    const logs: string[] = [];
    const v = await validate(b.project, { log: (_l, m) => logs.push(m) });
    assert.ok(logs.some((m) => /scratch schema mg_scratch_/.test(m)), logs.join('\n'));
    assert.deepEqual(kinds(v.drift), [{ kind: 'extra-column', table: 'users', column: 'nickname' }]);
    assert.deepEqual(await scratchLeft(b.url), []);
    // The schema of the scratch must not leave knex_migrations rows in the real table.
    const rows = await pgQuery<{ c: string }>(b.url, 'select count(*)::text as c from knex_migrations');
    assert.equal(rows[0]?.c, '3');
  });

  void it('compares the searchPath schema, not migrations.schemaName (which only holds Knex\'s tables)', async () => {
    const db = await createPgDatabase('drift');
    drops.push(() => db.drop());
    await db.query('CREATE SCHEMA app');
    await db.query('CREATE SCHEMA meta');
    const dir = path.join(tmp.dir, `p${n++}`);
    writeFiles(dir, {
      'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(db.url())}, searchPath: ['app'], migrations: { directory: './db/migrations', schemaName: 'meta' } } };`,
      ...DRIFT_MIGRATIONS,
    });
    const project = await loadProject({ cwd: dir, processEnv: {} });
    await upgrade(project, { noBackup: true, allowUnsafe: true });
    const clean = await validate(project);
    assert.deepEqual(clean.drift, []);
    assert.equal(clean.valid, true, JSON.stringify(clean.problems));
    await db.query('ALTER TABLE app.users ADD COLUMN nickname text');
    const v = await validate(project);
    assert.deepEqual(kinds(v.drift), [{ kind: 'extra-column', table: 'users', column: 'nickname' }]);
    assert.deepEqual(await scratchLeft(db.url()), []);
  });

  void it('drops the scratch database when a migration fails in it, and on SIGINT', async () => {
    const b = await built();
    writeFiles(b.dir, { 'db/migrations/004_from_legacy.js': "exports.up = (knex) => knex.raw('insert into users (email) select email from legacy');\nexports.down = async () => {};\n" });
    await b.query('CREATE TABLE legacy (email text)');
    await upgrade(b.project, { noBackup: true, allowUnsafe: true });
    const v = await validate(b.project);
    assert.deepEqual(v.problems.map((p) => p.code), ['drift-unchecked']);
    assert.deepEqual(await scratchLeft(b.url), []);

    const waitDir = path.join(b.dir, 'wait');
    mkdirSync(waitDir);
    const child = startCli(['validate', '--cwd', b.dir], { MG_TEST_WAIT_DIR: waitDir });
    const exited = child.done.then(() => true);
    while (!existsSync(path.join(waitDir, 'started'))) {
      if (await Promise.race([exited, new Promise<false>((r) => setImmediate(() => r(false)))])) break;
    }
    assert.ok(existsSync(path.join(waitDir, 'started')), 'the migration started in the scratch database');
    assert.equal((await scratchLeft(b.url)).length, 1, 'the scratch database exists while the migration waits');
    process.kill(child.pid, 'SIGINT');
    const r = await child.done;
    assert.notEqual(r.code, 0);
    assert.deepEqual(await scratchLeft(b.url), [], 'scratch database dropped after SIGINT');
  });
});
