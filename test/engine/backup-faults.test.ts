/**
 * Backups under faults (issue 13): incomplete backups never count (prune keeps the valid one), a full
 * disk is one clean error with nothing left behind, the safe upgrade checks free space first, and
 * SQLite backups taken while another process writes all succeed as exact snapshots.
 * Real SQLite files, a real tmpfs (we run as root; skipped with the reason when mount is refused) and
 * a real writer process.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { backup, EngineError, loadProject, upgrade } from '../../server/src/migrations';
import { listBackups } from '../../server/src/migrations/backups/manifest';
import type { BackupListResult, ErrorResult, PruneResult } from '../../server/src/protocol';
import { createPgDatabase, createTableMigration, pgSkip, repoRoot, runCli, sqliteAll, sqliteKnexfile, startCli, tempDir, writeFiles } from './helpers';

/** Mounts a tmpfs of `bytes` (rounded up to pages by the kernel) on `dir`; returns why not when mount is refused. */
function mountTmpfs(dir: string, bytes: number): string | null {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `mount -t tmpfs is not permitted here (${(err as Error).message.split('\n')[0] ?? ''}): the full-disk test needs root`;
  }
}

function umount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    // not mounted
  }
}

/** Whether this process may mount a tmpfs (probed once, on a throwaway folder). */
const tmpfsSkip: string | false = (() => {
  const { dir, cleanup } = tempDir('mg-tmpfs-probe-');
  try {
    const why = mountTmpfs(path.join(dir, 'm'), 4096);
    umount(path.join(dir, 'm'));
    return why ?? false;
  } finally {
    cleanup();
  }
})();

const DAY_MS = 24 * 60 * 60 * 1000;

void describe('incomplete backups never count', () => {
  void it('prune --keep 1 --yes keeps the valid backup when newer files have no manifest or a wrong sha256; backups lists them as incomplete; prune removes them after a day', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await sqliteAll(project.sqliteFile as string, 'create table t (id integer primary key, v text)');
      await sqliteAll(project.sqliteFile as string, "insert into t (v) values ('kept')");
      const valid = (await backup(project, { now: new Date(Date.UTC(2025, 0, 1, 0, 0, 0)), label: 'valid' })).backup;
      const corrupt = (await backup(project, { now: new Date(Date.UTC(2025, 0, 1, 0, 0, 5)), label: 'corrupt' })).backup;
      // Its manifest records another sha256 (same size): the file is not what the manifest promises.
      const manifestFile = corrupt.manifest as string;
      const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as { sha256: string };
      m.sha256 = '0'.repeat(64);
      writeFileSync(manifestFile, JSON.stringify(m));
      // A data file with no manifest (a backup killed midway, or an orphaned pg_dump's output), newest of all.
      const folder = path.dirname(valid.path);
      const orphan = path.join(folder, 'backup_20250101_000010.sqlite3');
      copyFileSync(valid.path, orphan);
      // A temporary file of a backup killed midway: never listed.
      const leftover = path.join(folder, '.tmp-backup_20250101_000020.sqlite3.4242');
      writeFileSync(leftover, 'partial');

      const listed = await runCli(['backups', '--json', '--cwd', dir]);
      assert.equal(listed.code, 0, listed.stderr);
      const list = JSON.parse(listed.stdout) as BackupListResult;
      assert.deepEqual(
        list.backups.map((b) => [b.name, b.complete, b.problem ?? null]),
        [
          ['backup_20250101_000010', false, 'no manifest (the backup did not finish)'],
          ['backup_20250101_000005_corrupt', false, 'sha256 differs from its manifest (corrupt)'],
          ['backup_20250101_000000_valid', true, null],
        ],
      );
      const text = await runCli(['backups', '--cwd', dir]);
      assert.match(text.stdout, /backup_20250101_000010 .*INCOMPLETE: no manifest/);
      assert.match(text.stdout, /backup_20250101_000005_corrupt .*INCOMPLETE: sha256 differs/);
      assert.doesNotMatch(text.stdout, /\.tmp-/);

      const pr = await runCli(['prune', '--keep', '1', '--yes', '--json', '--cwd', dir]);
      assert.equal(pr.code, 0, pr.stderr);
      const result = JSON.parse(pr.stdout) as PruneResult;
      assert.deepEqual(result.kept, [valid.name]);
      assert.deepEqual(result.deleted, []);
      assert.deepEqual(result.removedIncomplete, [], 'young incomplete files are left alone');
      assert.deepEqual(result.leftIncomplete.map((r) => r.name).sort(), ['backup_20250101_000005_corrupt.sqlite3', 'backup_20250101_000010.sqlite3']);
      assert.ok(existsSync(valid.path) && existsSync(valid.manifest as string), 'the only valid backup stays');
      assert.deepEqual(await sqliteAll(valid.path, 'select v from t'), [{ v: 'kept' }]);

      // A day later: the incomplete files and the leftover go, each on its own line; the valid backup stays.
      const old = new Date(Date.now() - 2 * DAY_MS);
      for (const f of [orphan, corrupt.path, leftover]) utimesSync(f, old, old);
      const pr2 = await runCli(['prune', '--keep', '1', '--yes', '--cwd', dir]);
      assert.equal(pr2.code, 0, pr2.stderr);
      assert.match(pr2.stdout, /^Removed incomplete backup_20250101_000010\.sqlite3 \(no manifest/m);
      assert.match(pr2.stdout, /^Removed incomplete backup_20250101_000005_corrupt\.sqlite3 \(sha256 differs/m);
      assert.match(pr2.stdout, /^Removed incomplete \.tmp-backup_20250101_000020\.sqlite3\.4242 \(temporary file/m);
      assert.match(pr2.stdout, /Kept 1 complete backup\(s\): backup_20250101_000000_valid\./);
      assert.deepEqual(readdirSync(folder).sort(), [path.basename(valid.manifest as string), path.basename(valid.path)].sort());
    } finally {
      cleanup();
    }
  });
});

void describe('a full disk', { skip: tmpfsSkip }, () => {
  void it('the data file fits and the manifest does not: one clean backup-failed, nothing left behind', async () => {
    const { dir, cleanup } = tempDir();
    const folder = path.join(dir, '.migration-guard', 'backups');
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const db = path.join(dir, 'db', 'app.sqlite3');
      await sqliteAll(db, 'create table t (id integer primary key, v text)');
      await sqliteAll(db, "with recursive c(x) as (select 1 union all select x + 1 from c where x < 400) insert into t select x, printf('%0200d', x) from c");
      const size = statSync(db).size;
      assert.equal(size % 4096, 0, 'whole 4 KiB pages');
      // Exactly the copy's size: the copy fits, its manifest (one more page) does not.
      const why = mountTmpfs(folder, size);
      assert.equal(why, null, why ?? '');
      for (const args of [['backup', '--cwd', dir], ['backup', '--json', '--cwd', dir]]) {
        const r = await runCli(args);
        assert.equal(r.code, 1, r.stdout + r.stderr);
        if (args.includes('--json')) {
          const e = (JSON.parse(r.stdout) as ErrorResult).error;
          assert.equal(e.code, 'backup-failed');
          assert.match(e.message, new RegExp(`No space left in ${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} for the backup: it needs about \\d`));
        } else {
          assert.match(r.stderr, /^error: No space left in .* for the backup: it needs about [\d.]+ KiB \(the size of the database\)/m);
          assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
          assert.doesNotMatch(r.stderr, /Unexpected error/);
        }
        assert.deepEqual(readdirSync(folder), [], 'no data file, no manifest, no temporary file');
      }
    } finally {
      umount(folder);
      cleanup();
    }
  });

  void it('the safe upgrade checks free space against the database size before it starts', async () => {
    const { dir, cleanup } = tempDir();
    const folder = path.join(dir, 'small-disk');
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_users.js': createTableMigration('users') });
      const db = path.join(dir, 'db', 'app.sqlite3');
      await sqliteAll(db, 'create table t (id integer primary key, v text)');
      await sqliteAll(db, "with recursive c(x) as (select 1 union all select x + 1 from c where x < 400) insert into t select x, printf('%0200d', x) from c");
      const why = mountTmpfs(folder, 16 * 1024);
      assert.equal(why, null, why ?? '');
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await assert.rejects(
        upgrade(project, { backupDirectory: folder, log: () => {} }),
        (e: unknown) => e instanceof EngineError && e.code === 'backup-failed' && /^Not enough free space in .*small-disk for the backup: it needs about [\d.]+ KiB \(the size of the database\), 16 KiB free/.test(e.message),
      );
      assert.deepEqual(await sqliteAll(db, "select name from sqlite_master where name = 'users'"), [], 'nothing was applied');
      assert.deepEqual(readdirSync(folder), [], 'no backup was started');
    } finally {
      umount(folder);
      cleanup();
    }
  });
});

void describe('a full disk under pg_dump (PostgreSQL, MG_TEST_PG_URL)', { skip: tmpfsSkip || pgSkip('the pg_dump full-disk test') }, () => {
  void it('pg_dump runs out of space: one clean backup-failed naming the space needed, its partial file removed', async () => {
    const { dir, cleanup } = tempDir();
    const folder = path.join(dir, 'small-disk');
    const pgdb = await createPgDatabase('enospc');
    try {
      // Incompressible rows, so that the -Fc archive is bigger than the 16 KiB disk.
      await pgdb.query('create table t as select g as id, md5(g::text) || md5((g * 7)::text) as v from generate_series(1, 5000) g');
      writeFiles(dir, { 'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(pgdb.url())} } };` });
      const why = mountTmpfs(folder, 16 * 1024);
      assert.equal(why, null, why ?? '');
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await assert.rejects(
        backup(project, { directory: folder }),
        (e: unknown) => e instanceof EngineError && e.code === 'backup-failed' && /^No space left in .*small-disk for the backup: it needs about [\d.]+ (KiB|MiB) \(the size of the database\), [\d.]+ (B|KiB) free/.test(e.message),
      );
      assert.deepEqual(readdirSync(folder), [], 'no partial archive, no manifest, no temporary file');
    } finally {
      umount(folder);
      await pgdb.drop();
      cleanup();
    }
  });
});

/** Polls `probe` every 20 ms until it returns a value other than undefined, or fails after `ms`. */
async function waitFor<T>(probe: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether `pid` runs: a zombie (state Z in /proc, ended but not reaped: here PID 1 may not reap orphans) counts as ended. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};

void describe('pg_dump dies with the CLI (PostgreSQL, MG_TEST_PG_URL)', { skip: pgSkip('the pg_dump orphan test') }, () => {
  void it('SIGTERM to `backup` while pg_dump runs ends pg_dump too, and no backup appears', async () => {
    const { dir, cleanup } = tempDir();
    const pgdb = await createPgDatabase('orphan');
    try {
      // A pg_dump that reports its version, records its pid and then writes for a minute (a big dump).
      const pidFile = path.join(dir, 'pg_dump.pid');
      const fake = path.join(dir, 'pg_dump');
      writeFileSync(fake, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 99.0"; exit 0; fi\necho $$ > ${pidFile}\nexec sleep 60\n`);
      chmodSync(fake, 0o755);
      writeFiles(dir, { 'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(pgdb.url())} } };` });
      const cli = startCli(['backup', '--cwd', dir], { MG_PG_DUMP: fake });
      const pid = await waitFor(() => (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() ? Number(readFileSync(pidFile, 'utf8')) : undefined), 20_000, 'pg_dump to start');
      process.kill(cli.pid, 'SIGTERM');
      const run = await cli.done;
      assert.notEqual(run.code, 0, 'the CLI was ended');
      await waitFor(() => (alive(pid) ? undefined : true), 5_000, `pg_dump (pid ${pid}) to exit with the CLI`);
      const folder = path.join(dir, '.migration-guard', 'backups');
      assert.deepEqual((await listBackups(folder)).map((b) => b.name), [], 'no backup, complete or not');
    } finally {
      const pidFile = path.join(dir, 'pg_dump.pid');
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8'));
        if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      }
      await pgdb.drop();
      cleanup();
    }
  });
});

/**
 * A writer process: each transaction inserts the next `n` into `rows` and sets `counter.n` to it, in a
 * tight loop (busy timeout 10 s so it waits for our read lock). Prints `ready` after its first commit.
 */
function startWriter(db: string, journalMode: 'delete' | 'wal') {
  const script = `const sqlite3 = require(${JSON.stringify(path.join(repoRoot, 'node_modules', 'sqlite3'))});
    const db = new sqlite3.Database(process.argv[1]);
    db.configure('busyTimeout', 10000);
    let n = 0;
    const fail = (e) => { console.error(e.message); process.exit(1); };
    const next = () => {
      n++;
      db.exec('BEGIN IMMEDIATE; INSERT INTO rows (n) VALUES (' + n + '); UPDATE counter SET n = ' + n + '; COMMIT;', (e) => {
        if (e) return fail(e);
        if (n === 1) console.log('ready');
        setImmediate(next);
      });
    };
    db.exec("PRAGMA journal_mode=${journalMode}; CREATE TABLE rows (n INTEGER PRIMARY KEY); CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0);", (e) => (e ? fail(e) : next()));
    process.on('SIGTERM', () => db.close(() => process.exit(0)));`;
  const child = spawn(process.execPath, ['-e', script, db], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => l === 'ready' && resolve());
    child.once('exit', (code) => reject(new Error(`writer exited (${code}) before it was ready: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    ready,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return { code: await exited, stderr };
    },
  };
}

void describe('backups under write load', () => {
  for (const mode of ['delete', 'wal'] as const) {
    void it(`20 SQLite backups while another process commits continuously (journal_mode=${mode}): all succeed, each an exact snapshot`, async () => {
      const { dir, cleanup } = tempDir();
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const db = path.join(dir, 'db', 'app.sqlite3');
      const writer = startWriter(db, mode);
      try {
        await writer.ready;
        const project = await loadProject({ cwd: dir, processEnv: {} });
        const results: Array<PromiseSettledResult<Awaited<ReturnType<typeof backup>>['backup']>> = [];
        for (let i = 0; i < 20; i++) {
          results.push(...(await Promise.allSettled([backup(project, { label: `load-${i}` }).then((r) => r.backup)])));
        }
        const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
        assert.deepEqual(failed, [], `${failed.length} of 20 backups failed`);
        const maxima: number[] = [];
        for (const r of results) {
          const b = (r as PromiseFulfilledResult<Awaited<ReturnType<typeof backup>>['backup']>).value;
          assert.deepEqual(await sqliteAll(b.path, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }], b.path);
          const [row] = await sqliteAll(b.path, 'select count(*) as c, coalesce(max(n), 0) as max, coalesce(min(n), 1) as min, (select n from counter) as counter from rows');
          // Contiguous 1..max, and the counter row written in the same transaction agrees: no torn state.
          assert.equal(row?.min, 1, b.path);
          assert.equal(row?.c, row?.max, `${b.path}: rows 1..${String(row?.max)} without gaps`);
          assert.equal(row?.counter, row?.max, `${b.path}: counter matches the last row`);
          maxima.push(Number(row?.max));
        }
        assert.ok(Math.max(...maxima) > Math.min(...maxima), `the writer kept committing while the backups ran (${maxima.join(', ')})`);
        assert.equal((await listBackups(path.join(dir, '.migration-guard', 'backups'))).filter((b) => b.complete).length, 20);
      } finally {
        const w = await writer.stop();
        assert.equal(w.code, 0, `the writer never failed: ${w.stderr}`);
        cleanup();
      }
    });
  }
});
