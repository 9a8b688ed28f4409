/**
 * Start-up figures of `migration-guard check` (issue 14), each against its peer measured in the same run, in paired
 * rounds (order alternating; median of the per-round values):
 *
 * - `check` of a one-statement PostgreSQL `.sql` file vs `node -e 0`: wall time (target <= 2x) and peak RSS of the
 *   check (target <= 60 MB; `/usr/bin/time -v`'s "Maximum resident set size" when present, else the child's
 *   `maxRSS` reported by a wrapper process);
 * - `check` of a folder of 500 small PostgreSQL migrations (target <= 0.6 s) and of 500 Knex migrations (<= 0.8 s),
 *   with `node -e 0` as the peer for scale.
 *
 * The CLI as shipped: dist/cli.js with its code cache (a warm-up run fills it, in a folder of the bench's own); for
 * `check` the launcher runs dist/cli-check.js (the check command and the analyzer, no engine).
 *   node esbuild.mjs && node --import tsx bench/startup.ts [rounds=9]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { machineFacts } from './generate';

const rounds = Number(process.argv[2] ?? 9);
const repo = path.resolve(__dirname, '..');
const cli = path.join(repo, 'dist', 'cli.js');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const hasTime = existsSync('/usr/bin/time');

/** Wall time (ms) and peak RSS (MB) of one run; exit codes 0 and 1 (findings) both count as done. */
function measure(args: string[], env: Record<string, string>): { ms: number; rssMb: number; cpuMs: number } {
  const cmd = hasTime ? '/usr/bin/time' : process.execPath;
  const full = hasTime ? ['-f', '%M %U %S', process.execPath, ...args] : args;
  const t0 = performance.now();
  const r = spawnSync(cmd, full, { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: undefined, ...env }, maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [kb, user, sys] = hasTime ? (r.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number) : [process.resourceUsage().maxRSS, NaN, NaN];
  return { ms, rssMb: (kb as number) / 1024, cpuMs: ((user as number) + (sys as number)) * 1000 };
}

function pgFolder(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    writeFileSync(path.join(dir, `${String(100000 + i)}_t${i}.sql`), `CREATE TABLE t${i} (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE INDEX CONCURRENTLY t${i}_name ON t${i} (name);\n`);
  }
}

function knexFolder(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    writeFileSync(
      path.join(dir, `${String(20240101000000 + i)}_t${i}.js`),
      `exports.up = (knex) => knex.schema.createTable('t${i}', (t) => { t.increments('id'); t.string('name').notNullable(); });\nexports.down = (knex) => knex.schema.dropTable('t${i}');\n`,
    );
  }
}

interface Pair {
  workload: string;
  ours: string[];
  target: (ours: { ms: number; rssMb: number }, peer: { ms: number; rssMb: number }) => string;
}

function main(): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-bench-startup-'));
  try {
    const env = { MIGRATION_GUARD_CODE_CACHE: path.join(dir, 'code-cache') };
    const one = path.join(dir, 'one.sql');
    writeFileSync(one, 'CREATE INDEX users_email ON users (email);\n');
    pgFolder(path.join(dir, 'pg'), 500);
    knexFolder(path.join(dir, 'knex'), 500);
    const pairs: Pair[] = [
      {
        workload: 'check of a one-statement PostgreSQL .sql file',
        ours: [cli, 'check', '--dialect', 'postgresql', one],
        target: (o, p) => `wall ${(o.ms / p.ms).toFixed(2)}x node -e 0 (target <= 2x) ${o.ms <= 2 * p.ms ? 'OK' : 'OVER TARGET'}; peak RSS ${o.rssMb.toFixed(0)} MB (target <= 60 MB) ${o.rssMb <= 60 ? 'OK' : 'OVER TARGET'}`,
      },
      { workload: 'check of a folder of 500 small PostgreSQL migrations', ours: [cli, 'check', '--dialect', 'postgresql', path.join(dir, 'pg')], target: (o) => `${(o.ms / 1000).toFixed(2)} s (target <= 0.6 s) ${o.ms <= 600 ? 'OK' : 'OVER TARGET'}` },
      { workload: 'check of a folder of 500 Knex migrations (SQLite)', ours: [cli, 'check', '--dialect', 'sqlite', path.join(dir, 'knex')], target: (o) => `${(o.ms / 1000).toFixed(2)} s (target <= 0.8 s) ${o.ms <= 800 ? 'OK' : 'OVER TARGET'}` },
    ];
    console.log(machineFacts());
    for (const pair of pairs) {
      measure(pair.ours, env); // warm-up: code cache, OS file cache
      const ours: Array<{ ms: number; rssMb: number; cpuMs: number }> = [];
      const peer: Array<{ ms: number; rssMb: number; cpuMs: number }> = [];
      for (let r = 0; r < rounds; r++) {
        const a = () => ours.push(measure(pair.ours, env));
        const b = () => peer.push(measure(['-e', '0'], {}));
        for (const f of r % 2 === 0 ? [a, b] : [b, a]) f();
      }
      const o = { ms: median(ours.map((x) => x.ms)), rssMb: median(ours.map((x) => x.rssMb)) };
      const p = { ms: median(peer.map((x) => x.ms)), rssMb: median(peer.map((x) => x.rssMb)) };
      const ratio = median(ours.map((x, i) => x.ms / (peer[i] as { ms: number }).ms));
      const cpu = (xs: Array<{ cpuMs: number }>) => median(xs.map((x) => x.cpuMs)).toFixed(0);
      console.log(`${pair.workload}: median ${o.ms.toFixed(0)} ms (CPU ${cpu(ours)} ms), peak RSS ${o.rssMb.toFixed(0)} MB; node -e 0: ${p.ms.toFixed(0)} ms (CPU ${cpu(peer)} ms), ${p.rssMb.toFixed(0)} MB; per-round ratio ${ratio.toFixed(2)}; ${pair.target(o, p)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
