/**
 * `new <name>`: `<YYYYMMDDHHMMSS>_<name>.js` (or `.ts` when the project's migrations are `.ts`) in the
 * first migrations directory, from a template that Knex can apply and undo.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { downgrade, EngineError, getStatus, loadProject, migrationTimestamp, newMigration, upgrade } from '../../server/src/migrations';
import type { NewMigrationResult } from '../../server/src/protocol';
import { createTableMigration, runCli, sqliteKnexfile, tempDir, writeFiles } from './helpers';

void describe('new <name>', () => {
  void it('creates a timestamped .js file from the template, in a new directory; Knex applies and undoes it', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile() });
      assert.equal(existsSync(path.join(dir, 'db', 'migrations')), false);
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
      assert.equal(migrationTimestamp(now), '20260102030405');
      const r = await newMigration(project, 'add_users', { now });
      assert.deepEqual(r, { name: '20260102030405_add_users.js', file: path.join(dir, 'db', 'migrations', '20260102030405_add_users.js') });
      const text = readFileSync(r.file, 'utf8');
      assert.match(text, /exports\.up = async function up\(knex\)/);
      assert.match(text, /exports\.down = async function down\(knex\)/);
      await assert.rejects(newMigration(project, 'add_users', { now }), (e: unknown) => e instanceof EngineError && e.code === 'usage' && /already exists/.test(e.message));
      // What a person types is normalised (protocol normalizeMigrationName): words joined by '_', nothing outside the folder.
      const typed = await newMigration(project, 'add user email', { now });
      assert.equal(typed.name, '20260102030405_add_user_email.js');
      const escaped = await newMigration(project, '../evil', { now });
      assert.equal(escaped.file, path.join(dir, 'db', 'migrations', '20260102030405_evil.js'), 'a path is never followed');
      await assert.rejects(newMigration(project, ' ./_ '), (e: unknown) => e instanceof EngineError && e.code === 'usage' && /Invalid migration name ' \.\/_ ': use letters/.test(e.message));
      for (const extra of [typed.file, escaped.file]) rmSync(extra);
      assert.deepEqual((await upgrade(project, { noBackup: true })).applied, [r.name]);
      assert.deepEqual((await downgrade(project, { noBackup: true })).undone, [r.name]);
      assert.equal((await getStatus(project)).migrations[0]?.state, 'pending');
    } finally {
      cleanup();
    }
  });

  void it('uses .ts when the newest migration is .ts; the CLI prints NewMigrationResult', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'knexfile.js': sqliteKnexfile(),
        'db/migrations/001_a.ts': `import type { Knex } from 'knex';\nexport async function up(knex: Knex): Promise<void> { await knex.schema.createTable('a', (t) => { t.increments('id'); }); }\nexport async function down(knex: Knex): Promise<void> { await knex.schema.dropTable('a'); }\n`,
      });
      const r = await runCli(['new', 'add-b', '--json', '--cwd', dir]);
      assert.equal(r.code, 0, r.stderr);
      const created = JSON.parse(r.stdout) as NewMigrationResult;
      assert.match(created.name, /^\d{14}_add-b\.ts$/);
      assert.ok(existsSync(created.file));
      assert.match(readFileSync(created.file, 'utf8'), /export async function up\(knex: Knex\): Promise<void>/);
      // The tests run under tsx, so the .ts template loads: Knex applies both.
      const project = await loadProject({ cwd: dir, processEnv: {} });
      assert.deepEqual((await upgrade(project, { noBackup: true })).applied, ['001_a.ts', created.name]);
    } finally {
      cleanup();
    }
  });

  void it('the .js template is type-checked only where knex resolves (else the editor would flag the import at once)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile() });
      const untyped = readFileSync((await newMigration(await loadProject({ cwd: dir, processEnv: {} }), 'a', { now: new Date(Date.UTC(2026, 0, 1)) })).file, 'utf8');
      assert.doesNotMatch(untyped, /@ts-check|import\('knex'\)/, 'no knex in the workspace: no type reference to it');
      assert.match(untyped, /exports\.up = async function up\(knex\)/);
      // The workspace installs knex (a package.json is all resolution needs).
      writeFiles(dir, { 'node_modules/knex/package.json': JSON.stringify({ name: 'knex', version: '3.1.0', main: 'knex.js' }) });
      const typed = readFileSync((await newMigration(await loadProject({ cwd: dir, processEnv: {} }), 'b', { now: new Date(Date.UTC(2026, 0, 2)) })).file, 'utf8');
      assert.match(typed, /^\/\/ @ts-check\n/);
      assert.equal(typed.match(/@param \{import\('knex'\)\.Knex\} knex/g)?.length, 2);
    } finally {
      cleanup();
    }
  });

  void it('a .js project keeps .js next to other migrations', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
      const r = await newMigration(await loadProject({ cwd: dir, processEnv: {} }), 'b');
      assert.equal(path.extname(r.file), '.js');
    } finally {
      cleanup();
    }
  });
});
