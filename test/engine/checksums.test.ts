/**
 * Checksums and the new states: migrations applied without Migration Guard show `checksum: 'none'`;
 * read-only views never create `migration_guard_checksums`; `edited` and `out-of-order`; `current`
 * is the highest id, not the last file name.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import knexFactory from 'knex';
import { checksumVerdict, getHistory, getStatus, loadProject, markApplied, mergeStatus, sha256File, upgrade, validate } from '../../server/src/migrations';
import { createTableMigration, sqliteAll, sqliteKnexfile, sqliteTables, tempDir, writeFiles } from './helpers';

/** A migration whose up() fails on its first statement. */
const FAILING_MIGRATION = "exports.up = (knex) => knex.raw('select * from no_such_table');\nexports.down = () => {};\n";

void describe('checksums and states', () => {
  void it('mergeStatus: edited, out-of-order, none/match/edited/missing verdicts', () => {
    const files = ['001.js', '002.js', '003.js', '004.js'].map((n) => ({ name: n, file: `/m/${n}` }));
    const rows = [
      { name: '001.js', batch: 1, appliedAt: null },
      { name: '003.js', batch: 1, appliedAt: null },
      { name: 'gone.js', batch: 1, appliedAt: null },
    ];
    const merged = mergeStatus(rows, files, new Map([['001.js', 'aa'], ['003.js', 'bb'], ['gone.js', 'cc']]), new Map([['001.js', 'aa'], ['003.js', 'XX']]));
    assert.deepEqual(merged.map((m) => [m.name, m.state, m.checksum]), [
      ['001.js', 'applied', 'match'],
      ['003.js', 'edited', 'edited'],
      ['gone.js', 'missing', 'missing'],
      ['002.js', 'out-of-order', 'none'],
      ['004.js', 'pending', 'none'],
    ]);
    // A missing file without a recorded checksum has none to speak of.
    assert.equal(mergeStatus([{ name: 'gone.js', batch: 1, appliedAt: null }], [])[0]?.checksum, 'none');
    assert.equal(checksumVerdict(undefined, 'aa'), 'none');
  });

  void it('a database migrated by plain Knex: no checksum, read-only views create no table, out-of-order and current by id', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'knexfile.js': sqliteKnexfile(),
        'db/migrations/001_a.js': createTableMigration('a'),
        'db/migrations/002_b.js': createTableMigration('b'),
        'db/migrations/003_c.js': createTableMigration('c'),
      });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      // Plain Knex, as `knex migrate:up 003_c.js` then `knex migrate:up 001_a.js` would do.
      const knex = knexFactory(project.knexConfig);
      try {
        await knex.migrate.up({ name: '003_c.js' });
        await knex.migrate.up({ name: '001_a.js' });
      } finally {
        await knex.destroy();
      }
      const db = project.sqliteFile as string;
      const before = await sqliteTables(db);
      const s = await getStatus(project);
      assert.deepEqual(s.migrations.map((m) => [m.name, m.state, m.checksum]), [
        ['003_c.js', 'applied', 'none'],
        ['001_a.js', 'applied', 'none'],
        ['002_b.js', 'out-of-order', 'none'],
      ]);
      assert.equal(s.current, '001_a.js', 'highest id, although 003_c.js sorts last');
      await getHistory(project);
      await validate(project);
      assert.deepEqual(await sqliteTables(db), before, 'status/history/validate created nothing');
      assert.ok(!before.includes('migration_guard_checksums'));

      // mark-applied is a write: it creates the table and records the file's sha256.
      await markApplied(project, '002_b.js');
      const rows = await sqliteAll(db, 'select name, sha256 from migration_guard_checksums');
      assert.deepEqual(rows, [{ name: '002_b.js', sha256: sha256File(path.join(dir, 'db', 'migrations', '002_b.js')) }]);
      writeFileSync(path.join(dir, 'db', 'migrations', '002_b.js'), `${createTableMigration('b')}// changed\n`);
      const after = await getStatus(project);
      assert.deepEqual(after.migrations.map((m) => [m.name, m.state, m.checksum]), [
        ['003_c.js', 'applied', 'none'],
        ['001_a.js', 'applied', 'none'],
        ['002_b.js', 'edited', 'edited'],
      ]);
      assert.equal((await upgrade(project, { noBackup: true })).pending.length, 0, 'an edited migration is not pending');
    } finally {
      cleanup();
    }
  });

  void it('a batch in one transaction records every checksum at the end (301 migrations, two INSERT chunks); the knexfile\'s own hooks still run', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const files: Record<string, string> = {
        'knexfile.js': `const fs = require('node:fs');
const note = (what) => async (knex, migrations) => fs.appendFileSync(__dirname + '/hooks.log', what + ' ' + migrations.length + ' ' + Boolean(knex.isTransaction) + '\\n');
module.exports = { client: 'sqlite3', connection: { filename: './db/app.sqlite3' }, useNullAsDefault: true,
  migrations: { directory: './db/migrations', beforeAll: note('beforeAll'), afterEach: note('afterEach'), afterAll: note('afterAll') } };
`,
      };
      for (let i = 0; i < 301; i++) files[`db/migrations/${String(1000 + i)}_t${i}.js`] = createTableMigration(`t${i}`);
      writeFiles(dir, files);
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const result = await upgrade(project, { noBackup: true });
      assert.equal(result.applied.length, 301);
      const db = project.sqliteFile as string;
      const rows = await sqliteAll(db, 'select name, sha256 from migration_guard_checksums order by name');
      assert.equal(rows.length, 301);
      assert.deepEqual(rows[300], { name: '1300_t300.js', sha256: sha256File(path.join(dir, 'db', 'migrations', '1300_t300.js')) });
      const log = readFileSync(path.join(dir, 'hooks.log'), 'utf8').trim().split('\n');
      assert.deepEqual([log[0], log[1], log.at(-1), log.length], ['beforeAll 301 true', 'afterEach 1 true', 'afterAll 301 true', 303]);
      const status = await getStatus(project);
      assert.ok(status.migrations.every((m) => m.state === 'applied' && m.checksum === 'match'));
    } finally {
      cleanup();
    }
  });

  void it('a batch without a transaction (one migration opts out) records each checksum right after its migration', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'knexfile.js': sqliteKnexfile(),
        'db/migrations/001_a.js': createTableMigration('a'),
        'db/migrations/002_b.js': `${createTableMigration('b')}exports.config = { transaction: false };\n`,
        'db/migrations/003_c.js': createTableMigration('c'),
        'db/migrations/004_fails.js': FAILING_MIGRATION,
      });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await assert.rejects(upgrade(project, { noBackup: true }), /004_fails\.js/);
      const db = project.sqliteFile as string;
      // Without a batch transaction the three migrations before the failure stay applied, each with its checksum.
      assert.deepEqual((await sqliteAll(db, 'select name from knex_migrations order by id')).map((r) => r.name), ['001_a.js', '002_b.js', '003_c.js']);
      assert.deepEqual((await sqliteAll(db, 'select name from migration_guard_checksums order by name')).map((r) => r.name), ['001_a.js', '002_b.js', '003_c.js']);
    } finally {
      cleanup();
    }
  });

  void it('a batch in one transaction that fails leaves no checksum behind', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'knexfile.js': sqliteKnexfile(),
        'db/migrations/001_a.js': createTableMigration('a'),
        'db/migrations/002_fails.js': FAILING_MIGRATION,
      });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await assert.rejects(upgrade(project, { noBackup: true }), /002_fails\.js/);
      const db = project.sqliteFile as string;
      assert.deepEqual(await sqliteAll(db, 'select name from knex_migrations'), []);
      assert.ok(!(await sqliteTables(db)).includes('migration_guard_checksums'), 'even the checksum table was rolled back with the batch');
    } finally {
      cleanup();
    }
  });
});
