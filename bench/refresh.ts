/**
 * A Revisions refresh for 1,000 migrations (target: ≤ 300 ms, issue 16). Workload: a Knex project on a SQLite file
 * with 1,000 migration files, all 1,000 recorded as applied (100 batches) with their checksums.
 *
 * Counted, per run: what the view does for one project after a command or a file change (the projects list is
 * cached then) — the engine's `status --json` run exactly as the extension runs it (client/src/engine.ts: a
 * read-only command goes to the warm engine host, client/src/engine-host.ts, over its IPC channel, with the argv from
 * the protocol's command table; its JSON parsed), then the client's pure model for the tree: the root's label
 * (revisions/model.ts `rootView`), the batch groups (`statusGroups`) and each migration row's label, description and
 * tooltip text (`shortName`, `relativeTime`, as tree.ts builds them). Not counted: VS Code drawing the tree
 * (TreeItem objects, the renderer), which only draws the visible rows. A migration file is rewritten before each
 * refresh (what a file change does; the host reads every file and the database again for each command).
 * Also printed: the first refresh of a session (the host starting: Node, Knex and the bundle loaded once) and the
 * same status as a process of its own (`node dist/cli.js status --json`, the CLI and the host's fallback).
 *
 * Peer, measured in the same run: `knex migrate:list` (the knex CLI, node_modules/knex/bin/cli.js) on the same
 * project, which reads the same table and folder and prints the list.
 *
 *   node esbuild.mjs && node --import tsx bench/refresh.ts [runs=9]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EngineHost } from '../client/src/engine-host';
import { relativeTime } from '../client/src/relative-time';
import { rootView, shortName } from '../client/src/revisions/model';
import { statusGroups } from '../client/src/status-groups';
import { commandArgv, commands, type StatusResult } from '../server/src/protocol';
import { writeAppliedKnexProject } from './knex-project';

const COUNT = 1000;
const runs = Number(process.argv[2] ?? 9);
const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'dist', 'cli.js');
const knexCli = path.join(root, 'node_modules', 'knex', 'bin', 'cli.js');


/** `migration-guard status --json --cwd dir` through the engine host, as client/src/engine.ts runs a read-only command. */
async function hostStatus(host: EngineHost, dir: string): Promise<StatusResult> {
  const answer = await host.request(commandArgv(commands.status, { json: true, cwd: dir }), dir);
  if (answer.exitCode !== 0) throw new Error(`status exited ${answer.exitCode}: ${answer.stdout.slice(0, 500)}`);
  return JSON.parse(answer.stdout) as StatusResult;
}

/** `migration-guard status --json --cwd dir` as a process of its own (the CLI; the host's fallback). */
function processStatus(dir: string): Promise<StatusResult> {
  const argv = commandArgv(commands.status, { json: true, cwd: dir });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...argv], { cwd: dir, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(stdout) as StatusResult);
      } catch {
        reject(new Error(`status gave no JSON: ${stdout.slice(0, 500)}`));
      }
    });
  });
}

/** The tree's text for every row, as tree.ts builds it from the model (without vscode's TreeItem objects). */
function buildTree(dir: string, status: StatusResult): number {
  const now = Date.now();
  const view = rootView({ folderName: 'app', folderPath: dir, project: undefined, folderCount: 1, state: { kind: 'knex', status } });
  let rows = view.label.length > 0 ? 1 : 0;
  for (const group of statusGroups(status)) {
    rows++;
    for (const entry of group.migrations) {
      const short = shortName(entry.name);
      const when = entry.appliedAt ? relativeTime(entry.appliedAt, now) : undefined;
      const description = [entry.state + (when ? ` ${when}` : ''), short.prefix].filter(Boolean).join(' · ');
      const tooltip = `**${entry.name}**\n\n${entry.state}${entry.batch !== null ? `\n\nBatch: ${entry.batch}` : ''}${entry.appliedAt ? `\n\nApplied: ${entry.appliedAt} (${when})` : ''}`;
      if (description && tooltip && short.label) rows++;
    }
  }
  return rows;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-bench-refresh-'));
  try {
    // The knex CLI insists on a local knex install, found from the project folder.
    symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const now = Date.now();
    await writeAppliedKnexProject(dir, COUNT, (i) => now - (COUNT - i) * 60_000);

    const check = (status: StatusResult, rows: number) => {
      if (status.migrations.length !== COUNT || status.migrations.some((m) => m.state !== 'applied') || rows !== COUNT + 101) throw new Error(`unexpected status (${status.migrations.length} migrations, ${rows} rows)`);
    };
    const changed = path.join(dir, 'migrations', `${String(20240101000000 + COUNT - 1)}_create_t${COUNT - 1}.js`);
    const source = readFileSync(changed);
    const host = new EngineHost(cli, () => undefined);
    const ours: number[] = [];
    const model: number[] = [];
    const peer: number[] = [];
    const oneShot: number[] = [];
    let first = 0;
    try {
      for (let r = 0; r <= runs; r++) {
        writeFileSync(changed, source);
        const t0 = performance.now();
        const status = await hostStatus(host, dir);
        const tModel = performance.now();
        const treeRows = buildTree(dir, status);
        const ms = performance.now() - t0;
        const modelMs = performance.now() - tModel;
        check(status, treeRows);
        const t1 = performance.now();
        const list = spawnSync(process.execPath, [knexCli, 'migrate:list', '--knexfile', path.join(dir, 'knexfile.js')], { cwd: dir, encoding: 'utf8' });
        const knexMs = performance.now() - t1;
        if (list.status !== 0 || !list.stdout.includes(`Found ${COUNT} Completed Migration file/files.`)) throw new Error(`knex migrate:list failed: ${list.stdout.slice(0, 300)}${list.stderr.slice(0, 300)}`);
        const t2 = performance.now();
        const alone = await processStatus(dir);
        const aloneMs = performance.now() - t2;
        check(alone, buildTree(dir, alone));
        if (r === 0) {
          first = ms;
          console.log(`first refresh (the engine host starting): ${ms.toFixed(1)} ms; knex migrate:list ${knexMs.toFixed(1)} ms; status as its own process ${aloneMs.toFixed(1)} ms`);
          continue;
        }
        ours.push(ms);
        model.push(modelMs);
        peer.push(knexMs);
        oneShot.push(aloneMs);
        console.log(`run ${r}: refresh ${ms.toFixed(1)} ms (of which the tree's model ${modelMs.toFixed(1)} ms); knex migrate:list ${knexMs.toFixed(1)} ms; ratio ${(ms / knexMs).toFixed(2)}; status as its own process ${aloneMs.toFixed(1)} ms`);
      }
    } finally {
      host.dispose();
    }
    const m = median(ours);
    const k = median(peer);
    const ratios = ours.map((o, i) => o / peer[i]!);
    console.log(`\nWorkload: Knex project, SQLite, ${COUNT} migration files, ${COUNT} applied rows in 100 batches (with checksums); one file rewritten before each refresh; ${ours.length} runs (medians).`);
    console.log(`Refresh (status --json through the engine host + the tree's model, the model alone ${median(model).toFixed(1)} ms): ${m.toFixed(1)} ms; peer knex migrate:list: ${k.toFixed(1)} ms; ratio ${(m / k).toFixed(2)}x (median of per-run ratios ${median(ratios).toFixed(2)}x).`);
    console.log(`First refresh of a session (host start): ${first.toFixed(1)} ms; status --json as its own process (CLI, the host's fallback): ${median(oneShot).toFixed(1)} ms.`);
    console.log(`Target ≤ 300 ms: ${m <= 300 ? 'met' : 'NOT met'}. Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}, Node ${process.version}.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
