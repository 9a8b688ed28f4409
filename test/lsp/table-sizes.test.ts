/**
 * Table sizes in the editor, over stdio with the bundled dist/server.js: with the `migrationGuard.statsFile` setting
 * (a file `migration-guard stats --out` wrote), diagnostics about a table say its size, lock findings take the
 * severity `smallTableRows` / `largeTableRows` give them (as `check --stats` does), and the hover shows the size.
 * Without the setting nothing changes.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigurationRequest, DiagnosticSeverity, HoverRequest, RegistrationRequest, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { startServer, type TestServer } from './client';

const SQL = 'CREATE INDEX orders_user ON orders (user_id);\nCREATE INDEX tiny_id ON tiny (id);\nCREATE INDEX fresh_id ON fresh (id);\n';
const STATS = { dialect: 'postgresql', defaultSchema: 'public', tables: { 'public.orders': { rows: 2_000_000, bytes: 250_000_000 }, 'public.tiny': { rows: 3, bytes: 16384 }, 'public.fresh': { rows: 50_000, bytes: null } } };

void describe('table sizes in the language server', () => {
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function diagnosticsWith(settings: Record<string, unknown>): Promise<{ server: TestServer; uri: string; diagnostics: Diagnostic[] }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-lsp-sizes-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'stats.json'), JSON.stringify(STATS));
    const file = path.join(dir, 'migrations', '001_indexes.sql');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, SQL);
    const server = await startServer(dir, { workspace: { configuration: true } });
    servers.push(server);
    server.connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => settings));
    server.connection.onRequest(RegistrationRequest.type, () => undefined);
    const uri = `file://${file}`;
    const published = server.nextDiagnostics(uri, (p) => p.diagnostics.length >= 3);
    server.openFile(file);
    return { server, uri, diagnostics: (await published).diagnostics.filter((d) => d.code === 'require-concurrent-index-creation') };
  }

  void it('with migrationGuard.statsFile: sizes in messages and hovers, lock findings info below smallTableRows and errors from largeTableRows', async () => {
    const { server, uri, diagnostics } = await diagnosticsWith({ statsFile: 'stats.json' });
    assert.deepEqual(
      diagnostics.map((d) => d.severity),
      [DiagnosticSeverity.Error, DiagnosticSeverity.Information, DiagnosticSeverity.Warning],
    );
    assert.match(diagnostics[0]!.message, /\("orders": about 2,000,000 rows, 238 MiB\.\) Error: at or above largeTableRows \(1,000,000\)\.$/);
    assert.match(diagnostics[1]!.message, /\("tiny": about 3 rows, 16 KiB\.\) Info: below smallTableRows \(10,000\), the lock is brief\.$/);
    const hover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: diagnostics[0]!.range.start });
    const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
    assert.match(value, /\*\*Table size:\*\* "orders": about 2,000,000 rows, 238 MiB \(table statistics\)\./);
  });

  void it('without the setting, severities and messages stay as the analyzer gives them', async () => {
    const { diagnostics } = await diagnosticsWith({});
    assert.deepEqual(diagnostics.map((d) => d.severity), [DiagnosticSeverity.Warning, DiagnosticSeverity.Warning, DiagnosticSeverity.Warning]);
    assert.ok(diagnostics.every((d) => !/rows/.test(d.message)));
  });
});
