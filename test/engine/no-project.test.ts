/**
 * Issue 12 (Trust), items 4, 6 and 7: the engine says "no project" instead of "up to date" where it
 * knows nothing (a --cwd typo, an empty folder, an Alembic or node-pg-migrate project, a monorepo
 * root); `validate` reports an edited applied migration; a missing file with a recorded checksum is
 * labelled missing; lock hints name Migration Guard's own unlock. Real SQLite files, the real CLI.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EngineError, getStatus, loadProject, upgrade, validate } from '../../server/src/migrations';
import type { ErrorResult, HistoryResult, StatusResult, ValidateResult } from '../../server/src/protocol';
import { createTableMigration, runCli, sqliteAll, sqliteKnexfile, tempDir, writeFiles } from './helpers';

function errorOf(stdout: string): ErrorResult['error'] {
  return (JSON.parse(stdout) as ErrorResult).error;
}

void describe('no project: never "up to date" for a folder the engine cannot read', () => {
  void it('a --cwd that does not exist is a usage error (exit 2) for status, upgrade --yes and validate', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const typo = path.join(dir, 'no-such-folder');
      const [status, up, upText, val] = await Promise.all([
        runCli(['status', '--json', '--cwd', typo]),
        runCli(['upgrade', '--yes', '--json', '--cwd', typo]),
        runCli(['upgrade', '--yes', '--cwd', typo]),
        runCli(['validate', '--json', '--cwd', typo]),
      ]);
      for (const r of [status, up, val]) {
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.equal(errorOf(r.stdout).code, 'usage');
        assert.match(errorOf(r.stdout).message, /does not exist: .*no-such-folder/);
      }
      assert.equal(upText.code, 2, upText.stdout + upText.stderr);
      assert.doesNotMatch(upText.stdout + upText.stderr, /up to date/);
      assert.match(upText.stderr, /does not exist/);
      assert.equal(existsSync(typo), false, 'nothing was created');
    } finally {
      cleanup();
    }
  });

  void it('an empty folder is no-project (exit 2) for status, upgrade --yes and validate, with and without --json; nothing is created', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const runs = await Promise.all(
        [['status'], ['upgrade', '--yes'], ['validate']].flatMap((cmd) => [runCli([...cmd, '--json', '--cwd', dir]), runCli([...cmd, '--cwd', dir])]),
      );
      for (const [i, r] of runs.entries()) {
        assert.equal(r.code, 2, `run ${i}: ${r.stdout}${r.stderr}`);
        assert.doesNotMatch(r.stdout + r.stderr, /up to date|Valid \(|No migrations/);
        if (i % 2 === 0) {
          const e = errorOf(r.stdout);
          assert.equal(e.code, 'no-project');
          assert.match(e.message, /No Knex project in .*no knexfile.*no DATABASE_URL.*no migrations\/ folder/);
          // The hint lists what was looked for.
          assert.match(e.hint ?? '', /knexfile\.js, knexfile\.cjs, knexfile\.mjs, knexfile\.ts/);
          assert.match(e.hint ?? '', /DATABASE_URL/);
          assert.match(e.hint ?? '', /migrations\/ folder/);
        } else {
          assert.match(r.stderr, /No Knex project/);
        }
      }
      assert.deepEqual(readdirSync(dir), [], 'no dev.sqlite3, no .migration-guard folder');
    } finally {
      cleanup();
    }
  });

  void it('an Alembic-only folder: Knex commands refuse (exit 2) naming Alembic, status shows its graph with the database unknown, even with DATABASE_URL set (Flask-Migrate layout too)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'plain/alembic.ini': '[alembic]\nscript_location = alembic\n',
        'plain/alembic/versions/1a_base.py': 'revision = "1a"\ndown_revision = None\n',
        'flask/migrations/alembic.ini': '[alembic]\n',
        'flask/migrations/versions/2b_base.py': 'revision = "2b"\ndown_revision = None\n',
      });
      const [plainStatus, plainUpgrade, flask] = await Promise.all([
        runCli(['status', '--json', '--cwd', path.join(dir, 'plain')]),
        runCli(['upgrade', '--yes', '--json', '--cwd', path.join(dir, 'plain')]),
        runCli(['upgrade', '--yes', '--json', '--cwd', path.join(dir, 'flask')], { DATABASE_URL: 'postgresql://u:pw@127.0.0.1:1/none' }),
      ]);
      // status reads the Alembic graph read-only; the current revision is unknown, never "up to date".
      assert.equal(plainStatus.code, 0, plainStatus.stdout + plainStatus.stderr);
      const state = JSON.parse(plainStatus.stdout) as { runner: string; heads: string[]; current: string[] | null; currentUnknownReason?: string };
      assert.equal(state.runner, 'alembic');
      assert.deepEqual(state.heads, ['1a']);
      assert.equal(state.current, null);
      assert.match(state.currentUnknownReason ?? '', /database is unknown/);
      assert.equal(plainUpgrade.code, 2, plainUpgrade.stdout + plainUpgrade.stderr);
      assert.equal(errorOf(plainUpgrade.stdout).code, 'not-knex-project');
      assert.match(errorOf(plainUpgrade.stdout).message, /Alembic project/);
      assert.equal(flask.code, 2, flask.stdout + flask.stderr);
      assert.equal(errorOf(flask.stdout).code, 'no-project');
      assert.match(errorOf(flask.stdout).message, /it is an Alembic project/);
      assert.match(errorOf(flask.stdout).hint ?? '', /Alembic \(migrations[/\\]alembic\.ini\)/);
    } finally {
      cleanup();
    }
  });

  void it('a node-pg-migrate project with a migrations/ folder is no-project, not the embedded SQLite default', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'package.json': JSON.stringify({ name: 'app', devDependencies: { 'node-pg-migrate': '^7.0.0' } }),
        'migrations/1700000000000_init.js': 'exports.up = (pgm) => { pgm.createTable("t", { id: "id" }); };\n',
      });
      await assert.rejects(loadProject({ cwd: dir, processEnv: {} }), (e: unknown) => {
        assert.ok(e instanceof EngineError);
        assert.equal(e.code, 'no-project');
        assert.match(e.hint ?? '', /node-pg-migrate \(package\.json\)/);
        return true;
      });
      assert.equal(existsSync(path.join(dir, 'dev.sqlite3')), false);
    } finally {
      cleanup();
    }
  });

  void it('a monorepo root whose knexfiles live in subfolders is no-project; the hint names them (not node_modules) and says --cwd / --knexfile', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'package.json': JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'] }),
        'packages/api/knexfile.js': sqliteKnexfile(),
        'packages/api/db/migrations/001_a.js': createTableMigration('a'),
        'packages/billing/knexfile.ts': 'export default {};\n',
        'node_modules/some-lib/knexfile.js': 'module.exports = {};\n',
        '.git/knexfile.js': 'module.exports = {};\n',
      });
      const r = await runCli(['status', '--json', '--cwd', dir]);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      const e = errorOf(r.stdout);
      assert.equal(e.code, 'no-project');
      const hint = e.hint ?? '';
      assert.match(hint, new RegExp(`${path.join('packages', 'api', 'knexfile.js')}, ${path.join('packages', 'billing', 'knexfile.ts')}\\.`));
      assert.doesNotMatch(hint, /node_modules|\.git/);
      assert.match(hint, /--cwd packages[/\\]api/);
      assert.match(hint, /--knexfile packages[/\\]api[/\\]knexfile\.js/);
      // The hint's advice works.
      const ok = await runCli(['status', '--json', '--cwd', dir, '--knexfile', path.join('packages', 'api', 'knexfile.js')]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual((JSON.parse(ok.stdout) as StatusResult).migrations.map((m) => m.name), ['001_a.js']);
    } finally {
      cleanup();
    }
  });

  void it('a folder with migrations/ and no knexfile still uses the embedded default (SQLite ./dev.sqlite3)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'migrations/001_a.js': createTableMigration('a') });
      const r = await runCli(['status', '--json', '--cwd', dir]);
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout) as StatusResult;
      assert.equal(s.project.source, 'embedded-default');
      assert.equal(s.project.connection, path.join(dir, 'dev.sqlite3'));
      assert.deepEqual(s.migrations.map((m) => [m.name, m.state]), [['001_a.js', 'pending']]);
      // An empty migrations/ folder is a project too: nothing pending is then the truth.
      rmSync(path.join(dir, 'migrations', '001_a.js'));
      const empty = await runCli(['status', '--json', '--cwd', dir]);
      assert.equal(empty.code, 0, empty.stderr);
      assert.deepEqual((JSON.parse(empty.stdout) as StatusResult).migrations, []);
    } finally {
      cleanup();
    }
  });
});

void describe('validate and labels: edited and missing files', () => {
  void it('validate after editing an applied migration exits 1 and names it (warning severity); text says Invalid', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a'), 'db/migrations/002_b.js': createTableMigration('b') });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await upgrade(project);
      assert.equal((await validate(project)).valid, true);
      writeFiles(dir, { 'db/migrations/002_b.js': `${createTableMigration('b')}// edited after it ran\n` });
      assert.deepEqual((await getStatus(project)).migrations.map((m) => m.state), ['applied', 'edited']);

      const [json, text] = await Promise.all([runCli(['validate', '--json', '--cwd', dir]), runCli(['validate', '--cwd', dir])]);
      assert.equal(json.code, 1, json.stdout + json.stderr);
      const v = JSON.parse(json.stdout) as ValidateResult;
      assert.equal(v.valid, false);
      assert.deepEqual(v.problems.map((p) => [p.code, p.severity, p.migration]), [['edited', 'warning', '002_b.js']]);
      assert.match(v.problems[0]?.message ?? '', /002_b\.js was edited after it was applied/);
      assert.ok(v.checked.includes('checksums'), v.checked.join(', '));
      assert.equal(text.code, 1, text.stdout + text.stderr);
      assert.match(text.stdout, /^Invalid: 1 problem \(0 errors, 1 warning;/);
      assert.match(text.stdout, /warning {2}edited: Migration 002_b\.js/);
      assert.doesNotMatch(text.stdout, /^Valid/m);
    } finally {
      cleanup();
    }
  });

  void it('a missing file whose checksum was recorded is labelled missing, not "no checksum" (status JSON and text, history)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a'), 'db/migrations/002_b.js': createTableMigration('b') });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await upgrade(project);
      rmSync(path.join(dir, 'db/migrations/002_b.js'));
      const [json, text, history] = await Promise.all([
        runCli(['status', '--json', '--cwd', dir]),
        runCli(['status', '--cwd', dir]),
        runCli(['history', '--json', '--cwd', dir]),
      ]);
      assert.equal(json.code, 0, json.stderr);
      const s = JSON.parse(json.stdout) as StatusResult;
      assert.deepEqual(s.migrations.map((m) => [m.name, m.state, m.checksum]), [['001_a.js', 'applied', 'match'], ['002_b.js', 'missing', 'missing']]);
      assert.match(text.stdout, /002_b\.js {2}\(file missing; its checksum was recorded; current\)/);
      assert.doesNotMatch(text.stdout, /no checksum/);
      const h = JSON.parse(history.stdout) as HistoryResult;
      assert.equal(h.batches[0]?.migrations.find((m) => m.name === '002_b.js')?.checksum, 'missing');
      const historyText = await runCli(['history', '--cwd', dir]);
      assert.doesNotMatch(historyText.stdout, /no checksum/);
    } finally {
      cleanup();
    }
  });
});

void describe('lock hints name Migration Guard unlock', () => {
  void it('validate and upgrade with a held lock point to migration-guard unlock, never knex migrate:unlock', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      await upgrade(project);
      writeFiles(dir, { 'db/migrations/002_b.js': createTableMigration('b') });
      await sqliteAll(project.sqliteFile as string, 'update knex_migrations_lock set is_locked = 1');
      const [v, up] = await Promise.all([runCli(['validate', '--json', '--cwd', dir]), runCli(['upgrade', '--yes', '--no-backup', '--json', '--cwd', dir])]);
      assert.equal(v.code, 1, v.stdout + v.stderr);
      const lock = (JSON.parse(v.stdout) as ValidateResult).problems.find((p) => p.code === 'lock-held');
      assert.match(lock?.message ?? '', /free it with 'migration-guard unlock' \(in the editor: Migration Guard: Unlock\)/);
      assert.equal(up.code, 1, up.stdout + up.stderr);
      const e = errorOf(up.stdout);
      assert.equal(e.code, 'lock-held');
      assert.match(e.hint ?? '', /'migration-guard unlock'/);
      assert.doesNotMatch(v.stdout + up.stdout, /knex migrate:unlock/);
    } finally {
      cleanup();
    }
  });
});
