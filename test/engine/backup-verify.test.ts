/**
 * Where a SQLite backup is checked (migrations/backups/backup.ts BackupOptions.verify): by default `backup` copies and hashes
 * without `PRAGMA quick_check`; `restore` runs quick_check on the backup before writing anything, and
 * `backup --verify` runs it at backup time. Exercised with a REAL damaged database: a table b-tree page is
 * overwritten with garbage, which the backup API copies verbatim.
 */
import assert from 'node:assert/strict';
import { openSync, readFileSync, statSync, writeSync, closeSync } from 'node:fs';
import { describe, it } from 'node:test';
import { backup, EngineError, loadProject } from '../../server/src/migrations';
import { quickCheckFile } from '../../server/src/migrations/backups/backup';
import { restore } from '../../server/src/migrations/backups/restore';
import type { BackupResult, ErrorResult } from '../../server/src/protocol';
import { runCli, sqliteAll, sqliteKnexfile, tempDir, writeFiles } from './helpers';

/** quick_check's verdict, or the error SQLite raised while checking (SQLITE_CORRUPT). */
const check = (file: string) => quickCheckFile(file).catch((e: Error) => e.message);

/** A database with a 4096-byte page size and ~80 pages of rows in `t`; then page 5 (inside t's b-tree) is filled with 0x5a bytes. */
async function damagedDatabase(db: string): Promise<void> {
  await sqliteAll(db, 'pragma page_size = 4096');
  await sqliteAll(db, 'create table t (id integer primary key, v text)');
  await sqliteAll(db, "with recursive c(x) as (select 1 union all select x + 1 from c where x < 3000) insert into t select x, printf('%090d', x) from c");
  const size = statSync(db).size;
  assert.ok(size > 10 * 4096, `database has ${size} bytes`);
  const fd = openSync(db, 'r+');
  try {
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4 * 4096);
  } finally {
    closeSync(fd);
  }
}

void describe('SQLite backup verification (quick_check at restore, or at backup with --verify)', () => {
  void it('a damaged source: backup succeeds without --verify, restore refuses it before writing; --verify refuses at backup time', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const live = project.sqliteFile as string;
      await damagedDatabase(live);
      assert.notEqual(await check(live), 'ok', 'the source really is damaged');

      // Default: copied and hashed, not checked.
      const { backup: b } = await backup(project, { label: 'damaged' });
      assert.notEqual(await check(b.path), 'ok', 'the backup API copied the damage verbatim');

      // restore: the sha256 matches, quick_check does not → refused, the live file untouched, no safety backup taken.
      const liveBefore = readFileSync(live);
      await assert.rejects(restore(project, b.path), (e: unknown) => e instanceof EngineError && e.code === 'backup-failed' && /is damaged \(PRAGMA quick_check: .+\); nothing was restored/.test(e.message));
      assert.ok(readFileSync(live).equals(liveBefore), 'live database unchanged');
      const listed = await runCli(['backups', '--json', '--cwd', dir]);
      assert.equal((JSON.parse(listed.stdout) as { backups: unknown[] }).backups.length, 1, 'no pre-restore safety backup was written');

      // backup --verify: refused at backup time, no file left behind.
      const v = await runCli(['backup', '--verify', '--json', '--cwd', dir]);
      assert.equal(v.code, 1, v.stdout + v.stderr);
      const e = (JSON.parse(v.stdout) as ErrorResult).error;
      assert.equal(e.code, 'backup-failed');
      assert.match(e.message, /failed PRAGMA quick_check/);
      const after = await runCli(['backups', '--json', '--cwd', dir]);
      assert.equal((JSON.parse(after.stdout) as { backups: unknown[] }).backups.length, 1);
    } finally {
      cleanup();
    }
  });

  void it('a healthy database: backup --verify succeeds and restore accepts the backup', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const live = project.sqliteFile as string;
      await sqliteAll(live, 'create table t (id integer primary key, v text)');
      await sqliteAll(live, "insert into t (v) values ('kept')");
      const v = await runCli(['backup', '--verify', '--json', '--cwd', dir]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      const { backup: b } = JSON.parse(v.stdout) as BackupResult;
      await sqliteAll(live, "update t set v = 'changed'");
      const r = await restore(project, b.path);
      assert.equal(r.method, 'sqlite-backup-api');
      assert.deepEqual(await sqliteAll(live, 'select v from t'), [{ v: 'kept' }]);
    } finally {
      cleanup();
    }
  });
});
