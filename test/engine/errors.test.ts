/**
 * Issue 4 "Errors": every failure a user meets first gives ONE clear message and the next step, through
 * the CLI as shipped (`--json` ErrorResult code/message/hint, and the text output `error: … / hint: …`),
 * with the password never printed. One test per case: unreachable database, wrong password, missing or
 * unknown user and database, missing driver, broken knexfile, migration that throws, lock held, corrupt directory.
 * Real SQLite files and, for the PostgreSQL cases, the real server of MG_TEST_PG_URL (skipped without it).
 * The wrong-password case needs the role mg_password_user to authenticate with scram-sha-256 over TCP:
 * scripts/pg-cluster.sh configures pg_hba.conf so (every other role is trusted); the test creates the
 * role (kept, as roles are cluster-wide) and gives it a fresh random password each run.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { ErrorResult, StatusResult, UpgradeResult } from '../../server/src/protocol';
import { createTableMigration, pgBaseUrl, pgQuery, pgSkip, runCli, sqliteAll, sqliteKnexfile, tempDir, usePgDatabase, writeFiles, type CliRun } from './helpers';

const SECRET = 'Pw-9fK2-never-shown';
/** The role pg_hba.conf of scripts/pg-cluster.sh makes log in with a password. */
const PASSWORD_ROLE = 'mg_password_user';
/** Its password for this run, and the wrong one the tests give: neither may ever be printed. */
const RIGHT_PASSWORD = `Right-${randomBytes(12).toString('hex')}`;
const WRONG_PASSWORD = `WRONGsecret-${randomBytes(6).toString('hex')}`;

/** A SQLite knexfile whose connection also carries a password field (ignored by the driver), so masking is exercised. */
const knexfileWithSecret = sqliteKnexfile('./db/app.sqlite3', './db/migrations').replace(`filename: "./db/app.sqlite3" }`, `filename: "./db/app.sqlite3", password: ${JSON.stringify(SECRET)} }`);

function assertNoSecret(...runs: CliRun[]): void {
  for (const r of runs) {
    for (const secret of [SECRET, RIGHT_PASSWORD, WRONG_PASSWORD]) {
      assert.ok(!r.stdout.includes(secret), `password in stdout: ${r.stdout}`);
      assert.ok(!r.stderr.includes(secret), `password in stderr: ${r.stderr}`);
    }
  }
}

/** Runs `args --json` and `args` (text); returns the parsed ErrorResult and the text run, after checking exit codes and masking. */
async function both(args: string[], exit: number, env: Record<string, string | undefined> = {}): Promise<{ e: ErrorResult['error']; text: CliRun }> {
  const json = await runCli([...args, '--json'], env);
  assert.equal(json.code, exit, json.stdout + json.stderr);
  const e = (JSON.parse(json.stdout) as ErrorResult).error;
  const text = await runCli(args, env);
  assert.equal(text.code, exit, text.stdout + text.stderr);
  assert.match(text.stderr, new RegExp(`error: .*\\n(?:[\\s\\S]*\\n)?hint: ${escapeRe((e.hint ?? '').slice(0, 30))}`));
  assertNoSecret(json, text);
  // One clear message: a single error line in the text output.
  assert.equal(text.stderr.match(/^error: /gm)?.length, 1, text.stderr);
  return { e, text };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

void describe('errors through the CLI: one message, the next step, no password', () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir('mg-errors-')));
  after(() => tmp.cleanup());
  let n = 0;
  const dir = () => `${tmp.dir}/p${++n}`;

  void it('unreachable database (a closed loopback port) → connection, exit 2, masked URL, hint to check the server', async () => {
    const d = dir();
    writeFiles(d, { 'knexfile.js': `module.exports = { client: 'pg', connection: 'postgres://app:${SECRET}@127.0.0.1:1/app' };\n` });
    const { e } = await both(['status', '--cwd', d], 2);
    assert.equal(e.code, 'connection');
    // In words (issue 16), with the masked connection after it.
    assert.equal(e.message, 'Cannot reach the database at 127.0.0.1:1 (connection refused: nothing listens there). Connection: postgres://app:****@127.0.0.1:1/app.');
    assert.match(e.hint ?? '', /database server is running/);
  });

  void it('missing driver (client mysql2, not installed) → driver-missing naming the package to install', async () => {
    const d = dir();
    writeFiles(d, { 'knexfile.js': `module.exports = { client: 'mysql2', connection: { host: '127.0.0.1', user: 'app', password: ${JSON.stringify(SECRET)}, database: 'app' } };\n` });
    const { e, text } = await both(['status', '--cwd', d], 2);
    assert.equal(e.code, 'driver-missing');
    assert.equal(e.message, "The database driver 'mysql2' is not installed.");
    assert.doesNotMatch(text.stderr, /Require stack|--save|warning:/, 'no second copy of the error, no require stack');
    assert.equal(e.hint, 'Install it in the project: npm install mysql2');
  });

  void it('broken knexfile (syntax error) → knexfile-load naming the file, exit 2', async () => {
    const d = dir();
    writeFiles(d, { 'knexfile.js': `module.exports = { client: 'pg', connection: 'postgres://app:${SECRET}@db/app' \n` });
    const { e, text } = await both(['status', '--cwd', d], 2);
    assert.equal(e.code, 'knexfile-load');
    assert.match(e.message, /knexfile\.js/);
    assert.ok(e.hint, 'a next step is given');
    assert.match(text.stderr, /error: Failed to load knexfile/);
  });

  void it('migration that throws → migration-failed naming the migration and saying nothing was applied, exit 1', async () => {
    const d = dir();
    writeFiles(d, {
      'knexfile.js': knexfileWithSecret,
      'db/migrations/001_a.js': createTableMigration('a'),
      'db/migrations/002_boom.js': `exports.up = async () => { throw new Error('cannot reach postgres://u:${SECRET}@h/db'); };\nexports.down = async () => {};\n`,
    });
    const { e } = await both(['upgrade', '--yes', '--no-backup', '--cwd', d], 1);
    assert.equal(e.code, 'migration-failed');
    assert.match(e.message, /^Migration 002_boom\.js failed: cannot reach postgres:\/\/u:\*\*\*\*@h\/db\. Nothing was applied/);
    assert.match(e.hint ?? '', /Fix the migration and run upgrade again/);
    const rows = await sqliteAll(`${d}/db/app.sqlite3`, 'select name from knex_migrations');
    assert.deepEqual(rows, []);
  });

  void it('lock held (knex_migrations_lock.is_locked = 1) → lock-held with the unlock command, exit 1, nothing applied', async () => {
    const d = dir();
    writeFiles(d, { 'knexfile.js': knexfileWithSecret, 'db/migrations/001_a.js': createTableMigration('a') });
    const db = `${d}/db/app.sqlite3`;
    await sqliteAll(db, 'create table knex_migrations (id integer primary key autoincrement, name varchar(255), batch integer, migration_time datetime)');
    await sqliteAll(db, 'create table knex_migrations_lock ("index" integer primary key autoincrement, is_locked integer)');
    await sqliteAll(db, 'insert into knex_migrations_lock (is_locked) values (1)');
    const { e } = await both(['upgrade', '--yes', '--no-backup', '--cwd', d], 1);
    assert.equal(e.code, 'lock-held');
    assert.match(e.message, /migration lock is held/);
    assert.match(e.hint ?? '', /'migration-guard unlock'/);
    assert.deepEqual(await sqliteAll(db, "select name from sqlite_master where name = 'a'"), []);
  });

  void it('corrupt directory (an applied migration without its file) → corrupt-directory naming it, exit 1', async () => {
    const d = dir();
    writeFiles(d, { 'knexfile.js': knexfileWithSecret, 'db/migrations/001_a.js': createTableMigration('a'), 'db/migrations/002_b.js': createTableMigration('b') });
    const up = await runCli(['upgrade', '--yes', '--no-backup', '--json', '--cwd', d]);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    writeFiles(d, { 'db/migrations/003_c.js': createTableMigration('c') });
    const { rmSync } = await import('node:fs');
    rmSync(`${d}/db/migrations/002_b.js`);
    const { e } = await both(['upgrade', '--yes', '--no-backup', '--cwd', d], 1);
    assert.equal(e.code, 'corrupt-directory');
    assert.match(e.message, /002_b\.js/);
    assert.match(e.hint ?? '', /Restore the missing file/);
  });
  void describe('on the real PostgreSQL', { skip: pgSkip('PostgreSQL error tests') }, () => {
    const db = usePgDatabase('errors');
    /** `db`'s URL as PASSWORD_ROLE with `password` (none when undefined). */
    const roleUrl = (password?: string) => {
      const u = new URL(db.url());
      u.username = PASSWORD_ROLE;
      if (password !== undefined) u.password = password;
      return u.toString();
    };

    before(async () => {
      const base = pgBaseUrl as string;
      const exists = await pgQuery(base, 'select 1 from pg_roles where rolname = $1', [PASSWORD_ROLE]);
      await pgQuery(base, `${exists.length ? 'ALTER' : 'CREATE'} ROLE ${PASSWORD_ROLE} LOGIN PASSWORD '${RIGHT_PASSWORD}'`);
      // PostgreSQL 15 gives PUBLIC no CREATE on schema public: the role may create tables in this database only.
      await db.query(`GRANT CREATE ON SCHEMA public TO ${PASSWORD_ROLE}`);
      // Without the pg_hba.conf line any password is accepted: say so rather than fail obscurely.
      const c = new pg.Client({ connectionString: roleUrl(WRONG_PASSWORD) });
      const accepted = await c.connect().then(() => c.end().then(() => true), () => false);
      assert.equal(accepted, false, `the server of MG_TEST_PG_URL accepts any password for ${PASSWORD_ROLE}: pg_hba.conf needs "host all ${PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256" before its trust lines (scripts/pg-cluster.sh adds it)`);
    });

    void it('wrong password (DATABASE_URL, SQLSTATE 28P01) → auth, exit 2, naming the user and what to check, never the password; the right one works', async () => {
      const d = dir();
      writeFiles(d, { 'migrations/001_a.js': createTableMigration('a') });
      for (const args of [['status', '--cwd', d], ['upgrade', '--yes', '--no-backup', '--cwd', d]]) {
        const { e } = await both(args, 2, { DATABASE_URL: roleUrl(WRONG_PASSWORD) });
        assert.equal(e.code, 'auth');
        assert.equal(e.message, `The database server rejected the password for user "${PASSWORD_ROLE}" (${roleUrl('****')}).`);
        assert.match(e.hint ?? '', new RegExp(`^Check the password for user "${PASSWORD_ROLE}" in the knexfile's connection \\(or DATABASE_URL\\)\\..*PGPASSWORD`));
      }
      assert.deepEqual(await db.query("select to_regclass('public.a') as a"), [{ a: null }], 'nothing applied');

      const ok = { DATABASE_URL: roleUrl(RIGHT_PASSWORD) };
      const status = await runCli(['status', '--json', '--cwd', d], ok);
      assert.equal(status.code, 0, status.stdout + status.stderr);
      assert.deepEqual((JSON.parse(status.stdout) as StatusResult).migrations.map((m) => [m.name, m.state]), [['001_a.js', 'pending']]);
      const up = await runCli(['upgrade', '--yes', '--no-backup', '--json', '--cwd', d], ok);
      assert.equal(up.code, 0, up.stdout + up.stderr);
      assert.deepEqual((JSON.parse(up.stdout) as UpgradeResult).applied, ['001_a.js']);
      assertNoSecret(status, up);
      assert.deepEqual(await db.query('select tableowner from pg_tables where tablename = $1', ['a']), [{ tableowner: PASSWORD_ROLE }]);
    });

    void it('wrong password in a knexfile connection object, or from PGPASSWORD → auth; no password at all → auth asking for one', async () => {
      const u = new URL(db.url());
      const conn = (password?: string) => JSON.stringify({ host: u.hostname, port: Number(u.port), user: PASSWORD_ROLE, database: db.name(), ...(password === undefined ? {} : { password }) });
      const d = dir();
      writeFiles(d, { 'knexfile.js': `module.exports = { client: 'pg', connection: ${conn(WRONG_PASSWORD)} };\n` });
      const { e } = await both(['status', '--cwd', d], 2);
      assert.equal(e.code, 'auth');
      assert.match(e.message, new RegExp(`^The database server rejected the password for user "${PASSWORD_ROLE}"`));

      const d2 = dir();
      writeFiles(d2, { 'knexfile.js': `module.exports = { client: 'pg', connection: ${conn()} };\n` });
      const fromEnv = await both(['status', '--cwd', d2], 2, { PGPASSWORD: WRONG_PASSWORD });
      assert.equal(fromEnv.e.code, 'auth');
      assert.match(fromEnv.e.hint ?? '', /PGPASSWORD/);
      const none = await both(['status', '--cwd', d2], 2, { PGPASSWORD: undefined });
      assert.equal(none.e.code, 'auth');
      assert.match(none.e.message, new RegExp(`asks for a password for user "${PASSWORD_ROLE}" .*and the connection gives none`));
      assert.match(none.e.hint ?? '', /Add the password to the knexfile's connection \(or DATABASE_URL\), or set PGPASSWORD/);
      const right = await runCli(['status', '--json', '--cwd', d2], { PGPASSWORD: RIGHT_PASSWORD });
      assert.equal(right.code, 0, right.stdout + right.stderr);
      assertNoSecret(right);
    });

    void it("the cluster's host on a closed port, and a wrong password: in words, never Knex's pool message, within the connect timeout", async () => {
      const u = new URL(db.url());
      // A port nothing listens on, on the same host as the cluster: bind an ephemeral port, then free it.
      const port = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, u.hostname, () => {
          const p = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(p));
        });
      });
      const closed = new URL(db.url());
      closed.port = String(port);
      closed.password = SECRET;
      const d = dir();
      writeFiles(d, { 'knexfile.js': `module.exports = { client: 'pg', connection: ${JSON.stringify(closed.toString())} };\n` });
      const started = Date.now();
      const refused = await both(['status', '--connect-timeout', '5', '--cwd', d], 2);
      assert.ok(Date.now() - started < 20_000, 'both runs end within the connect timeout');
      assert.equal(refused.e.code, 'connection');
      assert.equal(refused.e.message, `Cannot reach the database at ${u.hostname}:${port} (connection refused: nothing listens there). Connection: ${closed.toString().replace(SECRET, '****')}.`);
      assert.doesNotMatch(refused.e.message + refused.text.stderr, /pool is probably full|ECONNREFUSED/);

      const d2 = dir();
      writeFiles(d2, { 'knexfile.js': `module.exports = { client: 'pg', connection: ${JSON.stringify(roleUrl(WRONG_PASSWORD))}, acquireConnectionTimeout: 3000 };\n` });
      const wrong = await both(['status', '--connect-timeout', '5', '--cwd', d2], 2);
      assert.equal(wrong.e.code, 'auth');
      assert.equal(wrong.e.message, `The database server rejected the password for user "${PASSWORD_ROLE}" (${roleUrl('****')}).`);
      assert.doesNotMatch(wrong.e.message + wrong.text.stderr, /pool is probably full/);
    });

    void it('unknown role (SQLSTATE 28000) and unknown database (3D000) → connection with the server reason, masked', async () => {
      const u = new URL(db.url());
      u.username = 'no_such_role_mg';
      u.password = SECRET;
      const d = dir();
      writeFiles(d, { 'knexfile.js': `module.exports = { client: 'pg', connection: ${JSON.stringify(u.toString())} };\n` });
      const { e } = await both(['status', '--cwd', d], 2);
      assert.equal(e.code, 'connection');
      assert.match(e.message, /role "no_such_role_mg" does not exist/);
      assert.match(e.message, /no_such_role_mg:\*\*\*\*@/);
      assert.match(e.hint ?? '', /check the user name/);

      const v = new URL(db.url());
      v.password = SECRET;
      v.pathname = '/no_such_db_mg';
      const d2 = dir();
      writeFiles(d2, { 'knexfile.js': `module.exports = { client: 'pg', connection: ${JSON.stringify(v.toString())} };\n` });
      const r = await both(['status', '--cwd', d2], 2);
      assert.equal(r.e.code, 'connection');
      assert.match(r.e.message, /database "no_such_db_mg" does not exist/);
      assert.match(r.e.hint ?? '', /createdb/);
    });
  });
});
