/**
 * PostgreSQL backup benchmark: our `backup()` (pg_dump -Fc --file, started at once while the connection
 * probe, the migration rows and the `pg_dump --version` check run; then sha256 of the file and the
 * manifest) vs plain `pg_dump -Fc` on the same database. Target: ours ≤ 1.1 × pg_dump. Both pg_dumps
 * fsync their file (pg_dump's default). The timings of a loaded machine swing by seconds: compare medians.
 *
 *   node --import tsx bench/backup-pg.ts [--rows 1000000] [--runs 3]
 *
 * Uses MG_TEST_PG_URL when set, else starts its own throwaway cluster with scripts/pg-cluster.sh
 * (stopped at the end). Creates a database `mg_bench_<pid>`, fills it, and drops it at the end.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { backup, loadProject } from '../server/src/migrations';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};
const rows = Number(arg('rows', '1000000'));
const runs = Number(arg('runs', '3'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const repo = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mg-bench-pg-'));
  let clusterDir: string | null = null;
  let baseUrl = process.env.MG_TEST_PG_URL;
  if (!baseUrl) {
    clusterDir = path.join(tmp, 'cluster');
    chmodSync(tmp, 0o755); // the server runs as the postgres user, which must reach the cluster folder
    const port = String(56000 + (process.pid % 2000));
    baseUrl = execFileSync('bash', [path.join(repo, 'scripts', 'pg-cluster.sh'), 'start', clusterDir, port], { encoding: 'utf8' }).trim();
    console.log(`started a cluster: ${baseUrl}`);
  }
  const dbName = `mg_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${dbName}`);
    const u = new URL(baseUrl);
    u.pathname = `/${dbName}`;
    const url = u.toString();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    let t = performance.now();
    await c.query('create table events (id bigint primary key, kind text, payload text, created timestamptz)');
    await c.query(`insert into events select g, 'kind' || (g % 17), md5(g::text) || md5((g * 7)::text) || repeat('x', 60), timestamptz '2024-01-01' + g * interval '1 second' from generate_series(1, ${rows}) g`);
    await c.query('create index events_kind on events (kind, created)');
    await c.query('create table users (id int primary key, name text, email text)');
    await c.query("insert into users select g, 'user ' || g, 'u' || g || '@example.com' from generate_series(1, 200000) g");
    const size = (await c.query<{ s: string }>('select pg_size_pretty(pg_database_size(current_database())) as s')).rows[0]?.s;
    await c.end();
    console.log(`database ${dbName}: ${size}, filled in ${((performance.now() - t) / 1000).toFixed(1)} s; ${runs} run(s) each, alternating`);

    writeFileSync(path.join(tmp, 'knexfile.js'), `module.exports = { client: 'pg', connection: ${JSON.stringify(url)} };\n`);
    const project = await loadProject({ cwd: tmp, processEnv: {} });
    const exe = process.env.MG_PG_DUMP ?? 'pg_dump';
    const plain: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < runs; i++) {
      const out = path.join(tmp, `out${i}`);
      t = performance.now();
      const r = spawnSync(exe, ['--format=custom', '--no-password', `--file=${path.join(tmp, `plain${i}.dump`)}`, `--dbname=${url}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      plain.push(performance.now() - t);
      if (r.status !== 0) throw new Error(`pg_dump failed: ${r.stderr.toString()}`);
      t = performance.now();
      const b = await backup(project, { directory: out });
      ours.push(performance.now() - t);
      console.log(`run ${i + 1}: pg_dump -Fc ${(plain[i] ?? 0).toFixed(0)} ms (${statSync(path.join(tmp, `plain${i}.dump`)).size} bytes) | migration-guard backup ${(ours[i] ?? 0).toFixed(0)} ms (${b.backup.bytes} bytes)`);
      rmSync(path.join(tmp, `plain${i}.dump`), { force: true });
      rmSync(out, { recursive: true, force: true });
    }
    const p = median(plain);
    const o = median(ours);
    console.log(`median: pg_dump -Fc ${p.toFixed(0)} ms, migration-guard backup ${o.toFixed(0)} ms`);
    console.log(`ratio ours/pg_dump = ${(o / p).toFixed(3)} (target ≤ 1.1)`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin.end();
    if (clusterDir) execFileSync('bash', [path.join(repo, 'scripts', 'pg-cluster.sh'), 'stop', clusterDir]);
    rmSync(tmp, { recursive: true, force: true });
  }
}

void main();
