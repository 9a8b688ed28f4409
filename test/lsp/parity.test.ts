/**
 * CI and editor agree: the same folder (with `.migration-guard.json` files: severities, off, exclude,
 * a nested SQLite config) is linted through the CLI (`node dist/cli.js check . --format json`) and through
 * the language server over stdio (dist/server.js, every file opened), and the findings are compared exactly.
 * Needs the bundle: `node esbuild.mjs`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CheckFinding, CheckResult } from '../../server/src/protocol';
import { CHECK_EXTENSIONS } from '../../server/src/cli/check';
import { startServer, type TestServer } from './client';

const cliPath = path.resolve(__dirname, '../../dist/cli.js');
let dir: string;
let server: TestServer;

const files: Record<string, string> = {
  '.migration-guard.json': JSON.stringify({ rules: { 'ban-drop-table': 'warning', 'require-concurrent-index-creation': 'off', 'renaming-column': 'info' }, exclude: ['legacy/**'] }),
  // Non-ASCII before findings: columns are UTF-16 units in both.
  'db/001_cleanup.sql': "-- café ☕ 𝄞 cleanup\nDROP TABLE users; TRUNCATE audit_log;\nALTER TABLE accounts RENAME COLUMN mail TO email;\nCREATE INDEX accounts_email ON accounts (email);\nSELEC broken FROM;\nALTER TABLE accounts ALTER COLUMN id TYPE bigint;\n",
  'db/002_add.sql': 'ALTER TABLE accounts ADD COLUMN tier int NOT NULL;\n',
  'legacy/old.sql': 'DROP TABLE ancient;\n',
  'migrations/20240101_drop.js': "exports.up = async (knex) => {\n  await knex.schema.dropTable('sessions');\n  await knex.schema.alterTable('users', (t) => { t.dropColumn('nick'); t.renameColumn('a', 'b'); });\n  await knex.raw('TRUNCATE audit');\n};\nexports.down = () => {};\n",
  'src/app.js': "knex.schema.dropTable('not_a_migration');\n",
  'lite/.migration-guard.json': JSON.stringify({ dialect: 'sqlite', rules: { 'ban-truncate': 'info' } }),
  'lite/db/003.sql': 'ALTER TABLE t ADD COLUMN c int NOT NULL;\nDROP TABLE x;\nDELETE FROM t;\n',
  'migrations/versions/abc123_drop.py': "revision = 'abc123'\ndown_revision = None\n\ndef upgrade():\n    op.drop_table('accounts')\n\ndef downgrade():\n    pass\n",
  // Folder rules: two heads and a down_revision naming no file (Alembic); one version prefix twice (Knex).
  'migrations/versions/bbb222_a.py': "revision = 'bbb222'\ndown_revision = 'abc123'\n\ndef upgrade():\n    op.add_column('t', sa.Column('a', sa.Integer()))\n\ndef downgrade():\n    op.drop_column('t', 'a')\n",
  'migrations/versions/ccc333_b.py': "revision = 'ccc333'\ndown_revision = 'abc123'\n\ndef upgrade():\n    op.add_column('t', sa.Column('b', sa.Integer()))\n\ndef downgrade():\n    op.drop_column('t', 'b')\n",
  'migrations/versions/ddd444_c.py': "revision = 'ddd444'\ndown_revision = 'zzz999'\n\ndef upgrade():\n    op.add_column('t', sa.Column('c', sa.Integer()))\n\ndef downgrade():\n    op.drop_column('t', 'c')\n",
  // History in revision-graph order (issue 17): "a" is int4 from bbb222 (narrowed here); "b" is on the ccc333 branch only.
  'migrations/versions/aaa000_d.py': "revision = 'aaa000'\ndown_revision = 'bbb222'\n\ndef upgrade():\n    op.alter_column('t', 'a', type_=sa.SmallInteger())\n    op.alter_column('t', 'b', type_=sa.String(5))\n\ndef downgrade():\n    op.alter_column('t', 'a', type_=sa.Integer())\n",
  'migrations/20240101_other.js': "exports.up = (knex) => knex.schema.createTable('other', (t) => { t.increments(); });\nexports.down = (knex) => knex.schema.dropTable('other');\n",
};

before(async () => {
  assert.ok(fs.existsSync(cliPath), `${cliPath} missing: run node esbuild.mjs`);
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mg-parity-')));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  server = await startServer(dir);
});

after(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const severityOf: Record<number, CheckFinding['severity']> = { 1: 'error', 2: 'warning', 3: 'info' };

function key(f: CheckFinding): string {
  return `${f.file}:${f.line}:${f.column}-${f.endLine}:${f.endColumn} ${f.severity} ${f.ruleId} ${f.message}`;
}

test('the CLI and the language server report exactly the same findings for the same folder', async () => {
  const run = spawnSync(process.execPath, [cliPath, 'check', '.', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  const cli = (JSON.parse(run.stdout) as CheckResult).findings.map((f) => ({ ...f, file: f.file.split(path.sep).join('/') }));

  const candidates = Object.keys(files).filter((rel) => CHECK_EXTENSIONS.includes(path.extname(rel)));
  const published = await Promise.all(
    candidates.map(async (rel) => {
      const file = path.join(dir, rel);
      const uri = pathToFileURL(file).toString();
      const wait = server.nextDiagnostics(uri);
      server.openFile(file);
      return { uri, params: await wait };
    }),
  );
  const lsp: CheckFinding[] = published.flatMap(({ params }) =>
    params.diagnostics.map((d) => ({
      file: path.relative(dir, fileURLToPath(params.uri)).split(path.sep).join('/'),
      ruleId: String(d.code),
      severity: severityOf[d.severity ?? 1],
      message: d.message,
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
      endLine: d.range.end.line + 1,
      endColumn: d.range.end.character + 1,
    })),
  );

  assert.deepEqual(lsp.map(key).sort(), cli.map(key).sort());

  // The comparison is not vacuous: the config files visibly shaped both answers.
  const rules = (file: string) => cli.filter((f) => f.file === file).map((f) => `${f.ruleId}:${f.severity}`);
  assert.ok(rules('db/001_cleanup.sql').includes('ban-drop-table:warning'), 'severity from the root config');
  assert.ok(rules('db/001_cleanup.sql').includes('renaming-column:info'));
  assert.ok(!rules('db/001_cleanup.sql').some((r) => r.startsWith('require-concurrent-index-creation')), 'off');
  assert.ok(rules('db/001_cleanup.sql').includes('syntax-error:error'));
  assert.deepEqual(rules('legacy/old.sql'), [], 'excluded');
  assert.deepEqual(rules('src/app.js'), [], 'not included (not under migrations/)');
  assert.ok(rules('migrations/20240101_drop.js').includes('ban-drop-table:warning'), 'Knex file included');
  assert.ok(rules('lite/db/003.sql').includes('ban-drop-table:error'), 'nested config replaces the root one');
  const narrowed = cli.filter((f) => f.file === 'migrations/versions/aaa000_d.py' && f.ruleId === 'changing-column-type');
  assert.deepEqual(narrowed.map((f) => f.line), [5], 'the Alembic history: only "a" (from bbb222), not "b" (another branch)');
  assert.match(narrowed[0]!.message, /from int4 to int2/);
  const all = new Set(cli.map((f) => f.ruleId));
  for (const id of ['alembic-multiple-heads', 'alembic-missing-revision', 'duplicate-revision']) assert.ok(all.has(id), `folder rule ${id} in both`);
  assert.ok(cli.length >= 8, `enough findings to compare: ${cli.length}`);
});
