/**
 * Project discovery (issue 16) on real folders: a Knex project with a moved migrations directory (read from
 * the knexfile's text, never run), Alembic with several version locations, node-pg-migrate, golang-migrate,
 * Flyway and dbmate folders; node_modules skipped; a folder reported once. Also the ini reader and the static
 * reading of `migrations.directory`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { discoverProjects, knexDirectoriesFromText, projectAt } from '../../server/src/migrations/projects/discover';
import { readAlembicIni } from '../../server/src/migrations/projects/alembic-config';
import { iniValue, parseIni } from '../../server/src/migrations/projects/ini';

function tree(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-discover-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const revision = (id: string, parent: string | null) => `"""m ${id}"""\nrevision = '${id}'\ndown_revision = ${parent === null ? 'None' : `'${parent}'`}\n`;

void test('discovers every runner, reads moved folders from the config text, skips node_modules and reports a folder once', () => {
  const marker = path.join(os.tmpdir(), `mg-knexfile-ran-${process.pid}`);
  const { dir, cleanup } = tree({
    // The knexfile would leave a marker file if it were run.
    'api/knexfile.js': `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nmodule.exports = {\n  development: { client: 'pg', migrations: { directory: '../shared/db/knex-migrations' } },\n  // migrations: { directory: 'commented/out' },\n  production: { client: 'pg', migrations: { directory: "../shared/db/knex-migrations" } },\n};\n`,
    'shared/db/knex-migrations/20240101000000_a.js': 'exports.up = () => {}; exports.down = () => {};',
    'computed/knexfile.ts': `import path from 'path';\nexport default { client: 'pg', migrations: { directory: path.join(__dirname, 'm') } };\n`,
    'py/alembic.ini': `[alembic]\nscript_location = %(here)s/alembic\nversion_locations = %(here)s/alembic/versions %(here)s/plugins/versions\nsqlalchemy.url = sqlite:///app.db\n`,
    'py/alembic/versions/a1.py': revision('a1', null),
    'py/plugins/versions/p1.py': revision('p1', 'a1'),
    'pgm/package.json': JSON.stringify({ devDependencies: { 'node-pg-migrate': '^7.0.0' }, scripts: { migrate: 'node-pg-migrate --migrations-dir=db/pg up' } }),
    'pgm/db/pg/1700000000000_init.js': 'exports.up = () => {};',
    'plainpkg/package.json': JSON.stringify({ dependencies: { knex: '^3' } }),
    'go/migrations/000001_init.up.sql': 'create table t (id int);',
    'go/migrations/000001_init.down.sql': 'drop table t;',
    'java/src/main/resources/db/migration/V1__init.sql': 'create table t (id int);',
    'java/src/main/resources/db/migration/V1.1__more.sql': 'alter table t add c int;',
    'dbm/db/migrations/20240101000000_init.sql': '-- migrate:up\ncreate table t (id int);\n-- migrate:down\ndrop table t;\n',
    'seeds/data/001_seed.sql': 'insert into t values (1);',
    'node_modules/some-lib/migrations/001_x.up.sql': 'select 1;',
    'node_modules/some-lib/knexfile.js': 'module.exports = {};',
    '.git/migrations/001_x.up.sql': 'select 1;',
    // The Knex project's folder also holds SQL named like golang-migrate: reported once, as Knex.
    'k2/knexfile.js': `module.exports = { client: 'pg', migrations: { directory: './migrations' } };`,
    'k2/migrations/001_a.up.sql': 'select 1;',
  });
  try {
    const result = discoverProjects(dir);
    const rel = (p: string) => path.relative(dir, p);
    const rows = result.projects.map((p) => [p.runner, rel(p.root), (p.migrationsDirectories ?? [p.migrationsDirectory]).map(rel), p.directoryRead, p.flavor ?? null]);
    assert.deepEqual(rows, [
      ['knex', 'api', ['shared/db/knex-migrations'], true, null],
      ['knex', 'computed', ['computed/migrations'], false, null],
      ['sql', 'dbm/db', ['dbm/db/migrations'], true, 'dbmate'],
      ['sql', 'go', ['go/migrations'], true, 'golang-migrate'],
      ['sql', 'java/src/main/resources/db', ['java/src/main/resources/db/migration'], true, 'flyway'],
      ['knex', 'k2', ['k2/migrations'], true, null],
      ['node-pg-migrate', 'pgm', ['pgm/db/pg'], true, null],
      ['alembic', 'py', ['py/alembic/versions', 'py/plugins/versions'], true, null],
    ]);
    assert.equal(fs.existsSync(marker), false, 'discovery must not run a knexfile');
    assert.match(result.projects[1]!.note ?? '', /not a string literal/);
    assert.equal(result.projects[0]!.config, path.join(dir, 'api', 'knexfile.js'));
    const dirs = result.projects.flatMap((p) => p.migrationsDirectories ?? [p.migrationsDirectory]);
    assert.equal(new Set(dirs).size, dirs.length, 'a folder is reported once');
  } finally {
    cleanup();
  }
});

void test('a migrations folder claimed by two configurations is reported once (the first runner)', () => {
  const { dir, cleanup } = tree({
    'knexfile.js': `module.exports = { client: 'pg', migrations: { directory: 'migrations' } };`,
    'package.json': JSON.stringify({ dependencies: { 'node-pg-migrate': '^7' } }),
    'migrations/001_a.js': '',
  });
  try {
    assert.deepEqual(discoverProjects(dir).projects.map((p) => p.runner), ['knex']);
    assert.equal(projectAt(dir)?.runner, 'knex');
  } finally {
    cleanup();
  }
});

void test('knexDirectoriesFromText reads string literals and arrays, and refuses computed values', () => {
  assert.deepEqual(knexDirectoriesFromText(`migrations: { directory: './db/m' }`), ['./db/m']);
  assert.deepEqual(knexDirectoriesFromText('migrations: { directory: [`./a`, "./b"] }'), ['./a', './b']);
  assert.equal(knexDirectoriesFromText('migrations: { directory: `${root}/m` }'), undefined);
  assert.equal(knexDirectoriesFromText('migrations: { directory: dir }'), undefined);
  assert.equal(knexDirectoriesFromText(`/* directory: 'x' */ module.exports = {}`), undefined);
});

void test('alembic.ini: interpolation, version_path_separator, env-var URLs and package resources', () => {
  const sections = parseIni('[DEFAULT]\nroot = /srv\n[alembic]\nA = %(root)s/x\nmulti = one\n  two\n; comment\n');
  assert.equal(iniValue(sections, 'alembic', 'a'), '/srv/x');
  assert.equal(iniValue(sections, 'alembic', 'multi'), 'one\ntwo');
  const { dir, cleanup } = tree({
    'semi/alembic.ini': '[alembic]\nscript_location = migrations\nversion_locations = %(here)s/v1;v2\nversion_path_separator = ;\nsqlalchemy.url = ${MY_DB}\n',
    'pkg/alembic.ini': '[alembic]\nscript_location = myapp:migrations\n',
    'nl/alembic.ini': '[alembic]\nscript_location = %(here)s/m\npath_separator = newline\nversion_locations =\n    %(here)s/a\n    %(here)s/b c\n',
  });
  try {
    const semi = readAlembicIni(path.join(dir, 'semi', 'alembic.ini'), { MY_DB: 'postgresql://u:secret@h/db' });
    assert.equal(semi.scriptLocation, path.join(dir, 'semi', 'migrations'));
    assert.deepEqual(semi.versionLocations, [path.join(dir, 'semi', 'v1'), path.join(dir, 'semi', 'v2')]);
    assert.equal(semi.url, 'postgresql://u:secret@h/db');
    assert.equal(semi.urlSource, 'environment variable MY_DB');
    const unset = readAlembicIni(path.join(dir, 'semi', 'alembic.ini'), {});
    assert.equal(unset.url, undefined);
    assert.match(unset.note ?? '', /MY_DB, which is not set/);
    const pkg = readAlembicIni(path.join(dir, 'pkg', 'alembic.ini'), {});
    assert.equal(pkg.scriptLocation, undefined);
    assert.match(pkg.note ?? '', /package resource/);
    assert.deepEqual(readAlembicIni(path.join(dir, 'nl', 'alembic.ini'), {}).versionLocations, [path.join(dir, 'nl', 'a'), path.join(dir, 'nl', 'b c')]);
  } finally {
    cleanup();
  }
});
