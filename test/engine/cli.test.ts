import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { BackupResult, CheckResult, ErrorResult, StatusResult, UpgradeResult, ValidateResult } from '../../server/src/protocol';
import { analyzerUnavailable, createTableMigration, runCli, sqliteAll, sqliteKnexfile, sqliteTables, tempDir, writeFiles } from './helpers';

function project(dir: string): void {
  writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a'), 'db/migrations/002_b.js': createTableMigration('b') });
}

void describe('CLI (spawned: node --import tsx server/src/cli/main.ts)', () => {
  void it('status --json is read-only and prints StatusResult; text mode prints a table', async () => {
    const { dir, cleanup } = tempDir();
    try {
      project(dir);
      const r = await runCli(['status', '--json', '--cwd', dir]);
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout) as StatusResult;
      assert.deepEqual(s.migrations.map((m) => [m.name, m.state]), [['001_a.js', 'pending'], ['002_b.js', 'pending']]);
      assert.equal(s.project.knexfile, path.join(dir, 'knexfile.js'));
      assert.equal(existsSync(path.join(dir, 'db', 'app.sqlite3')), false);
      const text = await runCli(['status', '--cwd', path.join(dir, 'db')]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /STATE\s+BATCH\s+APPLIED AT \(UTC\)\s+NAME/);
      assert.match(text.stdout, /pending\s+-\s+-\s+001_a\.js/);
    } finally {
      cleanup();
    }
  });

  void it("status --json lists the knexfile's environments; an unknown --env is an error that lists them too", async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'knexfile.js': `module.exports = {
  development: { client: 'sqlite3', connection: { filename: './dev.sqlite3' }, useNullAsDefault: true },
  production: { client: 'sqlite3', connection: { filename: './prod.sqlite3' }, useNullAsDefault: true },
};`,
        'migrations/001_a.js': createTableMigration('a'),
      });
      const prod = await runCli(['status', '--json', '--cwd', dir, '--env', 'production']);
      assert.equal(prod.code, 0, prod.stderr);
      const s = JSON.parse(prod.stdout) as StatusResult;
      assert.deepEqual([s.project.environment, s.project.environments, s.project.protected], ['production', ['development', 'production'], true]);
      const bad = await runCli(['status', '--json', '--cwd', dir, '--env', 'staging']);
      assert.equal(bad.code, 2);
      const e = JSON.parse(bad.stdout) as ErrorResult;
      assert.equal(e.error.code, 'knexfile-load');
      assert.deepEqual(e.error.environments, ['development', 'production']);
    } finally {
      cleanup();
    }
  });

  void it('upgrade without --yes and without a TTY is a usage error (exit 2, ErrorResult)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      project(dir);
      const r = await runCli(['upgrade', '--json', '--cwd', dir]);
      assert.equal(r.code, 2);
      const e = JSON.parse(r.stdout) as ErrorResult;
      assert.equal(e.error.code, 'usage');
      assert.match(e.error.hint ?? '', /--yes/);
      assert.equal(existsSync(path.join(dir, 'db', 'app.sqlite3')), false);
    } finally {
      cleanup();
    }
  });

  void it('a broken knexfile and a bad option exit 2 with an ErrorResult; passwords are masked', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': `throw new Error('no route to postgres://admin:Sup3rSecret@db/app');` });
      const r = await runCli(['validate', '--json', '--cwd', dir]);
      assert.equal(r.code, 2);
      const e = JSON.parse(r.stdout) as ErrorResult;
      assert.equal(e.error.code, 'knexfile-load');
      assert.ok(!r.stdout.includes('Sup3rSecret') && !r.stderr.includes('Sup3rSecret'));
      const text = await runCli(['status', '--cwd', dir]);
      assert.equal(text.code, 2);
      assert.match(text.stderr, /error: Failed to load knexfile/);
      assert.ok(!text.stderr.includes('Sup3rSecret'));
      const bad = await runCli(['status', '--json', '--bogus']);
      assert.equal(bad.code, 2);
      assert.equal((JSON.parse(bad.stdout) as ErrorResult).error.code, 'usage');
    } finally {
      cleanup();
    }
  });

  void it('pg connection failures exit 2 with code connection and a masked target', async () => {
    const { dir, cleanup } = tempDir();
    try {
      // Port 1 on loopback: nothing listens there.
      const r = await runCli(['status', '--json', '--cwd', dir], { DATABASE_URL: 'postgres://app:Pw-never-shown@127.0.0.1:1/app' });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const e = JSON.parse(r.stdout) as ErrorResult;
      assert.equal(e.error.code, 'connection');
      assert.match(e.error.message, /postgres:\/\/app:\*\*\*\*@127\.0\.0\.1:1\/app/);
      assert.ok(!r.stdout.includes('Pw-never-shown') && !r.stderr.includes('Pw-never-shown'));
    } finally {
      cleanup();
    }
  });

  void it('upgrade --yes --json applies; backup --json writes a 0600 copy; validate exits 1 on a missing file', async (t) => {
    const why = await analyzerUnavailable();
    if (why) return t.skip(why);
    const { dir, cleanup } = tempDir();
    try {
      project(dir);
      const up = await runCli(['upgrade', '--yes', '--json', '--cwd', dir]);
      assert.equal(up.code, 0, up.stdout + up.stderr);
      const u = JSON.parse(up.stdout) as UpgradeResult;
      assert.deepEqual([u.applied, u.batch, u.refused, u.validation?.valid], [['001_a.js', '002_b.js'], 1, false, true]);
      assert.match(up.stderr, /Applying 2 migration/);

      const b = await runCli(['backup', '--json', '--cwd', dir]);
      assert.equal(b.code, 0, b.stderr);
      const { backup } = JSON.parse(b.stdout) as BackupResult;
      assert.equal(statSync(backup.path).mode & 0o777, 0o600);
      assert.deepEqual(await sqliteTables(backup.path), await sqliteTables(path.join(dir, 'db', 'app.sqlite3')));

      const v = await runCli(['validate', '--json', '--cwd', dir]);
      assert.equal(v.code, 0);
      await sqliteAll(path.join(dir, 'db', 'app.sqlite3'), "insert into knex_migrations (name, batch, migration_time) values ('000_gone.js', 1, 0)");
      const v2 = await runCli(['validate', '--json', '--cwd', dir]);
      assert.equal(v2.code, 1);
      const vr = JSON.parse(v2.stdout) as ValidateResult;
      assert.equal(vr.valid, false);
      assert.equal(vr.problems[0]?.code, 'missing-file');
    } finally {
      cleanup();
    }
  });

  void it('upgrade refuses an unsafe migration (exit 1) and applies it with --allow-unsafe', async (t) => {
    const why = await analyzerUnavailable();
    if (why) return t.skip(why);
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'knexfile.js': sqliteKnexfile(),
        'db/migrations/001_a.js': createTableMigration('a'),
        'db/migrations/002_drop.js': `exports.up = (knex) => knex.schema.dropTable('a');\nexports.down = () => {};\n`,
      });
      const refused = await runCli(['upgrade', '--yes', '--json', '--cwd', dir]);
      assert.equal(refused.code, 1, refused.stderr);
      const r = JSON.parse(refused.stdout) as UpgradeResult;
      assert.equal(r.refused, true);
      assert.ok(r.findings.some((f) => f.severity === 'error' && f.migration === '002_drop.js'));
      const text = await runCli(['upgrade', '--yes', '--cwd', dir]);
      assert.equal(text.code, 1);
      assert.match(text.stdout, /Refused: 1 finding of error severity\. Nothing was applied\. .* \(--dry-run shows their SQL and what they would delete on this database first\)\./);
      const refusedDry = await runCli(['upgrade', '--dry-run', '--cwd', dir]);
      assert.match(refusedDry.stdout, /apply anyway\.\n/, 'a dry run is not told to run a dry run');
      const dry = await runCli(['upgrade', '--dry-run', '--allow-unsafe', '--json', '--cwd', dir]);
      assert.equal(dry.code, 0);
      assert.equal((JSON.parse(dry.stdout) as UpgradeResult).dryRun, true);
      const forced = await runCli(['upgrade', '--yes', '--allow-unsafe', '--json', '--cwd', dir]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.deepEqual((JSON.parse(forced.stdout) as UpgradeResult).applied, ['001_a.js', '002_drop.js']);
    } finally {
      cleanup();
    }
  });

  void it('check --format json prints 1-based positions and exits 1 on errors; text format; missing path exits 2', async (t) => {
    const why = await analyzerUnavailable();
    if (why) return t.skip(why);
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'm/001_safe.sql': 'CREATE TABLE t (id int);\n',
        'm/sub/002_drop.sql': '-- drop it\nDROP TABLE users;\n',
        'm/node_modules/x.sql': 'DROP TABLE skipped;\n',
        'm/notes.txt': 'DROP TABLE ignored;',
      });
      const r = await runCli(['check', path.join(dir, 'm'), '--format', 'json', '--dialect', 'postgresql']);
      assert.equal(r.code, 1, r.stderr);
      const res = JSON.parse(r.stdout) as CheckResult;
      const drop = res.findings.find((f) => f.severity === 'error');
      assert.ok(drop, r.stdout);
      assert.equal(drop.file, path.join(dir, 'm', 'sub', '002_drop.sql'));
      assert.equal(drop.line, 2);
      assert.equal(drop.column, 1);
      assert.ok(drop.endColumn > drop.column);
      assert.ok(res.findings.every((f) => !f.file.includes('node_modules') && !f.file.endsWith('.txt')));
      const text = await runCli(['check', path.join(dir, 'm', '001_safe.sql'), path.join(dir, 'm', 'sub')]);
      assert.equal(text.code, 1);
      assert.match(text.stdout, /002_drop\.sql:2:1 {2}error {2}.+ {2}[a-z-]+\n/);
      assert.match(text.stdout, /\d+ problems? \(1 error/);
      const missing = await runCli(['check', path.join(dir, 'nope'), '--json']);
      assert.equal(missing.code, 2);
      assert.equal((JSON.parse(missing.stdout) as ErrorResult).error.code, 'usage');
    } finally {
      cleanup();
    }
  });
});
