/**
 * Issue 12 "Trust": data loss the pre-flight counted makes a plan unsafe (refused before any backup or write, in
 * upgrade and downgrade, dry run exit 1), and consent is bound to the plan shown (`--plan <planId>` refuses with
 * `plan-changed` when a file appeared or changed, or a migration was applied meanwhile), on a real SQLite file and
 * on the real PostgreSQL of MG_TEST_PG_URL.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { downgrade, EngineError, loadProject, upgrade } from '../../server/src/migrations';
import { restore } from '../../server/src/migrations/backups/restore';
import type { DowngradeResult, ErrorResult, UpgradeResult } from '../../server/src/protocol';
import { createTableMigration, pgSkip, runCli, sqliteAll, tempDir, writeFiles } from './helpers';
import { pgProject, sqliteProject, type TestProject } from './movements-helpers';

/** SQLite with foreign keys on, as most apps set it (knex#6213). */
const FK_KNEXFILE = `module.exports = { development: { client: 'sqlite3', connection: { filename: './db/app.sqlite3' }, useNullAsDefault: true,
  migrations: { directory: './db/migrations' }, pool: { afterCreate: (conn, done) => conn.run('PRAGMA foreign_keys = ON', done) } } };
`;
const PARENT_CHILD = `exports.up = async (knex) => {
  await knex.schema.createTable('customers', (t) => { t.increments('id'); t.string('name', 20); });
  await knex.schema.createTable('orders', (t) => { t.increments('id'); t.integer('customer_id').references('id').inTable('customers').onDelete('CASCADE'); });
};
exports.down = async (knex) => { await knex.schema.dropTable('orders'); await knex.schema.dropTable('customers'); };
`;
const WIDEN = `exports.up = (knex) => knex.schema.alterTable('customers', (t) => { t.string('name', 200).alter(); });
exports.down = (knex) => knex.schema.alterTable('customers', (t) => { t.string('name', 20).alter(); });
`;

/** Files in the backup folder (backups and manifests); 0 when it does not exist. */
function backupFiles(dir: string): number {
  const folder = path.join(dir, '.migration-guard', 'backups');
  return existsSync(folder) ? readdirSync(folder).length : 0;
}

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<EngineError> {
  let caught: EngineError | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof EngineError, String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    caught = e;
    return true;
  });
  return caught as EngineError;
}

void describe('data loss the pre-flight counted is unsafe', () => {
  void it('SQLite .alter() with foreign keys on: the cascade would empty orders → upgrade refused (no backup, rows kept), dry run exit 1; --allow-unsafe applies and the backup restores the rows', async () => {
    const { dir, cleanup } = tempDir('mg-consent-');
    try {
      writeFiles(dir, { 'knexfile.js': FK_KNEXFILE, 'db/migrations/001_init.js': PARENT_CHILD });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await upgrade(project);
      const db = project.sqliteFile as string;
      await sqliteAll(db, "insert into customers (name) values ('ada')");
      await sqliteAll(db, 'insert into orders (customer_id) values (1), (1), (1)');
      writeFiles(dir, { 'db/migrations/002_widen.js': WIDEN });

      const refused = await runCli(['upgrade', '--yes', '--json', '--cwd', dir]);
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      const r = JSON.parse(refused.stdout) as UpgradeResult;
      assert.equal(r.refused, true);
      assert.match(r.refusedReason ?? '', /deletes rows or values/);
      assert.ok(r.preflight?.some((p) => p.kind === 'rows-deleted' && p.table === 'orders' && p.rows === 3), JSON.stringify(r.preflight));
      assert.deepEqual(r.applied, []);
      assert.equal(backupFiles(dir), 0, 'refused before any backup');
      assert.deepEqual(await sqliteAll(db, 'select count(*) as n from orders'), [{ n: 3 }]);
      assert.deepEqual((await sqliteAll(db, 'select name from knex_migrations')).map((x) => x.name), ['001_init.js']);

      const dry = await runCli(['upgrade', '--dry-run', '--cwd', dir]);
      assert.equal(dry.code, 1, 'the dry run says the real run would be refused');
      assert.match(dry.stdout, /3 of 3 rows of orders are deleted/);
      assert.match(dry.stdout, /Refused: /);

      const forced = await upgrade(project, { allowUnsafe: true });
      assert.deepEqual(forced.applied, ['002_widen.js']);
      assert.deepEqual(await sqliteAll(db, 'select count(*) as n from orders'), [{ n: 0 }], 'knex#6213: the cascade emptied orders');
      assert.ok(forced.backup?.name);
      await restore(project, forced.backup.name);
      assert.deepEqual(await sqliteAll(db, 'select count(*) as n from orders'), [{ n: 3 }], 'the backup taken before brings them back');
    } finally {
      cleanup();
    }
  });

  void it('upgrade --dry-run exits 1 when a migration fails inside the preview', async () => {
    const { dir, cleanup } = tempDir('mg-consent-');
    try {
      writeFiles(dir, {
        'knexfile.js': FK_KNEXFILE,
        'db/migrations/001_boom.js': "exports.up = async () => { throw new Error('boom'); };\nexports.down = async () => {};\n",
      });
      const dry = await runCli(['upgrade', '--dry-run', '--json', '--cwd', dir]);
      assert.equal(dry.code, 1, dry.stderr);
      assert.equal((JSON.parse(dry.stdout) as UpgradeResult).preview?.[0]?.error, 'boom');
    } finally {
      cleanup();
    }
  });
});

/** A downgrade whose down() drops a table with rows, the same on both databases. */
async function downgradeDataLoss(tp: TestProject): Promise<void> {
  const project = await tp.load();
  await upgrade(project, { noBackup: true });
  await tp.query("insert into a (name) values ('x'), ('y')");
  const dry = await downgrade(project, { dryRun: true });
  assert.equal(dry.refused, true);
  const refused = await downgrade(project, {});
  assert.deepEqual([refused.refused, refused.undone, refused.backup], [true, [], null]);
  assert.match(refused.refusedReason ?? '', /deletes rows or values/);
  assert.ok(refused.preflight?.some((p) => p.kind === 'drop-table' && p.table === 'a' && p.rows === 2));
  assert.equal(backupFiles(tp.dir), 0, 'refused before any backup');
  assert.deepEqual((await tp.query('select count(*) as n from a')).map((r) => Number(r.n)), [2]);
  const cli = await runCli(['downgrade', '--yes', '--json', '--cwd', tp.dir]);
  assert.equal(cli.code, 1, cli.stdout + cli.stderr);
  assert.equal((JSON.parse(cli.stdout) as DowngradeResult).refused, true);
  const forced = await downgrade(project, { allowUnsafe: true });
  assert.deepEqual(forced.undone, ['001_a.js']);
  assert.ok(!(await tp.tables()).includes('a'));
}

/** A file added, a file edited, a migration applied meanwhile: `--plan` refuses with plan-changed and writes nothing. */
async function planChanged(tp: TestProject): Promise<void> {
  const project = await tp.load();
  await upgrade(project, { noBackup: true });
  writeFileSync(path.join(tp.migrations, '002_b.js'), createTableMigration('b'));
  const shown = await upgrade(project, { dryRun: true });
  assert.match(shown.planId, /^[0-9a-f]{64}$/);
  assert.deepEqual(shown.planMigrations.map((m) => m.name), ['002_b.js']);
  assert.equal((await upgrade(project, { dryRun: true })).planId, shown.planId, 'the same plan has the same id');

  // A file appears between the dry run and the apply (a git pull).
  writeFileSync(path.join(tp.migrations, '003_c.js'), createTableMigration('c'));
  const e = await rejectsWith(upgrade(project, { plan: shown.planId }), 'plan-changed', /003_c\.js is a new pending migration/);
  assert.match(e.message, /Nothing was written/);
  assert.equal(backupFiles(tp.dir), 0, 'not even a backup');
  assert.ok(!(await tp.tables()).some((t) => t === 'b' || t === 'c'));
  const cli = await runCli(['upgrade', '--yes', '--plan', shown.planId, '--json', '--cwd', tp.dir]);
  assert.equal(cli.code, 1);
  assert.equal((JSON.parse(cli.stdout) as ErrorResult).error.code, 'plan-changed');
  assert.equal(backupFiles(tp.dir), 0);

  // An edited file.
  const plan2 = await upgrade(project, { dryRun: true });
  appendFileSync(path.join(tp.migrations, '003_c.js'), '// edited\n');
  await rejectsWith(upgrade(project, { plan: plan2.planId }), 'plan-changed', /003_c\.js was edited/);
  assert.equal(backupFiles(tp.dir), 0);

  // The plan still shown is applied with its id (and a backup).
  const plan3 = await upgrade(project, { dryRun: true });
  const applied = await upgrade(project, { plan: plan3.planId });
  assert.deepEqual(applied.applied, ['002_b.js', '003_c.js']);
  assert.equal(applied.planId, plan3.planId);

  // A downgrade plan changes when a migration is applied meanwhile.
  const down = await downgrade(project, { dryRun: true });
  assert.deepEqual(down.planMigrations.map((m) => m.name), ['003_c.js']);
  writeFileSync(path.join(tp.migrations, '004_d.js'), createTableMigration('d'));
  await upgrade(project, { noBackup: true });
  const before = backupFiles(tp.dir);
  await rejectsWith(downgrade(project, { plan: down.planId }), 'plan-changed', /004_d\.js would now be undone too.*003_c\.js is no longer to be undone/);
  assert.equal(backupFiles(tp.dir), before, 'no backup');
  assert.ok((await tp.tables()).includes('d'), 'nothing undone');
  const again = await downgrade(project, { dryRun: true });
  assert.deepEqual((await downgrade(project, { plan: again.planId })).undone, ['004_d.js']);
}

void describe('consent bound to the plan, and data-loss downgrades, on SQLite', () => {
  void it('plan-changed: a new file, an edited file, a migration applied meanwhile (downgrade)', async () => {
    const tp = sqliteProject({ '001_a.js': createTableMigration('a') });
    try {
      await planChanged(tp);
    } finally {
      await tp.cleanup();
    }
  });

  void it("a downgrade whose down() drops a table with rows is refused without allowUnsafe", async () => {
    const tp = sqliteProject({ '001_a.js': createTableMigration('a') });
    try {
      await downgradeDataLoss(tp);
    } finally {
      await tp.cleanup();
    }
  });

  void it('upgrade text reads plan, then outcome, each line once; "Nothing to migrate" once', async () => {
    const tp = sqliteProject({ '001_a.js': createTableMigration('a') });
    try {
      await upgrade(await tp.load(), { noBackup: true });
      writeFileSync(path.join(tp.migrations, '002_b.js'), createTableMigration('b'));
      writeFileSync(path.join(tp.migrations, '003_c.js'), createTableMigration('c'));
      const run = await runCli(['upgrade', '--yes', '--cwd', tp.dir]);
      assert.equal(run.code, 0, run.stderr);
      const out = run.stdout;
      assert.equal(out.match(/Pending \(2\):/g)?.length, 1, out);
      assert.ok(out.indexOf('Pending (2):') < out.indexOf('Applied in batch 2: 002_b.js, 003_c.js'), out);
      assert.doesNotMatch(out + run.stderr, /Backup written:[\s\S]*Backup written:/);
      assert.match(run.stderr, /Backup written: /);
      const none = await runCli(['upgrade', '--yes', '--cwd', tp.dir]);
      assert.equal((none.stdout + none.stderr).match(/Nothing to migrate/g)?.length, 1, none.stdout + none.stderr);
    } finally {
      await tp.cleanup();
    }
  });
});

void describe('Upgrade to here (the Revisions view and CodeLens: upgrade --to), on SQLite', () => {
  void it('the plan lists exactly the pending migrations up to and including the target; consent binds that plan, with a backup first', async () => {
    const tp = sqliteProject({ '001_a.js': createTableMigration('a'), '002_b.js': createTableMigration('b'), '003_c.js': createTableMigration('c'), '004_d.js': createTableMigration('d') });
    try {
      const project = await tp.load();
      await upgrade(project, { noBackup: true, step: 1 });
      const shown = await upgrade(project, { dryRun: true, to: '003_c.js' });
      assert.deepEqual(shown.pending, ['002_b.js', '003_c.js']);
      assert.deepEqual(shown.planMigrations.map((m) => m.name), ['002_b.js', '003_c.js']);
      assert.deepEqual(shown.preview?.map((p) => p.migration), ['002_b.js', '003_c.js']);
      assert.equal(shown.backupPlanned, true);
      assert.notEqual(shown.planId, (await upgrade(project, { dryRun: true })).planId, 'everything pending is another plan');

      // The id of the plan up to 003 does not apply everything pending (the user never saw 004) ...
      await rejectsWith(upgrade(project, { plan: shown.planId }), 'plan-changed', /Nothing was written/);
      assert.equal(backupFiles(tp.dir), 0);
      // ... nor up to 003 once another migration before it appeared.
      writeFileSync(path.join(tp.migrations, '002a_x.js'), createTableMigration('x'));
      await rejectsWith(upgrade(project, { plan: shown.planId, to: '003_c.js' }), 'plan-changed', /002a_x\.js/);
      assert.equal(backupFiles(tp.dir), 0);
      assert.deepEqual((await tp.tables()).filter((t) => ['b', 'c', 'd', 'x'].includes(t)), []);

      // The plan as shown now applies exactly it, after a backup.
      const again = await upgrade(project, { dryRun: true, to: '003_c.js' });
      assert.deepEqual(again.pending, ['002_b.js', '002a_x.js', '003_c.js']);
      const cli = await runCli(['upgrade', '--yes', '--to', '003_c.js', '--plan', again.planId, '--json', '--cwd', tp.dir]);
      assert.equal(cli.code, 0, cli.stdout + cli.stderr);
      const result = JSON.parse(cli.stdout) as UpgradeResult;
      assert.deepEqual(result.applied, ['002_b.js', '002a_x.js', '003_c.js']);
      assert.ok(result.backup, 'a backup was taken first');
      assert.ok(!(await tp.tables()).includes('d'), '004 not applied');
    } finally {
      await tp.cleanup();
    }
  });
});

void describe('consent bound to the plan, and data-loss downgrades, on PostgreSQL (MG_TEST_PG_URL)', { skip: pgSkip('PostgreSQL consent tests') }, () => {
  void it('plan-changed: a new file, an edited file, a migration applied meanwhile (downgrade)', async () => {
    const tp = await pgProject({ '001_a.js': createTableMigration('a') });
    try {
      await planChanged(tp);
    } finally {
      await tp.cleanup();
    }
  });

  void it("a downgrade whose down() drops a table with rows is refused without allowUnsafe", async () => {
    const tp = await pgProject({ '001_a.js': createTableMigration('a') });
    try {
      await downgradeDataLoss(tp);
    } finally {
      await tp.cleanup();
    }
  });
});

void describe('protected tables (.migration-guard.json protectedTables)', () => {
  void it('a drop of a protected table is refused even with allowUnsafe, applied with allowUnsafeTables; check reports a rebuild of it as an error', async () => {
    const tp = sqliteProject({ '001_accounts.js': createTableMigration('accounts'), '002_notes.js': createTableMigration('notes') });
    try {
      writeFiles(tp.dir, { '.migration-guard.json': JSON.stringify({ protectedTables: ['Accounts'] }) });
      const project = await tp.load();
      await upgrade(project, { noBackup: true });
      await tp.query("insert into accounts (name) values ('ada'), ('bob')");
      await tp.query("insert into notes (name) values ('n')");
      writeFileSync(path.join(tp.migrations, '003_drop.js'), "exports.up = async (knex) => { await knex.schema.dropTable('notes'); await knex.schema.dropTable('accounts'); };\nexports.down = async () => {};\n");

      const refused = await upgrade(project, { allowUnsafe: true });
      assert.equal(refused.refused, true);
      assert.deepEqual(refused.protectedTables, ['accounts']);
      assert.match(refused.refusedReason ?? '', /protected table accounts .*--allow-unsafe-table accounts/);
      assert.equal(backupFiles(tp.dir), 0);
      assert.equal((await tp.query('select count(*) as n from accounts'))[0]?.n, 2);
      const cli = await runCli(['upgrade', '--yes', '--allow-unsafe', '--cwd', tp.dir]);
      assert.equal(cli.code, 1);
      assert.match(cli.stdout, /Refused: it deletes data of protected table accounts/);
      const wrongName = await upgrade(project, { allowUnsafe: true, allowUnsafeTables: ['notes'] });
      assert.equal(wrongName.refused, true, 'naming another table does not allow this one');
      const notUnsafe = await upgrade(project, { allowUnsafeTables: ['accounts'] });
      assert.equal(notUnsafe.refused, true, 'naming the table does not replace --allow-unsafe');

      const applied = await runCli(['upgrade', '--yes', '--allow-unsafe', '--allow-unsafe-table', 'accounts', '--json', '--cwd', tp.dir]);
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      assert.deepEqual((JSON.parse(applied.stdout) as UpgradeResult).applied, ['003_drop.js']);
      assert.ok(!(await tp.tables()).includes('accounts'));

      // check: a warning-level data-loss rule on a protected table is an error, with its reason.
      writeFileSync(path.join(tp.migrations, '004_alter.js'), "exports.up = (knex) => knex.schema.alterTable('accounts', (t) => { t.string('name', 500).alter(); });\nexports.down = async () => {};\n");
      const check = await runCli(['check', '--json', path.join(tp.migrations, '004_alter.js')]);
      assert.equal(check.code, 1, check.stdout + check.stderr);
      const rebuild = (JSON.parse(check.stdout) as { findings: Array<{ ruleId: string; severity: string; message: string }> }).findings.find((f) => f.ruleId === 'sqlite-table-rebuild');
      assert.equal(rebuild?.severity, 'error');
      assert.match(rebuild?.message ?? '', /"accounts" is a protected table/);
    } finally {
      await tp.cleanup();
    }
  });

  void it('a downgrade whose down() drops a protected table with rows is refused even with allowUnsafe', async () => {
    const tp = sqliteProject({ '001_accounts.js': createTableMigration('accounts') });
    try {
      writeFiles(tp.dir, { '.migration-guard.json': JSON.stringify({ protectedTables: ['accounts'] }) });
      const project = await tp.load();
      await upgrade(project, { noBackup: true });
      await tp.query("insert into accounts (name) values ('ada')");
      const refused = await downgrade(project, { allowUnsafe: true });
      assert.deepEqual([refused.refused, refused.undone, refused.protectedTables], [true, [], ['accounts']]);
      const cli = await runCli(['downgrade', '--yes', '--allow-unsafe', '--allow-unsafe-table', 'accounts', '--json', '--cwd', tp.dir]);
      assert.equal(cli.code, 0, cli.stdout + cli.stderr);
      assert.deepEqual((JSON.parse(cli.stdout) as DowngradeResult).undone, ['001_accounts.js']);
    } finally {
      await tp.cleanup();
    }
  });
});
