/**
 * restore while something else uses the database (issue 13): a Knex upgrade inside its migration
 * transaction (refused with `migration-running`, the upgrade keeps its batch and table), an application
 * committing rows in a loop (nothing committed is in neither the safety backup nor the restored
 * database), and on PostgreSQL other connected sessions (refused, or terminated with --force-disconnect).
 * Real SQLite files, real child processes, the real PostgreSQL cluster; no sleeps (the children signal
 * through their output and files the test creates).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { backup, EngineError, loadProject, type LoadedProject } from '../../server/src/migrations';
import { listBackups } from '../../server/src/migrations/backups/manifest';
import { lockSqliteExclusively, restore } from '../../server/src/migrations/backups/restore';
import sqlite3 from 'sqlite3';
import type { ErrorResult, RestoreResult } from '../../server/src/protocol';
import { pgSkip, repoRoot, runCli, sqliteAll, sqliteKnexfile, tempDir, usePgDatabase, writeFiles } from './helpers';

/** Resolves once `read()` satisfies `ok`, re-checking on every chunk of the child's output; rejects when the child exits first. */
function waitForOutput(child: ChildProcessWithoutNullStreams, read: () => string, ok: (text: string) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!ok(read())) return false;
      child.stdout.off('data', check);
      child.stderr.off('data', check);
      child.off('close', closed);
      resolve();
      return true;
    };
    const closed = () => reject(new Error(`the child exited before ${what}:\n${read()}`));
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('close', closed);
    check();
  });
}

/**
 * An application writing: one connection kept open (busy timeout 20 s, as an app would wait), each
 * transaction inserts the next counter; `C <n>` is printed after its COMMIT returned. A transaction that
 * fails (SQLITE_BUSY) is rolled back and retried with the same counter, unprinted. Stops when `stopFile` exists.
 */
function writerScript(db: string, stopFile: string, journalMode: string): string {
  return `const sqlite3 = require(${JSON.stringify(require.resolve('sqlite3'))});
const fs = require('node:fs');
const db = new sqlite3.Database(${JSON.stringify(db)});
db.configure('busyTimeout', 20000);
const exec = (sql) => new Promise((res, rej) => db.exec(sql, (e) => (e ? rej(e) : res())));
(async () => {
  await exec('PRAGMA journal_mode = ${journalMode}');
  process.stdout.write('READY\\n');
  let n = 1;
  while (!fs.existsSync(${JSON.stringify(stopFile)})) {
    try {
      await exec('BEGIN IMMEDIATE; INSERT INTO ticks (n) VALUES (' + n + '); COMMIT;');
      process.stdout.write('C ' + n + '\\n');
      n++;
    } catch (e) {
      process.stderr.write('retry ' + n + ': ' + e.message + '\\n');
      await exec('ROLLBACK').catch(() => {});
    }
  }
  db.close(() => process.stdout.write('STOPPED\\n'));
})();
`;
}

/** Spawns a process whose stdout and stderr are collected together; `done` resolves with its exit code. */
function startWatched(command: string, args: string[], cwd?: string): { child: ChildProcessWithoutNullStreams; out: () => string; done: Promise<number | null> } {
  const env = { ...process.env, NODE_ENV: undefined, DATABASE_URL: undefined } as NodeJS.ProcessEnv;
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env, ...(cwd ? { cwd } : {}) });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out: () => text, done };
}

const committed = (text: string) => [...text.matchAll(/^C (\d+)$/gm)].map((m) => Number(m[1]));

async function seedTicks(dir: string): Promise<{ project: LoadedProject; db: string; backupName: string }> {
  writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
  const project = await loadProject({ cwd: dir, processEnv: {} });
  const db = project.sqliteFile as string;
  await sqliteAll(db, 'create table ticks (n integer primary key)');
  // ~8 MB of other data, so that copying and hashing the safety backup takes a while (the old window).
  await sqliteAll(db, 'create table filler (id integer primary key, payload blob)');
  await sqliteAll(db, 'with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000) insert into filler (payload) select randomblob(4000) from c');
  const { backup: b } = await backup(project, { label: 'before-writer' });
  return { project, db, backupName: b.name as string };
}

void describe('restore while others use the SQLite database', () => {
  void it('a restore started while an upgrade is inside its migration transaction is refused with migration-running; the upgrade keeps its batch and table', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const go = path.join(dir, 'go');
      writeFiles(dir, {
        'knexfile.js': sqliteKnexfile(),
        'db/migrations/001_items.js': "exports.up = (knex) => knex.schema.createTable('items', (t) => { t.increments('id'); t.string('name'); });\nexports.down = (knex) => knex.schema.dropTable('items');\n",
      });
      const first = await runCli(['upgrade', '--yes', '--no-backup', '--cwd', dir]);
      assert.equal(first.code, 0, first.stderr);
      const db = path.join(dir, 'db', 'app.sqlite3');
      await sqliteAll(db, "insert into items (name) values ('a'), ('b')");
      const made = await runCli(['backup', '--label', 'batch1', '--json', '--cwd', dir]);
      assert.equal(made.code, 0, made.stderr);
      const name = (JSON.parse(made.stdout) as { backup: { name: string } }).backup.name;
      writeFiles(dir, {
        'db/migrations/002_slow.js': `const fs = require('node:fs');
exports.up = async (knex) => {
  await knex.schema.createTable('slow_added', (t) => { t.increments('id'); t.string('v'); });
  await knex('slow_added').insert({ v: 'from the upgrade' });
  process.stderr.write('MIGRATION-002-STARTED\\n');
  while (!fs.existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 20));
};
exports.down = (knex) => knex.schema.dropTable('slow_added');
`,
      });
      const upgrade = startWatched(process.execPath, ['--import', 'tsx', path.join('server', 'src', 'cli', 'main.ts'), 'upgrade', '--yes', '--cwd', dir], repoRoot);
      await waitForOutput(upgrade.child, upgrade.out, (t) => t.includes('MIGRATION-002-STARTED'), 'migration 002 began');

      const refused = await runCli(['restore', name, '--yes', '--json', '--cwd', dir]);
      assert.equal(refused.code, 1, refused.stderr);
      const err = JSON.parse(refused.stdout || refused.stderr) as ErrorResult;
      assert.equal(err.error.code, 'migration-running', refused.stdout + refused.stderr);
      assert.match(err.error.message, /nothing was restored/);
      assert.equal((await listBackups(path.join(dir, '.migration-guard', 'backups'))).filter((b) => b.kind === 'pre-restore').length, 0, 'no safety backup for a refused restore');

      writeFileSync(go, '');
      assert.equal(await upgrade.done, 0, upgrade.out());
      const rows = await sqliteAll(db, 'select name, batch from knex_migrations order by id');
      assert.deepEqual(rows, [
        { name: '001_items.js', batch: 1 },
        { name: '002_slow.js', batch: 2 },
      ]);
      assert.deepEqual(await sqliteAll(db, 'select v from slow_added'), [{ v: 'from the upgrade' }]);
    } finally {
      cleanup();
    }
  });

  void it('a restore while an application commits in a loop loses no committed row: the safety backup ends where the restored database begins', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const { project, db, backupName } = await seedTicks(dir);
      const stop = path.join(dir, 'stop');
      const script = path.join(dir, 'writer.js');
      writeFileSync(script, writerScript(db, stop, 'DELETE'));
      const w = startWatched(process.execPath, [script]);
      try {
        await waitForOutput(w.child, w.out, (t) => committed(t).length >= 30, '30 commits');
        const r = await restore(project, backupName);
        const atRestore = Math.max(...committed(w.out()));
        await waitForOutput(w.child, w.out, (t) => Math.max(...committed(t)) >= atRestore + 30, '30 commits after the restore');
        writeFileSync(stop, '');
        assert.equal(await w.done, 0, w.out());
        assert.ok(r.safetyBackup);
        const all = committed(w.out());
        const inSafety = (await sqliteAll(r.safetyBackup.path, 'select n from ticks order by n')).map((x) => Number(x.n));
        const inLive = (await sqliteAll(db, 'select n from ticks order by n')).map((x) => Number(x.n));
        assert.ok(inSafety.length > 0, 'the writer had committed before the restore');
        assert.ok(inLive.length > 0, 'the writer committed after the restore');
        // The restored backup had no ticks: every row in the live database was written after the restore.
        assert.equal(Math.max(...inSafety) + 1, Math.min(...inLive), `no counter committed between the safety copy and the overwrite is lost (safety ends at ${Math.max(...inSafety)}, live starts at ${Math.min(...inLive)})`);
        assert.deepEqual([...inSafety, ...inLive], all, 'every committed row is in the safety backup or in the restored database, once');
        assert.deepEqual(await sqliteAll(db, 'select count(*) as c from filler'), [{ c: 2000 }]);
      } finally {
        writeFileSync(stop, '');
        await w.done;
      }
    } finally {
      cleanup();
    }
  });

  void it('a writer holding the write lock when the restore first tries to lock can still commit, and then the restore locks (no deadlock)', async () => {
    const { dir, cleanup } = tempDir();
    const run = (db: sqlite3.Database, sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
    const closeDb = (db: sqlite3.Database) => new Promise<void>((resolve) => db.close(() => resolve()));
    try {
      const file = path.join(dir, 'app.sqlite3');
      await sqliteAll(file, 'create table ticks (n integer primary key)');
      const writer = new sqlite3.Database(file);
      try {
        await run(writer, 'BEGIN IMMEDIATE; INSERT INTO ticks (n) VALUES (1);');
        let firstConflict!: () => void;
        const conflicted = new Promise<void>((resolve) => (firstConflict = resolve));
        const locking = lockSqliteExclusively(file, 10_000, (_level, message) => {
          if (/retrying/.test(message)) firstConflict();
        });
        await conflicted;
        // A failed attempt left no SHARED lock behind: the writer's COMMIT (which needs EXCLUSIVE) goes through.
        writer.configure('busyTimeout', 5000);
        await run(writer, 'COMMIT');
        const held = await locking;
        try {
          writer.configure('busyTimeout', 0);
          await assert.rejects(run(writer, 'INSERT INTO ticks (n) VALUES (2)'), /SQLITE_BUSY/, 'the restore holds the lock');
        } finally {
          await closeDb(held);
        }
      } finally {
        await closeDb(writer);
      }
      assert.deepEqual(await sqliteAll(file, 'select n from ticks'), [{ n: 1 }]);
    } finally {
      cleanup();
    }
  });

  void it('WAL mode: an application holding the database open makes the restore refuse with database-in-use, changing nothing', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const { project, db, backupName } = await seedTicks(dir);
      const stop = path.join(dir, 'stop');
      const script = path.join(dir, 'writer.js');
      writeFileSync(script, writerScript(db, stop, 'WAL'));
      const w = startWatched(process.execPath, [script]);
      try {
        await waitForOutput(w.child, w.out, (t) => committed(t).length >= 10, '10 commits');
        await assert.rejects(restore(project, backupName, { lockWaitMs: 500 }), (e: unknown) => e instanceof EngineError && e.code === 'database-in-use' && /Nothing was restored/.test(e.message));
        writeFileSync(stop, '');
        assert.equal(await w.done, 0, w.out());
        const all = committed(w.out());
        assert.deepEqual((await sqliteAll(db, 'select n from ticks order by n')).map((x) => Number(x.n)), all, 'every committed row is still there');
        assert.equal((await listBackups(path.join(dir, '.migration-guard', 'backups'))).filter((b) => b.kind === 'pre-restore').length, 0);
        // With the application gone the restore runs.
        await restore(project, backupName);
        assert.deepEqual(await sqliteAll(db, 'select count(*) as c from ticks'), [{ c: 0 }]);
      } finally {
        writeFileSync(stop, '');
        await w.done;
      }
    } finally {
      cleanup();
    }
  });
});

const skip = pgSkip('PostgreSQL restore session tests');

void describe('restore (PostgreSQL) while other sessions are connected', { skip }, () => {
  const pgdb = usePgDatabase('restore_sessions');
  let tmp: { dir: string; cleanup: () => void };
  let project: LoadedProject;

  before(async () => {
    tmp = tempDir();
    writeFiles(tmp.dir, { 'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(pgdb.url())}, migrations: { directory: './migrations' } } };`, 'migrations/.keep': '' });
    project = await loadProject({ cwd: tmp.dir, processEnv: {} });
  });
  after(() => tmp?.cleanup());

  void it('refuses while another session is connected; --force-disconnect terminates it, says how many, and restores', async () => {
    await pgdb.query('create table accounts (id int primary key, name text)');
    await pgdb.query("insert into accounts values (1, 'kept')");
    const { backup: b } = await backup(project, { label: 'sessions' });
    await pgdb.query("insert into accounts values (2, 'after the backup')");

    const app = new pg.Client({ connectionString: pgdb.url(), application_name: 'the-app' });
    let appError: Error | null = null;
    app.on('error', (e) => (appError = e));
    await app.connect();
    try {
      const refused = await runCli(['restore', b.name as string, '--yes', '--json', '--cwd', tmp.dir]);
      assert.equal(refused.code, 1, refused.stderr);
      const err = JSON.parse(refused.stdout || refused.stderr) as ErrorResult;
      assert.equal(err.error.code, 'database-in-use');
      assert.match(err.error.message, /1 other session\(s\) are connected .*the-app.*nothing was restored/);
      assert.match(err.error.hint ?? '', /--force-disconnect/);
      assert.deepEqual(await pgdb.query('select id from accounts order by id'), [{ id: 1 }, { id: 2 }], 'nothing restored');
      assert.equal((await listBackups(path.join(tmp.dir, '.migration-guard', 'backups'))).filter((x) => x.kind === 'pre-restore').length, 0, 'no safety backup either');
      assert.deepEqual((await app.query('select 1 as one')).rows, [{ one: 1 }], 'the session was left alone');

      const forced = await runCli(['restore', b.name as string, '--yes', '--json', '--force-disconnect', '--cwd', tmp.dir]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stderr, /Terminating 1 other session\(s\) connected to the database: pid \d+ .*\(the-app\)/);
      const r = JSON.parse(forced.stdout) as RestoreResult;
      assert.equal(r.disconnectedSessions, 1);
      assert.ok(r.safetyBackup);
      assert.deepEqual(await pgdb.query('select id from accounts order by id'), [{ id: 1 }]);
      await assert.rejects(app.query('select 1'), 'the terminated session is gone');
      assert.ok(appError === null || /terminat/i.test(String(appError)), String(appError));
    } finally {
      await app.end().catch(() => {});
    }
  });
});
