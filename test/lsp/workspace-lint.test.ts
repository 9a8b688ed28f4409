/**
 * The workspace pass of the language server (issue 16): migration files nobody opened get diagnostics, kept up to
 * date by workspace/didChangeWatchedFiles; files outside the projects' migrations folders are left alone; open
 * documents keep their own diagnostics. Over stdio against dist/server.js (build it first).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  FileChangeType,
  RegistrationRequest,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { ServerStatsRequest } from '../../server/src/lsp/messages';
import { startServer, type TestServer } from './client';

const DROP = "exports.up = (knex) => knex.schema.dropTable('sessions');\nexports.down = (knex) => knex.schema.createTable('sessions', (t) => { t.increments('id'); });\n";
const SAFE = "exports.up = (knex) => knex.schema.createTable('audit', (t) => { t.increments('id'); });\nexports.down = (knex) => knex.schema.dropTable('audit');\n";

let workspace: string;
let server: TestServer;
const uriOf = (file: string) => pathToFileURL(file).toString();
const codes = (p: PublishDiagnosticsParams) => p.diagnostics.map((d) => String(d.code));

function changed(file: string, type: FileChangeType): Promise<void> {
  return server.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(file), type }] });
}

/** Waits until the server's workspace pass has discovered the projects and has nothing left to lint. */
async function settled(s: TestServer = server): Promise<{ workspaceFiles: number }> {
  for (let i = 0; i < 400; i++) {
    const stats = await s.connection.sendRequest(ServerStatsRequest);
    if (stats.workspaceSettled) return stats;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the workspace pass did not settle within 20 s');
}

before(async () => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-wslint-'));
  fs.writeFileSync(path.join(workspace, 'knexfile.js'), "module.exports = { client: 'pg', migrations: { directory: './db/migrations' } };\n");
  fs.mkdirSync(path.join(workspace, 'db', 'migrations'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'db', 'migrations', '20240101_create_audit.js'), SAFE);
  fs.writeFileSync(path.join(workspace, 'db', 'migrations', '20240102_drop_sessions.js'), DROP);
  // SQL outside any migrations folder: `include` takes *.sql anywhere when opened, but the workspace pass lints projects only.
  fs.mkdirSync(path.join(workspace, 'scripts'));
  fs.writeFileSync(path.join(workspace, 'scripts', 'cleanup.sql'), 'DROP TABLE sessions;\n');
  server = await startServer(workspace);
});

after(async () => {
  await server?.stop();
  fs.rmSync(workspace, { recursive: true, force: true });
});

test('a closed migration file with a finding gets diagnostics without being opened', async () => {
  const drop = uriOf(path.join(workspace, 'db', 'migrations', '20240102_drop_sessions.js'));
  const published = await server.nextDiagnostics(drop, (p) => p.diagnostics.length > 0);
  assert.deepEqual(codes(published), ['ban-drop-table']);
  assert.equal(published.version, undefined, 'published for the file on disk, not for a document version');
  const stats = await settled();
  assert.equal(stats.workspaceFiles, 2);
});

test('a file outside the projects\' migrations folders is not linted, nor a safe migration published', async () => {
  await settled();
  const outside = uriOf(path.join(workspace, 'scripts', 'cleanup.sql'));
  const safe = uriOf(path.join(workspace, 'db', 'migrations', '20240101_create_audit.js'));
  assert.deepEqual(server.published.filter((p) => p.uri === outside || p.uri === safe), []);
});

test('editing a closed migration on disk updates its diagnostics; deleting it clears them; a new file is linted', async () => {
  const file = path.join(workspace, 'db', 'migrations', '20240102_drop_sessions.js');
  fs.writeFileSync(file, SAFE);
  let next = server.nextDiagnostics(uriOf(file), (p) => p.diagnostics.length === 0);
  await changed(file, FileChangeType.Changed);
  await next;

  fs.writeFileSync(file, DROP);
  next = server.nextDiagnostics(uriOf(file), (p) => codes(p).includes('ban-drop-table'));
  await changed(file, FileChangeType.Changed);
  await next;

  fs.rmSync(file);
  next = server.nextDiagnostics(uriOf(file), (p) => p.diagnostics.length === 0);
  await changed(file, FileChangeType.Deleted);
  await next;

  const created = path.join(workspace, 'db', 'migrations', '20240103_drop_again.js');
  fs.writeFileSync(created, DROP);
  next = server.nextDiagnostics(uriOf(created), (p) => codes(p).includes('ban-drop-table'));
  await changed(created, FileChangeType.Created);
  await next;
  assert.equal((await settled()).workspaceFiles, 2);
});

test('an open document keeps its editor text\'s diagnostics; closed again, it shows its file\'s', async () => {
  await settled();
  const file = path.join(workspace, 'db', 'migrations', '20240103_drop_again.js');
  const uri = uriOf(file);
  // Opened with an unsaved safe text: the document's own analysis publishes, with its version.
  let next = server.nextDiagnostics(uri, (p) => p.version === 7 && p.diagnostics.length === 0);
  await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'javascript', version: 7, text: SAFE } });
  await next;
  const since = server.published.length;
  // A sibling changes on disk: the folder is linted again, but the open document is not published by the workspace pass.
  const sibling = path.join(workspace, 'db', 'migrations', '20240101_create_audit.js');
  fs.appendFileSync(sibling, '// touched\n');
  await changed(sibling, FileChangeType.Changed);
  // No wait for a fixed time: the server handles the notification (its folder is marked to lint) before the stats
  // requests that follow it on the same connection, so settled() returns once that pass is done.
  await settled();
  assert.deepEqual(server.published.slice(since).filter((p) => p.uri === uri && p.version === undefined), []);
  // Closed: the file on disk (which drops a table) is what counts again.
  next = server.nextDiagnostics(uri, (p) => codes(p).includes('ban-drop-table'));
  await server.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  await next;
});

test('migrationGuard.lintWorkspace false: closed files are not linted', async () => {
  const other = await startServer(workspace, { workspace: { configuration: true } });
  try {
    other.connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => ({ lintWorkspace: false })));
    other.connection.onRequest(RegistrationRequest.type, () => undefined);
    const stats = await settled(other);
    assert.equal(stats.workspaceFiles, 0);
    assert.deepEqual(other.published, []);
  } finally {
    await other.stop();
  }
});
