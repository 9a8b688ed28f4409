/**
 * The language server's workspace pass (lsp/workspace-lint.ts) on a Knex project of 1,000 migrations: how long until
 * every closed file is linted (the server's `workspaceSettled`), and what it costs the first diagnostics of a file
 * opened right after start. Peer, in the same run: the same server with `migrationGuard.lintWorkspace` off.
 *
 *   node esbuild.mjs && node --import tsx bench/workspace-lint.ts [runs=4]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigurationRequest, RegistrationRequest } from 'vscode-languageserver-protocol/node';
import { ServerStatsRequest } from '../server/src/lsp/messages';
import { startServer } from '../test/lsp/client';

const COUNT = 1000;
const runs = Number(process.argv[2] ?? 4);

async function once(dir: string, lintWorkspace: boolean): Promise<{ first: number; settled: number; files: number }> {
  const t0 = performance.now();
  const server = await startServer(dir, { workspace: { configuration: true } });
  server.connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => ({ lintWorkspace })));
  server.connection.onRequest(RegistrationRequest.type, () => undefined);
  try {
    const file = path.join(dir, 'migrations', `${20240101000000 + COUNT - 1}_m.js`);
    const uri = server.openFile(file);
    await server.nextDiagnostics(uri, (p) => p.version === 1, 120_000);
    const first = performance.now() - t0;
    for (;;) {
      const stats = await server.connection.sendRequest(ServerStatsRequest);
      if (stats.workspaceSettled) return { first, settled: performance.now() - t0, files: stats.workspaceFiles };
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-bench-wslint-'));
  try {
    mkdirSync(path.join(dir, 'migrations'));
    writeFileSync(path.join(dir, 'knexfile.js'), "module.exports = { client: 'pg', migrations: { directory: './migrations' } };\n");
    for (let i = 0; i < COUNT; i++) {
      writeFileSync(
        path.join(dir, 'migrations', `${20240101000000 + i}_m.js`),
        `exports.up = (knex) => knex.schema.alterTable('t${i % 50}', (t) => { t.string('c${i}', 100); t.index(['c${i}']); });\nexports.down = (knex) => knex.schema.alterTable('t${i % 50}', (t) => { t.dropColumn('c${i}'); });\n`,
      );
    }
    const ratios: number[] = [];
    for (let r = 0; r < runs; r++) {
      // Alternating which goes first, so that neither always meets a colder cache.
      const first = await once(dir, r % 2 === 0);
      const second = await once(dir, r % 2 !== 0);
      const [on, off] = r % 2 === 0 ? [first, second] : [second, first];
      ratios.push(on.first / off.first);
      console.log(`run ${r + 1}: lintWorkspace on: first diagnostics ${on.first.toFixed(0)} ms, all ${on.files} files linted ${on.settled.toFixed(0)} ms after start; off: first diagnostics ${off.first.toFixed(0)} ms (ratio ${(on.first / off.first).toFixed(2)})`);
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    console.log(`Workload: Knex project of ${COUNT} migrations (PostgreSQL), one file opened right after start. First diagnostics, on/off: median ratio ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)}.`);
    console.log(`Machine: ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}, Node ${process.version}.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
