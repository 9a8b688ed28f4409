/**
 * The language server over stdio, as an editor talks to it: the bundled dist/server.js (built by
 * `npm test` before the tests run) is spawned and driven with JSON-RPC.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidOpenTextDocumentNotification,
  FileChangeType,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ServerStatsRequest } from '../../server/src/lsp/messages';

const serverPath = path.resolve(__dirname, '../../dist/server.js');
let child: ChildProcessWithoutNullStreams;
let connection: ProtocolConnection;
let workspace: string;
const waiters = new Map<string, { predicate: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[]>();

/** Resolves with the next diagnostics published for `uri` that satisfy `predicate` (default: any). */
function nextDiagnostics(uri: string, predicate: (p: PublishDiagnosticsParams) => boolean = () => true): Promise<PublishDiagnosticsParams> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri} within 20 s`)), 20_000);
    const list = waiters.get(uri) ?? [];
    list.push({ predicate, resolve: (p) => (clearTimeout(timer), resolve(p)) });
    waiters.set(uri, list);
  });
}

function open(file: string, languageId: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  const uri = pathToFileURL(file).toString();
  void connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
  return uri;
}

function textOf(text: string, d: Diagnostic): string {
  const doc = TextDocument.create('file:///x', 'sql', 1, text);
  return doc.getText(d.range);
}

before(async () => {
  assert.ok(fs.existsSync(serverPath), `${serverPath} missing: run npm run build`);
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-lsp-'));
  child = spawn(process.execPath, [serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.on('data', (chunk) => process.stderr.write(`[server] ${chunk}`));
  connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
    const list = waiters.get(params.uri) ?? [];
    const index = list.findIndex((w) => w.predicate(params));
    if (index >= 0) list.splice(index, 1)[0].resolve(params);
  });
  connection.listen();
  const result = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(workspace).toString(),
    workspaceFolders: [{ uri: pathToFileURL(workspace).toString(), name: 'ws' }],
    capabilities: {},
  });
  assert.equal(result.capabilities.hoverProvider, true);
  await connection.sendNotification(InitializedNotification.type, {});
});

after(async () => {
  await connection.sendRequest(ShutdownRequest.type);
  await connection.sendNotification(ExitNotification.type);
  await new Promise((resolve) => child.once('exit', resolve));
  connection.dispose();
  fs.rmSync(workspace, { recursive: true, force: true });
});

const knexMigration = `exports.up = function (knex) {
  return knex.schema.dropTable('legacy_sessions');
};

exports.down = function (knex) {
  return knex.schema.dropTable('other_table');
};
`;

test('a Knex migration gets a ban-drop-table diagnostic on the dropTable call in up, not in down', async () => {
  const file = path.join(workspace, 'migrations', '20240101_drop.js');
  const published = nextDiagnostics(pathToFileURL(file).toString());
  const uri = open(file, 'javascript', knexMigration);
  const { diagnostics } = await published;
  const drops = diagnostics.filter((d) => d.code === 'ban-drop-table');
  assert.equal(drops.length, 1, JSON.stringify(diagnostics));
  const [drop] = drops;
  assert.equal(drop.source, 'migration-guard');
  assert.equal(drop.severity, 1, 'error severity');
  assert.match(textOf(knexMigration, drop), /dropTable\('legacy_sessions'\)/);
  assert.equal(drop.range.start.line, 1, 'range starts on the line of the call, not at the file start');
  assert.ok(drop.codeDescription?.href.endsWith('/docs/rules/ban-drop-table.md'), drop.codeDescription?.href);

  const hover = await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: drop.range.start.line, character: drop.range.start.character + 2 } });
  assert.ok(hover, 'hover on the diagnostic');
  const value = typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : JSON.stringify(hover.contents);
  assert.match(value, /ban-drop-table/);

  const actions = await connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: drop.range, context: { diagnostics: [drop] } });
  const titles = (actions ?? []).map((a) => a.title);
  assert.deepEqual(titles, ['Ignore ban-drop-table for this statement', 'Ignore ban-drop-table for this file']);
});

test('a syntax error in one SQL statement is reported there and does not hide findings in the others', async () => {
  const text = 'DROP TABLE accounts;\nSELEC oops FROM;\nTRUNCATE audit_log;\n';
  const file = path.join(workspace, 'sql', '001_cleanup.sql');
  const published = nextDiagnostics(pathToFileURL(file).toString());
  open(file, 'sql', text);
  const { diagnostics } = await published;
  const byRule = (id: string) => diagnostics.filter((d) => d.code === id);
  assert.equal(byRule('ban-drop-table').length, 1);
  assert.equal(byRule('ban-truncate').length, 1);
  const [syntax] = byRule('syntax-error');
  assert.ok(syntax, JSON.stringify(diagnostics));
  assert.equal(syntax.range.start.line, 1, 'the error is on line 2');
  assert.equal(byRule('ban-truncate')[0].range.start.line, 2);
});

test('fails closed in the editor: a parser crash is an analyzer-error on line 1 (no ignore action), a JavaScript syntax error a syntax-error', async () => {
  // The Knex parser's recursive walk runs out of stack on 1,000 nested parentheses (docs/rules/analyzer-error.md).
  const deep = `exports.up = (knex) => ${'('.repeat(1000)}knex.schema.dropTable('users')${')'.repeat(1000)};\nexports.down = () => {};\n`;
  const file = path.join(workspace, 'migrations', '20240102_deep.js');
  const published = nextDiagnostics(pathToFileURL(file).toString());
  const uri = open(file, 'javascript', deep);
  const { diagnostics } = await published;
  assert.deepEqual(
    diagnostics.map((d) => [d.code, d.severity, d.range.start.line, d.range.start.character]),
    [['analyzer-error', 1, 0, 0]],
  );
  assert.match(diagnostics[0].message, /Knex parser threw RangeError/);
  const actions = await connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diagnostics[0].range, context: { diagnostics } });
  assert.deepEqual((actions ?? []).map((a) => a.title), [], 'a crash cannot be ignored');

  const broken = "exports.up = (knex) => knex.schema.createTable('a', (t) => { t.increments( });\nexports.down = (knex) => knex.schema.dropTable('a');\n";
  const brokenFile = path.join(workspace, 'migrations', '20240103_broken.js');
  const brokenPublished = nextDiagnostics(pathToFileURL(brokenFile).toString());
  open(brokenFile, 'javascript', broken);
  const syntax = (await brokenPublished).diagnostics.filter((d) => d.code === 'syntax-error');
  assert.deepEqual(syntax.map((d) => [d.severity, d.range.start.line, d.range.start.character]), [[1, 0, broken.indexOf('});')]]);
});

test('editing a document re-publishes: removing the DROP clears the diagnostic', async () => {
  const file = path.join(workspace, 'db', '002_drop.sql');
  const uri = pathToFileURL(file).toString();
  const first = nextDiagnostics(uri);
  open(file, 'sql', 'DROP TABLE users;\n');
  assert.equal((await first).diagnostics.filter((d) => d.code === 'ban-drop-table').length, 1);
  const second = nextDiagnostics(uri, (p) => p.version === 2);
  await connection.sendNotification(DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text: 'CREATE TABLE users (id integer PRIMARY KEY);\n' }],
  });
  assert.deepEqual((await second).diagnostics.filter((d) => d.code === 'ban-drop-table'), []);
});

test('the analyzer\'s fix is offered as the preferred quick fix, before the ignore actions, and applying it clears the finding', async (t) => {
  // Existing tables (not created in this file), so the lock rules apply.
  const text = 'DROP INDEX accounts_old_idx;\nALTER TABLE accounts ADD CONSTRAINT accounts_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\nCREATE INDEX accounts_email ON accounts (email);\n';
  const file = path.join(workspace, 'fixes', '001.sql');
  const uri = pathToFileURL(file).toString();
  const published = nextDiagnostics(uri);
  open(file, 'sql', text);
  const { diagnostics } = await published;
  const withFix = diagnostics.filter((d) => (d.data as { fix?: unknown } | undefined)?.fix);
  if (withFix.length === 0) {
    t.skip(`no rule offers a fix for this sample yet (${diagnostics.map((d) => String(d.code)).join(', ')})`);
    return;
  }
  const target = withFix[0];
  const actions = (await connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: target.range, context: { diagnostics: [target] } })) ?? [];
  const [first, ...rest] = actions;
  assert.ok(first && 'kind' in first && first.kind === 'quickfix' && first.isPreferred === true, JSON.stringify(first));
  assert.ok(!first.title.startsWith('Ignore'), first.title);
  assert.deepEqual(rest.map((a) => a.title), [`Ignore ${String(target.code)} for this statement`, `Ignore ${String(target.code)} for this file`]);
  const edits = first.edit?.changes?.[uri];
  assert.ok(edits && edits.length > 0);
  const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'sql', 1, text), edits);
  const next = nextDiagnostics(uri, (p) => p.version === 2);
  await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
  const after = (await next).diagnostics;
  const sameRule = (d: Diagnostic) => d.code === target.code && d.range.start.line === target.range.start.line;
  assert.equal(after.filter(sameRule).length, 0, `fixed:\n${fixed}\n${JSON.stringify(after)}`);
  assert.equal(after.filter((d) => d.code === 'syntax-error').length, 0, 'the fix keeps the SQL valid');
});

test('.migration-guard.json decides severities; a change to it (didChangeWatchedFiles) re-analyzes open documents', async () => {
  const project = path.join(workspace, 'configured');
  const config = path.join(project, '.migration-guard.json');
  fs.mkdirSync(project, { recursive: true });
  fs.writeFileSync(config, JSON.stringify({ rules: { 'ban-drop-table': 'info' } }));
  const file = path.join(project, 'db', '001.sql');
  const uri = pathToFileURL(file).toString();
  const first = nextDiagnostics(uri);
  open(file, 'sql', 'DROP TABLE users;\n');
  const drop = (await first).diagnostics.find((d) => d.code === 'ban-drop-table');
  assert.equal(drop?.severity, 3, 'info from the config file, not the default error');

  fs.writeFileSync(config, JSON.stringify({ rules: { 'ban-drop-table': 'off' } }));
  const second = nextDiagnostics(uri, (p) => !p.diagnostics.some((d) => d.code === 'ban-drop-table'));
  await connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(config).toString(), type: FileChangeType.Changed }] });
  await second;

  fs.writeFileSync(config, '{"rules": {"ban-drop-table": "loud"}}');
  const third = nextDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'invalid-config'));
  await connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(config).toString(), type: FileChangeType.Changed }] });
  const invalid = (await third).diagnostics;
  assert.equal(invalid.length, 1);
  assert.match(invalid[0].message, /Invalid \.migration-guard\.json: .*"rules\.ban-drop-table" must be one of off, info, warning, error/);
  assert.equal(invalid[0].severity, 1);

  fs.rmSync(config);
  const fourth = nextDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'ban-drop-table' && d.severity === 1));
  await connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(config).toString(), type: FileChangeType.Deleted }] });
  await fourth;
});

test('protectedTables in .migration-guard.json: a data-loss finding on a protected table is an error, with its reason', async () => {
  const project = path.join(workspace, 'protected');
  fs.mkdirSync(project, { recursive: true });
  fs.writeFileSync(path.join(project, '.migration-guard.json'), JSON.stringify({ protectedTables: ['payments'] }));
  const file = path.join(project, 'db', '001.sql');
  const uri = pathToFileURL(file).toString();
  const published = nextDiagnostics(uri);
  open(file, 'sql', 'ALTER TABLE payments ALTER COLUMN amount TYPE bigint;\nALTER TABLE notes ALTER COLUMN n TYPE bigint;\n');
  const found = (await published).diagnostics.filter((d) => d.code === 'changing-column-type');
  assert.deepEqual(found.map((d) => d.severity), [1, 2], 'an error on the protected table, the default warning elsewhere');
  assert.match(found[0]?.message ?? '', /"payments" is a protected table/);
});

test('migrationGuard/serverStats reports the process memory', async () => {
  const stats = await connection.sendRequest(ServerStatsRequest);
  assert.ok(stats.rss > 10_000_000 && stats.rss < 2_000_000_000, String(stats.rss));
  assert.ok(stats.heapUsed > 0 && stats.heapUsed < stats.rss);
  assert.ok(stats.openDocuments >= 1);
  assert.ok(stats.analyses >= 1);
});

test('a JavaScript file outside a migrations folder is not linted', async () => {
  const file = path.join(workspace, 'src', 'cleanup.js');
  const published = nextDiagnostics(pathToFileURL(file).toString());
  open(file, 'javascript', knexMigration);
  assert.deepEqual((await published).diagnostics, []);
});

test('the server survives garbage and keeps answering', async () => {
  const file = path.join(workspace, 'migrations', 'garbage.ts');
  const published = nextDiagnostics(pathToFileURL(file).toString());
  open(file, 'typescript', 'exports.up = (knex) => knex.schema.dropTable(`\u0000${');
  const { diagnostics } = await published;
  assert.ok(Array.isArray(diagnostics));
  const sql = path.join(workspace, 'after.sql');
  const next = nextDiagnostics(pathToFileURL(sql).toString());
  open(sql, 'sql', 'DROP TABLE t;');
  assert.equal((await next).diagnostics[0]?.code, 'ban-drop-table');
});

test('the editor sees the earlier migrations of the folder on disk: a narrowing of a type they declared is reported (issue 17)', async () => {
  const dir = path.join(workspace, 'history-sql');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, '0001_init.sql'), 'CREATE TABLE accounts (id bigint PRIMARY KEY, name varchar(100) NOT NULL);\n');
  fs.writeFileSync(path.join(dir, '0003_later.sql'), 'DROP TABLE accounts;\n');
  const file = path.join(dir, '0002_narrow.sql');
  const text = 'ALTER TABLE accounts ALTER COLUMN name TYPE varchar(40);\nALTER TABLE accounts ALTER COLUMN name TYPE varchar(400);\n';
  const published = nextDiagnostics(pathToFileURL(file).toString());
  open(file, 'sql', text);
  const { diagnostics } = await published;
  assert.deepEqual(diagnostics.map((d) => [d.code, d.range.start.line]), [['changing-column-type', 0]], JSON.stringify(diagnostics));
  assert.match(diagnostics[0]!.message, /from varchar\(100\) to varchar\(40\)/);
});

test('Alembic in the editor: the history follows the revision graph (not file names), sibling branches unseen, as `check` reports it (issue 17)', async () => {
  const dir = path.join(workspace, 'history-alembic', 'versions');
  fs.mkdirSync(dir, { recursive: true });
  const rev = (id: string, down: string, body: string) =>
    `from alembic import op\nimport sqlalchemy as sa\n\nrevision = '${id}'\ndown_revision = ${down}\n\n\ndef upgrade():\n    ${body}\n\n\ndef downgrade():\n    op.execute('SELECT 1')\n`;
  fs.writeFileSync(path.join(dir, 'zz_a1.py'), rev('a1', 'None', "op.create_table('accounts', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('name', sa.String(100)))"));
  // Another branch from a1: "code" is declared there only.
  fs.writeFileSync(path.join(dir, 'mm_side.py'), rev('side', "'a1'", "op.add_column('accounts', sa.Column('code', sa.String(100)))"));
  const file = path.join(dir, 'aa_b2.py');
  const text = rev('b2', "'a1'", "op.alter_column('accounts', 'name', type_=sa.String(40))\n    op.alter_column('accounts', 'code', type_=sa.String(10))");
  const published = nextDiagnostics(pathToFileURL(file).toString());
  open(file, 'python', text);
  const { diagnostics } = await published;
  const types = diagnostics.filter((d) => d.code === 'changing-column-type');
  assert.deepEqual(types.map((d) => d.range.start.line), [8], JSON.stringify(diagnostics));
  assert.match(types[0]!.message, /"name" of "accounts" from varchar\(100\) to varchar\(40\)/);
  const { runCheck } = await import('../../server/src/cli/check');
  const { result } = await runCheck(['.'], dir);
  const checked = result.findings.filter((f) => f.file === 'aa_b2.py').map((f) => `${f.line - 1} ${f.ruleId} ${f.message}`);
  assert.deepEqual(checked.sort(), diagnostics.map((d) => `${d.range.start.line} ${String(d.code)} ${d.message}`).sort());
});
