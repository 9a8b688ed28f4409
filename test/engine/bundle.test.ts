/**
 * The CLI as shipped: dist/cli.js (launcher) → dist/cli-main.js (engine) → dist/lint.js (analyzer) → dist/typescript.js
 * (through the V8 code cache), and the upgrade's lint cache. The verdict and findings must be exactly those of the
 * engine run from sources (no code cache, no lint cache). Needs `node esbuild.mjs` (npm test runs it first).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../server/src/cli/main';
import { CLI_COMMANDS } from '../../server/src/protocol';
import { flushCodeCaches, requireWithCodeCache } from '../../server/src/startup/code-cache';
import { getStatus, lintPending, loadProject, sha256File } from '../../server/src/migrations';
import type { UpgradeResult } from '../../server/src/protocol';
import { createTableMigration, repoRoot, sqliteAll, sqliteKnexfile, tempDir, writeFiles } from './helpers';

const cli = path.join(repoRoot, 'dist', 'cli.js');

/** Runs dist/cli.js; the lint cache is off unless `env` sets MIGRATION_GUARD_LINT_CACHE (the analyzer must really lint). */
function runBundled(args: string[], env: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, NODE_ENV: undefined, DATABASE_URL: undefined, MIGRATION_GUARD_LINT_CACHE: 'off', ...env } as NodeJS.ProcessEnv, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const DROP_A = "exports.up = (knex) => knex.schema.dropTable('t3');\nexports.down = () => {};\n";
const RAW_NOT_NULL = "exports.up = (knex) => knex.raw('ALTER TABLE t1 ADD COLUMN c integer NOT NULL');\nexports.down = () => {};\n";

/**
 * Runs dist/cli.js with the lint cache in `lintCache` and a fresh code cache, and tells whether the analyzer read a
 * Knex migration: only then is the TypeScript compiler loaded and its code cache written. A run answered by the lint
 * cache never loads it.
 */
function withLintCache(args: string[], lintCache: string): { code: number | null; stdout: string; stderr: string; analyzed: boolean } {
  const codeCache = mkdtempSync(path.join(path.dirname(lintCache), 'code-cache-'));
  const r = runBundled(args, { MIGRATION_GUARD_LINT_CACHE: lintCache, MIGRATION_GUARD_CODE_CACHE: codeCache });
  return { ...r, analyzed: readdirSync(codeCache).some((f) => f.startsWith('typescript-')) };
}

/** A knexfile and 20 create-table migrations, `100_t0.js` … `119_t19.js`. */
function twentyTables(): Record<string, string> {
  const files: Record<string, string> = { 'knexfile.js': sqliteKnexfile() };
  for (let i = 0; i < 20; i++) files[`db/migrations/${String(100 + i)}_t${i}.js`] = createTableMigration(`t${i}`);
  return files;
}

void describe('the bundled CLI', () => {
  void it('lists every command main.ts registers in CLI_COMMANDS', async () => {
    let help = '';
    await main(['--help'], { stdout: (t) => void (help += t), stderr: () => {} });
    const registered = [...help.slice(help.indexOf('Commands:')).matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    assert.deepEqual([...registered].sort(), [...CLI_COMMANDS].sort());
  });

  void it('upgrade lints with the same findings as the engine from sources; refuses, then applies with --allow-unsafe', async () => {
    assert.ok(existsSync(cli), `${cli} missing: run node esbuild.mjs`);
    const { dir, cleanup } = tempDir();
    const cache = path.join(dir, 'code-cache');
    try {
      const files: Record<string, string> = { 'knexfile.js': sqliteKnexfile() };
      for (let i = 0; i < 40; i++) files[`db/migrations/${String(100 + i)}_t${i}.js`] = createTableMigration(`t${i}`);
      writeFiles(dir, files);
      // Applied first: the applied ones stay out of the findings.
      const first = runBundled(['upgrade', '--yes', '--json', '--cwd', dir], { MIGRATION_GUARD_CODE_CACHE: cache });
      assert.equal(first.code, 0, first.stderr);
      assert.equal((JSON.parse(first.stdout) as UpgradeResult).applied.length, 40);
      writeFiles(dir, { 'db/migrations/200_drop.js': DROP_A, 'db/migrations/201_raw.js': RAW_NOT_NULL, 'db/migrations/202_ok.js': createTableMigration('u') });
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const expected = await lintPending(await getStatus(project), project);
      assert.ok(expected.some((f) => f.migration === '200_drop.js' && f.severity === 'error'), JSON.stringify(expected));

      for (let run = 1; run <= 2; run++) {
        const r = runBundled(['upgrade', '--yes', '--json', '--cwd', dir], { MIGRATION_GUARD_CODE_CACHE: cache });
        assert.equal(r.code, 1, `run ${run}: ${r.stderr}`);
        const refused = JSON.parse(r.stdout) as UpgradeResult;
        assert.equal(refused.refused, true);
        // The plan adds what the linter cannot know: the sizes of the tables, read from the database it migrates.
        assert.deepEqual(refused.findings.find((f) => f.table === 't3')?.tableSize?.rows, 0, `run ${run}`);
        const unsized = refused.findings.map(({ tableSize, ...f }) => (tableSize ? { ...f, message: f.message.replace(/ \("[^"]*": [^)]*\.\)$/, '') } : f));
        assert.deepEqual(unsized, expected, `run ${run}`);
      }
      const db = project.sqliteFile as string;
      assert.deepEqual((await sqliteAll(db, "select name from knex_migrations where name like '2%'")).length, 0, 'refused: nothing applied');

      const forced = runBundled(['upgrade', '--yes', '--allow-unsafe', '--no-backup', '--json', '--cwd', dir], { MIGRATION_GUARD_CODE_CACHE: cache });
      assert.equal(forced.code, 0, forced.stderr);
      assert.deepEqual((JSON.parse(forced.stdout) as UpgradeResult).applied, ['200_drop.js', '201_raw.js', '202_ok.js']);
      // The checksum recorded is the sha256 of the bytes linted.
      const rows = await sqliteAll(db, "select name, sha256 from migration_guard_checksums where name like '20%' order by name");
      assert.deepEqual(rows, ['200_drop.js', '201_raw.js', '202_ok.js'].map((name) => ({ name, sha256: sha256File(path.join(dir, 'db', 'migrations', name)) })));

      // Only the TypeScript compiler goes through the code cache (the one place it pays, bench/plumbing.ts).
      const cached = readdirSync(cache).sort();
      assert.equal(cached.length, 1, cached.join(', '));
      assert.match(cached[0] as string, /^typescript-.*\.cache$/);
      // A later run reuses it (same file, same time); status loads no analyzer.
      const before = cached.map((f) => [f, statSync(path.join(cache, f)).mtimeMs]);
      assert.equal(runBundled(['status', '--json', '--cwd', dir], { MIGRATION_GUARD_CODE_CACHE: cache }).code, 0);
      assert.equal(runBundled(['upgrade', '--dry-run', '--json', '--cwd', dir], { MIGRATION_GUARD_CODE_CACHE: cache }).code, 0);
      assert.deepEqual(readdirSync(cache).sort(), cached);
      assert.deepEqual(before.map(([f]) => [f, statSync(path.join(cache, f as string)).mtimeMs]), before);
    } finally {
      cleanup();
    }
  });

  void it('the lint cache: after a dry run the upgrade takes its findings from the cache without loading the analyzer; an edited file is linted again', async () => {
    const { dir, cleanup } = tempDir();
    const lintCache = path.join(dir, 'lint-cache');
    const app = path.join(dir, 'app');
    try {
      writeFiles(app, { ...twentyTables(), 'db/migrations/200_drop.js': DROP_A });
      const expected = async (cwd: string) => {
        const project = await loadProject({ cwd, processEnv: {} });
        return lintPending(await getStatus(project), project);
      };

      const dry = withLintCache(['upgrade', '--dry-run', '--json', '--cwd', app], lintCache);
      assert.equal(dry.code, 1, dry.stderr);
      assert.ok(dry.analyzed, 'nothing cached yet: the analyzer lints');
      const planned = (JSON.parse(dry.stdout) as UpgradeResult).findings;
      assert.deepEqual(planned, await expected(app));
      assert.ok(planned.some((f) => f.migration === '200_drop.js' && f.severity === 'error'), JSON.stringify(planned));
      assert.equal(readdirSync(lintCache).filter((f) => /^lint-results-[0-9a-f]{16}\.json$/.test(f)).length, 1);

      // The confirmed upgrade (the extension's second step): same refusal, same findings, no analyzer.
      const refused = withLintCache(['upgrade', '--yes', '--json', '--cwd', app], lintCache);
      assert.equal(refused.code, 1, refused.stderr);
      assert.equal(refused.analyzed, false, refused.stderr);
      assert.deepEqual((JSON.parse(refused.stdout) as UpgradeResult).findings, planned);

      // A copy of the project elsewhere: the same contents, so the same findings (with its own paths), still no analyzer.
      const copy = path.join(dir, 'copy');
      cpSync(app, copy, { recursive: true });
      const copied = withLintCache(['upgrade', '--dry-run', '--json', '--cwd', copy], lintCache);
      assert.equal(copied.analyzed, false, copied.stderr);
      assert.deepEqual((JSON.parse(copied.stdout) as UpgradeResult).findings, await expected(copy));

      // An edited file is a new content: linted again, never answered from the cache.
      writeFiles(app, { 'db/migrations/200_drop.js': "exports.up = (knex) => knex.raw('ALTER TABLE t3 RENAME COLUMN name TO title');\nexports.down = () => {};\n" });
      const edited = withLintCache(['upgrade', '--dry-run', '--json', '--cwd', app], lintCache);
      assert.ok(edited.analyzed, edited.stderr);
      const now = (JSON.parse(edited.stdout) as UpgradeResult).findings;
      assert.deepEqual(now, await expected(app));
      assert.ok(!now.some((f) => f.ruleId === 'ban-drop-table') && now.some((f) => f.ruleId === 'renaming-column'), JSON.stringify(now));

      // Applied with the findings from the cache: the checksum recorded is the sha256 of the file as it is now.
      const applied = withLintCache(['upgrade', '--yes', '--no-backup', '--json', '--cwd', app], lintCache);
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal(applied.analyzed, false, applied.stderr);
      const db = path.join(app, 'db', 'app.sqlite3');
      assert.deepEqual(await sqliteAll(db, "select sha256 from migration_guard_checksums where name = '200_drop.js'"), [{ sha256: sha256File(path.join(app, 'db', 'migrations', '200_drop.js')) }]);
    } finally {
      cleanup();
    }
  });

  void it('the lint cache: applied migrations it never saw need no analyzer when every pending one is cached', () => {
    const { dir, cleanup } = tempDir();
    const lintCache = path.join(dir, 'lint-cache');
    const app = path.join(dir, 'app');
    try {
      writeFiles(app, twentyTables());
      assert.equal(runBundled(['upgrade', '--yes', '--no-backup', '--cwd', app], {}).code, 0, 'applied with the lint cache off');
      const next = { 'db/migrations/200_u.js': createTableMigration('u') };
      writeFiles(app, next);
      // Only the new migration gets into the cache: a project holding just that file is previewed.
      writeFiles(path.join(dir, 'other'), { 'knexfile.js': sqliteKnexfile(), ...next });
      assert.equal(withLintCache(['upgrade', '--dry-run', '--cwd', path.join(dir, 'other')], lintCache).code, 0);
      const r = withLintCache(['upgrade', '--yes', '--no-backup', '--json', '--cwd', app], lintCache);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.analyzed, false, `the 20 uncached files are applied: no analyzer\n${r.stderr}`);
      assert.deepEqual((JSON.parse(r.stdout) as UpgradeResult).applied, ['200_u.js']);
    } finally {
      cleanup();
    }
  });

  void it(".migration-guard.json rules apply and are part of the lint cache key: a changed config is linted again", () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('t3'), 'db/migrations/002_drop.js': DROP_A });
      const lintCache = path.join(dir, 'lint-cache');
      const dry = () => {
        const r = withLintCache(['upgrade', '--dry-run', '--json', '--cwd', dir], lintCache);
        const result = JSON.parse(r.stdout) as UpgradeResult;
        return { refused: result.refused, drop: result.findings.find((f) => f.ruleId === 'ban-drop-table')?.severity, analyzed: r.analyzed };
      };
      assert.deepEqual(dry(), { refused: true, drop: 'error', analyzed: true });
      assert.deepEqual(dry(), { refused: true, drop: 'error', analyzed: false }, 'cached');
      writeFiles(dir, { '.migration-guard.json': JSON.stringify({ rules: { 'ban-drop-table': 'warning' } }) });
      assert.deepEqual(dry(), { refused: false, drop: 'warning', analyzed: true }, 'another configuration: linted again');
      assert.deepEqual(dry(), { refused: false, drop: 'warning', analyzed: false }, 'cached under the new configuration');
    } finally {
      cleanup();
    }
  });

  void it('import() keeps working in the bundles, with the TypeScript compiler from an accepted code cache: .mjs knexfile and migration, PostgreSQL, Alembic and Knex parsers', () => {
    const { dir, cleanup } = tempDir();
    const cache = path.join(dir, 'code-cache');
    try {
      writeFiles(dir, {
        'app/knexfile.mjs': "export default { client: 'sqlite3', connection: { filename: './app.sqlite3' }, useNullAsDefault: true, migrations: { directory: './migrations', loadExtensions: ['.mjs'] } };\n",
        'app/migrations/001_a.mjs': "export const up = (knex) => knex.schema.createTable('a', (t) => { t.increments('id'); });\nexport const down = (knex) => knex.schema.dropTable('a');\n",
        'lint/drop.sql': 'DROP TABLE users;\n',
        'lint/001_drop.js': "exports.up = (knex) => knex.schema.dropTable('users');\nexports.down = () => {};\n",
        'lint/versions/0001_drop.py': 'revision = "0001"\ndown_revision = None\n\nfrom alembic import op\n\ndef upgrade():\n    op.drop_table("users")\n\ndef downgrade():\n    pass\n',
      });
      const env = { MIGRATION_GUARD_CODE_CACHE: cache };
      // Run 1 writes the caches, runs 2 and 3 load the bundles from them.
      for (let run = 1; run <= 3; run++) {
        const status = runBundled(['status', '--json', '--cwd', path.join(dir, 'app')], env);
        assert.equal(status.code, 0, `run ${run}: ${status.stderr}`);
        const dry = runBundled(['upgrade', '--dry-run', '--json', '--cwd', path.join(dir, 'app')], env);
        assert.equal(dry.code, 0, `run ${run}: ${dry.stderr}`);
        assert.match(JSON.stringify((JSON.parse(dry.stdout) as UpgradeResult).preview), /create table `a`/);
        const check = runBundled(['check', path.join(dir, 'lint'), '--format', 'json', '--dialect', 'postgresql'], env);
        assert.equal(check.code, 1, `run ${run}: ${check.stderr}`);
        const rules = (JSON.parse(check.stdout) as { findings: Array<{ ruleId: string; file: string }> }).findings.map((f) => `${path.basename(f.file)}:${f.ruleId}`);
        assert.ok(rules.includes('drop.sql:ban-drop-table') && rules.includes('0001_drop.py:ban-drop-table') && rules.includes('001_drop.js:ban-drop-table'), `run ${run}: ${rules.join(', ')}`);
      }
      assert.ok(readdirSync(cache).some((f) => f.startsWith('typescript-')));
    } finally {
      cleanup();
    }
  });

  void it('check runs as its own program (dist/cli-check.js): the same stdout, stderr and exit code as main() from sources', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'm/001_index.sql': 'CREATE INDEX users_email ON users (email);\n',
        'm/002_drop.sql': 'DROP TABLE users;\n',
        'm/003_ok.sql': 'CREATE TABLE t (id bigint PRIMARY KEY);\n',
        'm/004_bad.sql': 'CREATE TABLE (;\n',
        'm/005_drop.js': DROP_A,
      });
      const m = path.join(dir, 'm');
      const cases: string[][] = [
        ['check', m, '--dialect', 'postgresql'],
        ['check', m, '--format', 'json', '--dialect', 'postgresql'],
        ['check', m, '--json'],
        ['check', m, '--format', 'github', '--dialect', 'sqlite'],
        ['check', m, '--format', 'sarif'],
        ['check', path.join(m, '003_ok.sql')],
        ['check', path.join(dir, 'nope.sql')],
        ['check', path.join(dir, 'nope.sql'), '--json'],
        ['check', m, '--changed-since', 'main'],
        ['check', m, '--format', 'xml'],
        ['check', m, '--no-such-flag'],
        ['check'],
        ['check', '--help'],
      ];
      for (const args of cases) {
        let stdout = '';
        let stderr = '';
        const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: repoRoot });
        const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NODE_ENV: undefined, DATABASE_URL: undefined } as NodeJS.ProcessEnv, timeout: 60_000 });
        assert.deepEqual({ code: r.status, stdout: r.stdout, stderr: r.stderr }, { code, stdout, stderr }, args.join(' '));
      }
    } finally {
      cleanup();
    }
  });

  void it('check of a .sql file loads no Node module it does not use (child_process and its net/dgram, readline: about 10 ms and 1.8 MB at every start)', () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, {
        'one.sql': 'ALTER TABLE a ADD COLUMN b int NOT NULL;\n',
        'record.js': "process.on('exit', () => require('node:fs').writeFileSync(process.env.MG_MODULES, process.moduleLoadList.join('\\n')));\n",
      });
      const list = path.join(dir, 'modules.txt');
      const r = spawnSync(process.execPath, ['-r', path.join(dir, 'record.js'), cli, 'check', path.join(dir, 'one.sql')], { encoding: 'utf8', env: { ...process.env, MG_MODULES: list }, timeout: 60_000 });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stdout, /adding-required-field/);
      const loaded = readFileSync(list, 'utf8').split('\n');
      for (const unused of ['child_process', 'readline', 'dgram']) assert.ok(!loaded.includes(`NativeModule ${unused}`), `check loaded node:${unused}`);
    } finally {
      cleanup();
    }
  });

  void it('MIGRATION_GUARD_CODE_CACHE=off writes no cache', () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFiles(dir, { 'knexfile.js': sqliteKnexfile(), 'db/migrations/001_a.js': createTableMigration('a') });
      const r = runBundled(['status', '--json', '--cwd', dir], { MIGRATION_GUARD_CODE_CACHE: 'off', TMPDIR: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(readdirSync(dir).sort(), ['db', 'knexfile.js']);
    } finally {
      cleanup();
    }
  });

  void it('requireWithCodeCache: exports, a cache written on flush and accepted on the next load', async () => {
    const { dir, cleanup } = tempDir();
    const saved = process.env.MIGRATION_GUARD_CODE_CACHE;
    try {
      process.env.MIGRATION_GUARD_CODE_CACHE = path.join(dir, 'cache');
      writeFileSync(path.join(dir, 'bundle.js'), "exports.name = require('node:path').basename(__filename);\n");
      const first = requireWithCodeCache(path.join(dir, 'bundle.js')) as { name: string };
      assert.equal(first.name, 'bundle.js');
      flushCodeCaches();
      const written = readdirSync(path.join(dir, 'cache'));
      assert.equal(written.length, 1);
      assert.match(written[0] as string, /^bundle-.*\.cache$/);
      const second = requireWithCodeCache(path.join(dir, 'bundle.js')) as { name: string };
      assert.equal(second.name, 'bundle.js');
      flushCodeCaches();
      assert.deepEqual(readdirSync(path.join(dir, 'cache')), written, 'an accepted cache is not rewritten');
      // A folder others can write is never used: not read, nothing written into it.
      process.env.MIGRATION_GUARD_CODE_CACHE = path.join(dir, 'shared');
      mkdirSync(path.join(dir, 'shared'));
      chmodSync(path.join(dir, 'shared'), 0o777);
      assert.equal((requireWithCodeCache(path.join(dir, 'bundle.js')) as { name: string }).name, 'bundle.js');
      flushCodeCaches();
      assert.deepEqual(readdirSync(path.join(dir, 'shared')), []);
    } finally {
      if (saved === undefined) delete process.env.MIGRATION_GUARD_CODE_CACHE;
      else process.env.MIGRATION_GUARD_CODE_CACHE = saved;
      cleanup();
    }
  });
});
