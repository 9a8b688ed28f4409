/**
 * CLI wall time against Squawk on the same generated 5,000-statement PostgreSQL file in which every statement
 * produces a finding in both tools (alternating `CREATE INDEX` without `CONCURRENTLY` and `ADD COLUMN … NOT NULL`
 * without a default): both then report 5,000+ findings as JSON, a workload where the peer does real work.
 * `node dist/cli.js check <file> --format json` vs `squawk --reporter json <file>` (npm squawk-cli 2.66.0),
 * median of 5 runs each, measured in the same run. Target (issue 14): ratio <= 1.5.
 * Needs `node esbuild.mjs` (dist/cli.js). squawk-cli is not a devDependency (its lock entries are per platform):
 * the first run installs it into ~/.cache/migration-guard-bench/squawk.
 * Run: node --import tsx bench/squawk-compare.ts
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { machineFacts } from './generate';

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'dist', 'cli.js');
const SQUAWK_VERSION = '2.66.0';
const squawkPrefix = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'migration-guard-bench', 'squawk');
const squawk = path.join(squawkPrefix, 'node_modules', '.bin', 'squawk');

/** Installs squawk-cli into its own cache folder when missing (npm registry only, no download of its own). */
function ensureSquawk(): void {
  if (fs.existsSync(squawk)) return;
  console.log(`installing squawk-cli@${SQUAWK_VERSION} into ${squawkPrefix}`);
  const r = spawnSync('npm', ['install', '--prefix', squawkPrefix, '--no-audit', '--no-fund', `squawk-cli@${SQUAWK_VERSION}`], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm install squawk-cli@${SQUAWK_VERSION} failed (${r.status ?? r.error?.message})`);
}
const RUNS = 5;
const STATEMENTS = 5_000;

/** `count` statements, each one both tools flag (require-concurrent-index-creation, adding-required-field / a NOT NULL column). */
function allFindingsMigration(count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(i % 2 === 0 ? `CREATE INDEX idx_${i} ON accounts (c${i});` : `ALTER TABLE accounts ADD COLUMN c${i} integer NOT NULL;`);
  return `${lines.join('\n')}\n`;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall time in ms of one run; exit codes 0 and 1 (findings) are both a completed run. */
function time(command: string, args: string[], cwd: string): number {
  const started = performance.now();
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const elapsed = performance.now() - started;
  if (r.error || (r.status !== 0 && r.status !== 1)) throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.error?.message}): ${r.stderr}`);
  return elapsed;
}

function run(): void {
  ensureSquawk();
  for (const [what, file] of [['dist/cli.js (run node esbuild.mjs)', cli], ['squawk', squawk]]) {
    if (!fs.existsSync(file)) throw new Error(`missing ${what}`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-bench-'));
  try {
    const file = path.join(dir, 'migration.sql');
    fs.writeFileSync(file, allFindingsMigration(STATEMENTS));
    const ours: number[] = [];
    const theirs: number[] = [];
    // Alternate the two tools so background load hits both alike; one warm-up each (disk cache).
    time(process.execPath, [cli, 'check', file, '--format', 'json', '--dialect', 'postgresql'], dir);
    time(squawk, ['--reporter', 'json', file], dir);
    for (let i = 0; i < RUNS; i++) {
      ours.push(time(process.execPath, [cli, 'check', file, '--format', 'json', '--dialect', 'postgresql'], dir));
      theirs.push(time(squawk, ['--reporter', 'json', file], dir));
    }
    const version = spawnSync(squawk, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const a = median(ours);
    const b = median(theirs);
    console.log(machineFacts());
    console.log(`workload: ${STATEMENTS} PostgreSQL statements, every one flagged by both tools (CREATE INDEX without CONCURRENTLY, ADD COLUMN NOT NULL); ${RUNS} runs each after one warm-up`);
    console.log(`migration-guard check --format json --dialect postgresql: median ${a.toFixed(0)} ms (runs: ${ours.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`${version || 'squawk'} --reporter json: median ${b.toFixed(0)} ms (runs: ${theirs.map((x) => x.toFixed(0)).join(', ')})`);
    console.log(`ratio migration-guard / squawk: ${(a / b).toFixed(2)} (target <= 1.5)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

run();
