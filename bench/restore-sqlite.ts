/**
 * SQLite restore benchmark: `migration-guard restore <backup> --yes` (the CLI bundle, dist/cli.js, as users
 * run it) vs `sqlite3 <db> ".restore <backup>"` (Debian's sqlite3 shell) on the same database, in the same
 * run, alternating which goes first, several rounds. Target: ours ≤ 1.3 × sqlite3.
 *
 * The peer's `.restore` (sqlite3 shell source, `do_meta_command`): `sqlite3_backup_init(main db, "main",
 * backup file, "main")`, then `sqlite3_backup_step(p, 100)` until done: the same page copy INTO the live
 * file as ours, in one write transaction with a rollback journal of the old pages (journal_mode DELETE,
 * synchronous FULL, default 2 MB cache: ~630 journal fsyncs for 531 MB, counted with strace), and nothing
 * else. What ours adds (the shell does none of it): loading the knexfile, the manifest, size + sha256 and
 * `PRAGMA quick_check` of the backup, the running-migration probe, the exclusive lock, the SAFETY BACKUP of
 * the current database (a copy of the locked file + fsync + sha256 + manifest; run while the backup is
 * verified), the copy into the live file (with a 32 MB page cache; it commits only after both the
 * verification and the safety backup are done), a check that the result holds exactly the backup's bytes, and
 * reading the migrations table. Both start after `sync` (not timed).
 *
 * Phases: run one restore by hand with MIGRATION_GUARD_DEBUG=1 (its steps are printed on stderr, timed).
 *
 * Workload: table `events (id INTEGER PRIMARY KEY, kind TEXT, payload BLOB, created INTEGER)` with
 * `size_mb × 900` rows of a 1000-byte random blob each and an index on (kind, created), plus
 * `users (id, name, email)` with 200,000 rows: about `size_mb` MB in all (journal_mode DELETE).
 *
 *   node esbuild.mjs && tsx bench/restore-sqlite.ts [--size 500] [--runs 3] [--keep] [--fresh]
 *
 * `--size` is in MB (default 500; `--size 20` runs in a few seconds). The database and its backup are
 * created once in `$TMPDIR/mg-bench-restore-<MB>mb/` and deleted afterwards unless --keep.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { backup, loadProject } from '../server/src/migrations';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};
const mb = Number(arg('size', '500'));
const runs = Number(arg('runs', '3'));
const keep = process.argv.includes('--keep');
const dir = path.join(os.tmpdir(), `mg-bench-restore-${mb}mb`);
const db = path.join(dir, 'db', 'app.sqlite3');
const backups = path.join(dir, '.migration-guard', 'backups');
const cliBundle = path.resolve(__dirname, '..', 'dist', 'cli.js');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  if (r.error || r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr.toString()}`);
  return r.stderr.toString();
}

/** Deletes the safety backups the previous restore wrote (not timed), keeping the one we restore. */
function dropSafetyBackups(): void {
  for (const f of readdirSync(backups)) if (f.includes('pre-restore')) unlinkSync(path.join(backups, f));
}

async function main(): Promise<void> {
  try {
    execFileSync('sqlite3', ['--version'], { stdio: 'ignore' });
  } catch {
    console.error('The sqlite3 shell is needed for the comparison: apt-get install -y sqlite3');
    process.exit(2);
  }
  if (!existsSync(cliBundle)) {
    console.error(`${cliBundle} is missing: run node esbuild.mjs first (npm run bench:restore-sqlite does).`);
    process.exit(2);
  }
  if (process.argv.includes('--fresh')) rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'db'), { recursive: true });
  writeFileSync(path.join(dir, 'knexfile.js'), "module.exports = { client: 'sqlite3', connection: { filename: './db/app.sqlite3' }, useNullAsDefault: true };\n");
  if (!existsSync(db)) {
    const t0 = performance.now();
    run('sqlite3', [
      db,
      `PRAGMA synchronous=OFF;
       CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, payload BLOB, created INTEGER);
       CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);
       WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${mb * 900})
         INSERT INTO events SELECT x, 'kind' || (x % 17), randomblob(1000), 1700000000 + x FROM c;
       WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000)
         INSERT INTO users SELECT x, 'user ' || x, 'u' || x || '@example.com' FROM c;
       CREATE INDEX events_kind ON events (kind, created);`,
    ]);
    console.log(`created ${db} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const project = await loadProject({ cwd: dir, processEnv: {} });
  rmSync(backups, { recursive: true, force: true });
  const { backup: b } = await backup(project, { directory: backups, label: 'bench' });
  // Change the live database so that each restore has something to undo.
  run('sqlite3', [db, 'DELETE FROM users WHERE id % 2 = 0;']);
  console.log(`database: ${db}, ${(statSync(db).size / 1024 / 1024).toFixed(0)} MB; backup ${b.path}, ${(b.bytes / 1024 / 1024).toFixed(0)} MB; ${runs} round(s), alternating order`);

  const ours: number[] = [];
  const shell: number[] = [];
  const timeShell = () => {
    spawnSync('sync');
    const t = performance.now();
    run('sqlite3', [db, `.restore ${b.path}`]);
    shell.push(performance.now() - t);
  };
  const timeOurs = () => {
    dropSafetyBackups();
    spawnSync('sync');
    const t = performance.now();
    run(process.execPath, [cliBundle, 'restore', b.name as string, '--yes', '--cwd', dir]);
    ours.push(performance.now() - t);
  };
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      timeShell();
      timeOurs();
    } else {
      timeOurs();
      timeShell();
    }
    console.log(`round ${i + 1}: sqlite3 .restore ${(shell[i] ?? 0).toFixed(0)} ms | migration-guard restore ${(ours[i] ?? 0).toFixed(0)} ms`);
  }
  const s = median(shell);
  const o = median(ours);
  console.log('peer: sqlite3 .restore = sqlite3_backup_step(100) into the live file (rollback journal), no verification, no safety backup');
  console.log(`median: sqlite3 .restore ${s.toFixed(0)} ms, migration-guard restore ${o.toFixed(0)} ms (verification + safety backup + restore + checks)`);
  console.log(`per-round ratios: ${ours.map((x, i) => (x / (shell[i] ?? NaN)).toFixed(2)).join(', ')}`);
  console.log(`ratio ours/sqlite3 (medians) = ${(o / s).toFixed(2)} (target ≤ 1.3) ${o / s <= 1.3 ? 'OK' : 'OVER TARGET'}`);
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

void main();
