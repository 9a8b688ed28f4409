/**
 * Alembic, read-only (issue 16): the revision graph of real revision files (branch, merge via a
 * `down_revision` tuple, several heads, a missing parent, several version locations), `current` read from a
 * real SQLite file (sha256 unchanged) and from the real PostgreSQL (MG_TEST_PG_URL; no table created), and
 * the CLI: `history`/`status --json` in an Alembic folder, `projects --json`, and Knex-only commands refusing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { getAlembicHistory, readAlembicCurrent, sqliteFileOfUrl } from '../../server/src/migrations/projects/alembic';
import type { AlembicHistoryResult, ErrorResult, ProjectsResult } from '../../server/src/protocol';
import { pgSkip, runCli, sqliteAll, tempDir, usePgDatabase, writeFiles } from './helpers';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * a ─┬─ b ──┐
 *    └─ c ──┴─ d (merge, tuple over two lines) ─┬─ e (head)
 *                                               └─ f (head, in the second version folder)
 * g names the missing parent zzz (a third head).
 */
function alembicProject(dir: string, url: string): void {
  writeFiles(dir, {
    'alembic.ini': `[alembic]\nscript_location = %(here)s/alembic\nversion_locations = %(here)s/alembic/versions %(here)s/extra/versions\nsqlalchemy.url = ${url}\n`,
    'alembic/env.py': 'raise SystemExit("env.py must not be run")\n',
    'alembic/versions/__init__.py': '',
    'alembic/versions/1_a.py': '"""create users\n\nRevision ID: a\nRevises:\n"""\nrevision = \'a\'\ndown_revision = None\nbranch_labels = None\n',
    'alembic/versions/2_b.py': '"""add email\n\nRevision ID: b\n"""\nrevision: str = "b"\ndown_revision: Union[str, None] = "a"\n',
    'alembic/versions/3_c.py': '"""feature table"""\nrevision = \'c\'\ndown_revision = \'a\'\nbranch_labels = (\'feature\',)\n',
    'alembic/versions/4_d.py': '"""merge b and c"""\nrevision = \'d\'\ndown_revision = (\n    \'b\',\n    \'c\',\n)\n',
    'alembic/versions/5_e.py': '"""e"""\nrevision = \'e\'\ndown_revision = \'d\'\n',
    'extra/versions/6_f.py': '"""f in the extra folder"""\nrevision = \'f\'\ndown_revision = \'d\'\n',
    'alembic/versions/7_g.py': '"""orphan"""\nrevision = \'g\'\ndown_revision = \'zzz\'\n',
    // Read only with recursive_version_locations = true.
    'alembic/versions/sub/8_h.py': '"""nested"""\nrevision = \'h\'\ndown_revision = \'e\'\n',
  });
}

function checkGraph(h: AlembicHistoryResult, dir: string): void {
  assert.equal(h.runner, 'alembic');
  assert.deepEqual(h.heads, ['e', 'f', 'g']);
  const byId = new Map(h.revisions.map((r) => [r.id, r]));
  assert.deepEqual([...byId.keys()].sort(), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  // state and isCurrent depend on the database: checkStates checks them.
  const { state: _state, isCurrent: _isCurrent, ...d } = byId.get('d')!;
  assert.deepEqual(d, { id: 'd', parents: ['b', 'c'], message: 'merge b and c', file: path.join(dir, 'alembic', 'versions', '4_d.py'), branchLabels: [], isMerge: true, isHead: false, isBranchPoint: true });
  assert.deepEqual(h.revisions.filter((r) => r.isBranchPoint).map((r) => r.id).sort(), ['a', 'd'], 'a (b, c) and d (e, f) branch');
  assert.deepEqual(byId.get('c')?.branchLabels, ['feature']);
  assert.equal(byId.get('a')?.message, 'create users');
  assert.deepEqual(byId.get('a')?.parents, []);
  assert.equal(byId.get('f')?.file, path.join(dir, 'extra', 'versions', '6_f.py'));
  // The heads first, then newest first: every revision comes before its parents.
  const order = h.revisions.map((r) => r.id);
  assert.deepEqual(order.slice(0, 3), ['e', 'f', 'g'], 'the heads are on top, g (whose parent is missing) too');
  for (const r of h.revisions) for (const p of r.parents) if (order.includes(p)) assert.ok(order.indexOf(r.id) < order.indexOf(p), `${r.id} before ${p}`);
  assert.ok(h.problems.some((p) => p.includes('zzz')), 'the missing parent is a problem');
  assert.ok(h.problems.some((p) => p.includes('3 heads')), 'several heads are a problem');
}

/** Each revision's `state` and `isCurrent` for the database at `current` (null: unknown). */
function checkStates(h: AlembicHistoryResult, current: string[] | null, applied: string[]): void {
  for (const r of h.revisions) {
    assert.equal(r.isCurrent, current?.includes(r.id) ?? false, `${r.id} isCurrent`);
    assert.equal(r.state, current === null ? 'unknown' : applied.includes(r.id) ? 'applied' : 'pending', `${r.id} state`);
  }
}

void describe('Alembic history (SQLite)', () => {
  void it('reads the graph and current from alembic_version without changing the database file', async () => {
    const { dir, cleanup } = tempDir('mg-alembic-');
    try {
      alembicProject(dir, 'sqlite:///db/app.db');
      const db = path.join(dir, 'db', 'app.db');

      const missing = await getAlembicHistory(path.join(dir, 'alembic.ini'));
      checkGraph(missing, dir);
      assert.equal(missing.current, null, 'no database file: unknown, not "nothing applied"');
      checkStates(missing, null, []);
      assert.match(missing.currentUnknownReason ?? '', /does not exist/);
      assert.equal(existsSync(db), false, 'reading must not create the SQLite file');

      mkdirSync(path.dirname(db));
      await sqliteAll(db, 'create table users (id integer primary key)');
      const before = sha256(db);
      const none = await getAlembicHistory(path.join(dir, 'alembic.ini'));
      assert.deepEqual(none.current, [], 'reachable, no alembic_version: nothing applied');
      checkStates(none, [], []);
      assert.equal(sha256(db), before, 'reading must not create alembic_version');

      await sqliteAll(db, 'create table alembic_version (version_num varchar(32) not null primary key)');
      await sqliteAll(db, "insert into alembic_version values ('f'), ('e')");
      const applied = sha256(db);
      const h = await getAlembicHistory(path.join(dir, 'alembic.ini'));
      assert.deepEqual(h.current, ['e', 'f']);
      assert.equal(h.currentUnknownReason, undefined);
      checkStates(h, ['e', 'f'], ['a', 'b', 'c', 'd', 'e', 'f']);
      assert.equal(sha256(db), applied, 'the database file is byte for byte unchanged');
      assert.deepEqual(await sqliteAll(db, "select name from sqlite_master where type = 'table' order by name"), [{ name: 'alembic_version' }, { name: 'users' }]);

      await sqliteAll(db, "insert into alembic_version values ('nope')");
      assert.ok((await getAlembicHistory(path.join(dir, 'alembic.ini'))).problems.some((p) => p.includes('revision nope, which no revision file declares')));
    } finally {
      cleanup();
    }
  });

  void it('SQLAlchemy SQLite URLs: relative, absolute, in-memory; other dialects are unknown with a reason', async () => {
    assert.equal(sqliteFileOfUrl('sqlite:///rel/app.db', '/base'), path.resolve('/base', 'rel/app.db'));
    assert.equal(sqliteFileOfUrl('sqlite:////abs/app.db', '/base'), '/abs/app.db');
    assert.equal(sqliteFileOfUrl('sqlite://', '/base'), undefined);
    assert.equal(sqliteFileOfUrl('sqlite:///:memory:', '/base'), undefined);
    const mysql = await readAlembicCurrent('mysql+pymysql://u:secret@h/db', '/base');
    assert.equal(mysql.current, null);
    assert.match(mysql.reason ?? '', /mysql is not read/);
    const none = await readAlembicCurrent(undefined, '/base');
    assert.equal(none.current, null);
    assert.match(none.reason ?? '', /env\.py/);
  });
});

void describe('Alembic history (PostgreSQL)', { skip: pgSkip('Alembic current on PostgreSQL') }, () => {
  const pgdb = usePgDatabase('alembic');
  const tables = async () => (await pgdb.query<{ n: string }>("select relname as n from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace order by 1")).map((r) => r.n);

  void it('reads current with postgresql+psycopg2:// and creates nothing', async () => {
    const { dir, cleanup } = tempDir('mg-alembic-pg-');
    try {
      const url = pgdb.url().replace(/^postgres(ql)?:/, 'postgresql+psycopg2:');
      alembicProject(dir, url);
      assert.deepEqual((await getAlembicHistory(path.join(dir, 'alembic.ini'))).current, []);
      assert.deepEqual(await tables(), [], 'reading must not create alembic_version');

      await pgdb.query('create table alembic_version (version_num varchar(32) not null primary key)');
      await pgdb.query("insert into alembic_version values ('d')");
      const h = await getAlembicHistory(path.join(dir, 'alembic.ini'));
      checkGraph(h, dir);
      assert.deepEqual(h.current, ['d']);
      checkStates(h, ['d'], ['a', 'b', 'c', 'd']);
      assert.deepEqual(await tables(), ['alembic_version']);
      assert.deepEqual(await pgdb.query('select version_num from alembic_version'), [{ version_num: 'd' }]);
    } finally {
      cleanup();
    }
  });

  void it('an unreachable server gives current null (unknown) with the reason, password masked', async () => {
    const r = await readAlembicCurrent('postgresql://someone:hunter2@127.0.0.1:1/nodb', '/base');
    assert.equal(r.current, null);
    assert.match(r.reason ?? '', /could not be read/);
    assert.doesNotMatch(r.reason ?? '', /hunter2/);
  });
});

void describe('CLI in an Alembic project', () => {
  void it('history/status --json print the Alembic state; projects --json lists it; upgrade refuses', async () => {
    const { dir, cleanup } = tempDir('mg-alembic-cli-');
    try {
      alembicProject(dir, '${APP_DB_URL}');
      await sqliteAll(path.join(dir, 'app.db'), 'create table alembic_version (version_num varchar(32) not null primary key)');
      await sqliteAll(path.join(dir, 'app.db'), "insert into alembic_version values ('b')");
      const env = { APP_DB_URL: 'sqlite:///app.db' };

      const history = await runCli(['history', '--cwd', dir, '--json'], env);
      assert.equal(history.code, 0, history.stderr);
      const h = JSON.parse(history.stdout) as AlembicHistoryResult;
      checkGraph(h, dir);
      assert.deepEqual(h.current, ['b']);
      checkStates(h, ['b'], ['a', 'b']);

      const status = await runCli(['status', '--cwd', dir, '--json'], env);
      assert.equal(status.code, 0, status.stderr);
      assert.deepEqual((JSON.parse(status.stdout) as AlembicHistoryResult).heads, ['e', 'f', 'g']);

      const projects = await runCli(['projects', '--cwd', dir, '--json']);
      assert.equal(projects.code, 0, projects.stderr);
      assert.deepEqual((JSON.parse(projects.stdout) as ProjectsResult).projects.map((p) => [p.runner, p.root, p.migrationsDirectories]), [
        ['alembic', dir, [path.join(dir, 'alembic', 'versions'), path.join(dir, 'extra', 'versions')]],
      ]);

      // With DATABASE_URL set, the Knex default would otherwise act on that database.
      const upgrade = await runCli(['upgrade', '--yes', '--cwd', dir, '--json'], { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' });
      assert.equal(upgrade.code, 2, upgrade.stdout + upgrade.stderr);
      const err = JSON.parse(upgrade.stdout) as ErrorResult;
      assert.equal(err.error.code, 'not-knex-project');
      assert.match(err.error.message, /Alembic project/);
    } finally {
      cleanup();
    }
  });
});

void describe('Alembic recursive_version_locations', () => {
  void it('reads revision files in subfolders only when the ini says so', async () => {
    const { dir, cleanup } = tempDir('mg-alembic-rec-');
    try {
      alembicProject(dir, 'sqlite:///app.db');
      const ini = path.join(dir, 'alembic.ini');
      assert.deepEqual((await getAlembicHistory(ini)).heads, ['e', 'f', 'g']);
      writeFiles(dir, { 'alembic.ini': `${readFileSync(ini, 'utf8')}recursive_version_locations = true\n` });
      const h = await getAlembicHistory(ini);
      assert.deepEqual(h.heads, ['f', 'g', 'h']);
      assert.equal(h.revisions.find((r) => r.id === 'h')?.file, path.join(dir, 'alembic', 'versions', 'sub', '8_h.py'));
    } finally {
      cleanup();
    }
  });
});
