/**
 * `migration-guard safety-check` (issue 15) on real SQLite files and the real PostgreSQL server of MG_TEST_PG_URL,
 * through the CLI and the engine: all checks ok on a fresh project; each failing condition made for real (a held
 * lock row, a migration running in another process, an edited and a missing applied file, a column added by hand, a
 * pending migration with an error finding, an unwritable backup folder, an absent database, an unreachable port, a
 * wrong password, a pg_dump older than the server); and nothing written: the SQLite file keeps its bytes, no table,
 * backup folder or scratch database is left, an absent database is not created.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadProject, safetyCheck } from '../../server/src/migrations';
import type { SafetyCheckId, SafetyCheckResult, SafetyCheckStatus } from '../../server/src/protocol';
import { createTableMigration, pgBaseUrl, pgQuery, pgSkip, runCli, sqliteAll, sqliteKnexfile, startCli, tempDir, usePgDatabase, writeFiles, type CliRun } from './helpers';

/** A migration that, with MG_TEST_WAIT_DIR set, writes `started` there and waits for `go` inside Knex's transaction. */
const WAITING_MIGRATION = `exports.up = async (knex) => {
  const fs = require('node:fs'); const p = require('node:path'); const dir = process.env.MG_TEST_WAIT_DIR;
  await knex.schema.createTable('waited', (t) => { t.increments('id'); });
  if (dir) {
    fs.writeFileSync(p.join(dir, 'started'), '');
    while (!fs.existsSync(p.join(dir, 'go'))) await new Promise((r) => setTimeout(r, 20));
  }
};
exports.down = (knex) => knex.schema.dropTable('waited');
`;

/** Each check's status, by id. */
function statuses(r: SafetyCheckResult): Record<SafetyCheckId, SafetyCheckStatus> {
  return Object.fromEntries(r.checks.map((c) => [c.id, c.status])) as Record<SafetyCheckId, SafetyCheckStatus>;
}

function checkOf(r: SafetyCheckResult, id: SafetyCheckId): SafetyCheckResult['checks'][number] {
  const c = r.checks.find((x) => x.id === id);
  assert.ok(c, `check ${id} present`);
  return c;
}

const ALL_IDS: SafetyCheckId[] = ['connection', 'lock', 'backup-folder', 'pg-dump', 'migration-files', 'drift', 'integrity', 'pending'];

/** Asserts the result's shape: every check once, in order, a hint on each failure, `safe` = no failure. */
function assertShape(r: SafetyCheckResult): void {
  assert.deepEqual(r.checks.map((c) => c.id), ALL_IDS);
  for (const c of r.checks) {
    assert.ok(c.message.length > 0, `${c.id} has a message`);
    if (c.status === 'fail' || c.status === 'warn') assert.ok(c.hint, `${c.id} (${c.status}) says what to do`);
  }
  assert.equal(r.safe, r.checks.every((c) => c.status !== 'fail'));
}

/** `safety-check --json` through the CLI: exit code 0 exactly when safe; the parsed result. */
async function cliCheck(dir: string, env: Record<string, string | undefined> = {}): Promise<{ r: SafetyCheckResult; run: CliRun }> {
  const run = await runCli(['safety-check', '--json', '--cwd', dir], env);
  assert.ok(run.code === 0 || run.code === 1, `exit 0 or 1: ${run.code} ${run.stdout}${run.stderr}`);
  const r = JSON.parse(run.stdout) as SafetyCheckResult;
  assertShape(r);
  assert.equal(run.code, r.safe ? 0 : 1, run.stdout);
  return { r, run };
}

/** The engine call on a freshly loaded project. */
async function engineCheck(dir: string, options: Parameters<typeof safetyCheck>[1] = {}): Promise<SafetyCheckResult> {
  const r = await safetyCheck(await loadProject({ cwd: dir, processEnv: {} }), options);
  assertShape(r);
  return r;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The project folder's entries (recursively, sorted) and the database file's sha256: what "nothing written" compares. */
function footprint(dir: string, dbFile: string): { files: string[]; sha: string | null } {
  const files = (readdirSync(dir, { recursive: true }) as string[]).sort();
  return { files, sha: existsSync(dbFile) ? sha256(dbFile) : null };
}

void describe('safety-check on SQLite', () => {
  let tmp: ReturnType<typeof tempDir>;
  let scratchDir: string;
  let n = 0;
  before(() => {
    tmp = tempDir('mg-safety-');
    scratchDir = path.join(tmp.dir, 'scratch');
    mkdirSync(scratchDir);
  });
  after(() => tmp.cleanup());
  /** Scratch files left in the TMPDIR given to the CLI (tsx keeps its own cache there too). */
  const scratchLeft = () => readdirSync(scratchDir).filter((f) => f.startsWith('mg_scratch_'));

  /** A project with 001_users and 002_posts; `applied`: upgraded through the CLI (checksums recorded). */
  async function project(applied: boolean): Promise<{ dir: string; db: string }> {
    const dir = path.join(tmp.dir, `p${++n}`);
    writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_users.js': createTableMigration('users'), 'db/migrations/002_posts.js': createTableMigration('posts') });
    if (applied) {
      const up = await runCli(['upgrade', '--yes', '--no-backup', '--json', '--cwd', dir]);
      assert.equal(up.code, 0, up.stdout + up.stderr);
    }
    return { dir, db: path.join(dir, 'db', 'app.sqlite3') };
  }

  void it('all ok on a fresh project (an empty database file, two clean pending migrations), and nothing is written: same bytes, no table, no backup folder, no scratch file left', async () => {
    const { dir, db } = await project(false);
    writeFileSync(db, '');
    const before = footprint(dir, db);
    const run = await runCli(['safety-check', '--json', '--cwd', dir], { TMPDIR: scratchDir });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const r = JSON.parse(run.stdout) as SafetyCheckResult;
    assertShape(r);
    assert.deepEqual(statuses(r), { connection: 'ok', lock: 'ok', 'backup-folder': 'ok', 'pg-dump': 'skipped', 'migration-files': 'ok', drift: 'ok', integrity: 'ok', pending: 'ok' });
    assert.equal(r.safe, true);
    assert.deepEqual(r.pending, ['001_users.js', '002_posts.js']);
    assert.deepEqual([r.findings, r.drift], [[], []]);
    assert.equal(r.backupDirectory, path.join(dir, '.migration-guard', 'backups'));
    assert.match(checkOf(r, 'connection').message, /SQLite \d+\.\d+/);
    assert.deepEqual(footprint(dir, db), before, 'no file added, the database unchanged');
    assert.equal(readFileSync(db).length, 0, 'not even the knex_migrations table was created');
    assert.deepEqual(scratchLeft(), [], 'no scratch file left');

    // The text: one line per check, then the verdict.
    const text = await runCli(['safety-check', '--cwd', dir]);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    for (const title of ['database reachable', 'lock free, no migration running', 'backup folder writable', 'applied migrations unchanged', 'schema matches the migrations', 'pending migrations']) {
      assert.match(text.stdout, new RegExp(`^(ok|skip)  +${title}`, 'm'), text.stdout);
    }
    assert.match(text.stdout, /^Safe to migrate: 2 pending\.$/m);
    assert.deepEqual(footprint(dir, db), before);
  });

  void it('all ok on an upgraded project with nothing pending (engine and CLI agree); the database keeps its sha256', async () => {
    const { dir, db } = await project(true);
    const before = footprint(dir, db);
    const { r } = await cliCheck(dir);
    assert.equal(r.safe, true, JSON.stringify(r.checks, null, 2));
    assert.match(checkOf(r, 'pending').message, /Nothing pending/);
    assert.match(checkOf(r, 'migration-files').message, /2 applied migrations: every file present, none edited/);
    const e = await engineCheck(dir);
    assert.deepEqual(statuses(e), statuses(r));
    assert.deepEqual(footprint(dir, db), before);
  });

  void it('an absent database file fails "reachable" saying so, is not created, and the other checks are skipped', async () => {
    const { dir, db } = await project(false);
    const { r, run } = await cliCheck(dir);
    assert.equal(r.safe, false);
    const c = checkOf(r, 'connection');
    assert.equal(c.status, 'fail');
    assert.match(c.message, /does not exist \(safety-check did not create it\)/);
    assert.match(c.hint ?? '', /upgrade' creates it/);
    assert.ok(r.checks.slice(1).every((x) => x.status === 'skipped'), JSON.stringify(r.checks));
    assert.equal(existsSync(db), false, 'the database file was not created');
    assert.equal(existsSync(path.join(dir, '.migration-guard')), false);
    assert.doesNotMatch(run.stderr, /error:/);
  });

  void it('a file that is not a database fails "reachable" (SQLITE_NOTADB), and its bytes stay', async () => {
    const { dir, db } = await project(false);
    writeFileSync(db, 'this is not a database, just text that is long enough to have a header'.repeat(4));
    const before = sha256(db);
    const r = await engineCheck(dir);
    assert.equal(checkOf(r, 'connection').status, 'fail');
    assert.match(checkOf(r, 'connection').message, /not a database/i);
    assert.equal(sha256(db), before);
  });

  void it('a held lock (knex_migrations_lock.is_locked = 1) fails the lock check with the unlock command; the row stays held', async () => {
    const { dir, db } = await project(true);
    await sqliteAll(db, 'update knex_migrations_lock set is_locked = 1');
    const before = footprint(dir, db);
    const { r } = await cliCheck(dir);
    assert.deepEqual(
      r.checks.filter((c) => c.status === 'fail').map((c) => c.id),
      ['lock'],
    );
    assert.match(checkOf(r, 'lock').message, /is_locked = 1/);
    assert.match(checkOf(r, 'lock').hint ?? '', /migration-guard unlock/);
    assert.deepEqual(await sqliteAll(db, 'select is_locked from knex_migrations_lock'), [{ is_locked: 1 }]);
    assert.deepEqual(footprint(dir, db), before);
  });

  void it('a migration running in another process (holding the write lock inside its transaction) fails the lock check', async () => {
    const { dir, db } = await project(true);
    writeFiles(dir, { 'db/migrations/003_waited.js': WAITING_MIGRATION });
    const waitDir = path.join(tmp.dir, `wait${n}`);
    mkdirSync(waitDir);
    const upgrade = startCli(['upgrade', '--yes', '--no-backup', '--cwd', dir], { MG_TEST_WAIT_DIR: waitDir });
    try {
      const exited = upgrade.done.then(() => true);
      while (!existsSync(path.join(waitDir, 'started'))) {
        if (await Promise.race([exited, new Promise<false>((res) => setTimeout(() => res(false), 20))])) break;
      }
      assert.ok(existsSync(path.join(waitDir, 'started')), 'the migration is running');
      const r = await engineCheck(dir, { sqliteWaitMs: 300 });
      assert.equal(checkOf(r, 'lock').status, 'fail', JSON.stringify(r.checks, null, 2));
      assert.match(checkOf(r, 'lock').message, /write lock for more than 0\.3 s: a migration is running/);
      assert.equal(r.safe, false);
    } finally {
      writeFileSync(path.join(waitDir, 'go'), '');
    }
    const done = await upgrade.done;
    assert.equal(done.code, 0, 'the running migration was not disturbed: ' + done.stdout + done.stderr);
    assert.deepEqual(await sqliteAll(db, "select name from knex_migrations where name = '003_waited.js'"), [{ name: '003_waited.js' }]);
  });

  void it('an applied migration edited afterwards fails "applied migrations unchanged" (checksum)', async () => {
    const { dir, db } = await project(true);
    writeFiles(dir, { 'db/migrations/002_posts.js': `${createTableMigration('posts')}// edited after it ran\n` });
    const before = footprint(dir, db);
    const { r } = await cliCheck(dir);
    const c = checkOf(r, 'migration-files');
    assert.equal(c.status, 'fail');
    assert.match(c.message, /1 applied migration was edited after it ran .*: 002_posts\.js/);
    assert.match(c.hint ?? '', /version control/);
    assert.deepEqual(footprint(dir, db), before);
  });

  void it('an applied migration whose file is missing fails "applied migrations unchanged"; drift is skipped for it', async () => {
    const { dir, db } = await project(true);
    rmSync(path.join(dir, 'db/migrations/002_posts.js'));
    const before = footprint(dir, db);
    const { r } = await cliCheck(dir);
    assert.equal(checkOf(r, 'migration-files').status, 'fail');
    assert.match(checkOf(r, 'migration-files').message, /1 applied migration has no file .*corrupt.*: 002_posts\.js/);
    assert.equal(checkOf(r, 'drift').status, 'skipped');
    assert.deepEqual(footprint(dir, db), before);
  });

  void it('a column added by hand (ALTER TABLE ADD COLUMN) fails the drift check and is listed in drift; no scratch file left', async () => {
    const { dir, db } = await project(true);
    await sqliteAll(db, 'alter table users add column nickname text');
    const before = footprint(dir, db);
    const run = await runCli(['safety-check', '--json', '--cwd', dir], { TMPDIR: scratchDir });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const r = JSON.parse(run.stdout) as SafetyCheckResult;
    assertShape(r);
    assert.deepEqual(r.checks.filter((c) => c.status === 'fail').map((c) => c.id), ['drift']);
    assert.match(checkOf(r, 'drift').message, /1 difference \(extra-column\) in users/);
    assert.deepEqual(r.drift.map((d) => [d.kind, d.table, d.column]), [['extra-column', 'users', 'nickname']]);
    assert.deepEqual(scratchLeft(), []);
    assert.deepEqual(footprint(dir, db), before);
    const text = await runCli(['safety-check', '--cwd', dir]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^FAIL {2}schema matches the migrations: /m);
    assert.match(text.stdout, /^Schema drift: 1 difference/m);
    assert.match(text.stdout, /^NOT safe to migrate: 1 check failed \(drift\)\.$/m);
  });

  void it('a pending migration with an error finding fails "pending migrations" naming it; warnings alone only warn', async () => {
    const { dir, db } = await project(true);
    writeFiles(dir, { 'db/migrations/003_drop.js': "exports.up = (knex) => knex.schema.dropTable('posts');\nexports.down = async () => {};\n" });
    const before = footprint(dir, db);
    const { r } = await cliCheck(dir);
    const c = checkOf(r, 'pending');
    assert.equal(c.status, 'fail');
    assert.match(c.message, /1 pending migration \(003_drop\.js\); 1 finding of error severity: 003_drop\.js:1:\d+ ban-drop-table/);
    assert.match(c.hint ?? '', /--allow-unsafe/);
    assert.deepEqual(r.pending, ['003_drop.js']);
    assert.ok(r.findings.some((f) => f.ruleId === 'ban-drop-table' && f.migration === '003_drop.js' && f.severity === 'error'));
    assert.deepEqual(footprint(dir, db), before);
    assert.deepEqual(await sqliteAll(db, "select name from sqlite_master where name = 'posts'"), [{ name: 'posts' }]);

    writeFiles(dir, { 'db/migrations/003_drop.js': "exports.up = (knex) => knex.schema.renameTable('posts', 'articles');\nexports.down = (knex) => knex.schema.renameTable('articles', 'posts');\n" });
    const w = await engineCheck(dir);
    assert.equal(checkOf(w, 'pending').status, 'warn', JSON.stringify(w.checks));
    assert.equal(w.safe, true);
  });

  void it('a pending migration that does not load fails "pending migrations" with file:line:column', async () => {
    const { dir } = await project(true);
    writeFiles(dir, { 'db/migrations/003_broken.js': 'exports.up = (knex) => {\n  knex.schema.(\n};\n' });
    const r = await engineCheck(dir);
    const c = checkOf(r, 'pending');
    assert.equal(c.status, 'fail');
    assert.match(c.message, /003_broken\.js/);
  });

  void it('an unwritable backup folder (chmod 555) fails the backup-folder check', async (t) => {
    const { dir } = await project(true);
    const backups = path.join(dir, '.migration-guard', 'backups');
    mkdirSync(backups, { recursive: true });
    chmodSync(backups, 0o555);
    try {
      // root writes through the mode bits: then nothing can be made unwritable by chmod.
      const probe = path.join(backups, 'probe');
      let rootWrites = false;
      try {
        writeFileSync(probe, '');
        rmSync(probe);
        rootWrites = true;
      } catch {
        rootWrites = false;
      }
      if (rootWrites) {
        t.skip('this user (root) can write into a 0555 folder');
        return;
      }
      const { r } = await cliCheck(dir);
      assert.equal(checkOf(r, 'backup-folder').status, 'fail');
      assert.match(checkOf(r, 'backup-folder').message, /not writable \(EACCES/);
    } finally {
      chmodSync(backups, 0o755);
    }
  });

  void it('a backup folder that cannot be created (a file in its way) fails the backup-folder check, and nothing is created', async () => {
    const { dir, db } = await project(true);
    writeFileSync(path.join(dir, '.migration-guard'), 'not a folder');
    const before = footprint(dir, db);
    const { r } = await cliCheck(dir);
    assert.deepEqual(r.checks.filter((c) => c.status === 'fail').map((c) => c.id), ['backup-folder']);
    assert.match(checkOf(r, 'backup-folder').message, /cannot be created: .*\.migration-guard is a file/);
    assert.deepEqual(footprint(dir, db), before);
  });

  void it('a broken knexfile is a configuration error: exit 2 with an ErrorResult, as in every command', async () => {
    const dir = path.join(tmp.dir, `p${++n}`);
    writeFiles(dir, { 'knexfile.js': 'module.exports = { client: ' });
    const run = await runCli(['safety-check', '--json', '--cwd', dir]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal((JSON.parse(run.stdout) as { error: { code: string } }).error.code, 'knexfile-load');
  });
});

/** The role pg_hba.conf of scripts/pg-cluster.sh makes log in with a password (see errors.test.ts). */
const PASSWORD_ROLE = 'mg_password_user';

void describe('safety-check on PostgreSQL (MG_TEST_PG_URL)', { skip: pgSkip('PostgreSQL safety-check tests') }, () => {
  const db = usePgDatabase('safety');
  let tmp: ReturnType<typeof tempDir>;
  let n = 0;
  before(() => (tmp = tempDir('mg-safety-pg-')));
  after(() => tmp.cleanup());

  const knexfile = (connection: string) => `module.exports = { client: 'pg', connection: ${JSON.stringify(connection)}, migrations: { directory: './db/migrations' } };\n`;

  /** Scratch databases a process left on the server (their names carry its pid). */
  async function scratchOf(pid: number): Promise<string[]> {
    const rows = await pgQuery<{ n: string }>(pgBaseUrl as string, 'select datname as n from pg_database where datname like $1', [`mg\\_scratch\\_${pid}\\_%`]);
    return rows.map((r) => r.n);
  }

  /** Tables, columns and row counts of the migration tables: what "nothing written" compares on PostgreSQL. */
  async function schemaOf(): Promise<unknown> {
    const cols = await db.query("select table_name, column_name, data_type from information_schema.columns where table_schema = 'public' order by 1, 2");
    const migrations = await db.query('select name, batch from knex_migrations order by id');
    const lock = await db.query('select is_locked from knex_migrations_lock');
    return { cols, migrations, lock };
  }

  let dir: string;
  before(async () => {
    dir = path.join(tmp.dir, 'main');
    writeFiles(dir, { 'knexfile.js': knexfile(db.url()), 'db/migrations/001_users.js': createTableMigration('users'), 'db/migrations/002_posts.js': createTableMigration('posts') });
    const up = await runCli(['upgrade', '--yes', '--no-backup', '--json', '--cwd', dir]);
    assert.equal(up.code, 0, up.stdout + up.stderr);
  });

  void it('all ok on an upgraded database (pg_dump not older than the server), schema unchanged, no scratch database left', async () => {
    const before = await schemaOf();
    const child = startCli(['safety-check', '--json', '--cwd', dir]);
    const run = await child.done;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const r = JSON.parse(run.stdout) as SafetyCheckResult;
    assertShape(r);
    assert.deepEqual(statuses(r), { connection: 'ok', lock: 'ok', 'backup-folder': 'ok', 'pg-dump': 'ok', 'migration-files': 'ok', drift: 'ok', integrity: 'ok', pending: 'ok' });
    assert.match(checkOf(r, 'connection').message, /PostgreSQL \d+/);
    assert.match(checkOf(r, 'pg-dump').message, /^pg_dump \d+\.\d+ \(pg_dump\) can dump the PostgreSQL \d+ server\.$/);
    assert.match(checkOf(r, 'backup-folder').message, /the database is \d/);
    assert.deepEqual(await schemaOf(), before);
    assert.deepEqual(await scratchOf(child.pid), [], 'the scratch database was removed');
    assert.equal(existsSync(path.join(dir, '.migration-guard')), false, 'no backup folder was created');
  });

  void it('a pg_dump older than the server fails the pg-dump check naming both versions', async () => {
    const fake = path.join(tmp.dir, 'old_pg_dump.sh');
    writeFileSync(fake, '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n', { mode: 0o755 });
    const { r } = await cliCheck(dir, { MG_PG_DUMP: fake });
    assert.deepEqual(r.checks.filter((c) => c.status === 'fail').map((c) => c.id), ['pg-dump']);
    assert.match(checkOf(r, 'pg-dump').message, /pg_dump 9\.6\.24 .* is older than the PostgreSQL \d+ server/);
    assert.match(checkOf(r, 'pg-dump').hint ?? '', /postgresql-client-\d+/);
  });

  void it('a migration running in another session (holding the lock row) fails the lock check; the migration then completes', async () => {
    const d = path.join(tmp.dir, `p${++n}`);
    writeFiles(d, { 'knexfile.js': knexfile(db.url()), 'db/migrations/001_users.js': createTableMigration('users'), 'db/migrations/002_posts.js': createTableMigration('posts'), 'db/migrations/003_waited.js': WAITING_MIGRATION });
    const waitDir = path.join(tmp.dir, `wait${n}`);
    mkdirSync(waitDir);
    const upgrade = startCli(['upgrade', '--yes', '--no-backup', '--cwd', d], { MG_TEST_WAIT_DIR: waitDir });
    try {
      const exited = upgrade.done.then(() => true);
      while (!existsSync(path.join(waitDir, 'started'))) {
        if (await Promise.race([exited, new Promise<false>((res) => setTimeout(() => res(false), 20))])) break;
      }
      assert.ok(existsSync(path.join(waitDir, 'started')), 'the migration is running');
      const r = await engineCheck(d);
      assert.equal(checkOf(r, 'lock').status, 'fail', JSON.stringify(r.checks, null, 2));
      assert.match(checkOf(r, 'lock').message, /another session holds the row lock of knex_migrations_lock/);
      assert.deepEqual(r.pending, ['003_waited.js'], 'the running migration is not committed yet');
    } finally {
      writeFileSync(path.join(waitDir, 'go'), '');
    }
    const done = await upgrade.done;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    // Undo it, so that the other tests see the database as before.
    const down = await runCli(['downgrade', '--yes', '--no-backup', '--cwd', d]);
    assert.equal(down.code, 0, down.stdout + down.stderr);
  });

  void it('a column added by hand fails the drift check on PostgreSQL', async () => {
    await db.query('alter table posts add column extra text');
    try {
      const { r } = await cliCheck(dir);
      assert.deepEqual(r.checks.filter((c) => c.status === 'fail').map((c) => c.id), ['drift']);
      assert.deepEqual(r.drift.map((d) => [d.kind, d.table, d.column]), [['extra-column', 'posts', 'extra']]);
    } finally {
      await db.query('alter table posts drop column extra');
    }
  });

  void it('an unreachable port fails "reachable" (exit 1, not 2: it is a check), masked, other checks skipped', async () => {
    const d = path.join(tmp.dir, `p${++n}`);
    const secret = `Pw-${randomBytes(6).toString('hex')}`;
    writeFiles(d, { 'knexfile.js': knexfile(`postgres://app:${secret}@127.0.0.1:1/app`), 'db/migrations/001_users.js': createTableMigration('users') });
    const { r, run } = await cliCheck(d);
    const c = checkOf(r, 'connection');
    assert.equal(c.status, 'fail');
    assert.match(c.message, /^Cannot reach the database at 127\.0\.0\.1:1 \(connection refused: nothing listens there\)\. Connection: postgres:\/\/app:\*\*\*\*@127\.0\.0\.1:1\/app\.$/);
    assert.match(c.hint ?? '', /database server is running/);
    assert.ok(r.checks.slice(1).every((x) => x.status === 'skipped'));
    assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), 'password never printed');
  });

  void it('a wrong password fails "reachable" as credentials (auth), never printing it; the right one passes', async () => {
    const right = `Right-${randomBytes(12).toString('hex')}`;
    const wrong = `WRONG-${randomBytes(6).toString('hex')}`;
    const base = pgBaseUrl as string;
    const exists = await pgQuery(base, 'select 1 from pg_roles where rolname = $1', [PASSWORD_ROLE]);
    await pgQuery(base, `${exists.length ? 'ALTER' : 'CREATE'} ROLE ${PASSWORD_ROLE} LOGIN PASSWORD '${right}'`);
    const roleUrl = (password: string) => {
      const u = new URL(db.url());
      u.username = PASSWORD_ROLE;
      u.password = password;
      return u.toString();
    };
    const c = new pg.Client({ connectionString: roleUrl(wrong) });
    const accepted = await c.connect().then(() => c.end().then(() => true), () => false);
    assert.equal(accepted, false, `pg_hba.conf must make ${PASSWORD_ROLE} log in with a password (scripts/pg-cluster.sh)`);

    const d = path.join(tmp.dir, `p${++n}`);
    writeFiles(d, { 'knexfile.js': knexfile(roleUrl(wrong)), 'db/migrations/001_users.js': createTableMigration('users') });
    const { r, run } = await cliCheck(d);
    const conn = checkOf(r, 'connection');
    assert.equal(conn.status, 'fail');
    assert.equal(conn.message, `The database server rejected the password for user "${PASSWORD_ROLE}" (${roleUrl('****')}).`);
    assert.match(conn.hint ?? '', /Check the password/);
    const text = await runCli(['safety-check', '--cwd', d]);
    assert.equal(text.code, 1);
    for (const out of [run.stdout, run.stderr, text.stdout, text.stderr]) assert.ok(!out.includes(wrong) && !out.includes(right), 'password never printed');

    writeFiles(d, { 'knexfile.js': knexfile(roleUrl(right)) });
    const ok = await cliCheck(d);
    assert.equal(checkOf(ok.r, 'connection').status, 'ok', JSON.stringify(ok.r.checks, null, 2));
  });
});
