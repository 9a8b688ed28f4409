/**
 * node-pg-migrate and plain SQL folders, read-only (issue 16): state from `pgmigrations`, golang-migrate's
 * `schema_migrations (version, dirty)`, dbmate's `schema_migrations (version)` and `flyway_schema_history` on
 * real SQLite files and the real PostgreSQL; a dirty version and a failed Flyway row are error items; without a
 * reachable database every file is `unknown` (never "up to date"); nothing is written (sha256 / no table).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { discoverProjects } from '../../server/src/migrations/projects/discover';
import { getFolderState } from '../../server/src/migrations/projects/sql-folders';
import type { DiscoveredProject, ErrorResult, FolderStateResult } from '../../server/src/protocol';
import { pgSkip, runCli, sqliteAll, tempDir, usePgDatabase, writeFiles } from './helpers';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const states = (s: FolderStateResult) => s.migrations.map((m) => [m.name, m.state]);

function only(dir: string): DiscoveredProject {
  const [p, ...rest] = discoverProjects(dir).projects;
  assert.ok(p && rest.length === 0, 'one project');
  return p;
}

const golang = {
  'migrations/000001_users.up.sql': 'create table users (id int);',
  'migrations/000001_users.down.sql': 'drop table users;',
  'migrations/000002_email.up.sql': 'alter table users add email text;',
  'migrations/000002_email.down.sql': 'alter table users drop email;',
  'migrations/000003_index.up.sql': 'create index on users (email);',
};

void describe('SQL folders on SQLite', () => {
  void it('golang-migrate: versions up to the recorded one are applied; dirty is an error; the file is unchanged', async () => {
    const { dir, cleanup } = tempDir('mg-golang-');
    try {
      writeFiles(dir, golang);
      const project = only(dir);
      const db = path.join(dir, 'app.db');
      const env = { DATABASE_URL: 'sqlite3://app.db' };

      const absent = await getFolderState(project, env);
      assert.equal(absent.stateKnown, false, 'no database file: unknown');
      assert.deepEqual(absent.migrations.map((m) => m.state), ['unknown', 'unknown', 'unknown']);
      assert.equal(existsSync(db), false, 'reading must not create the SQLite file');

      await sqliteAll(db, 'create table schema_migrations (version bigint not null primary key, dirty boolean not null)');
      await sqliteAll(db, 'insert into schema_migrations values (2, 1)');
      const before = sha256(db);
      const s = await getFolderState(project, env);
      assert.equal(s.stateKnown, true);
      assert.deepEqual(states(s), [['000001_users', 'applied'], ['000002_email', 'applied'], ['000003_index', 'pending']]);
      assert.equal(s.current, '2');
      assert.deepEqual(s.problems.map((p) => [p.severity, p.code]), [['error', 'dirty']]);
      assert.equal(sha256(db), before, 'the database file is byte for byte unchanged');

      await sqliteAll(db, 'update schema_migrations set version = 7, dirty = 0');
      const ahead = await getFolderState(project, env);
      assert.deepEqual(ahead.problems.map((p) => p.code), ['missing-file']);
      assert.deepEqual(ahead.migrations.at(-1), { name: '7', version: '7', file: null, state: 'missing' });
    } finally {
      cleanup();
    }
  });

  void it('dbmate: one row per version; without DATABASE_URL the state is unknown, never up to date', async () => {
    const { dir, cleanup } = tempDir('mg-dbmate-');
    try {
      writeFiles(dir, {
        'db/migrations/20240101000000_users.sql': '-- migrate:up\ncreate table users (id int);\n-- migrate:down\ndrop table users;\n',
        'db/migrations/20240201000000_posts.sql': '-- migrate:up\ncreate table posts (id int);\n-- migrate:down\ndrop table posts;\n',
      });
      const project = only(dir);
      assert.equal(project.flavor, 'dbmate');
      const unset = await getFolderState(project, {});
      assert.equal(unset.stateKnown, false);
      assert.match(unset.stateUnknownReason ?? '', /DATABASE_URL is not set/);

      const db = path.join(dir, 'db', 'app.sqlite3');
      await sqliteAll(db, 'create table schema_migrations (version varchar(128) primary key)');
      await sqliteAll(db, "insert into schema_migrations values ('20240101000000')");
      const s = await getFolderState(project, { DATABASE_URL: `sqlite:${db}` });
      assert.deepEqual(states(s), [['20240101000000_users', 'applied'], ['20240201000000_posts', 'pending']]);
      assert.deepEqual(s.problems, []);
    } finally {
      cleanup();
    }
  });
});

void describe('node-pg-migrate, golang-migrate and Flyway on PostgreSQL', { skip: pgSkip('SQL folder state on PostgreSQL') }, () => {
  const pgdb = usePgDatabase('folders');
  const tables = async () => (await pgdb.query<{ n: string }>("select relname as n from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace order by 1")).map((r) => r.n);

  void it('node-pg-migrate: applied names from pgmigrations; a fresh database is all pending and gets no table', async () => {
    const { dir, cleanup } = tempDir('mg-pgm-');
    try {
      writeFiles(dir, {
        'package.json': JSON.stringify({ dependencies: { 'node-pg-migrate': '^7' } }),
        'migrations/1700000000000_users.js': 'exports.up = (pgm) => pgm.createTable("users", { id: "id" });',
        'migrations/1700000000001_posts.sql': 'create table posts (id int);',
      });
      const project = only(dir);
      const env = { DATABASE_URL: pgdb.url() };
      assert.deepEqual(states(await getFolderState(project, env)), [['1700000000000_users', 'pending'], ['1700000000001_posts', 'pending']]);
      assert.deepEqual(await tables(), [], 'reading must not create pgmigrations');

      await pgdb.query('create table pgmigrations (id serial primary key, name varchar(255) not null, run_on timestamp not null default now())');
      await pgdb.query("insert into pgmigrations (name) values ('1700000000000_users')");
      const s = await getFolderState(project, env);
      assert.deepEqual(states(s), [['1700000000000_users', 'applied'], ['1700000000001_posts', 'pending']]);
      assert.equal(s.current, '1700000000000_users');
      assert.deepEqual(await tables(), ['pgmigrations']);
    } finally {
      cleanup();
    }
  });

  void it('node-pg-migrate -t and -d in the package.json scripts: that table, that variable', async () => {
    const { dir, cleanup } = tempDir('mg-pgm-opts-');
    try {
      writeFiles(dir, {
        'package.json': JSON.stringify({ devDependencies: { 'node-pg-migrate': '^7' }, scripts: { migrate: 'node-pg-migrate -d APP_DB -t app_migrations up' } }),
        'migrations/1700000000000_a.js': 'exports.up = () => {};',
      });
      const project = only(dir);
      assert.equal(project.migrationsTable, 'app_migrations');
      assert.equal(project.databaseUrlVariable, 'APP_DB');
      await pgdb.query('create table app_migrations (id serial primary key, name varchar(255) not null, run_on timestamp not null default now())');
      await pgdb.query("insert into app_migrations (name) values ('1700000000000_a')");
      const unset = await getFolderState(project, { DATABASE_URL: pgdb.url() });
      assert.equal(unset.stateKnown, false, 'DATABASE_URL is not the variable this project uses');
      assert.match(unset.stateUnknownReason ?? '', /APP_DB is not set/);
      const s = await getFolderState(project, { APP_DB: pgdb.url() });
      assert.deepEqual(states(s), [['1700000000000_a', 'applied']]);
      assert.equal(s.table, 'app_migrations');
    } finally {
      cleanup();
    }
  });

  void it('golang-migrate dirty and a failed Flyway row are error items; an unreachable server is unknown', async () => {
    const { dir, cleanup } = tempDir('mg-gofly-');
    try {
      writeFiles(dir, { ...golang, 'flyway/sql/V1__init.sql': 'create table t (id int);', 'flyway/sql/V1.1__more.sql': 'alter table t add c int;', 'flyway/sql/R__view.sql': 'create or replace view v as select 1;' });
      const found = discoverProjects(dir).projects;
      const fly = found.find((p) => p.flavor === 'flyway');
      const go = found.find((p) => p.flavor === 'golang-migrate');
      assert.equal(fly?.flavor, 'flyway');
      assert.equal(go?.flavor, 'golang-migrate');
      await pgdb.query('create table if not exists schema_migrations (version bigint not null primary key, dirty boolean not null)');
      await pgdb.query('insert into schema_migrations values (3, true)');
      await pgdb.query('create table flyway_schema_history (installed_rank int primary key, version varchar(50), description varchar(200), script varchar(1000), success boolean not null)');
      await pgdb.query("insert into flyway_schema_history values (1, '1', 'init', 'V1__init.sql', true), (2, '1.1', 'more', 'V1.1__more.sql', false)");
      const env = { DATABASE_URL: pgdb.url() };

      const g = await getFolderState(go!, env);
      assert.deepEqual(g.migrations.map((m) => m.state), ['applied', 'applied', 'applied']);
      assert.deepEqual(g.problems.map((p) => p.code), ['dirty']);

      const f = await getFolderState(fly!, env);
      assert.deepEqual(states(f), [['V1__init', 'applied'], ['V1.1__more', 'pending']]);
      assert.deepEqual(f.problems.map((p) => [p.severity, p.code]), [['error', 'failed']]);

      const down = await getFolderState(go!, { DATABASE_URL: 'postgresql://someone:hunter2@127.0.0.1:1/none' });
      assert.equal(down.stateKnown, false);
      assert.deepEqual(down.migrations.map((m) => m.state), ['unknown', 'unknown', 'unknown']);
      assert.doesNotMatch(JSON.stringify(down), /hunter2/);
    } finally {
      cleanup();
    }
  });
});

void describe('CLI in a golang-migrate folder', () => {
  void it('status --json prints the folder state; upgrade refuses instead of using the Knex default', async () => {
    const { dir, cleanup } = tempDir('mg-golang-cli-');
    try {
      writeFiles(dir, golang);
      const status = await runCli(['status', '--cwd', dir, '--json']);
      assert.equal(status.code, 0, status.stderr);
      const s = JSON.parse(status.stdout) as FolderStateResult;
      assert.equal(s.flavor, 'golang-migrate');
      assert.equal(s.stateKnown, false);
      const upgrade = await runCli(['upgrade', '--yes', '--cwd', dir, '--json'], { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' });
      assert.equal(upgrade.code, 2);
      assert.equal((JSON.parse(upgrade.stdout) as ErrorResult).error.code, 'not-knex-project');
    } finally {
      cleanup();
    }
  });
});
