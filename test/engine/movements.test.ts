/**
 * Every movement on a real SQLite file and (with MG_TEST_PG_URL) a real PostgreSQL database:
 * upgrade --step/--to, downgrade --step/--to/--all (most recently applied first, knex#3131),
 * mark-applied / unmark (no code runs), history, checksums, edited and out-of-order states.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { downgrade, EngineError, getHistory, getStatus, markApplied, unmark, upgrade } from '../../server/src/migrations';
import { listBackups } from '../../server/src/migrations/backups/manifest';
import { createTableMigration, pgSkip } from './helpers';
import { pgProject, sqliteProject, type TestProject } from './movements-helpers';

const files = {
  '001_a.js': createTableMigration('a'),
  '002_b.js': createTableMigration('b'),
  '003_c.js': createTableMigration('c'),
  '004_d.js': createTableMigration('d'),
};

const CHECKSUMS = 'migration_guard_checksums';
const KNEX = ['knex_migrations', 'knex_migrations_lock'];

function userTables(all: string[]): string[] {
  return all.filter((t) => !KNEX.includes(t) && t !== CHECKSUMS);
}

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof EngineError, String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** The whole scenario, identical on both databases. */
async function scenario(tp: TestProject): Promise<void> {
  const project = await tp.load();
  const noBackup = { noBackup: true };

  // upgrade --step 1, then --to 003 (inclusive): two batches.
  const first = await upgrade(project, { ...noBackup, step: 1 });
  assert.deepEqual([first.applied, first.batch], [['001_a.js'], 1]);
  const second = await upgrade(project, { ...noBackup, to: '003_c.js' });
  assert.deepEqual([second.pending, second.applied, second.batch], [['002_b.js', '003_c.js'], ['002_b.js', '003_c.js'], 2]);
  assert.deepEqual(userTables(await tp.tables()), ['a', 'b', 'c']);
  await rejectsWith(upgrade(project, { ...noBackup, to: 'nope.js' }), 'unknown-migration', /nope\.js/);
  await rejectsWith(upgrade(project, { ...noBackup, step: 0 }), 'usage');

  let s = await getStatus(project);
  assert.equal(s.current, '003_c.js');
  assert.deepEqual(s.migrations.map((m) => [m.name, m.state, m.checksum]), [
    ['001_a.js', 'applied', 'match'],
    ['002_b.js', 'applied', 'match'],
    ['003_c.js', 'applied', 'match'],
    ['004_d.js', 'pending', 'none'],
  ]);
  const rows = await tp.query(`select name, sha256 from ${CHECKSUMS} order by name`);
  assert.deepEqual(rows.map((r) => r.name), ['001_a.js', '002_b.js', '003_c.js']);
  assert.match(String(rows[0]?.sha256), /^[0-9a-f]{64}$/);

  // Editing an applied file: state `edited`; restoring it: `applied` again.
  const file2 = path.join(tp.migrations, '002_b.js');
  const original = readFileSync(file2, 'utf8');
  appendFileSync(file2, '// edited after it was applied\n');
  s = await getStatus(project);
  const edited = s.migrations.find((x) => x.name === '002_b.js');
  assert.deepEqual([edited?.state, edited?.checksum], ['edited', 'edited']);
  writeFileSync(file2, original);
  assert.equal((await getStatus(project)).migrations[1]?.state, 'applied');

  // history: batches newest first, within a batch highest id first; then pending.
  const h = await getHistory(project);
  assert.deepEqual(h.batches.map((b) => [b.batch, b.migrations.map((m) => m.name)]), [[2, ['003_c.js', '002_b.js']], [1, ['001_a.js']]]);
  assert.deepEqual(h.pending, ['004_d.js']);
  assert.equal(h.current, '003_c.js');
  assert.ok(h.batches[0]?.migrations[0]?.appliedAt);
  // status groups and counts pending exactly as history does (the editor's tree and status bar show these).
  const grouped = await getStatus(project);
  assert.deepEqual(grouped.batches, h.batches.map((b) => ({ batch: b.batch, migrations: b.migrations.map((m) => m.name) })));
  assert.deepEqual(grouped.pending, h.pending);

  // downgrade --step 1 undoes 003 and deletes its checksum.
  const d1 = await downgrade(project, { ...noBackup, step: 1 });
  assert.deepEqual([d1.planned, d1.undone, d1.current], [['003_c.js'], ['003_c.js'], '002_b.js']);
  assert.deepEqual(userTables(await tp.tables()), ['a', 'b']);
  assert.deepEqual((await tp.query(`select name from ${CHECKSUMS} order by name`)).map((r) => r.name), ['001_a.js', '002_b.js']);

  // unmark 001: the row goes, the table stays (no code ran); 001 is now out of order.
  const u = await unmark(project, '001_a.js');
  assert.deepEqual([u.action, u.batch], ['unmarked', 1]);
  assert.deepEqual(userTables(await tp.tables()), ['a', 'b']);
  s = await getStatus(project);
  assert.deepEqual(s.migrations.map((m) => [m.name, m.state]), [
    ['002_b.js', 'applied'],
    ['001_a.js', 'out-of-order'],
    ['003_c.js', 'pending'],
    ['004_d.js', 'pending'],
  ]);
  assert.deepEqual(s.pending, ['001_a.js', '003_c.js', '004_d.js'], 'out-of-order counts as pending, in run order');
  assert.deepEqual(s.batches, [{ batch: 2, migrations: ['002_b.js'] }]);
  await rejectsWith(unmark(project, '001_a.js'), 'usage', /not applied/);
  await rejectsWith(unmark(project, 'zzz.js'), 'unknown-migration');
  await rejectsWith(markApplied(project, 'zzz.js'), 'unknown-migration');

  // mark-applied 001: a row with the next batch (3), its checksum, and no code run.
  const m = await markApplied(project, '001_a.js');
  assert.deepEqual([m.action, m.batch], ['marked-applied', 3]);
  assert.match(m.sha256 ?? '', /^[0-9a-f]{64}$/);
  await rejectsWith(markApplied(project, '001_a.js'), 'usage', /already applied/);
  s = await getStatus(project);
  assert.equal(s.current, '001_a.js', 'current = highest id, not last file name');
  assert.equal(s.migrations.find((x) => x.name === '001_a.js')?.checksum, 'match');

  // knex#3131: `knex migrate:down` would undo 002 (last by file name); we undo 001 (last applied).
  const d2 = await downgrade(project, { ...noBackup });
  assert.deepEqual(d2.undone, ['001_a.js']);
  assert.deepEqual(userTables(await tp.tables()), ['b']);
  assert.equal(d2.current, '002_b.js');

  // upgrade (latest) runs the out-of-order 001 too; then downgrade --to 002 undoes what came after it by id.
  const all = await upgrade(project, noBackup);
  assert.deepEqual(all.applied, ['001_a.js', '003_c.js', '004_d.js']);
  assert.deepEqual(userTables(await tp.tables()), ['a', 'b', 'c', 'd']);
  await rejectsWith(downgrade(project, { ...noBackup, to: '999.js' }), 'unknown-migration');
  await rejectsWith(downgrade(project, { ...noBackup, to: '002_b.js', all: true }), 'usage');
  await tp.query("insert into c (name) values ('x'), ('y')");
  await tp.query("insert into d (name) values ('z')");
  const plan = await downgrade(project, { to: '002_b.js', dryRun: true });
  assert.deepEqual([plan.planned, plan.undone], [['004_d.js', '003_c.js', '001_a.js'], []]);
  // The down()s ran in a rolled-back transaction: their SQL, and the rows their DROP TABLE would delete.
  assert.deepEqual(plan.preflight?.map((f) => `${f.migration}: ${f.message}`), ['004_d.js: DROP TABLE d deletes 1 row', '003_c.js: DROP TABLE c deletes 2 rows', '001_a.js: DROP TABLE a deletes 0 rows']);
  assert.deepEqual(plan.preview?.map((p) => [p.migration, p.previewable, p.sql.length, /^drop table\b/i.test(p.sql[0] ?? '')]), [['004_d.js', true, 1, true], ['003_c.js', true, 1, true], ['001_a.js', true, 1, true]]);
  // What each down() drops, from the tables before and after it in the preview (the editor's Downgrade modal says it).
  assert.deepEqual(plan.preview?.map((p) => [p.migration, p.effects?.tablesDropped, p.effects?.tablesCreated]), [['004_d.js', ['d'], []], ['003_c.js', ['c'], []], ['001_a.js', ['a'], []]]);
  assert.deepEqual(userTables(await tp.tables()), ['a', 'b', 'c', 'd'], 'a dry run changes nothing');
  assert.deepEqual((await tp.query('select name from c order by name')).map((r) => r.name), ['x', 'y'], 'not a row either');
  assert.deepEqual((await getStatus(project)).migrations.filter((m) => m.state === 'applied').length, 4);
  // The down()s delete rows of c and d: refused unless allowUnsafe, before anything is written.
  assert.equal((await downgrade(project, { ...noBackup, to: '002_b.js' })).refused, true);
  assert.equal(plan.refused, true, 'the dry run says so too');
  const d3 = await downgrade(project, { ...noBackup, to: '002_b.js', allowUnsafe: true });
  assert.deepEqual(d3.undone, ['004_d.js', '003_c.js', '001_a.js']);
  assert.deepEqual(userTables(await tp.tables()), ['b']);

  // downgrade --all: nothing applied, no checksum left.
  const d4 = await downgrade(project, { ...noBackup, all: true });
  assert.deepEqual([d4.undone, d4.current], [['002_b.js'], null]);
  assert.deepEqual(userTables(await tp.tables()), []);
  assert.deepEqual(await tp.query(`select name from ${CHECKSUMS}`), []);
  assert.deepEqual((await downgrade(project, { all: true })).planned, [], 'nothing left to undo');
  assert.equal((await getStatus(project)).lock.held, false);
}

void describe('movements on SQLite (real file)', () => {
  void it('upgrade --step/--to, edited, history, downgrade by id (knex#3131), mark-applied/unmark, --to/--all', async () => {
    const tp = sqliteProject(files);
    try {
      await scenario(tp);
    } finally {
      await tp.cleanup();
    }
  });

  void it('downgrade backs up first; a failing down() stops and says what was undone', async () => {
    const tp = sqliteProject({
      ...files,
      '003_c.js': `exports.up = (knex) => knex.schema.createTable('c', (t) => { t.increments('id'); });\nexports.down = async (knex) => { await knex.raw('select * from no_such_table'); };\n`,
    });
    try {
      const project = await tp.load();
      await upgrade(project, { noBackup: true });
      await assert.rejects(downgrade(project, { step: 3 }), (e: unknown) => {
        assert.ok(e instanceof EngineError);
        assert.equal(e.code, 'migration-failed');
        assert.match(e.message, /Undoing 003_c\.js failed: .*no_such_table.*Already undone \(they stay undone\): 004_d\.js/);
        assert.match(e.hint ?? '', /backup taken before the downgrade is .*backup_/);
        return true;
      });
      const s = await getStatus(project);
      assert.deepEqual(s.migrations.map((m) => [m.name, m.state]), [['001_a.js', 'applied'], ['002_b.js', 'applied'], ['003_c.js', 'applied'], ['004_d.js', 'pending']]);
      assert.equal(s.lock.held, false);
      assert.deepEqual((await listBackups(path.join(tp.dir, '.migration-guard', 'backups'))).map((b) => b.kind), ['pre-downgrade'], 'one backup, its manifest says why it was taken');
    } finally {
      await tp.cleanup();
    }
  });

  void it('a missing file blocks its downgrade (corrupt-directory) but unmark repairs it', async () => {
    const tp = sqliteProject(files);
    try {
      const project = await tp.load();
      await upgrade(project, { noBackup: true, step: 2 });
      const { rmSync } = await import('node:fs');
      rmSync(path.join(tp.migrations, '002_b.js'));
      await rejectsWith(downgrade(project, { noBackup: true }), 'corrupt-directory', /002_b\.js/);
      await unmark(project, '002_b.js');
      assert.deepEqual((await getStatus(project)).migrations.map((m) => [m.name, m.state]), [['001_a.js', 'applied'], ['003_c.js', 'pending'], ['004_d.js', 'pending']]);
    } finally {
      await tp.cleanup();
    }
  });
});

void describe('movements on PostgreSQL (MG_TEST_PG_URL)', { skip: pgSkip('PostgreSQL movement tests') }, () => {
  void it('a pool of one connection still upgrades and downgrades (no advisory-lock connection then)', async () => {
    const tp = await pgProject({ '001_a.js': createTableMigration('a') }, ', pool: { min: 0, max: 1 }');
    try {
      const project = await tp.load();
      assert.deepEqual((await upgrade(project, { noBackup: true })).applied, ['001_a.js']);
      assert.deepEqual((await downgrade(project, { noBackup: true })).undone, ['001_a.js']);
    } finally {
      await tp.cleanup();
    }
  });

  void it('the same scenario on a fresh database', async () => {
    const tp = await pgProject(files);
    try {
      await scenario(tp);
    } finally {
      await tp.cleanup();
    }
  });
});
