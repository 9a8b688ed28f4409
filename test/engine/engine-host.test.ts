/**
 * The extension's engine host (client/src/engine-host.ts → dist/cli.js --engine-host, server/src/cli/engine-host.ts)
 * on real SQLite projects: it answers exactly as the CLI started for the same command, sees every change of the
 * project between two commands (the knexfile, a module it requires, a value it reads into process.env, its working
 * folder), refuses every command that may write, restarts after an ES module knexfile, and a host that dies answers
 * nothing (the extension then runs the command as its own process). Needs `node esbuild.mjs` (npm test runs it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EngineHost, EngineHostGone } from '../../client/src/engine-host';
import { commandArgv, commands, type StatusResult } from '../../server/src/protocol';
import { createTableMigration, pgSkip, repoRoot, sqliteAll, sqliteKnexfile, sqliteTables, tempDir, usePgDatabase, writeFiles } from './helpers';

const cli = path.join(repoRoot, 'dist', 'cli.js');

/** dist/cli.js run as its own process, as the extension runs a command without the host. */
function cliRun(args: string[], cwd: string): { code: number | null; stdout: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NODE_ENV: undefined, FORCE_COLOR: '0' } });
  return { code: r.status, stdout: r.stdout };
}

const statusArgv = (dir: string) => commandArgv(commands.status, { json: true, cwd: dir });

void describe('engine host', () => {
  let host: EngineHost;
  const logs: string[] = [];
  before(() => {
    assert.ok(existsSync(cli), `${cli} missing: run node esbuild.mjs`);
    host = new EngineHost(cli, (line) => logs.push(line));
  });
  after(() => host.dispose());

  void it('answers status, history and projects exactly as the CLI run as its own process', async () => {
    const { dir, cleanup } = tempDir('mg-host-');
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a'), 'db/migrations/002_b.js': createTableMigration('b') });
      assert.equal(cliRun(['upgrade', '--yes', '--json', '--to', '001_a.js', '--cwd', dir], dir).code, 0);
      for (const argv of [statusArgv(dir), commandArgv(commands.history, { json: true, cwd: dir }), commandArgv(commands.projects, { json: true, cwd: dir })]) {
        const alone = cliRun(argv, dir);
        const hosted = await host.request(argv, dir);
        assert.equal(hosted.exitCode, alone.code, argv.join(' '));
        assert.deepEqual(JSON.parse(hosted.stdout), JSON.parse(alone.stdout), argv.join(' '));
      }
      const status = JSON.parse((await host.request(statusArgv(dir), dir)).stdout) as StatusResult;
      assert.deepEqual(status.migrations.map((m) => [m.name, m.state]), [['001_a.js', 'applied'], ['002_b.js', 'pending']]);
    } finally {
      cleanup();
    }
  });

  void it('sees a changed knexfile, a changed module it requires, a value it puts in process.env, and runs in the command folder', async () => {
    const { dir, cleanup } = tempDir('mg-host-');
    try {
      // Like dotenv: the knexfile fills process.env from a file, never overriding a variable already set; the
      // database name comes from a module it requires, the folder from process.cwd().
      writeFiles(dir, {
        'knexfile.js': `const fs = require('fs');
const path = require('path');
process.env.MG_HOST_TEST_DB = process.env.MG_HOST_TEST_DB || fs.readFileSync(path.join(__dirname, '.dbname'), 'utf8').trim();
const { suffix } = require('./config/suffix');
module.exports = { development: { client: 'sqlite3', useNullAsDefault: true, connection: { filename: path.join(process.cwd(), process.env.MG_HOST_TEST_DB + suffix) }, migrations: { directory: './db/migrations' } } };
`,
        '.dbname': 'first',
        'config/suffix.js': "exports.suffix = '.sqlite3';\n",
        'db/migrations/001_a.js': createTableMigration('a'),
      });
      const databaseOf = async () => {
        const answer = await host.request(statusArgv(dir), dir);
        assert.equal(answer.exitCode, 0, answer.stdout);
        return (JSON.parse(answer.stdout) as StatusResult).project.sqliteFile;
      };
      assert.match(String(await databaseOf()), /first\.sqlite3$/);
      writeFileSync(path.join(dir, '.dbname'), 'second');
      assert.match(String(await databaseOf()), /second\.sqlite3$/, 'the host kept a process.env value the last knexfile run had set');
      writeFileSync(path.join(dir, 'config', 'suffix.js'), "exports.suffix = '.db';\n");
      assert.match(String(await databaseOf()), /second\.db$/, 'the host kept an old module the knexfile requires');
      assert.equal(process.env.MG_HOST_TEST_DB, undefined);
      assert.equal(await databaseOf(), path.join(dir, "second.db"), 'the knexfile saw another working folder');
      assert.deepEqual(JSON.parse((await host.request(statusArgv(dir), dir)).stdout), JSON.parse(cliRun(statusArgv(dir), dir).stdout));
    } finally {
      cleanup();
    }
  });

  void it('refuses every command that may write, and the database is unchanged', async () => {
    const { dir, cleanup } = tempDir('mg-host-');
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
      await sqliteAll(path.join(dir, 'db', 'app.sqlite3'), 'create table app_data (id integer primary key)');
      for (const argv of [commandArgv(commands.upgrade, { json: true, yes: true, cwd: dir }), commandArgv(commands.backup, { json: true, cwd: dir }), ['check', '--json', dir]]) {
        const answer = await host.request(argv, dir);
        assert.equal(answer.exitCode, 2, argv.join(' '));
        assert.match((JSON.parse(answer.stdout) as { error: { message: string } }).error.message, /read-only commands only/);
      }
      assert.deepEqual(await sqliteTables(path.join(dir, 'db', 'app.sqlite3')), ['app_data']);
      assert.equal(existsSync(path.join(dir, '.migration-guard')), false, 'no backup folder');
    } finally {
      cleanup();
    }
  });

  void it('restarts after importing an ES module knexfile, and the next command sees the edited one', async () => {
    const { dir, cleanup } = tempDir('mg-host-');
    try {
      // The knexfile is imported afresh each time (a query in its URL); the module it imports is not, in one process.
      writeFiles(dir, {
        'knexfile.mjs': "import { filename } from './db-file.mjs';\nexport default { client: 'sqlite3', useNullAsDefault: true, connection: { filename }, migrations: { directory: './db/migrations' } };\n",
        'db-file.mjs': "export const filename = './one.sqlite3';\n",
        'db/migrations/001_a.js': createTableMigration('a'),
      });
      const first = await host.request(statusArgv(dir), dir);
      assert.match(String((JSON.parse(first.stdout) as StatusResult).project.sqliteFile), /one\.sqlite3$/);
      writeFiles(dir, { 'db-file.mjs': "export const filename = './two.sqlite3';\n" });
      const second = await host.request(statusArgv(dir), dir);
      assert.match(String((JSON.parse(second.stdout) as StatusResult).project.sqliteFile), /two\.sqlite3$/);
    } finally {
      cleanup();
    }
  });

  void it("restarts after registering a project's TypeScript loader: another project's .ts knexfile gets the CLI's answer, not that loader", async () => {
    const withTsx = tempDir('mg-host-ts-');
    const without = tempDir('mg-host-ts-');
    try {
      const tsKnexfile = "const config: Record<string, object> = { development: { client: 'sqlite3', connection: { filename: './app.sqlite3' }, useNullAsDefault: true, migrations: { directory: './migrations' } } };\nexport default config;\n";
      for (const dir of [withTsx.dir, without.dir]) writeFiles(dir, { 'knexfile.ts': tsKnexfile, 'migrations/001_a.js': createTableMigration('a') });
      mkdirSync(path.join(withTsx.dir, 'node_modules'));
      symlinkSync(path.join(repoRoot, 'node_modules', 'tsx'), path.join(withTsx.dir, 'node_modules', 'tsx'), 'dir');
      const loaded = await host.request(statusArgv(withTsx.dir), withTsx.dir);
      assert.equal(loaded.exitCode, 0, loaded.stdout);
      const alone = cliRun(statusArgv(without.dir), without.dir);
      assert.equal(alone.code, 2, 'the CLI has no TypeScript loader for this project');
      const hosted = await host.request(statusArgv(without.dir), without.dir);
      assert.equal(hosted.exitCode, alone.code, hosted.stdout);
      assert.deepEqual(JSON.parse(hosted.stdout), JSON.parse(alone.stdout));
    } finally {
      withTsx.cleanup();
      without.cleanup();
    }
  });

  void it('a host that dies mid-command answers nothing (EngineHostGone), and the next command starts a new one', async () => {
    const { dir, cleanup } = tempDir('mg-host-');
    try {
      writeFiles(dir, { 'knexfile.js': 'process.exit(3);\n', 'db/migrations/001_a.js': createTableMigration('a') });
      await assert.rejects(host.request(statusArgv(dir), dir), EngineHostGone);
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile() });
      const answer = await host.request(statusArgv(dir), dir);
      assert.equal(answer.exitCode, 0, answer.stdout);
      assert.deepEqual((JSON.parse(answer.stdout) as StatusResult).migrations.map((m) => m.state), ['pending']);
    } finally {
      cleanup();
    }
  });
});

void describe('engine host on PostgreSQL (MG_TEST_PG_URL)', { skip: pgSkip('PostgreSQL engine host tests') }, () => {
  const db = usePgDatabase('host');
  let host: EngineHost;
  before(() => (host = new EngineHost(cli, () => undefined)));
  after(() => host.dispose());

  void it('answers status as the CLI does, sees the next migration applied, and leaves no session behind', async () => {
    const { dir, cleanup } = tempDir('mg-host-pg-');
    try {
      writeFiles(dir, {
        'knexfile.js': `module.exports = { client: 'pg', connection: ${JSON.stringify(db.url())}, migrations: { directory: './db/migrations' } };\n`,
        'db/migrations/001_a.js': createTableMigration('a'),
        'db/migrations/002_b.js': createTableMigration('b'),
      });
      assert.equal(cliRun(['upgrade', '--yes', '--json', '--to', '001_a.js', '--cwd', dir], dir).code, 0);
      const hosted = await host.request(statusArgv(dir), dir);
      assert.equal(hosted.exitCode, 0, hosted.stdout);
      assert.deepEqual(JSON.parse(hosted.stdout), JSON.parse(cliRun(statusArgv(dir), dir).stdout));
      assert.equal(cliRun(['upgrade', '--yes', '--json', '--cwd', dir], dir).code, 0);
      const after = JSON.parse((await host.request(statusArgv(dir), dir)).stdout) as StatusResult;
      assert.deepEqual(after.migrations.map((m) => m.state), ['applied', 'applied']);
      // The host keeps no connection open between reads (its pool is destroyed with each command, as in the CLI).
      const sessions = await db.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
      assert.equal(Number(sessions[0]?.n), 0);
    } finally {
      cleanup();
    }
  });
});
