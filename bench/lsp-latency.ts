/**
 * Editor latency: spawns dist/server.js over stdio, opens a 1,000-line PostgreSQL migration, sends 100
 * didChange edits (one line each, incremental sync) and measures didChange → publishDiagnostics (for that
 * version) per edit; prints p50/p95 and the server's RSS when idle after start and after the edits (custom request
 * `migrationGuard/serverStats`). The server runs with the Node flags the extension uses ({@link SERVER_EXEC_ARGV}).
 * Targets (issue 3): p95 <= 50 ms, RSS <= 150 MB. First, the cold start (issue 14, target <= 1 s): for a PostgreSQL
 * `.sql` migration and a Knex `.js` migration, each in a fresh server, the time from spawning the server to the first
 * diagnostics of the document opened right after `initialize`, as when opening a file starts the extension.
 * Needs `node esbuild.mjs`. Run: node --import tsx bench/lsp-latency.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DidChangeTextDocumentNotification } from 'vscode-languageserver-protocol/node';
import { SERVER_EXEC_ARGV } from '../server/src/protocol';
import { ServerStatsRequest } from '../server/src/lsp/messages';
import { startServer } from '../test/lsp/client';
import { generatePostgresMigration, machineFacts, percentile } from './generate';

const LINES = 1_000;
const EDITS = 100;

/** Spawn → initialize → open `name` (written with `text`) → first diagnostics, in a fresh server; milliseconds from the spawn. */
async function coldFirstDiagnostics(name: string, text: string): Promise<{ total: number; afterOpen: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-lsp-cold-'));
  const started = performance.now();
  const server = await startServer(dir, {}, SERVER_EXEC_ARGV);
  try {
    const file = path.join(dir, 'db', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    const published = server.nextDiagnostics(pathToFileURL(file).toString());
    const opened = performance.now();
    server.openFile(file);
    await published;
    return { total: performance.now() - started, afterOpen: performance.now() - opened };
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function run(): Promise<void> {
  for (const [name, text] of [
    ['0001_index.sql', 'CREATE INDEX users_email ON users (email);\n'],
    ['20240101_drop.js', "exports.up = (knex) => knex.schema.dropTable('accounts');\nexports.down = () => {};\n"],
  ] as const) {
    const cold = await coldFirstDiagnostics(name, text);
    console.log(`cold server, first diagnostics of ${name}: ${cold.total.toFixed(0)} ms after the spawn (${cold.afterOpen.toFixed(0)} ms after didOpen) (target <= 1 s) ${cold.total <= 1000 ? 'OK' : 'OVER TARGET'}`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-lsp-bench-'));
  const server = await startServer(dir, {}, SERVER_EXEC_ARGV);
  try {
    const idle = await server.connection.sendRequest(ServerStatsRequest);
    const file = path.join(dir, 'db', '0001_big.sql');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const text = generatePostgresMigration(LINES, 7);
    const lines = text.split('\n');
    fs.writeFileSync(file, text);
    const uri = pathToFileURL(file).toString();
    const opened = server.nextDiagnostics(uri);
    server.openFile(file, 'sql');
    const first = await opened;
    const latencies: number[] = [];
    for (let version = 2; version <= EDITS + 1; version++) {
      // Replace one whole line (spread over the file) by an edited statement, as typing would.
      const line = ((version - 2) * 37) % (lines.length - 1);
      const newText = version % 2 === 0 ? `DROP TABLE IF EXISTS edited_${version};` : `ALTER TABLE users ADD COLUMN c_${version} text;`;
      const published = server.nextDiagnostics(uri, (p) => p.version === version);
      const started = performance.now();
      await server.connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version },
        contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: lines[line].length } }, text: newText }],
      });
      await published;
      latencies.push(performance.now() - started);
      lines[line] = newText;
    }
    const stats = await server.connection.sendRequest(ServerStatsRequest);
    console.log(machineFacts());
    console.log(`document: ${LINES} lines (PostgreSQL), ${first.diagnostics.length} diagnostics on open; ${EDITS} incremental edits`);
    console.log(`didChange -> publishDiagnostics: p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (target p95 <= 50 ms)`);
    console.log(`server memory idle after start (flags: ${SERVER_EXEC_ARGV.join(' ')}): RSS ${(idle.rss / 2 ** 20).toFixed(1)} MiB, heap used ${(idle.heapUsed / 2 ** 20).toFixed(1)} MiB`);
    console.log(`server memory after ${EDITS} edits: RSS ${(stats.rss / 2 ** 20).toFixed(1)} MiB, heap used ${(stats.heapUsed / 2 ** 20).toFixed(1)} MiB, ${stats.analyses} analyses (target RSS <= 150 MB)`);
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void run();
