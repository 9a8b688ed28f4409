/**
 * PostgreSQL engine tests. Need MG_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:PORT/postgres,
 * `scripts/pg-cluster.sh start DIR PORT` prints one); each run CREATEs a fresh database and drops it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { EngineError, getStatus, loadProject, upgrade, validate, type LoadedProject } from '../../server/src/migrations';
import { createTableMigration, pgSkip, runCli, tempDir, usePgDatabase, writeFiles } from './helpers';
import type { StatusResult } from '../../server/src/protocol';

const skip = pgSkip('PostgreSQL engine tests');

function hasPgDump(): boolean {
  try {
    execFileSync(process.env.MG_PG_DUMP ?? 'pg_dump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

void describe('PostgreSQL (MG_TEST_PG_URL)', { skip }, () => {
  const db = usePgDatabase('test');
  let tmp: { dir: string; cleanup: () => void };
  let project: LoadedProject;

  async function tables(): Promise<string[]> {
    const c = new pg.Client({ connectionString: db.url() });
    await c.connect();
    try {
      const r = await c.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public' order by table_name");
      return r.rows.map((x) => x.table_name);
    } finally {
      await c.end();
    }
  }

  before(async () => {
    tmp = tempDir();
    writeFiles(tmp.dir, {
      'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(db.url())}, migrations: { directory: './migrations' } } };`,
      'migrations/001_a.js': createTableMigration('a'),
      'migrations/002_b.js': createTableMigration('b'),
    });
    project = await loadProject({ cwd: tmp.dir, processEnv: {} });
  });

  after(async () => {
    tmp?.cleanup();
  });

  void it('status is read-only on a fresh database', async () => {
    const s = await getStatus(project);
    assert.deepEqual(s.migrations.map((m) => m.state), ['pending', 'pending']);
    assert.equal(s.project.client, 'pg');
    assert.deepEqual(await tables(), [], 'no knex_migrations table created');
    const v = await validate(project);
    assert.equal(v.valid, true);
    assert.deepEqual(await tables(), []);
  });

  void it('upgrade applies, records with timestamptz times, validates; pg_dump backup when available', async () => {
    const dump = hasPgDump();
    const r = await upgrade(project, { noBackup: !dump });
    assert.deepEqual(r.applied, ['001_a.js', '002_b.js']);
    assert.equal(r.batch, 1);
    assert.equal(r.validation?.valid, true);
    assert.deepEqual(r.validation?.checked, ['migration files', 'checksums', 'lock']);
    if (dump) {
      assert.ok(r.backup && existsSync(r.backup.path), 'pg_dump backup written');
      assert.match(path.basename(r.backup.path), /^backup_\d{8}_\d{6}(_\d+)?\.dump$/);
      assert.equal(statSync(r.backup.path).mode & 0o777, 0o600);
      assert.ok(r.backup.bytes > 0);
    }
    const s = await getStatus(project);
    assert.deepEqual(s.migrations.map((m) => [m.name, m.state, m.batch]), [['001_a.js', 'applied', 1], ['002_b.js', 'applied', 1]]);
    const at = Date.parse(s.migrations[0]?.appliedAt ?? '');
    assert.ok(Math.abs(at - Date.now()) < 60_000, `appliedAt ${s.migrations[0]?.appliedAt}`);
    assert.deepEqual(await tables(), ['a', 'b', 'knex_migrations', 'knex_migrations_lock', 'migration_guard_checksums']);
  });

  void it('a failing migration rolls the whole batch back and frees the lock', async () => {
    writeFiles(tmp.dir, {
      'migrations/003_c.js': createTableMigration('c'),
      'migrations/004_boom.js': `exports.up = async (knex) => { await knex.raw('select * from no_such_table'); };\nexports.down = async () => {};\n`,
    });
    await assert.rejects(upgrade(project, { noBackup: true }), (e: unknown) => {
      assert.ok(e instanceof EngineError);
      assert.equal(e.code, 'migration-failed');
      assert.match(e.message, /Migration 004_boom\.js failed: .*no_such_table/);
      assert.match(e.message, /rolled it back/);
      return true;
    });
    assert.ok(!(await tables()).includes('c'));
    const s = await getStatus(project);
    assert.equal(s.lock.held, false);
    assert.deepEqual(s.migrations.filter((m) => m.state === 'pending').map((m) => m.name), ['003_c.js', '004_boom.js']);
  });

  void it('the CLI reports status --json and validate against PostgreSQL', async () => {
    const r = await runCli(['status', '--json', '--cwd', tmp.dir]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as StatusResult;
    assert.equal(s.migrations.filter((m) => m.state === 'applied').length, 2);
    const v = await runCli(['validate', '--cwd', tmp.dir]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^Valid/);
  });
});
