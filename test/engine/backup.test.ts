import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { backup, backupBaseName, EngineError, loadProject, pgDumpInvocation } from '../../server/src/migrations';
import { sqliteAll, sqliteKnexfile, tempDir, writeFiles } from './helpers';

void describe('backup', () => {
  void it('copies the SQLite database with the online backup API into .migration-guard/backups, mode 0600', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const db = project.sqliteFile as string;
      await assert.rejects(backup(project), (e: unknown) => e instanceof EngineError && e.code === 'backup-failed' && /does not exist/.test(e.message));
      await sqliteAll(db, 'create table users (id integer primary key, name text)');
      for (let i = 0; i < 50; i++) await sqliteAll(db, 'insert into users (name) values (?)', [`user ${i} ✓`]);

      const now = new Date(Date.UTC(2024, 4, 6, 7, 8, 9));
      const { backup: b } = await backup(project, { now });
      assert.equal(b.path, path.join(dir, '.migration-guard', 'backups', 'backup_20240506_070809.sqlite3'));
      assert.equal(statSync(b.path).mode & 0o777, 0o600);
      assert.equal(b.bytes, statSync(b.path).size);
      assert.equal(b.sha256, createHash('sha256').update(readFileSync(b.path)).digest('hex'));
      assert.deepEqual(await sqliteAll(b.path, 'select * from users order by id'), await sqliteAll(db, 'select * from users order by id'));

      const second = await backup(project, { now });
      assert.equal(second.backup.path, path.join(dir, '.migration-guard', 'backups', 'backup_20240506_070809_2.sqlite3'));
      assert.equal(readFileSync(path.join(dir, '.migration-guard', '.gitignore'), 'utf8'), '*\n');
    } finally {
      cleanup();
    }
  });

  void it('names backups by UTC time and gives pg_dump the password only through PGPASSWORD', () => {
    assert.equal(backupBaseName(new Date(Date.UTC(2024, 11, 31, 23, 59, 58))), 'backup_20241231_235958');
    const url = pgDumpInvocation('postgres://app:s3cret@db:5433/main?sslmode=disable', '/x.dump');
    assert.equal(url.env.PGPASSWORD, 's3cret');
    assert.ok(url.args.every((a) => !a.includes('s3cret')), url.args.join(' '));
    assert.ok(url.args.includes('--format=custom'));
    assert.ok(url.args.includes('--dbname=postgres://app@db:5433/main?sslmode=disable'));
    const obj = pgDumpInvocation({ host: 'db', port: 5433, user: 'app', password: 'pw', database: 'main' }, '/x.dump');
    assert.deepEqual(obj.args, ['--format=custom', '--no-password', '--file=/x.dump', '--host=db', '--port=5433', '--username=app', '--dbname=main']);
    assert.deepEqual(obj.env, { PGPASSWORD: 'pw' });
  });
});
