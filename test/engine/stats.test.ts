/**
 * `migration-guard stats` on real SQLite and PostgreSQL databases, and `check --stats FILE` using what it wrote:
 * findings about a table carry its size and say it; lock findings become info below `smallTableRows` and errors at
 * or above `largeTableRows` (`.migration-guard.json`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { CheckResult, TableStatsResult } from '../../server/src/protocol';
import { analyzerUnavailable, pgSkip, runCli, sqliteAll, sqliteKnexfile, tempDir, usePgDatabase, writeFiles } from './helpers';

void describe('stats on SQLite', () => {
  void it('counts rows and sizes every table; check --stats puts the size on findings about a table (no lock, so no severity change)', async (t) => {
    const why = await analyzerUnavailable();
    if (why) return t.skip(why);
    const { dir, cleanup } = tempDir('mg-stats-sqlite-');
    try {
      writeFiles(dir, {
        'knexfile.js': sqliteKnexfile(),
        'db/migrations/.keep': '',
        'lint/001_drop.sql': 'DROP TABLE orders;\nDROP TABLE nowhere;\n',
      });
      const file = path.join(dir, 'db', 'app.sqlite3');
      await sqliteAll(file, 'CREATE TABLE orders (id integer primary key, note text)');
      await sqliteAll(file, "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 2500) INSERT INTO orders SELECT n, 'x' FROM g");
      await sqliteAll(file, 'CREATE INDEX orders_note ON orders (note)');
      await sqliteAll(file, 'CREATE TABLE empty_one (id integer)');

      const r = await runCli(['stats', '--cwd', dir, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const stats = JSON.parse(r.stdout) as TableStatsResult;
      assert.equal(stats.dialect, 'sqlite');
      assert.equal(stats.tables.orders?.rows, 2500);
      assert.equal(stats.tables.empty_one?.rows, 0);
      assert.ok((stats.tables.orders?.bytes ?? 0) > (stats.tables.empty_one?.bytes ?? 0), JSON.stringify(stats));

      const out = await runCli(['stats', '--cwd', dir, '--out', 'stats.json']);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /Wrote the sizes of 2 tables to .*stats\.json/);
      assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'stats.json'), 'utf8')), stats);

      const check = await runCli(['check', path.join(dir, 'lint'), '--dialect', 'sqlite', '--stats', path.join(dir, 'stats.json'), '--json']);
      const findings = (JSON.parse(check.stdout) as CheckResult).findings;
      const [orders, nowhere] = findings.filter((f) => f.ruleId === 'ban-drop-table');
      assert.deepEqual(orders?.tableSize, stats.tables.orders);
      assert.match(orders!.message, /\("orders": about 2,500 rows, [\d.]+ KiB\.\)$/);
      assert.equal(orders!.severity, 'error', 'data loss stays an error');
      assert.equal(nowhere?.tableSize, undefined, 'a table the statistics do not know');
    } finally {
      cleanup();
    }
  });

  void it('an invalid statistics file is a usage error naming it', async () => {
    const { dir, cleanup } = tempDir('mg-stats-bad-');
    try {
      writeFiles(dir, { 'a.sql': 'DROP TABLE t;\n', 'stats.json': '{ "dialect": "oracle", "tables": {} }' });
      const r = await runCli(['check', path.join(dir, 'a.sql'), '--stats', path.join(dir, 'stats.json'), '--json']);
      assert.equal(r.code, 2);
      assert.match(r.stdout, /is not a table statistics file: \\"dialect\\" must be/);
    } finally {
      cleanup();
    }
  });
});

void describe('stats on PostgreSQL (MG_TEST_PG_URL)', { skip: pgSkip('PostgreSQL stats tests') }, () => {
  const db = usePgDatabase('stats');

  void it('reads reltuples and pg_total_relation_size; lock findings follow the table size and the thresholds', async (t) => {
    const why = await analyzerUnavailable();
    if (why) return t.skip(why);
    const { dir, cleanup } = tempDir('mg-stats-pg-');
    try {
      await db.query('CREATE TABLE orders (id int, user_id int); INSERT INTO orders SELECT g, g FROM generate_series(1, 20000) g; ANALYZE orders');
      await db.query('CREATE TABLE tiny (id int); INSERT INTO tiny VALUES (1), (2), (3); ANALYZE tiny');
      await db.query('CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int); CREATE TABLE fresh (id int)');
      writeFiles(dir, {
        'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(db.url())}, migrations: { directory: './migrations' } } };`,
        'migrations/.keep': '',
        'lint/001_indexes.sql': 'CREATE INDEX orders_user ON orders (user_id);\nCREATE INDEX tiny_id ON public.tiny (id);\nCREATE INDEX inv_id ON billing.invoices (id);\nDROP TABLE orders;\n',
      });
      const r = await runCli(['stats', '--cwd', dir, '--out', 'stats.json']);
      assert.equal(r.code, 0, r.stderr);
      const stats = JSON.parse(readFileSync(path.join(dir, 'stats.json'), 'utf8')) as TableStatsResult;
      assert.equal(stats.dialect, 'postgresql');
      assert.equal(stats.defaultSchema, 'public');
      assert.equal(stats.tables['public.orders']?.rows, 20000);
      assert.equal(stats.tables['public.tiny']?.rows, 3);
      assert.equal(stats.tables['public.fresh']?.rows, 0, 'never analysed and empty: 0');
      assert.equal(stats.tables['billing.invoices']?.rows, 0);
      const [{ size }] = await db.query<{ size: string }>("SELECT pg_total_relation_size('orders')::text AS size");
      assert.equal(stats.tables['public.orders']?.bytes, Number(size));

      const check = async () => {
        const c = await runCli(['check', path.join(dir, 'lint'), '--dialect', 'postgresql', '--stats', path.join(dir, 'stats.json'), '--json']);
        return (JSON.parse(c.stdout) as CheckResult).findings.filter((f) => f.ruleId === 'require-concurrent-index-creation' || f.ruleId === 'ban-drop-table');
      };
      // Defaults: 20,000 rows is between 10,000 and 1,000,000: unchanged; 3 rows and 0 rows: info.
      assert.deepEqual(
        (await check()).map((f) => [f.ruleId, f.severity, f.tableSize?.rows]),
        [
          ['require-concurrent-index-creation', 'warning', 20000],
          ['require-concurrent-index-creation', 'info', 3],
          ['require-concurrent-index-creation', 'info', 0],
          ['ban-drop-table', 'error', 20000],
        ],
      );
      writeFiles(dir, { '.migration-guard.json': JSON.stringify({ smallTableRows: 2, largeTableRows: 15000 }) });
      const withConfig = await check();
      assert.deepEqual(
        withConfig.map((f) => [f.ruleId, f.severity]),
        [
          ['require-concurrent-index-creation', 'error'],
          ['require-concurrent-index-creation', 'warning'],
          ['require-concurrent-index-creation', 'info'],
          ['ban-drop-table', 'error'],
        ],
      );
      assert.match(withConfig[0]!.message, /\("orders": about 20,000 rows, [\d.]+ [KM]iB\.\) Error: at or above largeTableRows \(15,000\)\.$/);
    } finally {
      cleanup();
    }
  });
});
