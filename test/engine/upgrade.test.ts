import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EngineError, getStatus, loadProject, upgrade } from '../../server/src/migrations';
import { listBackups } from '../../server/src/migrations/backups/manifest';
import { restore } from '../../server/src/migrations/backups/restore';
import { createTableMigration, sqliteAll, sqliteKnexfile, sqliteTables, tempDir, writeFiles } from './helpers';

const DROP_TABLE = `exports.up = (knex) => knex.schema.dropTable('a');
exports.down = (knex) => knex.schema.createTable('a', (t) => { t.increments('id'); });
`;

void describe('upgrade', () => {
  void it('applies pending migrations in one batch, records them, backs up first and validates', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a'), 'db/migrations/002_b.js': createTableMigration('b') });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const lines: string[] = [];
      const first = await upgrade(project, { log: (_l, m) => lines.push(m) });
      assert.deepEqual(first.pending, ['001_a.js', '002_b.js']);
      assert.deepEqual(first.applied, ['001_a.js', '002_b.js']);
      assert.equal(first.batch, 1);
      assert.equal(first.refused, false);
      assert.equal(first.backup, null, 'no backup for a database that did not exist');
      assert.equal(first.backupPlanned, false);
      assert.equal(first.validation?.valid, true);
      const db = project.sqliteFile as string;
      assert.deepEqual(await sqliteTables(db), ['a', 'b', 'knex_migrations', 'knex_migrations_lock', 'migration_guard_checksums', 'sqlite_sequence']);
      assert.deepEqual((await sqliteAll(db, 'select name, batch from knex_migrations order by id')).map((r) => [r.name, r.batch]), [['001_a.js', 1], ['002_b.js', 1]]);
      assert.ok(lines.some((l) => /Applying 2 migration/.test(l)));

      const { planId, ...none } = await upgrade(project);
      assert.match(planId, /^[0-9a-f]{64}$/, 'even an empty plan has an id');
      assert.deepEqual(none, { pending: [], findings: [], refused: false, dryRun: false, planMigrations: [], backupPlanned: false, backup: null, batch: null, applied: [], validation: null });

      writeFiles(dir, { 'db/migrations/003_c.js': createTableMigration('c') });
      const dry = await upgrade(project, { dryRun: true });
      assert.deepEqual([dry.pending, dry.applied, dry.backup, dry.dryRun, dry.backupPlanned], [['003_c.js'], [], null, true, true]);
      assert.equal((await getStatus(project)).migrations.find((m) => m.name === '003_c.js')?.state, 'pending', 'a dry run writes nothing');
      assert.equal(existsSync(path.join(dir, '.migration-guard')), false);

      const second = await upgrade(project);
      assert.deepEqual([second.applied, second.batch], [['003_c.js'], 2]);
      assert.ok(second.backup && existsSync(second.backup.path), 'a backup is taken before applying to an existing database');
      assert.ok(!(await sqliteTables(second.backup.path)).includes('c'), 'the backup predates the migration');
      assert.deepEqual((await listBackups(path.dirname(second.backup.path))).map((b) => [b.name, b.kind]), [[second.backup.name, 'pre-upgrade']], 'its manifest says why it was taken');
      assert.ok((await sqliteTables(db)).includes('c'));
    } finally {
      cleanup();
    }
  });

  void it('a migration throwing mid-batch leaves the database unchanged and the lock free', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const opts = {};
      await upgrade(project, opts);
      await sqliteAll(project.sqliteFile as string, "insert into a (name) values ('kept')");
      writeFiles(dir, {
        'db/migrations/002_b.js': createTableMigration('b'),
        'db/migrations/003_boom.js': `exports.up = async (knex) => { await knex.schema.createTable('half', (t) => { t.increments(); }); throw new Error('boom in 003'); };
exports.down = async () => {};
`,
        'db/migrations/004_d.js': createTableMigration('d'),
      });
      const tablesBefore = await sqliteTables(project.sqliteFile as string);
      await assert.rejects(upgrade(project, opts), (e: unknown) => {
        assert.ok(e instanceof EngineError);
        assert.equal(e.code, 'migration-failed');
        assert.match(e.message, /Migration 003_boom\.js failed: boom in 003/);
        assert.match(e.message, /rolled it back/);
        assert.match(e.hint ?? '', /backup/);
        return true;
      });
      const db = project.sqliteFile as string;
      assert.deepEqual(await sqliteTables(db), tablesBefore, 'no table of the failed batch remains');
      assert.deepEqual((await sqliteAll(db, 'select name from knex_migrations')).map((r) => r.name), ['001_a.js']);
      assert.deepEqual(await sqliteAll(db, 'select name from a'), [{ name: 'kept' }]);
      const s = await getStatus(project);
      assert.equal(s.lock.held, false);
      assert.deepEqual(s.migrations.filter((m) => m.state === 'pending').map((m) => m.name), ['002_b.js', '003_boom.js', '004_d.js']);
      assert.equal(readdirSync(path.join(dir, '.migration-guard', 'backups')).filter((n) => !n.endsWith('.json')).length, 1, 'one backup (besides its manifest)');
    } finally {
      cleanup();
    }
  });

  void it('a migration outside a transaction fails half-way: the hint names the restore command, which brings back the exact pre-upgrade rows', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await upgrade(project);
      const db = project.sqliteFile as string;
      await sqliteAll(db, "insert into a (name) values ('x'), ('y')");
      writeFiles(dir, {
        'db/migrations/002_half.js': `exports.config = { transaction: false };
exports.up = async (knex) => { await knex('a').where({ name: 'x' }).del(); throw new Error('half done'); };
exports.down = async () => {};
`,
      });
      let hint = '';
      await assert.rejects(upgrade(project), (e: unknown) => {
        assert.ok(e instanceof EngineError && e.code === 'migration-failed');
        assert.match(e.message, /ran without a transaction/);
        hint = e.hint ?? '';
        return true;
      });
      assert.deepEqual(await sqliteAll(db, 'select name from a order by id'), [{ name: 'y' }], 'the half-done change stayed');
      const m = /migration-guard restore (backup_\S+)/.exec(hint);
      assert.ok(m, hint);
      const restored = await restore(project, m[1] as string);
      assert.ok(restored.safetyBackup, 'restore saved the current database first');
      assert.deepEqual(await sqliteAll(db, 'select name from a order by id'), [{ name: 'x' }, { name: 'y' }]);
    } finally {
      cleanup();
    }
  });

  void it('a backup folder that cannot be created stops the upgrade (and its dry run) before anything is applied', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await upgrade(project);
      writeFiles(dir, { 'db/migrations/002_b.js': createTableMigration('b'), '.migration-guard': 'a file where the folder should be\n' });
      for (const dryRun of [true, false]) {
        await assert.rejects(upgrade(project, { dryRun }), (e: unknown) => {
          assert.ok(e instanceof EngineError && e.code === 'backup-failed', String(e));
          assert.match(e.message, /backup folder .*\.migration-guard.* cannot be created/);
          return true;
        });
      }
      assert.ok(!(await sqliteTables(project.sqliteFile as string)).includes('b'));
      assert.deepEqual((await upgrade(project, { noBackup: true })).applied, ['002_b.js'], '--no-backup needs no folder');
    } finally {
      cleanup();
    }
  });

  void it('refuses a missing file (corrupt directory) and a held lock before touching anything', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const opts = {};
      await upgrade(project, opts);
      writeFiles(dir, { 'db/migrations/002_b.js': createTableMigration('b') });
      const db = project.sqliteFile as string;
      await sqliteAll(db, 'update knex_migrations_lock set is_locked = 1');
      await assert.rejects(upgrade(project, opts), (e: unknown) => e instanceof EngineError && e.code === 'lock-held');
      await sqliteAll(db, 'update knex_migrations_lock set is_locked = 0');
      await sqliteAll(db, "insert into knex_migrations (name, batch, migration_time) values ('000_gone.js', 1, 0)");
      await assert.rejects(upgrade(project, opts), (e: unknown) => e instanceof EngineError && e.code === 'corrupt-directory' && /000_gone\.js/.test(e.message));
      assert.ok(!(await sqliteTables(db)).includes('b'));
    } finally {
      cleanup();
    }
  });

  void it("lints with the project's .migration-guard.json rules, as check does: off or warning does not refuse, error does; an invalid file is a usage error", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const rename = "exports.up = (knex) => knex.raw('ALTER TABLE a RENAME COLUMN name TO title');\nexports.down = () => {};\n";
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await upgrade(project, { noBackup: true });
      writeFiles(dir, { 'db/migrations/002_rename.js': rename, '.migration-guard.json': JSON.stringify({ rules: { 'renaming-column': 'error' } }) });
      const raised = await upgrade(project, { noBackup: true, dryRun: true });
      assert.equal(raised.refused, true, JSON.stringify(raised.findings));
      assert.ok(raised.findings.some((f) => f.ruleId === 'renaming-column' && f.severity === 'error'));

      writeFiles(dir, { 'db/migrations/002_rename.js': DROP_TABLE, '.migration-guard.json': JSON.stringify({ rules: { 'ban-drop-table': 'warning' } }) });
      const lowered = await upgrade(project, { noBackup: true, dryRun: true });
      assert.equal(lowered.refused, false, JSON.stringify(lowered.findings));
      assert.ok(lowered.findings.some((f) => f.ruleId === 'ban-drop-table' && f.severity === 'warning'));

      writeFiles(dir, { '.migration-guard.json': JSON.stringify({ rules: { 'ban-drop-table': 'loud' } }) });
      await assert.rejects(upgrade(project, { noBackup: true, dryRun: true }), (e: unknown) => e instanceof EngineError && e.code === 'usage' && /Invalid configuration/.test(e.message));
    } finally {
      cleanup();
    }
  });

  void it('refuses an unsafe pending migration unless allowUnsafe (real analyzer)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await upgrade(project);
      writeFiles(dir, { 'db/migrations/002_drop_a.js': DROP_TABLE });
      const refused = await upgrade(project);
      assert.equal(refused.refused, true);
      assert.deepEqual(refused.applied, []);
      assert.equal(refused.backup, null);
      const f = refused.findings.find((x) => x.severity === 'error');
      assert.ok(f, JSON.stringify(refused.findings));
      assert.equal(f.migration, '002_drop_a.js');
      assert.equal(f.file, path.join(dir, 'db', 'migrations', '002_drop_a.js'));
      assert.equal(f.line, 1);
      assert.ok(f.column >= 1 && f.endColumn > f.column);
      assert.ok((await sqliteTables(project.sqliteFile as string)).includes('a'), 'nothing applied');

      const forced = await upgrade(project, { allowUnsafe: true });
      assert.equal(forced.refused, false);
      assert.deepEqual(forced.applied, ['002_drop_a.js']);
      assert.ok(forced.backup);
      assert.ok(!(await sqliteTables(project.sqliteFile as string)).includes('a'));
      assert.ok((await sqliteTables(forced.backup.path)).includes('a'), 'the backup still has the dropped table');
    } finally {
      cleanup();
    }
  });
});
