/**
 * The rewriting quick fix of adding-required-field in the editor, over stdio with the bundled dist/server.js: a client
 * that can create files gets one code action whose workspace edit creates the four migrations beside the document
 * (CreateFile + insert) and comments the statement out at the analyzed version; a client that cannot gets none.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { CodeActionRequest, type CodeAction, type CreateFile, type Diagnostic, type TextDocumentEdit } from 'vscode-languageserver-protocol/node';
import { startServer, type TestServer } from './client';

const KNEX = `exports.up = async function (knex) {\n  await knex.schema.alterTable('users', (t) => {\n    t.string('email').notNullable();\n  });\n};\n\nexports.down = async function (knex) {\n  await knex.schema.alterTable('users', (t) => {\n    t.dropColumn('email');\n  });\n};\n`;

void describe('adding-required-field rewrite in the language server', () => {
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function actionsFor(capabilities: Record<string, unknown>): Promise<{ dir: string; uri: string; actions: CodeAction[] }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-lsp-reqfix-'));
    dirs.push(dir);
    const file = path.join(dir, 'migrations', '20260101000000_add_email.js');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, KNEX);
    const server = await startServer(dir, capabilities);
    servers.push(server);
    const uri = `file://${file}`;
    const published = server.nextDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'adding-required-field'));
    server.openFile(file);
    const diagnostic = (await published).diagnostics.find((d) => d.code === 'adding-required-field') as Diagnostic;
    const actions = (await server.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } })) as CodeAction[];
    return { dir, uri, actions };
  }

  void it('creates the four migrations and comments the statement out', async () => {
    const { dir, uri, actions } = await actionsFor({ workspace: { workspaceEdit: { documentChanges: true, resourceOperations: ['create'] } } });
    const rewrite = actions.find((a) => a.title.startsWith('Rewrite as safe migrations'));
    assert.ok(rewrite, JSON.stringify(actions.map((a) => a.title)));
    const changes = rewrite.edit?.documentChanges ?? [];
    const creates = changes.filter((c): c is CreateFile => 'kind' in c && c.kind === 'create');
    assert.deepEqual(
      creates.map((c) => path.basename(new URL(c.uri).pathname).slice(15)),
      ['add_email_to_users.js', 'backfill_users_email.js', 'check_users_email_not_null.js', 'set_users_email_not_null.js'],
    );
    for (const c of creates) {
      assert.equal(path.dirname(new URL(c.uri).pathname), path.join(dir, 'migrations'));
      assert.deepEqual(c.options, { overwrite: false, ignoreIfExists: false });
    }
    const edits = changes.filter((c): c is TextDocumentEdit => 'textDocument' in c);
    const inserts = edits.filter((e) => e.textDocument.uri !== uri);
    assert.equal(inserts.length, 4);
    assert.match((inserts[1]!.edits[0] as { newText: string }).newText, /BACKFILL_VALUE/);
    const own = edits.find((e) => e.textDocument.uri === uri);
    assert.equal(own?.textDocument.version, 1);
    assert.ok(own!.edits.some((e) => e.newText.includes('Migration Guard (adding-required-field): moved to')));
  });

  void it('none for a client that cannot create files', async () => {
    const { actions } = await actionsFor({});
    assert.equal(actions.find((a) => a.title.startsWith('Rewrite')), undefined);
    assert.ok(actions.length > 0, 'the ignore actions are still there');
  });
});
