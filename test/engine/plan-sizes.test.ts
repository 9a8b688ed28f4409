/**
 * Table sizes in the upgrade's plan: the pending migrations' findings about a table carry `tableSize` read from the
 * database about to be migrated (no statistics file), say it in the text and the JSON, and lock findings follow
 * `smallTableRows` / `largeTableRows` exactly as `check --stats` does (config/table-sizes.ts sizeFindings).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { UpgradeResult } from '../../server/src/protocol';
import { analyzerUnavailable, pgSkip, runCli, sqliteAll, sqliteKnexfile, tempDir, usePgDatabase, writeFiles } from './helpers';

void describe('table sizes in the upgrade plan on SQLite', () => {
  void it('findings about a big and a small table carry their live row counts in the JSON and the text', async (t) => {
    const why = await analyzerUnavailable();
    if (why) return t.skip(why);
    const { dir, cleanup } = tempDir('mg-plan-sizes-sqlite-');
    try {
      writeFiles(dir, {
        'knexfile.js': sqliteKnexfile(),
        'db/migrations/001_rename.js': `exports.up = async (knex) => {\n  await knex.schema.alterTable('big', (t) => { t.renameColumn('note', 'body'); });\n  await knex.schema.alterTable('small', (t) => { t.renameColumn('note', 'body'); });\n};\nexports.down = async (knex) => {\n  await knex.schema.alterTable('big', (t) => { t.renameColumn('body', 'note'); });\n  await knex.schema.alterTable('small', (t) => { t.renameColumn('body', 'note'); });\n};\n`,
        '.migration-guard.json': JSON.stringify({ smallTableRows: 100, largeTableRows: 10000 }),
      });
      const file = path.join(dir, 'db', 'app.sqlite3');
      await sqliteAll(file, 'CREATE TABLE big (id integer primary key, note text)');
      await sqliteAll(file, "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 12000) INSERT INTO big SELECT n, 'x' FROM g");
      await sqliteAll(file, 'CREATE TABLE small (id integer primary key, note text)');
      await sqliteAll(file, "INSERT INTO small VALUES (1, 'a'), (2, 'b')");

      const r = await runCli(['upgrade', '--dry-run', '--json', '--cwd', dir]);
      const plan = JSON.parse(r.stdout) as UpgradeResult;
      const renames = plan.findings.filter((f) => f.ruleId === 'renaming-column');
      assert.deepEqual(renames.map((f) => [f.table, f.tableSize?.rows, f.severity]), [['big', 12000, 'warning'], ['small', 2, 'warning']]);
      assert.ok((renames[0]!.tableSize?.bytes ?? 0) > (renames[1]!.tableSize?.bytes ?? 0));
      assert.match(renames[0]!.message, /\("big": about 12,000 rows, [\d.]+ KiB\.\)$/);
      // SQLite has no table locks (the analyzer gives lock modes for PostgreSQL only): no finding here is a lock
      // finding, so the thresholds change no severity — the same rule as check --stats.
      assert.ok(renames.every((f) => f.lock === undefined));

      const text = await runCli(['upgrade', '--dry-run', '--cwd', dir]);
      assert.match(text.stdout, /"small": about 2 rows/);
    } finally {
      cleanup();
    }
  });
});

void describe('table sizes in the upgrade plan on PostgreSQL (MG_TEST_PG_URL)', { skip: pgSkip('PostgreSQL plan sizes') }, () => {
  const db = usePgDatabase('plansizes');

  void it('lock findings become info on a small table and errors on a large one (the plan is then refused)', async (t) => {
    const why = await analyzerUnavailable();
    if (why) return t.skip(why);
    const { dir, cleanup } = tempDir('mg-plan-sizes-pg-');
    try {
      await db.query('CREATE TABLE orders (id int, user_id int); INSERT INTO orders SELECT g, g FROM generate_series(1, 20000) g; ANALYZE orders');
      await db.query('CREATE TABLE tiny (id int); INSERT INTO tiny VALUES (1), (2), (3); ANALYZE tiny');
      writeFiles(dir, {
        'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(db.url())}, migrations: { directory: './migrations' } } };`,
        'migrations/001_indexes.js': `exports.up = async (knex) => {\n  await knex.raw('CREATE INDEX orders_user ON orders (user_id)');\n  await knex.raw('CREATE INDEX tiny_id ON tiny (id)');\n};\nexports.down = async (knex) => {\n  await knex.raw('DROP INDEX tiny_id');\n  await knex.raw('DROP INDEX orders_user');\n};\n`,
      });
      const plan = async () => {
        const r = await runCli(['upgrade', '--dry-run', '--json', '--cwd', dir]);
        return JSON.parse(r.stdout) as UpgradeResult;
      };
      // Defaults (10,000 / 1,000,000): 20,000 rows unchanged, 3 rows info.
      const first = await plan();
      const indexes = () => first.findings.filter((f) => f.ruleId === 'require-concurrent-index-creation');
      assert.deepEqual(indexes().map((f) => [f.table, f.severity, f.tableSize?.rows]), [['orders', 'warning', 20000], ['tiny', 'info', 3]]);
      assert.equal(first.refused, false);
      assert.match(indexes()[1]!.message, /\("tiny": about 3 rows, [\d.]+ KiB\.\) Info: below smallTableRows \(10,000\), the lock is brief\.$/);

      writeFiles(dir, { '.migration-guard.json': JSON.stringify({ largeTableRows: 15000 }) });
      const second = await plan();
      const orders = second.findings.find((f) => f.ruleId === 'require-concurrent-index-creation' && f.table === 'orders');
      assert.equal(orders?.severity, 'error');
      assert.match(orders!.message, /Error: at or above largeTableRows \(15,000\)\.$/);
      assert.equal(second.refused, true, 'a lock finding on a large table makes the plan unsafe');
      const text = await runCli(['upgrade', '--dry-run', '--cwd', dir]);
      assert.match(text.stdout, /"orders": about 20,000 rows/);
    } finally {
      cleanup();
    }
  });
});
