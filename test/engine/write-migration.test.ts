/**
 * `validate --write-migration` on REAL SQLite files and the test PostgreSQL server (MG_TEST_PG_URL): for each kind
 * of drift made by hand, the written migration applied after the history on a fresh database reproduces the live
 * schema (diff empty), and its `down` brings the fresh database back to the history's schema. Refusals: no drift,
 * an invalid name, a file that exists.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sqlite3 from 'sqlite3';
import { isEngineError, loadProject, upgrade, validate, type LoadedProject } from '../../server/src/migrations';
import { diffSchemas } from '../../server/src/migrations/schema/diff';
import { liveSchema } from '../../server/src/migrations/schema/source';
import type { ErrorResult, SchemaModel, ValidateResult } from '../../server/src/protocol';
import { DRIFT_MIGRATIONS } from './drift-helpers';
import { createPgDatabase, pgSkip, runCli, sqliteKnexfile, tempDir, writeFiles } from './helpers';

function sqliteExec(file: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (err) => {
      if (err) return reject(err);
      db.exec(sql, (err2) => db.close(() => (err2 ? reject(err2) : resolve())));
    });
  });
}

/** A database of one dialect the tests create and drop: its knexfile and a way to run SQL on it by hand. */
interface TestDb {
  knexfile: string;
  exec(sql: string): Promise<void>;
}

interface Dialect {
  name: 'sqlite' | 'postgresql';
  skip: string | false;
  newDb(dir: string): Promise<TestDb>;
  cases: Array<{ what: string; sql: string; kinds: string[] }>;
}

const postsRebuild = (def: string) => `PRAGMA foreign_keys = OFF; BEGIN;
  CREATE TABLE posts_new (${def});
  INSERT INTO posts_new SELECT id, user_id, body FROM posts; DROP TABLE posts; ALTER TABLE posts_new RENAME TO posts; COMMIT;`;

const pgDrops: Array<() => Promise<void>> = [];

const DIALECTS: Dialect[] = [
  {
    name: 'sqlite',
    skip: false,
    newDb: (dir) => {
      const file = path.join(dir, 'db', 'app.sqlite3');
      return Promise.resolve({ knexfile: sqliteKnexfile(), exec: (sql) => sqliteExec(file, sql) });
    },
    cases: [
      { what: 'a column added with ALTER TABLE', sql: "ALTER TABLE users ADD COLUMN nickname text DEFAULT 'x'", kinds: ['extra-column'] },
      { what: 'a dropped index', sql: 'DROP INDEX users_age_idx', kinds: ['missing-index'] },
      { what: 'a changed type', sql: postsRebuild('`id` integer not null primary key autoincrement, `user_id` integer, `body` varchar(50) not null, foreign key(`user_id`) references `users`(`id`) on delete CASCADE'), kinds: ['type-mismatch'] },
      { what: 'a dropped NOT NULL', sql: postsRebuild('`id` integer not null primary key autoincrement, `user_id` integer, `body` text, foreign key(`user_id`) references `users`(`id`) on delete CASCADE'), kinds: ['nullability-mismatch'] },
      { what: 'a removed foreign key', sql: postsRebuild('`id` integer not null primary key autoincrement, `user_id` integer, `body` text not null'), kinds: ['missing-foreign-key'] },
      { what: 'an extra table', sql: "CREATE TABLE audit (id integer primary key autoincrement, note text not null default 'x', user_id integer references users(id)); CREATE INDEX audit_note_idx ON audit (lower(note)) WHERE note <> ''", kinds: ['extra-table'] },
      { what: 'a table dropped by hand', sql: 'DROP TABLE posts', kinds: ['missing-table'] },
      { what: 'two tables dropped by hand, one referencing the other', sql: 'DROP TABLE posts; DROP TABLE users', kinds: ['missing-table', 'missing-table'] },
      { what: 'two extra tables, the first referencing the second', sql: 'CREATE TABLE z_parent (id integer primary key); CREATE TABLE a_child (id integer primary key, p integer REFERENCES z_parent(id))', kinds: ['extra-table', 'extra-table'] },
    ],
  },
  {
    name: 'postgresql',
    skip: pgSkip('PostgreSQL write-migration tests'),
    newDb: async () => {
      const db = await createPgDatabase('writemig');
      pgDrops.push(() => db.drop());
      return {
        knexfile: `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(db.url())}, migrations: { directory: './db/migrations' } } };`,
        exec: async (sql) => void (await db.query(sql)),
      };
    },
    cases: [
      { what: 'a column added with ALTER TABLE', sql: "ALTER TABLE users ADD COLUMN nickname text NOT NULL DEFAULT 'x'", kinds: ['extra-column'] },
      { what: 'a dropped index', sql: 'DROP INDEX users_age_idx', kinds: ['missing-index'] },
      { what: 'a changed type', sql: 'ALTER TABLE users ALTER COLUMN age TYPE bigint', kinds: ['type-mismatch'] },
      { what: 'a dropped NOT NULL', sql: 'ALTER TABLE posts ALTER COLUMN body DROP NOT NULL', kinds: ['nullability-mismatch'] },
      { what: 'a removed foreign key', sql: 'ALTER TABLE posts DROP CONSTRAINT posts_user_id_foreign', kinds: ['missing-foreign-key'] },
      {
        what: 'an extra table',
        sql: "CREATE TABLE audit (id serial primary key, note text NOT NULL DEFAULT 'x', user_id integer REFERENCES users(id) ON DELETE SET NULL, CONSTRAINT audit_note_check CHECK (note <> '')); CREATE UNIQUE INDEX audit_note_idx ON audit (lower(note)) WHERE user_id IS NOT NULL",
        kinds: ['extra-table'],
      },
      { what: 'a table dropped by hand', sql: 'DROP TABLE posts', kinds: ['missing-table'] },
      { what: 'two tables dropped by hand, one referencing the other', sql: 'DROP TABLE posts; DROP TABLE users', kinds: ['missing-table', 'missing-table'] },
      { what: 'two extra tables, the first referencing the second', sql: 'CREATE TABLE z_parent (id serial primary key); CREATE TABLE a_child (id serial primary key, p integer REFERENCES z_parent(id))', kinds: ['extra-table', 'extra-table'] },
    ],
  },
];

after(async () => {
  for (const d of pgDrops.reverse()) await d().catch(() => {});
});

for (const dialect of DIALECTS) {
  void describe(`validate --write-migration on ${dialect.name}`, { skip: dialect.skip }, () => {
    let tmp: { dir: string; cleanup: () => void };
    let n = 0;
    before(() => {
      tmp = tempDir('mg-writemig-');
    });
    after(() => tmp?.cleanup());

    /** A project built from the drift migrations (plus `extra` files), migrated to the latest. */
    async function built(extra: Record<string, string> = {}): Promise<{ project: LoadedProject; dir: string; db: TestDb }> {
      const dir = path.join(tmp.dir, `p${n++}`);
      const db = await dialect.newDb(dir);
      writeFiles(dir, { 'knexfile.js': db.knexfile, ...DRIFT_MIGRATIONS, ...extra });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await upgrade(project, { noBackup: true, allowUnsafe: true });
      return { project, dir, db };
    }

    async function latest(project: LoadedProject): Promise<void> {
      const k = project.knex.factory(project.knexConfig);
      try {
        await k.migrate.latest();
      } finally {
        await k.destroy();
      }
    }

    for (const c of dialect.cases) {
      void it(`${c.what}: up reproduces the live schema on a fresh database, down brings back the history's`, async () => {
        const live = await built();
        await live.db.exec(c.sql);
        const v = await validate(live.project, { writeMigration: { name: 'sync_schema' } });
        assert.deepEqual(v.drift?.map((d) => d.kind), c.kinds);
        const w = v.writtenMigration;
        assert.ok(w, 'a migration was written');
        assert.match(w.name, /^\d{14}_sync_schema\.js$/);
        assert.equal(w.path, path.join(live.dir, 'db', 'migrations', w.name));
        const text = readFileSync(w.path, 'utf8');
        assert.match(text, /exports\.up = async function up\(knex\)/);
        assert.deepEqual(w.notes, []);
        // Findings, when any, are comments at the top.
        if (w.findings.length) assert.match(text, /^\/\/ Migration Guard lint: /);

        // A fresh database: the history, then the written migration.
        const fresh = await built();
        const history = await liveSchema(fresh.project);
        copyFileSync(w.path, path.join(fresh.dir, 'db', 'migrations', w.name));
        await latest(fresh.project);
        const liveModel: SchemaModel = await liveSchema(live.project);
        assert.deepEqual(diffSchemas(liveModel, await liveSchema(fresh.project)), [], `up reproduces the live schema:\n${text}`);
        const k = fresh.project.knex.factory(fresh.project.knexConfig);
        try {
          await k.migrate.down();
        } finally {
          await k.destroy();
        }
        assert.deepEqual(diffSchemas(history, await liveSchema(fresh.project)), [], `down brings back the history's schema:\n${text}`);
      });
    }

    void it('puts a view in as a TODO comment and a note, never dropping it silently', async () => {
      const live = await built();
      await live.db.exec('CREATE VIEW adults AS SELECT id FROM users WHERE age >= 18');
      const v = await validate(live.project, { writeMigration: { name: 'with_view' } });
      const w = v.writtenMigration;
      assert.ok(w);
      assert.equal(w.notes.length, 2, JSON.stringify(w.notes));
      assert.match(w.notes[0] ?? '', /View adults: create it by hand/);
      assert.match(readFileSync(w.path, 'utf8'), /\/\/ TODO View adults: create it by hand/);
    });

    void it('refuses without drift, with an invalid name, or when the file exists; writes nothing', async () => {
      const live = await built();
      const migrations = path.join(live.dir, 'db', 'migrations');
      const before = readdirSync(migrations);
      await assert.rejects(validate(live.project, { writeMigration: { name: 'sync' } }), (e) => isEngineError(e) && e.code === 'no-drift' && /no drift/.test(e.message));
      await assert.rejects(validate(live.project, { writeMigration: { name: 'bad name!' } }), (e) => isEngineError(e) && e.code === 'usage' && /Invalid migration name/.test(e.message));
      await live.db.exec('ALTER TABLE users ADD COLUMN nickname text');
      const now = new Date(Date.UTC(2030, 0, 2, 3, 4, 5));
      writeFiles(live.dir, { 'db/migrations/20300102030405_sync.js': '// taken\n' });
      await assert.rejects(validate(live.project, { writeMigration: { name: 'sync', now } }), (e) => isEngineError(e) && e.code === 'usage' && /already exists/.test(e.message));
      assert.deepEqual(readdirSync(migrations).sort(), [...before, '20300102030405_sync.js'].sort());
    });

    void it('CLI: prints the path; --json adds writtenMigration { path, name, findings }', async () => {
      const live = await built();
      const clean = await runCli(['validate', '--json', '--write-migration', 'sync', '--cwd', live.dir]);
      assert.equal(clean.code, 1, clean.stderr);
      assert.equal((JSON.parse(clean.stdout) as ErrorResult).error.code, 'no-drift');
      await live.db.exec('ALTER TABLE users ADD COLUMN nickname text');
      const r = await runCli(['validate', '--json', '--write-migration', 'sync', '--cwd', live.dir]);
      assert.equal(r.code, 1, r.stderr);
      const v = JSON.parse(r.stdout) as ValidateResult;
      assert.ok(v.writtenMigration);
      assert.ok(existsSync(v.writtenMigration.path));
      assert.deepEqual(Object.keys(v.writtenMigration).sort(), ['findings', 'name', 'notes', 'path']);
      const t = await runCli(['validate', '--write-migration', 'sync_again', '--cwd', live.dir]);
      assert.match(t.stdout, /\nWrote .*_sync_again\.js\n/);
    });
  });
}

/** The upgrade refuses, before any backup or write, when drift would make a pending migration fail (issue 15). */
for (const dialect of DIALECTS) {
  void describe(`upgrade with drift that a pending migration trips over, on ${dialect.name}`, { skip: dialect.skip }, () => {
    let tmp: { dir: string; cleanup: () => void };
    let n = 0;
    before(() => {
      tmp = tempDir('mg-driftconflict-');
    });
    after(() => tmp?.cleanup());

    const pending = {
      'db/migrations/004_users_nickname.js': "exports.up = (knex) => knex.schema.alterTable('users', (t) => { t.text('nickname'); });\nexports.down = (knex) => knex.schema.alterTable('users', (t) => { t.dropColumn('nickname'); });\n",
    };

    async function builtWithPending(): Promise<{ project: LoadedProject; dir: string; db: TestDb }> {
      const dir = path.join(tmp.dir, `p${n++}`);
      const db = await dialect.newDb(dir);
      writeFiles(dir, { 'knexfile.js': db.knexfile, ...DRIFT_MIGRATIONS });
      await upgrade(await loadProject({ cwd: dir, processEnv: {} }), { noBackup: true, allowUnsafe: true });
      writeFiles(dir, pending);
      return { project: await loadProject({ cwd: dir, processEnv: {} }), dir, db };
    }

    void it('a hand-added column that a pending migration adds: refused with drift-conflict naming it, nothing written, no backup', async () => {
      const b = await builtWithPending();
      await b.db.exec('ALTER TABLE users ADD COLUMN nickname text');
      const schemaBefore = await liveSchema(b.project);
      const backups = path.join(b.dir, '.migration-guard', 'backups');
      for (const dryRun of [true, false]) {
        await assert.rejects(upgrade(b.project, { dryRun }), (e) => {
          assert.ok(isEngineError(e));
          assert.equal(e.code, 'drift-conflict');
          assert.match(e.message, /004_users_nickname\.js adds column users\.nickname, which already exists: extra-column users\.nickname/);
          assert.match(e.hint ?? '', /validate --write-migration/);
          return true;
        });
      }
      assert.deepEqual(diffSchemas(schemaBefore, await liveSchema(b.project)), [], 'database unchanged');
      assert.equal(existsSync(backups) ? readdirSync(backups).length : 0, 0, 'no backup taken');
      const cli = await runCli(['upgrade', '--yes', '--json', '--cwd', b.dir]);
      assert.equal(cli.code, 1, cli.stderr);
      assert.equal((JSON.parse(cli.stdout) as ErrorResult).error.code, 'drift-conflict');
    });

    void it('a hand-made table or index name that a pending migration creates: refused, naming the drift item', async () => {
      for (const [file, sql, expected] of [
        ["exports.up = (knex) => knex.schema.createTable('audit', (t) => { t.increments('id'); });\nexports.down = (knex) => knex.schema.dropTable('audit');\n", 'CREATE TABLE audit (id integer)', /005_more\.js creates table audit, which already exists: extra-table audit/],
        ["exports.up = (knex) => knex.schema.alterTable('users', (t) => { t.index(['name'], 'users_name_idx'); });\nexports.down = (knex) => knex.schema.alterTable('users', (t) => { t.dropIndex([], 'users_name_idx'); });\n", 'CREATE INDEX users_name_idx ON users (name)', /005_more\.js creates index users_name_idx, a name already taken: extra-index users \(index users_name_idx\)/],
      ] as const) {
        const b = await builtWithPending();
        writeFiles(b.dir, { 'db/migrations/005_more.js': file });
        await b.db.exec(sql);
        const project = await loadProject({ cwd: b.dir, processEnv: {} });
        await assert.rejects(upgrade(project, { noBackup: true }), (e) => isEngineError(e) && e.code === 'drift-conflict' && expected.test(e.message));
      }
    });

    void it('without drift the upgrade runs as before', async () => {
      const b = await builtWithPending();
      const r = await upgrade(b.project, { noBackup: true });
      assert.deepEqual(r.applied, ['004_users_nickname.js']);
    });
  });
}
