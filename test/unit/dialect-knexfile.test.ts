/**
 * The one Knex client → dialect table and the one knexfile finder (server/src/config/dialect.ts, knexfile.ts), which
 * dialect detection, the project loader and project discovery all use.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientFamily, dialectFromKnexfileText, dialectOfClient, findKnexfile, findKnexfilesBelow, KNEXFILE_GLOB, KNEXFILE_NAMES, knexfileIn } from '../../server/src/config';

test('client → dialect: every PostgreSQL and SQLite client name, in any letter case', () => {
  const cases: Array<[string, 'postgresql' | 'sqlite']> = [
    ['pg', 'postgresql'],
    ['pg-native', 'postgresql'],
    ['pgnative', 'postgresql'],
    ['postgres', 'postgresql'],
    ['postgresql', 'postgresql'],
    ['cockroachdb', 'postgresql'],
    ['sqlite3', 'sqlite'],
    ['sqlite', 'sqlite'],
    ['better-sqlite3', 'sqlite'],
    ['PG', 'postgresql'],
    ['Pg-Native', 'postgresql'],
    ['PostgreSQL', 'postgresql'],
    ['POSTGRES', 'postgresql'],
    ['SQLite3', 'sqlite'],
    ['Better-SQLite3', 'sqlite'],
  ];
  for (const [client, dialect] of cases) {
    assert.equal(dialectOfClient(client), dialect, client);
    assert.equal(clientFamily(client), dialect, client);
  }
  for (const other of ['mysql', 'mysql2', 'mssql', 'oracledb', 'redshift', '']) {
    assert.equal(dialectOfClient(other), null, other);
    assert.equal(clientFamily(other), 'other', other);
  }
});

test('knexfile text: the same table decides, in any letter case', () => {
  assert.equal(dialectFromKnexfileText("module.exports = { client: 'Better-SQLite3' }"), 'sqlite');
  assert.equal(dialectFromKnexfileText("module.exports = { client: 'SQLITE3' }"), 'sqlite');
  assert.equal(dialectFromKnexfileText("module.exports = { development: { client: 'sqlite3' }, production: { client: 'pg-native' } }"), 'postgresql');
});

test('one knexfile finder: names in order, upward search, stop folder, folders named like a knexfile skipped', () => {
  assert.deepEqual(KNEXFILE_NAMES, ['knexfile.js', 'knexfile.cjs', 'knexfile.mjs', 'knexfile.ts']);
  assert.equal(KNEXFILE_GLOB, '**/knexfile.{js,cjs,mjs,ts}');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-knexfile-'));
  try {
    const deep = path.join(dir, 'app', 'src', 'db');
    fs.mkdirSync(deep, { recursive: true });
    assert.equal(findKnexfile(deep, dir), null);
    fs.writeFileSync(path.join(dir, 'knexfile.ts'), '');
    assert.equal(findKnexfile(deep), path.join(dir, 'knexfile.ts'));
    assert.equal(findKnexfile(deep, path.join(dir, 'app')), null, 'the stop folder is the last one searched');
    fs.mkdirSync(path.join(dir, 'app', 'knexfile.js'));
    assert.equal(knexfileIn(path.join(dir, 'app')), null, 'a folder is not a knexfile');
    fs.writeFileSync(path.join(dir, 'app', 'knexfile.mjs'), '');
    fs.writeFileSync(path.join(dir, 'app', 'knexfile.cjs'), '');
    assert.equal(knexfileIn(path.join(dir, 'app')), path.join(dir, 'app', 'knexfile.cjs'), '.cjs before .mjs');
    assert.equal(findKnexfile(deep, dir), path.join(dir, 'app', 'knexfile.cjs'));
    fs.mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', 'x', 'knexfile.js'), '');
    assert.deepEqual(findKnexfilesBelow(dir), [path.join('app', 'knexfile.cjs')]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('package.json activates the extension on the same knexfile names', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { activationEvents: string[] };
  assert.ok(manifest.activationEvents.includes(`workspaceContains:${KNEXFILE_GLOB}`), JSON.stringify(manifest.activationEvents));
});
