/**
 * The language server loads its parsers on demand (issue 3, memory): libpg-query at start, the Python grammar on
 * the first Alembic revision, the TypeScript compiler on the first JavaScript/TypeScript migration. Each kind of
 * document, opened first in a fresh server (spawned with the Node flags the extension passes), gets its findings.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { ServerStatsRequest } from '../../server/src/lsp/messages';
import { startServer, type TestServer } from './client';

let workspace: string;
let server: TestServer;

before(async () => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-lsp-lazy-'));
  server = await startServer(workspace);
});

after(async () => {
  await server.stop();
  fs.rmSync(workspace, { recursive: true, force: true });
});

/** Writes `text` to `rel`, opens it and resolves with the codes of its first published diagnostics. */
async function openAndWait(rel: string, text: string): Promise<string[]> {
  const file = path.join(workspace, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  const published = server.nextDiagnostics(pathToFileURL(file).toString());
  server.openFile(file);
  return (await published).diagnostics.map((d) => String(d.code));
}

test('SQL first: findings and unused ignores are reported without the Python grammar loaded', async () => {
  const codes = await openAndWait('db/001_drop.sql', '-- migration-guard-ignore ban-truncate\nDROP TABLE accounts;\n');
  assert.deepEqual(codes.sort(), ['ban-drop-table', 'unused-ignore']);
});

test('the first Alembic revision loads the Python grammar and gets its findings', async () => {
  const codes = await openAndWait(
    'migrations/versions/abc123_drop.py',
    "revision = 'abc123'\ndown_revision = None\n\ndef upgrade():\n    op.drop_table('accounts')\n\ndef downgrade():\n    pass\n",
  );
  assert.ok(codes.includes('ban-drop-table'), codes.join(', '));
});

test('the first Knex migration loads the TypeScript-based parser and gets its findings', async () => {
  const codes = await openAndWait('migrations/20240101_drop.js', "exports.up = (knex) => knex.schema.dropTable('accounts');\nexports.down = () => {};\n");
  assert.ok(codes.includes('ban-drop-table'), codes.join(', '));
  const stats = await server.connection.sendRequest(ServerStatsRequest);
  assert.equal(stats.openDocuments, 3);
});
