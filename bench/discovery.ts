/**
 * Project discovery on a generated 5,000-file monorepo (target: ≤ 500 ms, issue 16). The tree: 40 services,
 * each with a source folder of 80 files and one of 20 runners' projects (Knex with a moved directory, Alembic,
 * node-pg-migrate, golang-migrate, Flyway, dbmate) holding its migrations, plus a `node_modules` of 1,000 files
 * that must be skipped. Measures `discoverProjects` in-process (the tree was just written, so the file-system cache is warm from the first run on),
 * prints every run, the median and the machine. Peer, measured in the same runs: `find` walking the same tree for the
 * same files (knexfiles, `alembic.ini`, `package.json`, `*.sql`, pruning `node_modules` and `.git`), a process of its own.
 *
 *   node --import tsx bench/discovery.ts [runs=9]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { discoverProjects } from '../server/src/migrations/projects/discover';

const runs = Number(process.argv[2] ?? 9);
const SERVICES = 40;

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** Writes the monorepo; returns the number of files. */
function generate(root: string): number {
  let files = 0;
  const put = (rel: string, text: string) => {
    write(path.join(root, rel), text);
    files++;
  };
  for (let s = 0; s < SERVICES; s++) {
    const svc = `services/svc${s}`;
    for (let i = 0; i < 80; i++) put(`${svc}/src/module${Math.floor(i / 10)}/file${i}.ts`, `export const x${i} = ${i};\n`);
    const kind = s % 6;
    for (let m = 0; m < 20; m++) {
      const v = String(m + 1).padStart(6, '0');
      if (kind === 0) put(`${svc}/db/knex/${20240101000000 + m}_m${m}.js`, 'exports.up = () => {}; exports.down = () => {};\n');
      if (kind === 1) put(`${svc}/alembic/versions/r${m}.py`, `"""m${m}"""\nrevision = 'r${s}_${m}'\ndown_revision = ${m === 0 ? 'None' : `'r${s}_${m - 1}'`}\n`);
      if (kind === 2) put(`${svc}/migrations/${1700000000000 + m}_m${m}.js`, 'exports.up = () => {};\n');
      if (kind === 3) put(`${svc}/migrations/${v}_m${m}.${m % 2 ? 'down' : 'up'}.sql`, 'select 1;\n');
      if (kind === 4) put(`${svc}/sql/V${m + 1}__m${m}.sql`, 'select 1;\n');
      if (kind === 5) put(`${svc}/db/migrations/${20240101000000 + m}_m${m}.sql`, '-- migrate:up\nselect 1;\n-- migrate:down\n');
    }
    if (kind === 0) put(`${svc}/knexfile.js`, `module.exports = { client: 'pg', migrations: { directory: './db/knex' } };\n`);
    if (kind === 1) put(`${svc}/alembic.ini`, '[alembic]\nscript_location = %(here)s/alembic\n');
    put(`${svc}/package.json`, JSON.stringify({ name: `svc${s}`, dependencies: kind === 2 ? { 'node-pg-migrate': '^7' } : { express: '^4' } }));
  }
  for (let i = 0; i < 1000; i++) put(`node_modules/pkg${i % 50}/lib/f${i}.js`, 'module.exports = 1;\n');
  return files;
}

function main(): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-bench-discovery-'));
  try {
    const files = generate(dir);
    const times: number[] = [];
    const peer: number[] = [];
    let found = 0;
    const findArgs = [dir, '(', '-name', 'node_modules', '-o', '-name', '.git', ')', '-prune', '-o', '-type', 'f', '(', '-name', 'knexfile.*', '-o', '-name', 'alembic.ini', '-o', '-name', 'package.json', '-o', '-name', '*.sql', ')', '-print'];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      found = discoverProjects(dir).projects.length;
      const ms = performance.now() - t0;
      times.push(ms);
      const t1 = performance.now();
      const listed = spawnSync('find', findArgs, { encoding: 'utf8' });
      const findMs = performance.now() - t1;
      if (listed.status !== 0) throw new Error(`find failed: ${listed.stderr}`);
      peer.push(findMs);
      console.log(`run ${r + 1}: ${ms.toFixed(1)} ms (${found} projects); find ${findMs.toFixed(1)} ms (${listed.stdout.split('\n').filter(Boolean).length} files)`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const findMedian = [...peer].sort((a, b) => a - b)[Math.floor(peer.length / 2)]!;
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log(`\n${files} files, ${found} projects found (expected ${SERVICES}). Median ${median.toFixed(1)} ms, first run ${times[0]!.toFixed(1)} ms; target ≤ 500 ms: ${median <= 500 ? 'met' : 'NOT met'}.`);
    console.log(`Peer find (same walk, own process): median ${findMedian.toFixed(1)} ms; ratio ${(median / findMedian).toFixed(2)}x.`);
    console.log(`Machine: ${cpu}, load average ${os.loadavg()[0]!.toFixed(1)}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.`);
    if (found !== SERVICES) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
