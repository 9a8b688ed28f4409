/**
 * Schema drift on REAL SQLite files (issue 15): each kind of drift made by hand is found exactly and
 * alone; a database built from its migrations has none (also after upgrade → downgrade → upgrade);
 * the scratch file is gone after success, after a failing migration and after SIGINT.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sqlite3 from 'sqlite3';
import { downgrade, loadProject, upgrade, validate, type LoadedProject } from '../../server/src/migrations';
import type { DriftItem, SchemaDiffResult, SchemaModel, ValidateResult } from '../../server/src/protocol';
import { DRIFT_MIGRATIONS } from './drift-helpers';
import { runCli, sqliteKnexfile, startCli, tempDir, writeFiles } from './helpers';

/** Runs several statements on an SQLite file with the driver (not Knex). */
function sqliteExec(file: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (err) => {
      if (err) return reject(err);
      db.exec(sql, (err2) => db.close(() => (err2 ? reject(err2) : resolve())));
    });
  });
}

/** The identifying fields of drift items, for exact comparisons. */
function kinds(drift: DriftItem[] | undefined): Array<Record<string, string>> {
  return (drift ?? []).map((d) => ({ kind: d.kind, table: d.table, ...(d.column ? { column: d.column } : {}), ...(d.index ? { index: d.index } : {}) }));
}

void describe('schema drift on SQLite', () => {
  let scratchDir: string;
  let tmpRoot: { dir: string; cleanup: () => void };
  const savedTmp = process.env.TMPDIR;
  let n = 0;

  before(() => {
    tmpRoot = tempDir('mg-drift-');
    scratchDir = path.join(tmpRoot.dir, 'tmp');
    mkdirSync(scratchDir);
    // os.tmpdir() follows TMPDIR: every scratch file of this process lands here, where the tests look.
    process.env.TMPDIR = scratchDir;
  });
  after(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    tmpRoot.cleanup();
  });

  const scratchLeft = () => readdirSync(scratchDir).filter((f) => f.startsWith('mg_scratch_'));

  /** A project migrated to the latest migration. */
  async function built(extra: Record<string, string> = {}): Promise<{ project: LoadedProject; file: string; dir: string }> {
    const dir = path.join(tmpRoot.dir, `p${n++}`);
    writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), ...DRIFT_MIGRATIONS, ...extra });
    const project = await loadProject({ cwd: dir, processEnv: {} });
    await upgrade(project, { noBackup: true, allowUnsafe: true });
    return { project, file: path.join(dir, 'db', 'app.sqlite3'), dir };
  }

  async function driftAfter(sql: string): Promise<ValidateResult> {
    const { project, file } = await built();
    await sqliteExec(file, sql);
    const v = await validate(project);
    assert.deepEqual(scratchLeft(), [], 'scratch file removed');
    return v;
  }

  void it('finds no drift on a database built from its migrations, and removes the scratch file', async () => {
    const { project } = await built();
    const v = await validate(project);
    assert.deepEqual(v.drift, []);
    assert.equal(v.valid, true, JSON.stringify(v.problems));
    assert.ok(v.checked.includes('schema drift'));
    assert.deepEqual(scratchLeft(), []);
  });

  void it('finds no drift after upgrade → downgrade → upgrade (Knex rebuilds tables on SQLite)', async () => {
    const { project } = await built();
    await downgrade(project, { step: 2, noBackup: true });
    await upgrade(project, { noBackup: true, allowUnsafe: true });
    const v = await validate(project);
    assert.deepEqual(v.drift, []);
    assert.equal(v.valid, true);
  });

  void it('replays in the recorded order when it differs from the file order (migrate.up per name)', async () => {
    const dir = path.join(tmpRoot.dir, `p${n++}`);
    writeFiles(dir, {
      'knexfile.js': sqliteKnexfile(),
      'db/migrations/001_a.js': "exports.up = (knex) => knex.schema.createTable('a', (t) => { t.increments('id'); });\nexports.down = (knex) => knex.schema.dropTable('a');\n",
      // Adds a column to a table only if 001 ran before it: replayed in file order, the schema would differ.
      'db/migrations/002_b.js': "exports.up = async (knex) => { await knex.schema.createTable('b', (t) => { t.increments('id'); }); if (await knex.schema.hasTable('a')) await knex.schema.alterTable('b', (t) => { t.text('after_a'); }); };\nexports.down = (knex) => knex.schema.dropTable('b');\n",
    });
    const project = await loadProject({ cwd: dir, processEnv: {} });
    const db = project.knex.factory(project.knexConfig);
    try {
      await db.migrate.up({ name: '002_b.js' });
      await db.migrate.up({ name: '001_a.js' });
    } finally {
      await db.destroy();
    }
    const v = await validate(project);
    assert.deepEqual(v.drift, []);
    assert.equal(v.valid, true, JSON.stringify(v.problems));
  });

  void it('finds a column added with ALTER TABLE, and only that', async () => {
    const v = await driftAfter('ALTER TABLE users ADD COLUMN nickname text');
    assert.deepEqual(kinds(v.drift), [{ kind: 'extra-column', table: 'users', column: 'nickname' }]);
    assert.equal(v.valid, false);
    assert.equal(v.drift?.[0]?.actual, 'text');
    assert.match(v.drift?.[0]?.hint ?? '', /migration/);
  });

  void it('finds a dropped index', async () => {
    const v = await driftAfter('DROP INDEX users_age_idx');
    assert.deepEqual(kinds(v.drift), [{ kind: 'missing-index', table: 'users', index: 'users_age_idx' }]);
  });

  void it('finds an extra table and a table dropped by hand', async () => {
    assert.deepEqual(kinds((await driftAfter('CREATE TABLE audit (id integer)')).drift), [{ kind: 'extra-table', table: 'audit' }]);
    assert.deepEqual(kinds((await driftAfter('DROP TABLE posts')).drift), [{ kind: 'missing-table', table: 'posts' }]);
  });

  void it('finds a removed foreign key and a dropped NOT NULL (tables rebuilt by hand)', async () => {
    const rebuild = (def: string) => `PRAGMA foreign_keys = OFF; BEGIN;
      CREATE TABLE posts_new (${def});
      INSERT INTO posts_new SELECT id, user_id, body FROM posts; DROP TABLE posts; ALTER TABLE posts_new RENAME TO posts; COMMIT;`;
    const noFk = await driftAfter(rebuild('`id` integer not null primary key autoincrement, `user_id` integer, `body` text not null'));
    assert.deepEqual(kinds(noFk.drift), [{ kind: 'missing-foreign-key', table: 'posts', column: 'user_id' }]);
    assert.match(noFk.drift?.[0]?.expected ?? '', /REFERENCES users\(id\) ON DELETE CASCADE/);
    const nullable = await driftAfter(rebuild('`id` integer not null primary key autoincrement, `user_id` integer, `body` text, foreign key(`user_id`) references `users`(`id`) on delete CASCADE'));
    assert.deepEqual(kinds(nullable.drift), [{ kind: 'nullability-mismatch', table: 'posts', column: 'body' }]);
    assert.equal(nullable.drift?.[0]?.expected, 'NOT NULL');
    assert.equal(nullable.drift?.[0]?.actual, 'NULL');
  });

  void it('reports rows that break a foreign key (PRAGMA foreign_key_check)', async () => {
    const v = await driftAfter('PRAGMA foreign_keys = OFF; INSERT INTO posts (user_id, body) VALUES (42, \'orphan\')');
    assert.deepEqual(v.drift, []);
    assert.deepEqual(v.problems.map((p) => p.code), ['foreign-key-check']);
    assert.equal(v.valid, false);
  });

  void it('reports drift-unchecked (not valid) when a migration fails on the scratch, and removes the scratch file', async () => {
    const dir = path.join(tmpRoot.dir, `p${n++}`);
    writeFiles(dir, {
      'knexfile.js': sqliteKnexfile(),
      ...DRIFT_MIGRATIONS,
      // Worked on the live database only because someone had created legacy by hand.
      'db/migrations/004_from_legacy.js': "exports.up = (knex) => knex.raw('insert into users (email) select email from legacy');\nexports.down = async () => {};\n",
    });
    const project = await loadProject({ cwd: dir, processEnv: {} });
    await sqliteExec(path.join(dir, 'db', 'app.sqlite3'), 'CREATE TABLE legacy (email text)');
    await upgrade(project, { noBackup: true, allowUnsafe: true });
    const v = await validate(project);
    assert.equal(v.valid, false);
    assert.deepEqual(v.problems.map((p) => p.code), ['drift-unchecked']);
    assert.match(v.problems[0]?.message ?? '', /004_from_legacy\.js failed .*legacy/);
    assert.deepEqual(scratchLeft(), []);
  });

  void it('validate --json: drift items, exit 1; text grouped by table with what to do; exit 0 when clean', async () => {
    const { dir, file } = await built();
    const clean = await runCli(['validate', '--json', '--cwd', dir], { TMPDIR: scratchDir });
    assert.equal(clean.code, 0, clean.stderr);
    assert.deepEqual((JSON.parse(clean.stdout) as ValidateResult).drift, []);
    await sqliteExec(file, 'ALTER TABLE users ADD COLUMN nickname text; CREATE TABLE audit (id integer);');
    const r = await runCli(['validate', '--json', '--cwd', dir], { TMPDIR: scratchDir });
    assert.equal(r.code, 1, r.stderr);
    const v = JSON.parse(r.stdout) as ValidateResult;
    assert.deepEqual(Object.keys(v).sort(), ['checked', 'drift', 'problems', 'project', 'valid']);
    assert.deepEqual(kinds(v.drift), [{ kind: 'extra-table', table: 'audit' }, { kind: 'extra-column', table: 'users', column: 'nickname' }]);
    const text = await runCli(['validate', '--cwd', dir], { TMPDIR: scratchDir });
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^Invalid: 0 problems, 2 schema drift items \(checked: .*schema drift/);
    assert.match(text.stdout, /\n {2}audit\n {4}extra-table: Table audit exists .* Write a migration/);
    assert.match(text.stdout, /\n {2}users\n {4}extra-column: Column users\.nickname/);
    assert.deepEqual(scratchLeft(), []);
  });

  void it('schema snapshot is stable and sorted; schema diff compares a snapshot, the database and the migrations', async () => {
    const { dir, file } = await built();
    const a = await runCli(['schema', 'snapshot', '--cwd', dir, '--out', 'snap.json'], { TMPDIR: scratchDir });
    assert.equal(a.code, 0, a.stderr);
    const b = await runCli(['schema', 'snapshot', '--cwd', dir], { TMPDIR: scratchDir });
    const model = JSON.parse(b.stdout) as SchemaModel;
    assert.equal(b.stdout, (await import('node:fs')).readFileSync(path.join(dir, 'snap.json'), 'utf8'), 'same bytes twice');
    assert.deepEqual(model.tables.map((t) => t.name), ['posts', 'users']);
    assert.deepEqual(model.tables[1]?.columns.map((c) => c.name), ['age', 'email', 'id', 'name']);
    const same = await runCli(['schema', 'diff', 'migrations', 'snap.json', '--json', '--cwd', dir], { TMPDIR: scratchDir });
    assert.equal(same.code, 0, same.stderr);
    assert.deepEqual((JSON.parse(same.stdout) as SchemaDiffResult).drift, []);
    await sqliteExec(file, 'DROP INDEX users_age_idx');
    const d = await runCli(['schema', 'diff', 'snap.json', 'database', '--json', '--cwd', dir], { TMPDIR: scratchDir });
    assert.equal(d.code, 1, d.stderr);
    const diff = JSON.parse(d.stdout) as SchemaDiffResult;
    assert.deepEqual(kinds(diff.drift), [{ kind: 'missing-index', table: 'users', index: 'users_age_idx' }]);
    assert.equal(diff.expected.kind, 'file');
    assert.equal(diff.actual.kind, 'database');
    const bad = await runCli(['schema', 'diff', 'nope.json', 'database', '--json', '--cwd', dir], { TMPDIR: scratchDir });
    assert.equal(bad.code, 2);
    assert.match(bad.stdout, /"code": "usage"/);
    assert.deepEqual(scratchLeft(), []);
  });

  void it('removes the scratch file on SIGINT while a migration runs in it', async () => {
    const { dir } = await built();
    const waitDir = path.join(dir, 'wait');
    mkdirSync(waitDir);
    const child = startCli(['validate', '--cwd', dir], { TMPDIR: scratchDir, MG_TEST_WAIT_DIR: waitDir });
    const started = path.join(waitDir, 'started');
    const exited = child.done.then(() => true);
    while (!existsSync(started)) {
      if (await Promise.race([exited, new Promise<false>((r) => setImmediate(() => r(false)))])) break;
    }
    assert.ok(existsSync(started), 'the migration started in the scratch database');
    assert.equal(scratchLeft().filter((f) => f.endsWith('.sqlite3')).length, 1, 'the scratch file exists while the migration waits');
    process.kill(child.pid, 'SIGINT');
    const r = await child.done;
    assert.notEqual(r.code, 0);
    assert.deepEqual(scratchLeft(), [], 'scratch file removed after SIGINT');
  });
});
