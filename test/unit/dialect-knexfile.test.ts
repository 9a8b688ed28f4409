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

test('no knexfile: the nearest package.json that depends on sqlite3 / better-sqlite3 only makes it SQLite (issue 17)', async () => {
  const { resolveDialect, dialectFromPackageJson } = await import('../../server/src/config');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-pkg-dialect-'));
  try {
    const file = path.join(root, 'db', 'migrations', '20240101_init.js');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'exports.up = () => {};');
    assert.equal(resolveDialect('auto', file, root), 'postgresql', 'no package.json: the default');
    const write = (pkg: object) => fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify(pkg));
    write({ dependencies: { knex: '^3.1.0', 'better-sqlite3': '^11.0.0' } });
    assert.equal(resolveDialect('auto', file, root), 'sqlite');
    write({ dependencies: { knex: '^3.1.0' }, devDependencies: { sqlite3: '^5.1.7' } });
    assert.equal(resolveDialect('auto', file, root), 'sqlite');
    write({ dependencies: { knex: '^3.1.0', pg: '^8.11.0' }, devDependencies: { sqlite3: '^5.1.7' } });
    assert.equal(resolveDialect('auto', file, root), 'postgresql', 'SQLite for tests, PostgreSQL in production: the default stays');
    write({ dependencies: { 'better-sqlite3': '^11.0.0' } });
    assert.equal(resolveDialect('postgresql', file, root), 'postgresql', 'an explicit setting wins');
    fs.writeFileSync(path.join(root, 'knexfile.js'), "module.exports = { client: 'pg' };");
    assert.equal(resolveDialect('auto', file, root), 'postgresql', 'a knexfile wins over package.json');
    assert.equal(dialectFromPackageJson('{ not json'), undefined);
    assert.equal(dialectFromPackageJson('{"dependencies": null}'), undefined);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
