/**
 * Which knex and which TypeScript loader: the workspace's own `knex` is preferred and reported
 * (ProjectInfo.knexVersion / knexPath); `.ts` knexfiles and migrations load through the workspace's
 * `tsx` when no loader is registered, else a clear `knexfile-load` error says what to install.
 * The no-loader cases run the CLI bundled by esbuild under plain `node` (no tsx in the process).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { getStatus, loadProject, upgrade } from '../../server/src/migrations';
import type { ErrorResult, StatusResult, UpgradeResult } from '../../server/src/protocol';
import { createTableMigration, repoRoot, spawnCollect, sqliteKnexfile, sqliteTables, tempDir, writeFiles, type CliRun } from './helpers';

const ourKnex = path.join(repoRoot, 'node_modules', 'knex');
const ourVersion = (JSON.parse(readFileSync(path.join(ourKnex, 'package.json'), 'utf8')) as { version: string }).version;
/** Inside the repository, so that the bundle's external `require('knex')` / `sqlite3` resolve. */
const bundleDir = path.join(repoRoot, 'node_modules', '.cache', 'mg-typescript-test');
const bundle = path.join(bundleDir, `cli-${process.pid}.js`);

function runBundled(args: string[]): Promise<CliRun> {
  return spawnCollect(process.execPath, [bundle, ...args], { env: { ...process.env, NODE_ENV: undefined, NODE_OPTIONS: undefined } }).done;
}

const tsKnexfile = `import type { Knex } from 'knex';
const config: Record<string, Knex.Config> = {
  development: { client: 'sqlite3', connection: { filename: './app.sqlite3' }, useNullAsDefault: true, migrations: { directory: './migrations' } },
};
export default config;
`;
const tsMigration = `import type { Knex } from 'knex';
export async function up(knex: Knex): Promise<void> { await knex.schema.createTable('typed', (t) => { t.increments('id'); }); }
export async function down(knex: Knex): Promise<void> { await knex.schema.dropTable('typed'); }
`;

void describe('knex and TypeScript loading', () => {
  before(async () => {
    mkdirSync(bundleDir, { recursive: true });
    await build({ entryPoints: [path.join(repoRoot, 'server', 'src', 'cli', 'main.ts')], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode', 'knex', 'sqlite3', 'pg', 'pg-native', 'libpg-query', 'web-tree-sitter', 'tree-sitter-python'], logLevel: 'error' });
  });

  after(() => {
    rmSync(bundle, { force: true });
    rmSync(`${bundle}.map`, { force: true });
  });

  void it("prefers the workspace's own knex and reports it; else the bundled one", async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
      const plain = await loadProject({ cwd: dir, processEnv: {} });
      assert.deepEqual([plain.info.knexVersion, plain.info.knexPath], [ourVersion, realpathSync(ourKnex)]);
      // A workspace knex: a package wrapping ours that counts knex() calls and has its own version.
      writeFiles(dir, {
        'node_modules/knex/package.json': JSON.stringify({ name: 'knex', version: '3.3.0-workspace', main: 'index.js' }),
        'node_modules/knex/index.js': `const real = require(${JSON.stringify(ourKnex)});\nmodule.exports = (config) => { globalThis.__workspaceKnexCalls = (globalThis.__workspaceKnexCalls || 0) + 1; return real(config); };\n`,
      });
      const ws = await loadProject({ cwd: path.join(dir, 'db'), processEnv: {} });
      assert.deepEqual([ws.info.knexVersion, ws.info.knexPath], ['3.3.0-workspace', path.join(dir, 'node_modules', 'knex')]);
      const g = globalThis as { __workspaceKnexCalls?: number };
      g.__workspaceKnexCalls = 0;
      assert.deepEqual((await upgrade(ws, { noBackup: true })).applied, ['001_a.js']);
      assert.ok((g.__workspaceKnexCalls ?? 0) >= 1, "the engine opened the database with the workspace's knex");
    } finally {
      cleanup();
    }
  });

  void it('a .ts knexfile without any loader: knexfile-load saying to install tsx; with the workspace tsx it loads and applies .ts migrations', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.ts': tsKnexfile, 'migrations/001_typed.ts': tsMigration });
      const noLoader = await runBundled(['status', '--json', '--cwd', dir]);
      assert.equal(noLoader.code, 2, noLoader.stderr);
      const e = JSON.parse(noLoader.stdout) as ErrorResult;
      assert.equal(e.error.code, 'knexfile-load');
      assert.match(e.error.message, /knexfile\.ts is TypeScript, and no TypeScript loader is installed/);
      assert.match(e.error.hint ?? '', /npm install --save-dev tsx/);

      // This repository's tsx as the workspace's.
      mkdirSync(path.join(dir, 'node_modules'));
      symlinkSync(path.join(repoRoot, 'node_modules', 'tsx'), path.join(dir, 'node_modules', 'tsx'), 'dir');
      const status = await runBundled(['status', '--json', '--cwd', dir]);
      assert.equal(status.code, 0, status.stderr);
      assert.deepEqual((JSON.parse(status.stdout) as StatusResult).migrations.map((m) => [m.name, m.state]), [['001_typed.ts', 'pending']]);
      const up = await runBundled(['upgrade', '--yes', '--no-backup', '--json', '--cwd', dir]);
      assert.equal(up.code, 0, up.stderr);
      assert.deepEqual((JSON.parse(up.stdout) as UpgradeResult).applied, ['001_typed.ts']);
      assert.ok((await sqliteTables(path.join(dir, 'app.sqlite3'))).includes('typed'));
    } finally {
      cleanup();
    }
  });

  void it('.ts migrations with a .js knexfile need the loader too (the error names the migration)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile('./app.sqlite3', './migrations'), 'migrations/001_typed.ts': tsMigration });
      const r = await runBundled(['status', '--json', '--cwd', dir]);
      assert.equal(r.code, 2, r.stderr);
      assert.match((JSON.parse(r.stdout) as ErrorResult).error.message, /migration .*001_typed\.ts is TypeScript/);
      // In a process that already has a loader (these tests run under tsx), nothing is needed.
      const p = await loadProject({ cwd: dir, processEnv: {} });
      assert.equal((await getStatus(p)).migrations[0]?.state, 'pending');
    } finally {
      cleanup();
    }
  });
});
