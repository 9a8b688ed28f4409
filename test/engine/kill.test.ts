/**
 * The engine (CLI process) killed with SIGKILL in the middle of an upgrade, on a real SQLite file:
 * status shows the state, validate reports Knex's held lock, the lock is freed, and restoring the
 * automatic pre-upgrade backup brings back the exact pre-upgrade content (every table, every row).
 * The blocking migration logs a marker and waits for a file that never appears; the test kills the
 * CLI as soon as the marker is on stderr (no sleeps).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { RestoreResult, StatusResult, ValidateResult } from '../../server/src/protocol';
import { dumpSqlite, pgSkip, repoRoot, runCli, sqliteAll, sqliteKnexfile, tempDir, usePgDatabase, writeFiles } from './helpers';

const MARKER = 'MG-TEST-BLOCKING-MIGRATION-STARTED';

function blockingMigration(flagFile: string, noTransaction: boolean): string {
  return `${noTransaction ? 'exports.config = { transaction: false };\n' : ''}const fs = require('node:fs');
exports.up = async (knex) => {
  await knex.schema.createTable('half_done', (t) => { t.increments('id'); t.string('v'); });
  await knex('half_done').insert({ v: 'partial' });
  await knex('items').where('id', '<=', 10).del();
  process.stderr.write(${JSON.stringify(`${MARKER}\n`)});
  while (!fs.existsSync(${JSON.stringify(flagFile)})) await new Promise((r) => setTimeout(r, 25));
};
exports.down = async () => {};
`;
}

/** Spawns `upgrade --yes`, resolves with the stderr seen once the marker appears, then SIGKILLs it. */
function upgradeUntilMarkerThenKill(cwd: string): Promise<{ stderr: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('server', 'src', 'cli', 'main.ts'), 'upgrade', '--yes', '--allow-unsafe', '--cwd', cwd], {
      cwd: repoRoot,
      env: { ...process.env, NODE_ENV: undefined, DATABASE_URL: undefined } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let killed = false;
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!killed && stderr.includes(MARKER)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (_code, signal) => (killed ? resolve({ stderr, signal }) : reject(new Error(`upgrade ended before the marker:\n${stderr}`))));
  });
}

async function freeLockIfNoUnlockCommand(dir: string, db: string): Promise<void> {
  const help = await runCli(['--help']);
  if (/^\s+unlock\b/m.test(help.stdout)) {
    const r = await runCli(['unlock', '--cwd', dir]);
    assert.equal(r.code, 0, r.stderr);
  } else {
    await sqliteAll(db, 'update knex_migrations_lock set is_locked = 0');
  }
}

async function seed(dir: string, flag: string, noTransaction: boolean): Promise<string> {
  writeFiles(dir, {
    'knexfile.js': sqliteKnexfile(),
    'db/migrations/001_items.js': "exports.up = (knex) => knex.schema.createTable('items', (t) => { t.increments('id'); t.string('name'); t.float('price'); });\nexports.down = (knex) => knex.schema.dropTable('items');\n",
  });
  const first = await runCli(['upgrade', '--yes', '--no-backup', '--cwd', dir]);
  assert.equal(first.code, 0, first.stderr);
  const db = path.join(dir, 'db', 'app.sqlite3');
  await sqliteAll(db, "with recursive c(x) as (select 1 union all select x + 1 from c where x < 500) insert into items (name, price) select 'item ' || x || ' ✓', x * 1.25 from c");
  writeFiles(dir, {
    'db/migrations/002_tags.js': "exports.up = (knex) => knex.schema.createTable('tags', (t) => { t.increments('id'); t.string('tag'); });\nexports.down = (knex) => knex.schema.dropTable('tags');\n",
    'db/migrations/003_block.js': blockingMigration(flag, noTransaction),
    'db/migrations/004_never.js': "exports.up = (knex) => knex.schema.createTable('never', (t) => { t.increments('id'); });\nexports.down = async () => {};\n",
  });
  return db;
}

void describe('SIGKILL during an upgrade (SQLite)', () => {
  void it('transaction:false migration killed: lock held, validate reports it, unlock, restore of the pre-upgrade backup is exact', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const db = await seed(dir, path.join(dir, 'never-created.flag'), true);
      const before = await dumpSqlite(db, ['sqlite_sequence']);

      const run = await upgradeUntilMarkerThenKill(dir);
      assert.equal(run.signal, 'SIGKILL');
      const backupPath = /Backup written: (\S+\.sqlite3)/.exec(run.stderr)?.[1];
      assert.ok(backupPath, `the upgrade took a backup first:\n${run.stderr}`);

      const status = await runCli(['status', '--json', '--cwd', dir]);
      assert.equal(status.code, 0, status.stderr);
      const s = JSON.parse(status.stdout) as StatusResult;
      assert.equal(s.lock.held, true, 'Knex left its lock held');
      const state = Object.fromEntries(s.migrations.map((m) => [m.name, m.state]));
      assert.equal(state['001_items.js'], 'applied');
      assert.equal(state['002_tags.js'], 'applied', 'committed alone before the killed migration (no wrapping transaction)');
      assert.ok(state['003_block.js'] === 'pending' || state['003_block.js'] === 'out-of-order', String(state['003_block.js']));
      const half = await sqliteAll(db, "select name from sqlite_master where name = 'half_done'");
      assert.equal(half.length, 1, 'the killed migration left its half-done table');

      const v = await runCli(['validate', '--json', '--cwd', dir]);
      assert.equal(v.code, 1);
      const vr = JSON.parse(v.stdout) as ValidateResult;
      assert.ok(vr.problems.some((p) => p.code === 'lock-held'), v.stdout);

      await freeLockIfNoUnlockCommand(dir, db);
      const v2 = JSON.parse((await runCli(['validate', '--json', '--cwd', dir])).stdout) as ValidateResult;
      assert.ok(!v2.problems.some((p) => p.code === 'lock-held'));

      const restored = await runCli(['restore', path.basename(backupPath, '.sqlite3'), '--yes', '--json', '--cwd', dir]);
      assert.equal(restored.code, 0, restored.stderr);
      const r = JSON.parse(restored.stdout) as RestoreResult;
      assert.ok(r.safetyBackup, 'restore took a safety backup of the crashed state');
      assert.deepEqual(r.migrations, ['001_items.js']);
      assert.deepEqual(await dumpSqlite(db, ['sqlite_sequence']), before, 'exact pre-upgrade content: schema and every row');
      assert.deepEqual((await dumpSqlite(r.safetyBackup.path, ['sqlite_sequence'])).half_done, [{ id: 1, v: 'partial' }], 'the safety backup kept the crashed state');
    } finally {
      cleanup();
    }
  });

  void it('transactional batch killed: SQLite rolls the whole batch back and the lock is free', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const db = await seed(dir, path.join(dir, 'never-created.flag'), false);
      const before = await dumpSqlite(db, ['sqlite_sequence']);
      const run = await upgradeUntilMarkerThenKill(dir);
      assert.equal(run.signal, 'SIGKILL');
      const s = JSON.parse((await runCli(['status', '--json', '--cwd', dir])).stdout) as StatusResult;
      assert.equal(s.lock.held, false, 'the lock was taken inside the rolled-back transaction');
      assert.deepEqual(s.migrations.filter((m) => m.state === 'applied').map((m) => m.name), ['001_items.js']);
      const v = await runCli(['validate', '--cwd', dir]);
      assert.equal(v.code, 0, v.stdout);
      assert.deepEqual(await dumpSqlite(db, ['sqlite_sequence']), before, 'the hot journal rolled everything back');
    } finally {
      cleanup();
    }
  });
});

const skip = pgSkip('PostgreSQL SIGKILL test');

void describe('SIGKILL during an upgrade (PostgreSQL, MG_TEST_PG_URL)', { skip }, () => {
  const db = usePgDatabase('kill');
  let tmp: { dir: string; cleanup: () => void };

  async function dumpPg(): Promise<Record<string, unknown>> {
    const c = new pg.Client({ connectionString: db.url() });
    await c.connect();
    try {
      const out: Record<string, unknown> = {
        columns: (await c.query("select table_name, column_name, data_type, column_default from information_schema.columns where table_schema = 'public' order by 1, ordinal_position")).rows,
      };
      const tables = await c.query<{ t: string }>("select table_name as t from information_schema.tables where table_schema = 'public' order by 1");
      for (const { t } of tables.rows) out[t] = (await c.query(`select * from "${t}" order by 1`)).rows;
      return out;
    } finally {
      await c.end();
    }
  }

  before(async () => {
    tmp = tempDir();
  });

  after(async () => {
    tmp?.cleanup();
  });

  void it('transaction:false migration killed: lock held, validate reports it, unlock, restore of the pre-upgrade dump is exact', async () => {
    const dir = tmp.dir;
    writeFiles(dir, {
      'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(db.url())}, migrations: { directory: './db/migrations' } } };`,
      'db/migrations/001_items.js': "exports.up = (knex) => knex.schema.createTable('items', (t) => { t.increments('id'); t.string('name'); t.float('price'); });\nexports.down = (knex) => knex.schema.dropTable('items');\n",
    });
    const first = await runCli(['upgrade', '--yes', '--no-backup', '--cwd', dir]);
    assert.equal(first.code, 0, first.stderr);
    const c = new pg.Client({ connectionString: db.url() });
    await c.connect();
    await c.query("insert into items (name, price) select 'item ' || g || ' ✓', g * 1.25 from generate_series(1, 500) g");
    await c.end();
    writeFiles(dir, {
      'db/migrations/002_tags.js': "exports.up = (knex) => knex.schema.createTable('tags', (t) => { t.increments('id'); t.string('tag'); });\nexports.down = (knex) => knex.schema.dropTable('tags');\n",
      'db/migrations/003_block.js': blockingMigration(path.join(dir, 'never-created.flag'), true),
    });
    const before = await dumpPg();

    const run = await upgradeUntilMarkerThenKill(dir);
    assert.equal(run.signal, 'SIGKILL');
    const backupPath = /Backup written: (\S+\.dump)/.exec(run.stderr)?.[1];
    assert.ok(backupPath, `the upgrade took a pg_dump backup first:\n${run.stderr}`);

    const s = JSON.parse((await runCli(['status', '--json', '--cwd', dir])).stdout) as StatusResult;
    assert.equal(s.lock.held, true);
    assert.equal(s.migrations.find((m) => m.name === '002_tags.js')?.state, 'applied');
    const v = JSON.parse((await runCli(['validate', '--json', '--cwd', dir])).stdout) as ValidateResult;
    assert.ok(v.problems.some((p) => p.code === 'lock-held'));

    const help = await runCli(['--help']);
    if (/^\s+unlock\b/m.test(help.stdout)) {
      const r = await runCli(['unlock', '--cwd', dir]);
      assert.equal(r.code, 0, r.stderr);
    } else {
      const c2 = new pg.Client({ connectionString: db.url() });
      await c2.connect();
      await c2.query('update knex_migrations_lock set is_locked = 0');
      await c2.end();
    }
    const restored = await runCli(['restore', path.basename(backupPath, '.dump'), '--yes', '--json', '--cwd', dir]);
    assert.equal(restored.code, 0, restored.stderr);
    const r = JSON.parse(restored.stdout) as RestoreResult;
    assert.ok(r.safetyBackup);
    assert.deepEqual(r.migrations, ['001_items.js']);
    assert.deepEqual(await dumpPg(), before, 'exact pre-upgrade content: columns and every row');
  });
});
