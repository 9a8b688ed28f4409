/**
 * Fail closed before any write (issue 12, items 3 and 5; issue 13, item 8), on REAL SQLite projects:
 * - a migration with a JavaScript syntax error is named with file:line:column (`migration-load`) by `upgrade --yes`
 *   and `upgrade --dry-run` (exit 1) before any backup, and `check` reports it as a `syntax-error` (exit 1);
 * - a migration exporting no `up` (or, for a downgrade, no `down`) is refused before any backup;
 * - a rule that throws (analyzer-error) refuses the upgrade: nothing is applied.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { addRulesForTesting, type Rule } from '../../server/src/lint';
import { downgrade, EngineError, loadProject, markApplied, upgrade } from '../../server/src/migrations';
import { createTableMigration, runCli, sqliteAll, sqliteKnexfile, sqliteTables, tempDir, writeFiles } from './helpers';

const SYNTAX_ERROR = "// creates a\nexports.up = (knex) => knex.schema.createTable('a2', (t) => { t.increments( });\nexports.down = (knex) => knex.schema.dropTable('a2');\n";

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** A project whose 001_a.js is applied (so an upgrade would back the database up first), plus `extra` files. */
async function appliedProject(dir: string, extra: Record<string, string>) {
  writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
  const project = await loadProject({ cwd: dir, processEnv: {} });
  await upgrade(project, { noBackup: true });
  writeFiles(dir, extra);
  return project;
}

function assertNothingWritten(dir: string, dbFile: string, dbHash: string): void {
  assert.equal(existsSync(path.join(dir, '.migration-guard')), false, 'no backup folder, no backup');
  assert.equal(sha256(dbFile), dbHash, 'the database file is untouched');
}

void describe('a migration Knex cannot load is refused before any write', () => {
  void it('a syntax error: upgrade --yes and upgrade --dry-run name file:line:column and exit 1; check reports a syntax-error and exits 1', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const project = await appliedProject(dir, { 'db/migrations/002_bad.js': SYNTAX_ERROR });
      const dbFile = project.sqliteFile as string;
      const dbHash = sha256(dbFile);
      const badFile = path.join(dir, 'db', 'migrations', '002_bad.js');
      for (const args of [['upgrade', '--yes'], ['upgrade', '--dry-run']]) {
        const r = await runCli([...args, '--json', '--cwd', dir]);
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
        const error = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
        assert.equal(error.code, 'migration-load', args.join(' '));
        assert.ok(error.message.includes(`${badFile}:2:77`), error.message);
        // Node: "SyntaxError: Unexpected token '}'"; under tsx (the CLI run from sources), esbuild: 'Unexpected "}"'.
        assert.match(error.message, /Unexpected (token )?['"]\}['"]/);
        assert.doesNotMatch(error.message, /rolled back/);
        assertNothingWritten(dir, dbFile, dbHash);
      }
      assert.deepEqual((await sqliteAll(dbFile, 'select name, batch from knex_migrations order by id')).map((m) => [m.name, m.batch]), [['001_a.js', 1]], 'no batch');

      const check = await runCli(['check', '--json', path.join(dir, 'db', 'migrations')]);
      assert.equal(check.code, 1, check.stdout + check.stderr);
      const findings = (JSON.parse(check.stdout) as { findings: Array<{ file: string; ruleId: string; line: number; column: number }> }).findings;
      assert.deepEqual(
        findings.filter((f) => f.ruleId === 'syntax-error').map((f) => [path.basename(f.file), f.line, f.column]),
        [['002_bad.js', 2, 77]],
      );
    } finally {
      cleanup();
    }
  });

  void it('a migration that exports no up() is refused before any backup (upgrade and its dry run)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const project = await appliedProject(dir, { 'db/migrations/002_no_up.js': "exports.down = (knex) => knex.schema.dropTable('b');\n" });
      const dbFile = project.sqliteFile as string;
      const dbHash = sha256(dbFile);
      for (const dryRun of [false, true]) {
        await assert.rejects(upgrade(project, { dryRun }), (e: unknown) => {
          assert.ok(e instanceof EngineError && e.code === 'migration-load', String(e));
          assert.match(e.message, /002_no_up\.js .*exports no up\(\) function/);
          return true;
        });
        assertNothingWritten(dir, dbFile, dbHash);
      }
      assert.deepEqual(await sqliteTables(dbFile), ['a', 'knex_migrations', 'knex_migrations_lock', 'migration_guard_checksums', 'sqlite_sequence']);
    } finally {
      cleanup();
    }
  });

  void it('a migration that exports no down() is refused by downgrade before any backup', async () => {
    const { dir, cleanup } = tempDir();
    try {
      // Recorded as applied without running it (baseline): its down() is what a downgrade would run.
      const project = await appliedProject(dir, { 'db/migrations/002_no_down.js': "exports.up = (knex) => knex.schema.createTable('b', (t) => { t.increments('id'); });\n" });
      await markApplied(project, '002_no_down.js');
      const dbFile = project.sqliteFile as string;
      const dbHash = sha256(dbFile);
      for (const dryRun of [false, true]) {
        await assert.rejects(downgrade(project, { dryRun }), (e: unknown) => {
          assert.ok(e instanceof EngineError && e.code === 'migration-load', String(e));
          assert.match(e.message, /002_no_down\.js .*exports no down\(\) function/);
          return true;
        });
        assertNothingWritten(dir, dbFile, dbHash);
      }
      assert.equal((await sqliteAll(dbFile, 'select count(*) as n from knex_migrations'))[0]?.n, 2, 'both stay applied');
    } finally {
      cleanup();
    }
  });
});

void describe('the upgrade gate fails closed', () => {
  void it('a rule that throws on a pending migration refuses the upgrade: analyzer-error, nothing applied, no backup', async () => {
    const throwsOnCreate: Rule = {
      meta: { id: 'test-throws-on-create', defaultSeverity: 'info', title: 'test', description: 'test', help: 'test', docsPath: 'docs/rules/none.md' },
      check(ctx) {
        if (ctx.doc.operations.some((op) => op.type === 'createTable' && op.table === 'b')) throw new Error('boom');
        return [];
      },
    };
    const { dir, cleanup } = tempDir();
    const off = addRulesForTesting(throwsOnCreate);
    try {
      const project = await appliedProject(dir, { 'db/migrations/002_b.js': createTableMigration('b') });
      const dbFile = project.sqliteFile as string;
      const dbHash = sha256(dbFile);
      const result = await upgrade(project);
      assert.equal(result.refused, true);
      assert.deepEqual(
        result.findings.filter((f) => f.ruleId === 'analyzer-error').map((f) => [f.migration, f.severity, f.line]),
        [['002_b.js', 'error', 1]],
      );
      assert.deepEqual(result.applied, []);
      assertNothingWritten(dir, dbFile, dbHash);
      assert.ok(!(await sqliteTables(dbFile)).includes('b'));
    } finally {
      off();
      cleanup();
    }
  });
});
