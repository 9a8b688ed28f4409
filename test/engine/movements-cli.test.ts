/** The movement commands through the spawned CLI: JSON shapes of the protocol, exit codes, prompts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DowngradeResult, ErrorResult, HistoryResult, MarkResult, StatusResult, UpgradeResult } from '../../server/src/protocol';
import { createTableMigration, runCli } from './helpers';
import { sqliteProject } from './movements-helpers';

void describe('movement commands (spawned CLI)', () => {
  void it('upgrade --step/--to, history, mark-applied/unmark, downgrade --yes/--to/--all with --json', async () => {
    const tp = sqliteProject({ '001_a.js': createTableMigration('a'), '002_b.js': createTableMigration('b'), '003_c.js': createTableMigration('c') });
    const cwd = ['--cwd', tp.dir];
    try {
      const bad = await runCli(['upgrade', '--yes', '--step', 'two', '--json', ...cwd]);
      assert.equal(bad.code, 2);
      assert.equal((JSON.parse(bad.stdout) as ErrorResult).error.code, 'usage');

      const up1 = await runCli(['upgrade', '--yes', '--no-backup', '--step', '1', '--json', ...cwd]);
      assert.equal(up1.code, 0, up1.stderr);
      assert.deepEqual((JSON.parse(up1.stdout) as UpgradeResult).applied, ['001_a.js']);
      const up2 = await runCli(['upgrade', '--yes', '--no-backup', '--to', '003_c.js', '--json', ...cwd]);
      assert.deepEqual((JSON.parse(up2.stdout) as UpgradeResult).applied, ['002_b.js', '003_c.js']);

      const h = await runCli(['history', '--json', ...cwd]);
      assert.equal(h.code, 0, h.stderr);
      const hist = JSON.parse(h.stdout) as HistoryResult;
      assert.deepEqual(hist.batches.map((b) => [b.batch, b.migrations.map((m) => m.name)]), [[2, ['003_c.js', '002_b.js']], [1, ['001_a.js']]]);
      assert.equal(hist.current, '003_c.js');
      const text = await runCli(['history', ...cwd]);
      assert.match(text.stdout, /^Batch 2:\n {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}003_c\.js\n/);
      assert.match(text.stdout, /Current: 003_c\.js/);

      const noYes = await runCli(['downgrade', '--json', ...cwd]);
      assert.equal(noYes.code, 2);
      assert.match((JSON.parse(noYes.stdout) as ErrorResult).error.hint ?? '', /--yes/);
      const dry = await runCli(['downgrade', '--to', '001_a.js', '--dry-run', '--json', ...cwd]);
      assert.deepEqual((JSON.parse(dry.stdout) as DowngradeResult).planned, ['003_c.js', '002_b.js']);
      await tp.query("insert into b (name) values ('kept')");
      const dryText = await runCli(['downgrade', '--to', '001_a.js', '--dry-run', ...cwd]);
      assert.match(dryText.stdout, /^Would undo \(2, most recent first\):\n {2}003_c\.js\n {2}002_b\.js\n\nPre-flight \(2\):\n {2}003_c\.js: DROP TABLE c deletes 0 rows\n {2}002_b\.js: DROP TABLE b deletes 1 row\n\nPlan: [0-9a-f]{64}\n\nPreview \(SQL run inside a transaction, then rolled back\):\n {2}-- 003_c\.js\n {2}drop table `c`;\n/);
      // DROP TABLE b deletes a row: the real run would be refused, so the dry run exits 1 and says so.
      assert.equal(dryText.code, 1);
      assert.match(dryText.stdout, /\n\nRefused: 1 pre-flight finding that deletes rows or values on this database\. Nothing was changed\. Pass --allow-unsafe to undo anyway\.\n?$/);

      const un = await runCli(['unmark', '003_c.js', '--json', ...cwd]);
      assert.equal(un.code, 0, un.stderr);
      assert.deepEqual(JSON.parse(un.stdout) as MarkResult, { name: '003_c.js', action: 'unmarked', batch: 2, sha256: null });
      const mk = await runCli(['mark-applied', '003_c.js', ...cwd]);
      assert.equal(mk.code, 0, mk.stderr);
      assert.match(mk.stdout, /Marked 003_c\.js as applied \(batch 3\) without running it\./);
      const unknown = await runCli(['mark-applied', 'nope.js', '--json', ...cwd]);
      assert.equal(unknown.code, 1);
      assert.equal((JSON.parse(unknown.stdout) as ErrorResult).error.code, 'unknown-migration');

      const down = await runCli(['downgrade', '--yes', '--all', '--allow-unsafe', '--json', ...cwd]);
      assert.equal(down.code, 0, down.stderr);
      const d = JSON.parse(down.stdout) as DowngradeResult;
      assert.deepEqual([d.undone, d.current], [['003_c.js', '002_b.js', '001_a.js'], null]);
      assert.ok(d.backup && d.backup.bytes > 0, 'a downgrade backs up first');
      const st = JSON.parse((await runCli(['status', '--json', ...cwd])).stdout) as StatusResult;
      assert.deepEqual(st.migrations.map((m) => m.state), ['pending', 'pending', 'pending']);
      assert.equal(st.current, null);
      assert.deepEqual(await tp.tables(), ['knex_migrations', 'knex_migrations_lock', 'migration_guard_checksums']);
    } finally {
      await tp.cleanup();
    }
  });
});
