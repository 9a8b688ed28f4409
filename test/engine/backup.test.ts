import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { backup, backupBaseName, EngineError, loadProject, pgDumpInvocation } from '../../server/src/migrations';
import { listBackups, manifestPath, readManifest, sanitizeLabel } from '../../server/src/migrations/backups/manifest';
import { assertToolNotOlder, parseToolVersion } from '../../server/src/migrations/backups/pgtools';
import { prune } from '../../server/src/migrations/backups/backup';
import type { BackupListResult, PruneResult } from '../../server/src/protocol';
import { createTableMigration, runCli, sqliteAll, sqliteKnexfile, tempDir, writeFiles } from './helpers';

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

  void it('copies rows that are only in the -wal of a WAL-mode source, leaves that -wal un-checkpointed, and records the sha256 and size of the file on disk', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const db = project.sqliteFile as string;
      // A writer that exits without closing: its last rows stay in app.sqlite3-wal, no connection is open.
      const script = `const sqlite3 = require(${JSON.stringify(path.resolve('node_modules', 'sqlite3'))});
        const db = new sqlite3.Database(process.argv[1]);
        db.exec("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; create table t (id integer primary key, v text); insert into t (v) values ('a'), ('b'), ('c');", (e) => process.exit(e ? 1 : 0));`;
      execFileSync(process.execPath, ['-e', script, db]);
      const wal = `${db}-wal`;
      const walBefore = readFileSync(wal);
      assert.ok(walBefore.length > 0, 'the rows are in the -wal');

      const { backup: b } = await backup(project, { verify: true });
      assert.deepEqual(await sqliteAll(b.path, 'select v from t order by id'), [{ v: 'a' }, { v: 'b' }, { v: 'c' }]);
      // The driver's read-write connection on the source was not the last one to close: no checkpoint.
      assert.ok(readFileSync(wal).equals(walBefore), 'the source -wal is untouched');
      const onDisk = readFileSync(b.path);
      const manifest = await readManifest(b.path);
      assert.equal(manifest?.sha256, createHash('sha256').update(onDisk).digest('hex'));
      assert.equal(manifest?.bytes, onDisk.length);
      assert.equal(statSync(b.path).mode & 0o777, 0o600);
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

  void it('writes a manifest (sha256, bytes, masked source, migration state, tool versions) and sanitises labels', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_users.js': createTableMigration('users') });
      const up = await runCli(['upgrade', '--yes', '--no-backup', '--cwd', dir]);
      assert.equal(up.code, 0, up.stderr);
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const now = new Date(Date.UTC(2025, 0, 2, 3, 4, 5));
      const { backup: b } = await backup(project, { now, label: 'before release_2 / ünïcode!' });
      assert.equal(b.name, 'backup_20250102_030405_before-release-2-unicode');
      assert.equal(path.basename(b.path), `${b.name}.sqlite3`);
      assert.equal(b.manifest, manifestPath(b.path));
      assert.equal(statSync(b.manifest).mode & 0o777, 0o600);
      const m = await readManifest(b.path);
      assert.ok(m);
      assert.equal(m.sha256, createHash('sha256').update(readFileSync(b.path)).digest('hex'));
      assert.equal(m.bytes, statSync(b.path).size);
      assert.equal(m.created, now.toISOString());
      assert.equal(m.label, 'before-release-2-unicode');
      assert.equal(m.kind, 'manual');
      assert.equal(m.client, 'sqlite3');
      assert.equal(m.method, 'sqlite-backup-api');
      assert.deepEqual(m.migrations, [{ name: '001_users.js', batch: 1 }]);
      assert.equal(m.tools['migration-guard'], '0.1.0');
      assert.match(m.tools.knex ?? '', /^\d+\.\d+\.\d+/);
      assert.match(m.tools.sqlite ?? '', /^3\.\d+/);
      assert.equal(sanitizeLabel('__'), null);
      assert.equal(sanitizeLabel('a'.repeat(60))?.length, 40);
    } finally {
      cleanup();
    }
  });

  void it('lists backups newest first and prunes the oldest, never the newest (engine and CLI)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await sqliteAll(project.sqliteFile as string, 'create table t (id integer primary key)');
      const names: string[] = [];
      for (let i = 0; i < 4; i++) names.push((await backup(project, { now: new Date(Date.UTC(2025, 0, 1, 0, 0, i)), label: `n${i}` })).backup.name as string);
      const dirB = path.join(dir, '.migration-guard', 'backups');
      assert.deepEqual((await listBackups(dirB)).map((b) => b.name), [...names].reverse());

      const list = await runCli(['backups', '--json', '--cwd', dir]);
      assert.equal(list.code, 0, list.stderr);
      const parsed = JSON.parse(list.stdout) as BackupListResult;
      assert.deepEqual(parsed.backups.map((b) => b.name), [...names].reverse());
      assert.deepEqual(parsed.backups.map((b) => b.label), ['n3', 'n2', 'n1', 'n0']);
      const text = await runCli(['backups', '--cwd', dir]);
      assert.match(text.stdout, /backup_20250101_000003_n3\s+\d+(\.\d)? KiB\s+\d+ d\s+manual\s+n3\s+none/);

      await assert.rejects(prune(project, 0), (e: unknown) => e instanceof EngineError && e.code === 'usage');
      const refused = await runCli(['prune', '--keep', '2', '--cwd', dir]);
      assert.equal(refused.code, 2, 'needs --yes without a terminal');
      assert.equal((await listBackups(dirB)).length, 4);
      const pr = await runCli(['prune', '--keep', '2', '--yes', '--json', '--cwd', dir]);
      assert.equal(pr.code, 0, pr.stderr);
      const result = JSON.parse(pr.stdout) as PruneResult;
      assert.deepEqual(result.deleted, [names[1], names[0]]);
      assert.deepEqual((await listBackups(dirB)).map((b) => b.name), [names[3], names[2]]);
      assert.equal(existsSync(path.join(dirB, `${names[0]}.json`)), false, 'manifest deleted too');
      const keepOne = await prune(project, 1);
      assert.deepEqual(keepOne.kept, [names[3]]);
    } finally {
      cleanup();
    }
  });

  void it('compares pg_dump major versions with the server before dumping', () => {
    assert.deepEqual(parseToolVersion('pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)'), { text: '15.18', major: 15 });
    assert.deepEqual(parseToolVersion('pg_dump (PostgreSQL) 9.6.24'), { text: '9.6.24', major: 9 });
    assert.throws(
      () => assertToolNotOlder('pg_dump', '/usr/bin/pg_dump', { text: '15.18', major: 15 }, 18),
      (e: unknown) => e instanceof EngineError && /pg_dump 15\.18 .* older than the PostgreSQL 18 server/.test(e.message) && /postgresql-client-18/.test(e.hint ?? ''),
    );
    assertToolNotOlder('pg_dump', 'pg_dump', { text: '16.1', major: 16 }, 15);
  });
});
