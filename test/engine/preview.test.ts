/**
 * upgrade --dry-run preview and pre-flight on real SQLite files (and PostgreSQL with MG_TEST_PG_URL):
 * the pending up() run in one rolled-back transaction; the schema and every row stay unchanged; the
 * exact SQL per migration; not previewable: transaction:false and CONCURRENTLY (and what follows);
 * pre-flight counts the rows each DROP/TRUNCATE/rebuild deletes and flags added columns that exist.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getStatus, loadProject, upgrade, type LoadedProject } from '../../server/src/migrations';
import type { UpgradeResult } from '../../server/src/protocol';
import { dumpSqlite, pgSkip, runCli, sqliteAll, tempDir, usePgDatabase, writeFiles } from './helpers';

const KNEXFILE = `module.exports = {
  development: {
    client: 'sqlite3',
    connection: { filename: './db/app.sqlite3' },
    useNullAsDefault: true,
    migrations: { directory: './db/migrations' },
    pool: { afterCreate: (conn, done) => conn.run('PRAGMA foreign_keys = ON', done) },
  },
};
`;

const BASE = `exports.up = async (knex) => {
  await knex.schema.createTable('users', (t) => { t.increments('id'); t.string('name'); t.string('legacy'); });
  await knex.schema.createTable('accounts', (t) => { t.increments('id'); t.integer('user_id').references('users.id').onDelete('CASCADE'); t.string('note'); });
  await knex.schema.createTable('exchange_accounts', (t) => { t.increments('id'); t.string('code'); });
};
exports.down = async () => {};
`;

/** A table whose columns the pending migrations rename, add then drop, and drop (the drop-column pre-flight). */
const PEOPLE = `exports.up = (knex) => knex.schema.createTable('people', (t) => { t.increments('id'); t.string('name'); t.string('nickname'); t.text('notes'); });
exports.down = async () => {};
`;
const PEOPLE_PENDING = {
  'db/migrations/002_add_tmp.js': "exports.up = (knex) => knex.schema.alterTable('people', (t) => { t.string('tmp'); });\nexports.down = async () => {};\n",
  'db/migrations/003_rename.js': "exports.up = (knex) => knex.schema.alterTable('people', (t) => { t.renameColumn('name', 'full_name'); });\nexports.down = async () => {};\n",
  'db/migrations/004_drops.js': "exports.up = (knex) => knex.schema.alterTable('people', (t) => { t.dropColumn('nickname'); t.dropColumn('notes'); t.dropColumn('tmp'); });\nexports.down = async () => {};\n",
};
const PEOPLE_DROPPED = [
  ['004_drops.js', 'people', 'nickname', 4, 'DROP COLUMN people.nickname deletes 4 values (the non-null ones, of 6 rows)'],
  ['004_drops.js', 'people', 'notes', 0, 'DROP COLUMN people.notes deletes 0 values (the non-null ones, of 6 rows)'],
];

void describe('preview and pre-flight (SQLite)', () => {
  void it('dry run returns the exact SQL per migration, counts deleted rows, and changes nothing', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': KNEXFILE, 'db/migrations/001_base.js': BASE });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const applied = await upgrade(project, { noBackup: true });
      assert.deepEqual(applied.applied, ['001_base.js']);
      const db = project.sqliteFile as string;
      for (let i = 1; i <= 5; i++) await sqliteAll(db, 'insert into users (name, legacy) values (?, ?)', [`u${i}`, 'x']);
      for (let i = 1; i <= 5; i++) await sqliteAll(db, 'insert into accounts (user_id, note) values (?, ?)', [i, `n${i}`]);
      for (let i = 1; i <= 12; i++) await sqliteAll(db, 'insert into exchange_accounts (code) values (?)', [`c${i}`]);
      writeFiles(dir, {
        'db/migrations/002_add_email.js': "exports.up = (knex) => knex.schema.alterTable('users', (t) => { t.string('email'); });\nexports.down = async () => {};\n",
        'db/migrations/003_drop_exchange.js': "exports.up = (knex) => knex.schema.dropTable('exchange_accounts');\nexports.down = async () => {};\n",
        'db/migrations/004_drop_legacy.js': "exports.up = (knex) => knex.schema.alterTable('users', (t) => { t.dropColumn('legacy'); });\nexports.down = async () => {};\n",
        'db/migrations/005_backfill.js': "exports.up = (knex) => knex('accounts').insert({ note: 'new' });\nexports.down = async () => {};\n",
        'db/migrations/006_no_trx.js': "exports.config = { transaction: false };\nexports.up = (knex) => knex.schema.dropTable('accounts');\nexports.down = async () => {};\n",
        'db/migrations/007_after.js': "exports.up = (knex) => knex.schema.createTable('later', (t) => { t.increments('id'); });\nexports.down = async () => {};\n",
      });
      const before = await dumpSqlite(db);
      const statusBefore = await getStatus(project);

      const r = await upgrade(project, { dryRun: true });
      assert.deepEqual(await dumpSqlite(db), before, 'schema and every row unchanged');
      assert.deepEqual(await getStatus(project), statusBefore);
      const byName = new Map((r.preview ?? []).map((p) => [p.migration, p]));
      assert.deepEqual([...byName.keys()], ['002_add_email.js', '003_drop_exchange.js', '004_drop_legacy.js', '005_backfill.js', '006_no_trx.js', '007_after.js']);
      assert.deepEqual(byName.get('002_add_email.js'), {
        migration: '002_add_email.js',
        sql: ['alter table `users` add column `email` varchar(255)'],
        previewable: true,
        effects: { tablesCreated: [], tablesDropped: [], columnsAdded: ['users.email'], columnsDropped: [] },
      });
      assert.deepEqual(byName.get('003_drop_exchange.js')?.effects?.tablesDropped, ['exchange_accounts']);
      assert.deepEqual(byName.get('004_drop_legacy.js')?.effects, { tablesCreated: [], tablesDropped: [], columnsAdded: [], columnsDropped: ['users.legacy'] }, 'a SQLite rebuild is a dropped column, not a new table');
      assert.equal(byName.get('006_no_trx.js')?.effects, undefined, 'not previewed: no effects');
      assert.deepEqual(byName.get('003_drop_exchange.js')?.sql, ['drop table `exchange_accounts`']);
      const rebuild = byName.get('004_drop_legacy.js')?.sql ?? [];
      assert.equal(rebuild[0], 'PRAGMA table_info(`users`)');
      assert.match(rebuild.join('\n'), /CREATE TABLE `_knex_temp_alter\d+` \(`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL, `name` varchar\(255\), `email` varchar\(255\)\)\nINSERT INTO "_knex_temp_alter\d+" SELECT "id", "name", "email" FROM "users";\nDROP TABLE "users"\nALTER TABLE "_knex_temp_alter\d+" RENAME TO "users"$/);
      assert.deepEqual(byName.get('005_backfill.js')?.sql, ["insert into `accounts` (`note`) values ('new')"], 'bindings inlined');
      assert.equal(byName.get('006_no_trx.js')?.previewable, false);
      assert.match(byName.get('006_no_trx.js')?.reason ?? '', /config\.transaction = false/);
      assert.deepEqual(byName.get('006_no_trx.js')?.sql, []);
      assert.equal(byName.get('007_after.js')?.previewable, false);
      assert.match(byName.get('007_after.js')?.reason ?? '', /comes after 006_no_trx\.js/);

      const pre = (r.preflight ?? []).map((p) => `${p.migration}: ${p.message}`);
      assert.deepEqual(pre, [
        '003_drop_exchange.js: DROP TABLE exchange_accounts deletes 12 rows',
        '004_drop_legacy.js: rebuilds users (SQLite alter: copy, DROP, rename); all 5 rows are kept',
        '004_drop_legacy.js: 5 of 5 rows of accounts are deleted (DELETE, or ON DELETE CASCADE from a dropped or rebuilt table)',
        '004_drop_legacy.js: DROP COLUMN users.legacy deletes 5 values (the non-null ones, of 5 rows)',
        '006_no_trx.js: DROP TABLE accounts deletes 1 row (from the source; not previewed)',
      ]);

      const cli = await runCli(['upgrade', '--dry-run', '--cwd', dir]);
      assert.match(cli.stdout, /Pre-flight \(5\):\n {2}003_drop_exchange\.js: DROP TABLE exchange_accounts deletes 12 rows/);
      assert.match(cli.stdout, /-- 002_add_email\.js\n {2}alter table `users` add column `email` varchar\(255\);/);
      assert.match(cli.stdout, /-- 006_no_trx\.js \(not previewable\)/);
      const json = await runCli(['upgrade', '--dry-run', '--json', '--cwd', dir]);
      const parsed = JSON.parse(json.stdout) as UpgradeResult;
      assert.equal(parsed.preview?.length, 6);
      assert.deepEqual(await dumpSqlite(db), before, 'CLI dry runs changed nothing either');
    } finally {
      cleanup();
    }
  });

  void it('flags an added column that already exists and stops the preview at a failing migration', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': KNEXFILE, 'db/migrations/001_base.js': BASE });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await upgrade(project, { noBackup: true });
      writeFiles(dir, {
        'db/migrations/002_add_note.js': "exports.up = (knex) => knex.schema.alterTable('accounts', (t) => { t.text('note'); });\nexports.down = async () => {};\n",
        'db/migrations/003_more.js': "exports.up = (knex) => knex.schema.createTable('more', (t) => { t.increments('id'); });\nexports.down = async () => {};\n",
      });
      const before = await dumpSqlite(project.sqliteFile as string);
      const r = await upgrade(project, { dryRun: true });
      assert.deepEqual(await dumpSqlite(project.sqliteFile as string), before);
      assert.deepEqual(r.preflight?.map((p) => [p.kind, p.message]), [['column-exists', 'column accounts.note already exists in the database: ADD COLUMN will fail']]);
      const add = r.preview?.[0];
      assert.equal(add?.previewable, true);
      assert.match(add?.error ?? '', /duplicate column name: note/);
      assert.equal(r.preview?.[1]?.previewable, false);
      assert.match(r.preview?.[1]?.reason ?? '', /stopped at 002_add_note\.js/);
    } finally {
      cleanup();
    }
  });

  void it('a real upgrade with a destructive finding reports the pre-flight (no preview) and applies', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': KNEXFILE, 'db/migrations/001_base.js': BASE });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await upgrade(project, { noBackup: true });
      for (let i = 1; i <= 3; i++) await sqliteAll(project.sqliteFile as string, 'insert into exchange_accounts (code) values (?)', [`c${i}`]);
      writeFiles(dir, { 'db/migrations/002_drop.js': "exports.up = (knex) => knex.schema.dropTable('exchange_accounts');\nexports.down = async () => {};\n" });
      const refused = await upgrade(project, { noBackup: true });
      assert.equal(refused.refused, true, 'ban-drop-table is an error finding');
      assert.equal(refused.preflight, undefined, 'no pre-flight when the upgrade is refused');
      const r = await upgrade(project, { noBackup: true, allowUnsafe: true });
      assert.deepEqual(r.applied, ['002_drop.js']);
      assert.equal(r.preview, undefined);
      assert.deepEqual(r.preflight?.map((p) => p.message), ['DROP TABLE exchange_accounts deletes 3 rows']);
    } finally {
      cleanup();
    }
  });

  void it('counts the values of dropped columns on the live data; renamed columns and columns a pending migration adds are not reported', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': KNEXFILE, 'db/migrations/001_base.js': PEOPLE });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await upgrade(project, { noBackup: true });
      for (let i = 1; i <= 6; i++) await sqliteAll(project.sqliteFile as string, 'insert into people (name, nickname) values (?, ?)', [`p${i}`, i <= 4 ? `n${i}` : null]);
      writeFiles(dir, PEOPLE_PENDING);
      const before = await dumpSqlite(project.sqliteFile as string);
      const r = await upgrade(project, { dryRun: true });
      assert.deepEqual(await dumpSqlite(project.sqliteFile as string), before);
      assert.deepEqual(
        r.preflight?.filter((p) => p.kind === 'drop-column').map((p) => [p.migration, p.table, p.column, p.rows, p.message]),
        PEOPLE_DROPPED,
      );
    } finally {
      cleanup();
    }
  });

  void it('previews on an empty in-memory database when the SQLite file does not exist yet (no file created)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': KNEXFILE, 'db/migrations/001_base.js': BASE });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const r = await upgrade(project, { dryRun: true });
      assert.equal(r.preview?.[0]?.previewable, true);
      assert.match(r.preview?.[0]?.sql.join('\n') ?? '', /^create table `users` \(`id` integer not null primary key autoincrement, `name` varchar\(255\), `legacy` varchar\(255\)\)/);
      const { existsSync } = await import('node:fs');
      assert.equal(existsSync(path.join(dir, 'db', 'app.sqlite3')), false);
    } finally {
      cleanup();
    }
  });
});

const skip = pgSkip('PostgreSQL preview tests');

void describe('preview and pre-flight (PostgreSQL, MG_TEST_PG_URL)', { skip }, () => {
  const db = usePgDatabase('preview');
  let tmp: { dir: string; cleanup: () => void };
  let project: LoadedProject;

  const q = db.query;
  async function snapshot(): Promise<unknown> {
    const tables = await q<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public' order by 1");
    const out: Record<string, unknown> = {
      columns: await q("select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns where table_schema = 'public' order by table_name, ordinal_position"),
      indexes: await q("select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1"),
    };
    for (const t of tables) out[t.table_name] = await q(`select * from "${t.table_name}" order by 1`);
    return out;
  }

  before(async () => {
    tmp = tempDir();
    writeFiles(tmp.dir, {
      'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(db.url())}, migrations: { directory: './migrations' } } };`,
      'migrations/001_base.js': BASE,
    });
    project = await loadProject({ cwd: tmp.dir, processEnv: {} });
  });

  after(async () => {
    tmp?.cleanup();
  });

  void it('dry run on PostgreSQL: exact SQL, rows counted, CONCURRENTLY not run, schema and rows unchanged', async () => {
    await upgrade(project, { noBackup: true });
    await q("insert into users (name, legacy) select 'u' || g, 'x' from generate_series(1, 7) g");
    await q('insert into accounts (user_id, note) select g, null from generate_series(1, 7) g');
    await q("insert into exchange_accounts (code) select 'c' || g from generate_series(1, 12) g");
    writeFiles(tmp.dir, {
      'migrations/002_add_email.js': "exports.up = (knex) => knex.schema.alterTable('users', (t) => { t.string('email'); });\nexports.down = async () => {};\n",
      'migrations/003_drop_exchange.js': "exports.up = (knex) => knex.raw('DROP TABLE exchange_accounts');\nexports.down = async () => {};\n",
      'migrations/004_truncate.js': "exports.up = (knex) => knex.raw('TRUNCATE accounts');\nexports.down = async () => {};\n",
      'migrations/005_index.js': "exports.up = (knex) => knex.raw('CREATE INDEX CONCURRENTLY users_name_idx ON users (name)');\nexports.down = async () => {};\n",
      'migrations/006_after.js': "exports.up = (knex) => knex.schema.dropTable('users');\nexports.down = async () => {};\n",
    });
    const before = await snapshot();
    const r = await upgrade(project, { dryRun: true });
    assert.deepEqual(await snapshot(), before, 'information_schema, indexes and rows unchanged');
    assert.deepEqual(
      r.preview?.map((p) => [p.migration, p.previewable, p.sql]),
      [
        ['002_add_email.js', true, ['alter table "users" add column "email" varchar(255)']],
        ['003_drop_exchange.js', true, ['DROP TABLE exchange_accounts']],
        ['004_truncate.js', true, ['TRUNCATE accounts']],
        ['005_index.js', false, []],
        ['006_after.js', false, []],
      ],
    );
    assert.match(r.preview?.[3]?.reason ?? '', /CONCURRENTLY/);
    assert.deepEqual(r.preflight?.map((p) => p.message), [
      'DROP TABLE exchange_accounts deletes 12 rows',
      'TRUNCATE accounts deletes 7 rows',
      'DROP TABLE users deletes 7 rows (from the source; not previewed)',
    ]);
  });
  void it('PostgreSQL: DROP COLUMN counts the values on the live data; renames and columns added by pending migrations are not reported', async () => {
    const people = tempDir();
    try {
      const migrationsOf = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([k, v]) => [k.replace('db/migrations/', 'migrations/'), v]));
      writeFiles(people.dir, {
        'knexfile.js': `module.exports = { development: { client: 'pg', connection: ${JSON.stringify(db.url())}, migrations: { directory: './migrations', tableName: 'people_migrations' } } };`,
        'migrations/001_base.js': PEOPLE,
      });
      const p = await loadProject({ cwd: people.dir, processEnv: {} });
      await upgrade(p, { noBackup: true });
      await q("insert into people (name, nickname) select 'p' || g, case when g <= 4 then 'n' || g end from generate_series(1, 6) g");
      writeFiles(people.dir, migrationsOf(PEOPLE_PENDING));
      const before = await snapshot();
      const r = await upgrade(p, { dryRun: true });
      assert.deepEqual(await snapshot(), before);
      assert.deepEqual(r.preview?.find((x) => x.migration === '004_drops.js')?.sql, ['alter table "people" drop column "nickname"', 'alter table "people" drop column "notes"', 'alter table "people" drop column "tmp"']);
      assert.deepEqual(
        r.preflight?.filter((x) => x.kind === 'drop-column').map((x) => [x.migration, x.table, x.column, x.rows, x.message]),
        PEOPLE_DROPPED,
      );
    } finally {
      people.cleanup();
    }
  });
});
