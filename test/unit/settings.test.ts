import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contributedConfiguration, defaultSettings, dialectFromKnexfileText, findKnexfile, isIncluded, normalizeSettings, resolveDialect } from '../../server/src/config';

test('package.json contributes.configuration is generated from the settings schema (npm run sync-settings)', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
  assert.deepEqual(manifest.contributes.configuration, contributedConfiguration());
});

test('default include globs: SQL anywhere, JS/TS only inside a migrations folder', () => {
  assert.equal(isIncluded('db/001_init.sql', defaultSettings), true);
  assert.equal(isIncluded('migrations/20240101_init.js', defaultSettings), true);
  assert.equal(isIncluded('packages/api/migrations/20240101_init.ts', defaultSettings), true);
  assert.equal(isIncluded('src/server.js', defaultSettings), false);
  assert.equal(isIncluded('node_modules/pkg/migrations/1.js', defaultSettings), false);
  assert.equal(isIncluded('/abs/path/migrations/1.cjs', defaultSettings), true);
  assert.equal(isIncluded('alembic/versions/3f2a_add_orders.py', defaultSettings), true);
  assert.equal(isIncluded('app/models.py', defaultSettings), false);
});

test('normalizeSettings keeps only well-typed values', () => {
  const s = normalizeSettings({ dialect: 'mysql', include: ['**/*.sql'], exclude: 'x', knexfile: 3 });
  assert.equal(s.dialect, 'auto');
  assert.deepEqual(s.include, ['**/*.sql']);
  assert.deepEqual(s.exclude, defaultSettings.exclude);
  assert.equal(s.knexfile, '');
  assert.equal(normalizeSettings({ dialect: 'sqlite' }).dialect, 'sqlite');
});

test('auto dialect reads the nearest knexfile as text without running it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-dialect-'));
  try {
    fs.mkdirSync(path.join(dir, 'app', 'migrations'), { recursive: true });
    const file = path.join(dir, 'app', 'migrations', '1.sql');
    assert.equal(resolveDialect('auto', file, dir), 'postgresql', 'no knexfile: PostgreSQL');
    fs.writeFileSync(path.join(dir, 'app', 'knexfile.js'), "throw new Error('never run'); module.exports = { client: 'sqlite3' }");
    assert.equal(findKnexfile(path.dirname(file), dir), path.join(dir, 'app', 'knexfile.js'));
    assert.equal(resolveDialect('auto', file, dir), 'sqlite');
    assert.equal(resolveDialect('postgresql', file, dir), 'postgresql', 'explicit setting wins');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('knexfile text with mixed clients is read as PostgreSQL', () => {
  assert.equal(dialectFromKnexfileText("development: { client: 'better-sqlite3' }, production: { client: 'pg' }"), 'postgresql');
  assert.equal(dialectFromKnexfileText('module.exports = { client: "sqlite3" }'), 'sqlite');
  assert.equal(dialectFromKnexfileText('module.exports = {}'), 'postgresql');
});
