/**
 * SQLite backup benchmark: our `backup()` as `migration-guard backup` and `upgrade` run it (online backup
 * API + sha256 + manifest; PRAGMA quick_check happens on restore, see migrations/backups/backup.ts BackupOptions.verify) vs
 * `sqlite3 db ".backup …"` on the same ~500 MB database. Target: ours ≤ 1.2 × sqlite3. Also measured:
 * `backup --verify` (quick_check of the copy at backup time) and the backup API copy alone
 * (backupSqliteFile: copy + fsync, no hash, no manifest). Every file each of them writes is made durable
 * (sqlite3's commit fsyncs; ours fsyncs the copy while hashing it). Each measurement starts after
 * `sync` (not timed), so that none pays for the writeback of the files written before it.
 *
 *   node --import tsx bench/backup-sqlite.ts [--mb 500] [--runs 3] [--keep]
 *
 * The database is created once in `$TMPDIR/mg-bench-sqlite-<MB>mb/` and reused by later runs (pass
 * --fresh to rebuild it; it is deleted unless --keep). Needs the sqlite3 command-line shell
 * (apt-get install -y sqlite3). Prints each run, the medians and the ratio.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { backup, backupSqliteFile, loadProject } from '../server/src/migrations';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};
const mb = Number(arg('mb', '500'));
const runs = Number(arg('runs', '3'));
const keep = process.argv.includes('--keep');
const dir = path.join(os.tmpdir(), `mg-bench-sqlite-${mb}mb`);
const db = path.join(dir, 'db', 'app.sqlite3');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Flushes every dirty page to disk (not timed): the next measurement starts from a clean page cache. */
function flush(): void {
  spawnSync('sync');
}

function sqlite3Cli(args: string[]): void {
  const r = spawnSync('sqlite3', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error || r.status !== 0) throw new Error(`sqlite3 ${args.join(' ')} failed: ${r.error?.message ?? r.stderr.toString()}`);
}

async function main(): Promise<void> {
  try {
    execFileSync('sqlite3', ['--version'], { stdio: 'ignore' });
  } catch {
    console.error('The sqlite3 shell is needed for the comparison: apt-get install -y sqlite3');
    process.exit(2);
  }
  if (process.argv.includes('--fresh')) rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'db'), { recursive: true });
  writeFileSync(path.join(dir, 'knexfile.js'), "module.exports = { client: 'sqlite3', connection: { filename: './db/app.sqlite3' }, useNullAsDefault: true };\n");
  if (!existsSync(db)) {
    const t0 = performance.now();
    // ~1 KB per row in two tables with an index: mb * 1000 rows ≈ mb MB.
    const rows = mb * 900;
    sqlite3Cli([
      db,
      `PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;
       CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, payload BLOB, created INTEGER);
       CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);
       WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${rows})
         INSERT INTO events SELECT x, 'kind' || (x % 17), randomblob(1000), 1700000000 + x FROM c;
       WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000)
         INSERT INTO users SELECT x, 'user ' || x, 'u' || x || '@example.com' FROM c;
       CREATE INDEX events_kind ON events (kind, created);
       PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;`,
    ]);
    console.log(`created ${db} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const size = statSync(db).size;
  console.log(`database: ${db}, ${(size / 1024 / 1024).toFixed(0)} MB; ${runs} run(s) each, alternating`);
  const project = await loadProject({ cwd: dir, processEnv: {} });
  const out = path.join(dir, 'out');
  const ours: number[] = [];
  const copyOnly: number[] = [];
  const withCheck: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < runs; i++) {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    flush();
    let t = performance.now();
    sqlite3Cli([db, `.backup ${path.join(out, 'cli.sqlite3')}`]);
    cli.push(performance.now() - t);

    flush();
    t = performance.now();
    await backup(project, { directory: out });
    ours.push(performance.now() - t);

    flush();
    t = performance.now();
    await backup(project, { directory: out, verify: true });
    withCheck.push(performance.now() - t);

    flush();
    t = performance.now();
    await backupSqliteFile(db, path.join(out, 'copy-only.sqlite3'), { verify: false });
    copyOnly.push(performance.now() - t);
    console.log(
      `run ${i + 1}: sqlite3 .backup ${(cli[i] ?? 0).toFixed(0)} ms | migration-guard backup ${(ours[i] ?? 0).toFixed(0)} ms | backup --verify (quick_check) ${(withCheck[i] ?? 0).toFixed(0)} ms | backup API copy alone ${(copyOnly[i] ?? 0).toFixed(0)} ms`,
    );
  }
  rmSync(out, { recursive: true, force: true });
  const c = median(cli);
  const o = median(ours);
  const v = median(withCheck);
  console.log(`median: sqlite3 .backup ${c.toFixed(0)} ms, migration-guard backup ${o.toFixed(0)} ms, backup --verify ${v.toFixed(0)} ms, copy alone ${median(copyOnly).toFixed(0)} ms`);
  console.log(`ratio ours/sqlite3 = ${(o / c).toFixed(2)} (target ≤ 1.2) ${o / c <= 1.2 ? 'OK' : 'OVER TARGET'}; backup --verify ${(v / c).toFixed(2)}; copy alone ${(median(copyOnly) / c).toFixed(2)}`);
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

void main();
