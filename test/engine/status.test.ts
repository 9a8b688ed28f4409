import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { getStatus, loadProject, toIsoTime, upgrade, validate } from '../../server/src/migrations';
import { createTableMigration, sqliteAll, sqliteKnexfile, sqliteTables, tempDir, writeFiles } from './helpers';

void describe('status (read-only)', () => {
  void it('creates no table in a fresh database file and no file when the database does not exist', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const db = project.sqliteFile as string;

      const absent = await getStatus(project);
      assert.equal(existsSync(db), false, 'status must not create the SQLite file');
      assert.deepEqual(absent.migrations.map((m) => [m.name, m.state]), [['001_a.js', 'pending']]);
      assert.deepEqual(absent.lock, { held: false });

      await sqliteAll(db, 'create table app_data (id integer primary key)');
      const fresh = await getStatus(project);
      assert.deepEqual(await sqliteTables(db), ['app_data'], 'status must not create knex_migrations / knex_migrations_lock');
      assert.equal(fresh.migrations[0]?.state, 'pending');
      assert.equal(fresh.migrations[0]?.file, path.join(dir, 'db', 'migrations', '001_a.js'));
      await validate(project);
      assert.deepEqual(await sqliteTables(db), ['app_data'], 'validate must not create tables either');
    } finally {
      cleanup();
    }
  });

  void it('reports applied (batch, ISO time), pending and missing migrations, in Knex order and extensions', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'knexfile.js': sqliteKnexfile(),
        'db/migrations/001_a.js': createTableMigration('a'),
        'db/migrations/002_b.js': createTableMigration('b'),
        'db/migrations/README.md': 'not a migration',
        'db/migrations/010_ignored.mjs': 'export const up = () => {}', // Knex ignores .mjs by default
      });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const before = Date.now();
      await upgrade(project);
      writeFiles(dir, { 'db/migrations/003_c.js': createTableMigration('c') });
      rmSync(path.join(dir, 'db/migrations/002_b.js'));

      const s = await getStatus(project);
      assert.deepEqual(s.migrations.map((m) => [m.name, m.state, m.batch]), [
        ['001_a.js', 'applied', 1],
        ['002_b.js', 'missing', 1],
        ['003_c.js', 'pending', null],
      ]);
      const a = s.migrations[0];
      assert.ok(a?.appliedAt);
      const t = Date.parse(a.appliedAt);
      assert.ok(t >= before - 2000 && t <= Date.now() + 2000, `appliedAt ${a.appliedAt} should be now (epoch ms converted)`);
      assert.match(a.appliedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.equal(s.migrations[1]?.file, null);
      assert.equal(s.lock.held, false);
      assert.equal(s.project.knexfile, path.join(dir, 'knexfile.js'));

      await sqliteAll(project.sqliteFile as string, 'update knex_migrations_lock set is_locked = 1');
      assert.equal((await getStatus(project)).lock.held, true);
    } finally {
      cleanup();
    }
  });

  void it('converts stored migration times', () => {
    assert.equal(toIsoTime(1704067200000), '2024-01-01T00:00:00.000Z');
    assert.equal(toIsoTime('1704067200000'), '2024-01-01T00:00:00.000Z');
    assert.equal(toIsoTime('2024-01-01 00:00:00'), '2024-01-01T00:00:00.000Z');
    assert.equal(toIsoTime(new Date(Date.UTC(2024, 0, 1))), '2024-01-01T00:00:00.000Z');
    assert.equal(toIsoTime(null), null);
    assert.equal(toIsoTime('garbage'), null);
  });
});

void describe('validate', () => {
  void it('is valid after an upgrade, then detects a missing file and a held lock', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a'), 'db/migrations/002_b.js': createTableMigration('b') });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      assert.deepEqual(await validate(project), { project: project.info, valid: true, problems: [], checked: ['migration files', 'checksums', 'lock', 'schema drift'], drift: [] }, 'an absent database is valid');
      await upgrade(project);
      const ok = await validate(project);
      assert.equal(ok.valid, true);
      assert.deepEqual(ok.checked, ['migration files', 'checksums', 'lock', 'PRAGMA integrity_check', 'schema drift', 'PRAGMA foreign_key_check']);

      rmSync(path.join(dir, 'db/migrations/002_b.js'));
      await sqliteAll(project.sqliteFile as string, 'update knex_migrations_lock set is_locked = 1');
      const bad = await validate(project);
      assert.equal(bad.valid, false);
      // Without 002_b.js the expected schema cannot be rebuilt: drift is reported as unchecked, not as none.
      assert.deepEqual(bad.problems.map((p) => p.code), ['missing-file', 'lock-held', 'drift-unchecked']);
      assert.match(bad.problems[0]?.message ?? '', /002_b\.js/);
    } finally {
      cleanup();
    }
  });
});
