/**
 * Locks in the editor, over stdio with the bundled dist/server.js: a lock finding's hover names the lock its statement
 * takes (mode, table, what it blocks); inlay hints show the mode only when the `lockInlayHints` setting is on.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigurationRequest, HoverRequest, InlayHintRequest, RegistrationRequest, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { startServer, type TestServer } from './client';

const SQL = 'ALTER TABLE orders ADD COLUMN total int NOT NULL;\nCREATE INDEX orders_user_idx ON orders (user_id);\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\n';
const wholeFile = { start: { line: 0, character: 0 }, end: { line: 10, character: 0 } };

async function openAndWait(server: TestServer, dir: string): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
  const file = path.join(dir, 'migrations', '001_locks.sql');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, SQL);
  const uri = `file://${file}`;
  const published = server.nextDiagnostics(uri, (p) => p.diagnostics.length > 0);
  server.openFile(file);
  return { uri, diagnostics: (await published).diagnostics };
}

void describe('locks in the language server', () => {
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  const workspace = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-lsp-locks-'));
    dirs.push(dir);
    return dir;
  };
  after(async () => {
    for (const s of servers) await s.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  void it('hover names the lock; no inlay hints by default', async () => {
    const dir = workspace();
    const server = await startServer(dir);
    servers.push(server);
    const { uri, diagnostics } = await openAndWait(server, dir);
    const add = diagnostics.find((d) => d.code === 'adding-required-field');
    assert.ok(add, JSON.stringify(diagnostics));
    assert.deepEqual((add.data as { lock?: unknown }).lock, { mode: 'ACCESS EXCLUSIVE', table: 'orders', blocks: ['reads', 'writes'] });
    const hover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: add.range.start });
    const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
    assert.match(value, /\*\*Lock:\*\* ACCESS EXCLUSIVE on "orders" \(blocks reads and writes\)/);
    const fk = diagnostics.find((d) => d.code === 'constraint-missing-not-valid')!;
    const fkHover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: fk.range.start });
    const fkValue = fkHover && typeof fkHover.contents === 'object' && 'value' in fkHover.contents ? fkHover.contents.value : '';
    assert.match(fkValue, /SHARE ROW EXCLUSIVE on "orders" \(blocks writes\); SHARE ROW EXCLUSIVE on "users" \(blocks writes\)/);
    assert.deepEqual(await server.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: wholeFile }), []);
  });

  void it('with migrationGuard.lockInlayHints on, an inlay hint shows the mode at each lock finding', async () => {
    const dir = workspace();
    const server = await startServer(dir, { workspace: { configuration: true } });
    servers.push(server);
    server.connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => ({ lockInlayHints: true })));
    server.connection.onRequest(RegistrationRequest.type, () => undefined);
    const { uri } = await openAndWait(server, dir);
    const hints = (await server.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: wholeFile })) ?? [];
    assert.deepEqual(
      hints.map((h) => [h.position.line, h.label]),
      [
        [0, 'ACCESS EXCLUSIVE:'],
        [1, 'SHARE:'],
        [2, 'SHARE ROW EXCLUSIVE:'],
      ],
    );
    assert.match(String(hints[1]!.tooltip), /SHARE on "orders" \(blocks writes\)/);
  });
});
