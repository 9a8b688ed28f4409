/**
 * A table created by an earlier migration of the same upgrade is new and empty when a later one locks it: the plan
 * makes such lock findings `info` and says which migration creates the table (issue 17, "new in this batch"). The
 * same file alone, with the table already there, keeps its warning. The created tables also come from the lint
 * cache (a second dry run answered without the analyzer gives the same plan).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { UpgradeResult } from '../../server/src/protocol';
import { spawnSync } from 'node:child_process';
import { analyzerUnavailable, pgSkip, repoRoot, runCli, tempDir, usePgDatabase, writeFiles } from './helpers';

void describe('tables created earlier in the same upgrade (PostgreSQL, MG_TEST_PG_URL)', { skip: pgSkip('PostgreSQL new tables in the plan') }, () => {
  const db = usePgDatabase('plannew');

  void it('a lock finding on a table an earlier pending migration creates is info and names that migration; alone it stays a warning', async (t) => {
    const why = await analyzerUnavailable();
    if (why) return t.skip(why);
    const { dir, cleanup } = tempDir('mg-plan-new-');
    try {
      writeFiles(dir, {
        'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(db.url())}, migrations: { directory: './migrations' } } };`,
        'migrations/001_create_events.js': "exports.up = (knex) => knex.schema.createTable('events', (t) => { t.bigIncrements('id'); t.string('kind'); });\nexports.down = (knex) => knex.schema.dropTable('events');\n",
        'migrations/002_index_events.js': "exports.up = (knex) => knex.raw('CREATE INDEX events_kind ON events (kind)');\nexports.down = (knex) => knex.raw('DROP INDEX events_kind');\n",
        // Sizes would make a lock on an empty table info by themselves: no table is small here.
        '.migration-guard.json': JSON.stringify({ smallTableRows: 0 }),
        'migrations/003_index_accounts.js': "exports.up = (knex) => knex.raw('CREATE INDEX accounts_name ON accounts (name)');\nexports.down = (knex) => knex.raw('DROP INDEX accounts_name');\n",
      });
      await db.query('CREATE TABLE accounts (id int, name text)');
      const cache = mkdtempSync(path.join(os.tmpdir(), 'mg-plan-new-cache-'));
      // The CLI as shipped (dist/cli.js, built by npm test): from sources there is no analyzer build id, so no cache.
      const plan = async () => {
        const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'upgrade', '--dry-run', '--json', '--cwd', dir], { encoding: 'utf8', env: { ...process.env, MIGRATION_GUARD_LINT_CACHE: cache }, timeout: 120_000 });
        return JSON.parse(r.stdout) as UpgradeResult;
      };
      const indexFindings = (p: UpgradeResult) => p.findings.filter((f) => f.ruleId === 'require-concurrent-index-creation').map((f) => [f.migration, f.table, f.severity]);
      const first = await plan();
      assert.deepEqual(indexFindings(first), [
        ['002_index_events.js', 'events', 'info'],
        ['003_index_accounts.js', 'accounts', 'warning'],
      ]);
      const events = first.findings.find((f) => f.ruleId === 'require-concurrent-index-creation' && f.table === 'events');
      assert.match(events!.message, /\(001_create_events\.js, earlier in this upgrade, creates the table: it is still empty and unused when this runs\.\)$/);
      assert.ok(readdirSync(cache).some((f) => f.startsWith('lint-results-')), 'the first plan filled the lint cache');
      assert.deepEqual(indexFindings(await plan()), indexFindings(first), 'the same plan from the lint cache');

      // Once 001 is applied, 002 is about an existing table again.
      const one = await runCli(['upgrade', '--yes', '--step', '1', '--no-backup', '--allow-unsafe', '--json', '--cwd', dir]);
      assert.equal(one.code, 0, one.stderr);
      assert.deepEqual(indexFindings(await plan()), [
        ['002_index_events.js', 'events', 'warning'],
        ['003_index_accounts.js', 'accounts', 'warning'],
      ]);
    } finally {
      cleanup();
    }
  });
});
