/**
 * Upgrade of 200 small SQLite migrations: `node dist/cli.js upgrade --yes --no-backup` (the CLI as shipped:
 * launcher, code cache, the whole safe upgrade: status, lint of the 200 files, apply with checksums, validate)
 * vs `node_modules/.bin/knex migrate:latest`, on copies of the same folder, in the same run, each on a fresh
 * database. Two series of ours:
 *
 * - `lint cached`: the files were linted before (the warm-up run did, as the extension's dry run does before
 *   its upgrade): the findings come from the lint cache (server/src/startup/lint-cache.ts), the analyzer is not loaded;
 * - `lint cold`: MIGRATION_GUARD_LINT_CACHE=off, every file is linted.
 *
 * One warm-up run of each first (not counted: it fills the OS file cache, the V8 code cache and the bench's own
 * lint cache); then each round runs the three, rotating which goes first. Prints every wall time, then per series
 * the median, the ratio of medians, and the median of the per-round ratios (each round's runs are back to back,
 * so that ratio is the one least moved by a machine whose speed drifts). Target ≤ 1.4 (issue 14; the old 1.1 is retired).
 *
 *   npm run bench:upgrade -- [rounds=11]     (builds dist/ first)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const COUNT = 200;
const rounds = Number(process.argv[2] ?? 11);
const repo = path.resolve(__dirname, '..');
const knexBin = path.join(repo, 'node_modules', '.bin', 'knex');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timed(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_ENV: undefined, NODE_OPTIONS: undefined, ...env } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stdout}${r.stderr}`);
  return ms;
}

async function main(): Promise<void> {
  const bundleDir = path.join(repo, 'node_modules', '.cache', 'mg-bench');
  const cli = path.join(repo, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} missing: run node esbuild.mjs (npm run bench:upgrade does)`);
  mkdirSync(bundleDir, { recursive: true });

  // Inside the repository: the knex CLI refuses to run without a local knex install above the knexfile.
  const tmp = mkdtempSync(path.join(bundleDir, 'run-'));
  try {
    const template = path.join(tmp, 'template');
    mkdirSync(path.join(template, 'migrations'), { recursive: true });
    writeFileSync(path.join(template, 'knexfile.js'), `module.exports = { client: 'sqlite3', connection: { filename: './app.sqlite3' }, useNullAsDefault: true, migrations: { directory: './migrations' } };\n`);
    for (let i = 0; i < COUNT; i++) {
      writeFileSync(
        path.join(template, 'migrations', `${String(20240101000000 + i)}_create_t${i}.js`),
        `exports.up = (knex) => knex.schema.createTable('t${i}', (t) => { t.increments('id'); t.string('name'); });\nexports.down = (knex) => knex.schema.dropTable('t${i}');\n`,
      );
    }
    const lintCache = path.join(tmp, 'lint-cache');
    type Series = { label: string; run: (dir: string) => number; times: number[] };
    const ours = (env: Record<string, string>) => (dir: string) => timed(process.execPath, [cli, 'upgrade', '--yes', '--no-backup', '--cwd', dir], dir, env);
    const series: Series[] = [
      { label: 'migration-guard, lint cached', run: ours({ MIGRATION_GUARD_LINT_CACHE: lintCache }), times: [] },
      { label: 'migration-guard, lint cold', run: ours({ MIGRATION_GUARD_LINT_CACHE: 'off' }), times: [] },
      { label: 'knex migrate:latest', run: (dir) => timed(knexBin, ['migrate:latest', '--knexfile', path.join(dir, 'knexfile.js')], dir), times: [] },
    ];
    let n = 0;
    const fresh = () => {
      const dir = path.join(tmp, `run-${n++}`);
      cpSync(template, dir, { recursive: true });
      return dir;
    };
    for (const s of series) console.log(`warm-up (not counted): ${s.label} ${s.run(fresh()).toFixed(0)} ms`);
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < series.length; i++) {
        const s = series[(r + i) % series.length] as Series;
        s.times.push(s.run(fresh()));
      }
      console.log(`round ${r + 1}: ${series.map((s) => `${s.label} ${s.times.at(-1)?.toFixed(0)} ms`).join(', ')}`);
    }
    const knex = series[2] as Series;
    const mk = median(knex.times);
    console.log(`knex migrate:latest median ${mk.toFixed(0)} ms`);
    for (const s of series.slice(0, 2)) {
      const m = median(s.times);
      const paired = median(s.times.map((t, i) => t / (knex.times[i] as number)));
      console.log(`${COUNT} SQLite migrations, ${s.label}: median ${m.toFixed(0)} ms; ratio of medians ${(m / mk).toFixed(2)}; median per-round ratio ${paired.toFixed(2)} (target ≤ 1.4) ${paired <= 1.4 ? 'OK' : 'OVER TARGET'}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

void main();
