/**
 * SQLite backups under write load (issue 13: 6 of 10 backups failed with SQLITE_BUSY while an
 * application inserted rows). Workload: a separate writer process commits 200 transactions per second
 * (paced: one every 5 ms on a schedule, each `BEGIN IMMEDIATE; INSERT INTO rows (n, payload 200 B);
 * UPDATE counter SET n; COMMIT`, busy timeout 10 s, rollback journal unless --wal) on a database of
 * about --mb MB, while 20 `backup()` runs (as `migration-guard backup` runs it: copy, fsync, sha256,
 * manifest) alternate with 20 `sqlite3 -cmd ".timeout 10000" db ".backup …"` of the same database in
 * the same run. Every copy is checked: `PRAGMA integrity_check` ok, rows 1..max without gaps, and the
 * counter (written in the same transaction) equal to max: an exact snapshot.
 *
 *   node --import tsx bench/backup-under-load.ts [--mb 20] [--backups 20] [--rate 200] [--wal]
 *
 * A `sqlite3 .backup` still running after 20 s is stopped and counted as failed. Needs the sqlite3 command-line shell (apt-get install -y sqlite3). Prints the success counts, the
 * time per backup (median, p90, max) of both, and the commits the writer achieved.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import sqlite3 from 'sqlite3';
import { backup, loadProject } from '../server/src/migrations';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};
const mb = Number(arg('mb', '20'));
const count = Number(arg('backups', '20'));
const rate = Number(arg('rate', '200'));
const wal = process.argv.includes('--wal');
/** How long one `sqlite3 .backup` may run before it is stopped and counted as failed (ms). */
const SHELL_LIMIT_MS = 20_000;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;

function all(file: string, sql: string): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.all(sql, (err2, rows: Array<Record<string, unknown>>) => db.close(() => (err2 ? reject(err2) : resolve(rows))));
    });
  });
}

/** Null when `file` is an exact snapshot of the workload, else what is wrong. */
async function inconsistency(file: string): Promise<string | null> {
  const check = await all(file, 'PRAGMA integrity_check');
  if (check.length !== 1 || check[0]?.integrity_check !== 'ok') return `integrity_check: ${JSON.stringify(check)}`;
  const [r] = await all(file, 'select count(*) as c, coalesce(max(n), 0) as max, coalesce(min(n), 1) as min, (select n from counter) as counter from rows');
  if (r?.min !== 1 || r.c !== r.max || r.counter !== r.max) return `rows: ${JSON.stringify(r)}`;
  return null;
}

async function main(): Promise<void> {
  try {
    execFileSync('sqlite3', ['--version'], { stdio: 'ignore' });
  } catch {
    console.error('The sqlite3 shell is needed for the comparison: apt-get install -y sqlite3');
    process.exit(2);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-bench-load-'));
  const db = path.join(dir, 'db', 'app.sqlite3');
  mkdirSync(path.dirname(db));
  writeFileSync(path.join(dir, 'knexfile.js'), "module.exports = { client: 'sqlite3', connection: { filename: './db/app.sqlite3' }, useNullAsDefault: true };\n");
  // Bulk data that the backups copy (~1 KB a row), then the tables the writer appends to.
  const r = spawnSync('sqlite3', [
    db,
    `PRAGMA journal_mode=${wal ? 'WAL' : 'DELETE'};
     CREATE TABLE bulk (id INTEGER PRIMARY KEY, payload BLOB);
     WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${mb * 1000}) INSERT INTO bulk SELECT x, randomblob(1000) FROM c;
     CREATE TABLE rows (n INTEGER PRIMARY KEY, payload BLOB); CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0);`,
  ]);
  if (r.status !== 0) throw new Error(`creating the database failed: ${r.stderr.toString()}`);

  const writerScript = `const sqlite3 = require(${JSON.stringify(path.resolve('node_modules', 'sqlite3'))});
    const db = new sqlite3.Database(process.argv[1]);
    db.configure('busyTimeout', 10000);
    const interval = 1000 / Number(process.argv[2]);
    const start = Date.now();
    let n = 0, stopping = false, maxLatency = 0;
    const tick = () => {
      if (stopping) return;
      n++;
      const due = start + n * interval;
      const t = Date.now();
      db.exec('BEGIN IMMEDIATE; INSERT INTO rows (n, payload) VALUES (' + n + ', randomblob(200)); UPDATE counter SET n = ' + n + '; COMMIT;', (e) => {
        if (e) { console.error(e.message); process.exit(1); }
        maxLatency = Math.max(maxLatency, Date.now() - t);
        if (n === 1) console.log('ready');
        setTimeout(tick, Math.max(0, due + interval - Date.now()));
      });
    };
    process.on('SIGTERM', () => { stopping = true; const s = (Date.now() - start) / 1000; console.log(JSON.stringify({ commits: n, seconds: s, maxLatency })); db.close(() => process.exit(0)); });
    tick();`;
  const writer = spawn(process.execPath, ['-e', writerScript, db, String(rate)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: writer.stdout });
  const stats = new Promise<{ commits: number; seconds: number; maxLatency: number }>((resolve) => lines.on('line', (l) => l.startsWith('{') && resolve(JSON.parse(l) as { commits: number; seconds: number; maxLatency: number })));
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (l) => l === 'ready' && resolve());
    writer.once('exit', (code) => reject(new Error(`the writer exited (${code})`)));
  });

  const project = await loadProject({ cwd: dir, processEnv: {} });
  const out = path.join(dir, 'out');
  mkdirSync(out);
  const ours = { times: [] as number[], ok: 0, failures: [] as string[] };
  const shell = { times: [] as number[], ok: 0, failures: [] as string[] };
  for (let i = 0; i < count; i++) {
    let t = performance.now();
    try {
      const b = (await backup(project, { directory: out, label: `load-${i}` })).backup;
      ours.times.push(performance.now() - t);
      const problem = await inconsistency(b.path);
      if (problem) ours.failures.push(problem);
      else ours.ok++;
    } catch (err) {
      ours.failures.push((err as Error).message);
    }
    const copy = path.join(out, `shell-${i}.sqlite3`);
    t = performance.now();
    // The shell copies 100 pages per step and restarts when another process commits between steps: in
    // WAL mode under this load it may never finish, hence the limit.
    const s = spawnSync('sqlite3', ['-cmd', '.timeout 10000', db, `.backup ${copy}`], { stdio: ['ignore', 'ignore', 'pipe'], timeout: SHELL_LIMIT_MS });
    if (s.error || s.signal) {
      shell.failures.push(`did not finish within ${SHELL_LIMIT_MS / 1000} s (stopped)`);
    } else if (s.status === 0) {
      shell.times.push(performance.now() - t);
      const problem = await inconsistency(copy);
      if (problem) shell.failures.push(problem);
      else shell.ok++;
    } else {
      shell.failures.push(s.stderr.toString().trim());
    }
  }
  writer.kill('SIGTERM');
  const w = await stats;
  rmSync(dir, { recursive: true, force: true });

  const fmt = (xs: number[]) => (xs.length ? `median ${quantile(xs, 0.5).toFixed(0)} ms, p90 ${quantile(xs, 0.9).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms` : 'no successful run');
  console.log(`database ~${mb} MB, journal_mode=${wal ? 'wal' : 'delete'}; writer: ${w.commits} commits in ${w.seconds.toFixed(1)} s (${(w.commits / w.seconds).toFixed(0)}/s, target ${rate}/s), slowest commit ${w.maxLatency} ms`);
  console.log(`migration-guard backup: ${ours.ok} of ${count} succeed, each consistent${ours.failures.length ? ` (failures: ${[...new Set(ours.failures)].join('; ')})` : ''}; time per backup ${fmt(ours.times)}`);
  console.log(`sqlite3 .backup (.timeout 10000): ${shell.ok} of ${count} succeed, each consistent${shell.failures.length ? ` (failures: ${[...new Set(shell.failures)].join('; ')})` : ''}; time per backup ${fmt(shell.times)}`);
  if (ours.ok !== count) process.exitCode = 1;
}

void main();
