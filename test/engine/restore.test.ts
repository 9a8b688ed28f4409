/**
 * restore: sha256/size verification against the manifest, the safety backup, SQLite through the online
 * backup API into the live file, PostgreSQL with pg_restore (needs MG_TEST_PG_URL).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sqlite3 from 'sqlite3';
import { backup, EngineError, loadProject, type LoadedProject } from '../../server/src/migrations';
import { listBackups } from '../../server/src/migrations/backups/manifest';
import { sqliteBackupStep } from '../../server/src/migrations/backups/backup';
import { restore } from '../../server/src/migrations/backups/restore';
import type { RestoreResult } from '../../server/src/protocol';
import { dumpSqlite, pgSkip, runCli, sqliteAll, sqliteKnexfile, tempDir, usePgDatabase, writeFiles } from './helpers';

void describe('restore (SQLite)', () => {
  void it('verifies the backup, takes a safety backup, and restores the exact content into the live file', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const db = project.sqliteFile as string;
      await sqliteAll(db, 'create table users (id integer primary key, name text, score real)');
      for (let i = 0; i < 200; i++) await sqliteAll(db, 'insert into users (name, score) values (?, ?)', [`u${i} ✓`, i / 3]);
      const before = await dumpSqlite(db);
      const { backup: b } = await backup(project, { label: 'good' });

      await sqliteAll(db, 'delete from users where id % 2 = 0');
      await sqliteAll(db, 'create table extra (x)');
      await sqliteAll(db, "update users set name = 'changed'");
      const changed = await dumpSqlite(db);
      assert.notDeepEqual(changed, before);

      const r = await restore(project, b.name as string);
      assert.equal(r.method, 'sqlite-backup-api');
      assert.equal(r.restored.name, b.name);
      assert.ok(r.safetyBackup, 'safety backup taken');
      assert.match(path.basename(r.safetyBackup.path), /^backup_\d{8}_\d{6}_pre-restore(_\d+)?\.sqlite3$/);
      assert.deepEqual(await dumpSqlite(db), before, 'exact content restored, extra table gone');
      assert.deepEqual(await dumpSqlite(r.safetyBackup.path), changed, 'the safety backup holds the state before the restore');
      const kinds = (await listBackups(path.dirname(b.path))).map((x) => x.kind);
      assert.deepEqual(kinds.sort(), ['manual', 'pre-restore']);
    } finally {
      cleanup();
    }
  });

  void it('refuses to restore while the migration lock is held; after unlock it restores', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const db = project.sqliteFile as string;
      await sqliteAll(db, 'create table users (id integer primary key, name text)');
      await sqliteAll(db, "insert into users (name) values ('a')");
      await sqliteAll(db, 'create table knex_migrations_lock (`index` integer primary key autoincrement, is_locked integer)');
      await sqliteAll(db, 'insert into knex_migrations_lock (is_locked) values (0)');
      const { backup: b } = await backup(project);
      await sqliteAll(db, "insert into users (name) values ('b')");
      await sqliteAll(db, 'update knex_migrations_lock set is_locked = 1');
      const locked = await dumpSqlite(db);
      await assert.rejects(restore(project, b.name as string), (e: unknown) => e instanceof EngineError && e.code === 'lock-held' && /nothing was restored/.test(e.message) && /unlock/.test(e.hint ?? ''));
      assert.deepEqual(await dumpSqlite(db), locked, 'nothing written');
      assert.equal((await listBackups(path.dirname(b.path))).length, 1, 'not even a safety backup');
      await sqliteAll(db, 'update knex_migrations_lock set is_locked = 0');
      await restore(project, b.name as string);
      assert.deepEqual(await sqliteAll(db, 'select name from users order by id'), [{ name: 'a' }]);
    } finally {
      cleanup();
    }
  });

  void it('refuses a corrupt, truncated, or manifest-less backup with a clear error and changes nothing', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const db = project.sqliteFile as string;
      await sqliteAll(db, 'create table t (id integer primary key, v text)');
      await sqliteAll(db, "insert into t (v) values ('a'), ('b')");
      const b1 = (await backup(project, { label: 'corrupt', now: new Date(Date.UTC(2025, 0, 1)) })).backup;
      const b2 = (await backup(project, { label: 'truncated', now: new Date(Date.UTC(2025, 0, 2)) })).backup;
      const b3 = (await backup(project, { label: 'nomanifest', now: new Date(Date.UTC(2025, 0, 3)) })).backup;
      const b4 = (await backup(project, { label: 'grown', now: new Date(Date.UTC(2025, 0, 4)) })).backup;
      await sqliteAll(db, "insert into t (v) values ('c')");
      const current = await dumpSqlite(db);

      const bytes = readFileSync(b1.path);
      bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
      writeFileSync(b1.path, bytes);
      truncateSync(b2.path, b2.bytes - 4096);
      writeFileSync(b3.manifest as string, '');
      appendFileSync(b4.path, 'x');

      const expectError = (re: RegExp) => (e: unknown) => {
        assert.ok(e instanceof EngineError, String(e));
        assert.equal(e.code, 'backup-failed');
        assert.match(e.message, re);
        return true;
      };
      await assert.rejects(restore(project, b1.name as string), expectError(/is corrupt: its sha256 [0-9a-f]{64} differs from [0-9a-f]{64}/));
      await assert.rejects(restore(project, b2.path), expectError(/is truncated: \d+ bytes on disk, \d+ recorded/));
      await assert.rejects(restore(project, b3.name as string), expectError(/manifest .* cannot be read/));
      await assert.rejects(restore(project, b4.name as string), expectError(/has \d+ bytes but its manifest records \d+/));
      await assert.rejects(restore(project, 'backup_19990101_000000'), (e: unknown) => e instanceof EngineError && e.code === 'usage' && /No backup named/.test(e.message));
      assert.deepEqual(await dumpSqlite(db), current, 'nothing changed');
      assert.equal((await listBackups(path.dirname(b1.path))).filter((b) => b.kind === 'pre-restore').length, 0, 'no safety backup for a refused restore');

      const cli = await runCli(['restore', b1.name as string, '--yes', '--cwd', dir]);
      assert.equal(cli.code, 1);
      assert.match(cli.stderr, /error: The backup .* is corrupt/);
    } finally {
      cleanup();
    }
  });

  void it('CLI restore asks for --yes off a terminal and names the safety backup', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/.keep': '' });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const db = project.sqliteFile as string;
      await sqliteAll(db, 'create table t (id integer primary key, v text)');
      await sqliteAll(db, "insert into t (v) values ('kept')");
      const made = await runCli(['backup', '--label', 'cli', '--json', '--cwd', dir]);
      assert.equal(made.code, 0, made.stderr);
      const name = (JSON.parse(made.stdout) as { backup: { name: string } }).backup.name;
      await sqliteAll(db, 'delete from t');

      const noYes = await runCli(['restore', name, '--cwd', dir]);
      assert.equal(noYes.code, 2);
      assert.match(noYes.stderr, /--yes/);
      assert.deepEqual(await sqliteAll(db, 'select v from t'), []);

      const text = await runCli(['restore', name, '--yes', '--cwd', dir]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`Restored ${name} \\(sqlite-backup-api; sha256 verified\\)`));
      assert.match(text.stdout, /Safety backup of the database before the restore: .*backup_\d{8}_\d{6}_pre-restore(_\d+)?\.sqlite3/);
      assert.deepEqual(await sqliteAll(db, 'select v from t'), [{ v: 'kept' }]);

      const json = await runCli(['restore', name, '--yes', '--json', '--cwd', dir]);
      assert.equal(json.code, 0, json.stderr);
      const r = JSON.parse(json.stdout) as RestoreResult;
      assert.equal(r.restored.name, name);
      assert.ok(r.safetyBackup?.path);
    } finally {
      cleanup();
    }
  });

  void it('copies into the live database while the verification runs, and commits only after it passed (a failed one rolls the copy back)', { timeout: 60_000 }, async () => {
    const { dir, cleanup } = tempDir();
    const open = (file: string) => new Promise<sqlite3.Database>((resolve, reject) => { const d = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d))); });
    const exec = (d: sqlite3.Database, sql: string) => new Promise<void>((resolve, reject) => d.exec(sql, (err) => (err ? reject(err) : resolve())));
    const close = (d: sqlite3.Database) => new Promise<void>((resolve) => d.close(() => resolve()));
    try {
      const source = path.join(dir, 'source.sqlite3');
      const live = path.join(dir, 'live.sqlite3');
      await sqliteAll(source, 'create table t (id integer primary key, v blob)');
      await sqliteAll(source, 'insert into t (v) select randomblob(3000) from (with recursive n(i) as (select 1 union all select i + 1 from n where i < 400) select i from n)');
      await sqliteAll(live, 'create table old (x)');
      await sqliteAll(live, "insert into old values ('before')");
      const before = await dumpSqlite(live);

      // A gate that tells when the copy waits on it: the copy has written all pages but the last by then.
      const gated = (): { gate: Promise<void>; reached: Promise<void>; settle: (err?: Error) => void } => {
        let settle!: (err?: Error) => void;
        let reachedResolve!: () => void;
        const reached = new Promise<void>((r) => (reachedResolve = r));
        const gate = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())));
        const observed = Object.assign(gate, { catch: (fn: (e: unknown) => unknown) => (reachedResolve(), Promise.prototype.catch.call(gate, fn)) });
        return { gate: observed, reached, settle };
      };

      const db = await open(live);
      await exec(db, 'PRAGMA cache_size = 20'); // spill pages into the file before the commit: the rollback is real
      const refused = gated();
      const copy = sqliteBackupStep(db, source, false, 1000, refused.gate);
      await refused.reached;
      const failure = new Error('sha256 differs');
      refused.settle(failure);
      await assert.rejects(copy, (e: unknown) => e === failure, 'rejects with the gate\'s own error');
      await close(db);
      assert.deepEqual(await dumpSqlite(live), before, 'the copy was rolled back');
      assert.equal(existsSync(`${live}-journal`), false, 'no journal left');

      const db2 = await open(live);
      const passed = gated();
      const copy2 = sqliteBackupStep(db2, source, false, 1000, passed.gate);
      await passed.reached;
      passed.settle();
      await copy2;
      await close(db2);
      assert.deepEqual(await dumpSqlite(live), await dumpSqlite(source), 'committed once the gate passed');
    } finally {
      cleanup();
    }
  });
});

const skip = pgSkip('PostgreSQL restore tests');

void describe('restore (PostgreSQL, MG_TEST_PG_URL)', { skip }, () => {
  const db = usePgDatabase('restore');
  let tmp: { dir: string; cleanup: () => void };
  let project: LoadedProject;

  const q = db.query;

  before(async () => {
    tmp = tempDir();
    // The cluster trusts local connections: the password is accepted and ignored, which lets the test
    // check that it never reaches a manifest or an output.
    const withPassword = new URL(db.url());
    withPassword.password = 's3cret-pw-42';
    writeFiles(tmp.dir, { 'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(withPassword.toString())}, migrations: { directory: './migrations' } } };`, 'migrations/.keep': '' });
    project = await loadProject({ cwd: tmp.dir, processEnv: {} });
  });

  after(async () => {
    tmp?.cleanup();
  });

  void it('pg_dump backup with a manifest, then pg_restore brings back every row; a safety backup first', async () => {
    await q('create table accounts (id serial primary key, name text not null, balance numeric(12,2))');
    await q("insert into accounts (name, balance) select 'acct ' || g, g * 1.5 from generate_series(1, 5000) g");
    const snapshot = async () => ({
      rows: await q('select * from accounts order by id'),
      columns: await q("select table_name, column_name, data_type from information_schema.columns where table_schema = 'public' order by table_name, ordinal_position"),
    });
    const before = await snapshot();
    const { backup: b } = await backup(project, { label: 'pg' });
    assert.match(path.basename(b.path), /^backup_\d{8}_\d{6}_pg\.dump$/);
    const m = (await listBackups(path.dirname(b.path)))[0]?.manifest;
    assert.equal(m?.method, 'pg_dump-custom');
    assert.equal(m?.sha256, createHash('sha256').update(readFileSync(b.path)).digest('hex'), 'sha256 of the file on disk');
    assert.equal(m?.bytes, statSync(b.path).size);
    assert.equal(statSync(b.path).mode & 0o777, 0o600);
    assert.match(m?.tools.pg_dump ?? '', /^\d+\.\d+/);
    assert.match(m?.tools.server ?? '', /^\d{5,6}$/);
    assert.match(m?.source ?? '', /^postgres:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/mg_restore_/);
    assert.ok(!readFileSync(b.manifest as string, 'utf8').includes('s3cret-pw-42'), 'password masked in the manifest');

    await q('delete from accounts where id > 100');
    await q("update accounts set name = 'x'");
    await q('alter table accounts add column extra int');
    await q('create table created_later (id int)');
    const r = await restore(project, b.name as string);
    assert.equal(r.method, 'pg_restore');
    assert.deepEqual(r.notes, ['Dropped 1 table(s) created after the backup, so the database matches it (they are in the safety backup): public.created_later.']);
    assert.ok(r.safetyBackup && r.safetyBackup.path.endsWith('.dump'));
    assert.deepEqual(await snapshot(), before);
  });

  void it('refuses a pg_dump older than the server: stops the pg_dump already started and deletes its partial file', async () => {
    // pg_dump starts while the versions are compared: this one answers --version late (so the dump is
    // surely under way), writes a partial archive into --file and then would run for a minute.
    const fake = path.join(tmp.dir, 'old_pg_dump.sh');
    const pidFile = path.join(tmp.dir, 'old_pg_dump.pid');
    writeFileSync(
      fake,
      `#!/bin/sh\nif [ "$1" = "--version" ]; then sleep 1; echo "pg_dump (PostgreSQL) 9.6.24"; exit 0; fi\nfor a in "$@"; do case "$a" in --file=*) f="\${a#--file=}";; esac; done\necho $$ > '${pidFile}'\nprintf 'PGDMP partial' > "$f"\nexec sleep 60\n`,
      { mode: 0o755 },
    );
    const dir = path.join(tmp.dir, 'old-backups');
    const t0 = Date.now();
    await assert.rejects(backup(project, { pgDump: fake, directory: dir }), (e: unknown) => {
      assert.ok(e instanceof EngineError);
      assert.equal(e.code, 'backup-failed');
      assert.match(e.message, /pg_dump 9\.6\.24 .* is older than the PostgreSQL \d+ server/);
      assert.match(e.hint ?? '', /postgresql-client-\d+/);
      return true;
    });
    assert.ok(Date.now() - t0 < 20_000, 'the running pg_dump was stopped, not waited for');
    assert.ok(existsSync(pidFile), 'the dump had started');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the pg_dump process is gone');
    assert.deepEqual(readdirSync(dir), [], 'no partial file, no manifest');
    assert.deepEqual(await listBackups(dir), []);
  });
});
