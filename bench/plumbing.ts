/**
 * Does each piece of start-up plumbing (server/src/startup/) pay on its own workload? Each piece is switched off
 * (MIGRATION_GUARD_CODE_CACHE=off: the TypeScript compiler's code cache; MIGRATION_GUARD_LINT_CACHE=off; the
 * launcher's `--liftoff-only` by running dist/cli-main.js without the launcher) and the workload is timed with and without it, in paired rounds (order alternating), on fresh copies of the same project. Prints
 * per piece the medians and the median per-round ratio (without / with): a piece pays when it saves >= 10%
 * (ratio >= 1.10). The lint workers and the module preloading were measured the same way and removed (CHANGELOG).
 *
 *   node esbuild.mjs && node --import tsx bench/plumbing.ts [rounds=7] [piece...]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const rounds = Number(process.argv[2] ?? 7);
const only = process.argv.slice(3);
const repo = path.resolve(__dirname, '..');
const cli = path.join(repo, 'dist', 'cli.js');
const COUNT = 200;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** `launcher: false` runs dist/cli-main.js without the launcher (and so without the V8 flags it sets). */
function run(args: string[], cwd: string, env: Record<string, string>, launcher = true): number {
  const t0 = performance.now();
  const argv = launcher ? [cli, ...args] : ['-e', 'require(process.argv[1]).runAsProgram(process.argv.slice(2))', path.join(repo, 'dist', 'cli-main.js'), ...args];
  const r = spawnSync(process.execPath, argv, { cwd, encoding: 'utf8', env: { ...process.env, NODE_ENV: undefined, NODE_OPTIONS: undefined, ...env } });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stdout}${r.stderr}`);
  return ms;
}

function knexProject(dir: string): void {
  mkdirSync(path.join(dir, 'migrations'), { recursive: true });
  writeFileSync(path.join(dir, 'knexfile.js'), `module.exports = { client: 'sqlite3', connection: { filename: './app.sqlite3' }, useNullAsDefault: true, migrations: { directory: './migrations' } };\n`);
  for (let i = 0; i < COUNT; i++) {
    writeFileSync(
      path.join(dir, 'migrations', `${String(20240101000000 + i)}_create_t${i}.js`),
      `exports.up = (knex) => knex.schema.createTable('t${i}', (t) => { t.increments('id'); t.string('name'); });\nexports.down = (knex) => knex.schema.dropTable('t${i}');\n`,
    );
  }
}

interface Piece {
  name: string;
  workload: string;
  /** Runs the workload once in a fresh copy; `off` switches the piece off. */
  run(off: boolean): number;
}

async function main(): Promise<void> {
  const base = path.join(repo, 'node_modules', '.cache', 'mg-bench-plumbing');
  mkdirSync(base, { recursive: true });
  const tmp = mkdtempSync(path.join(base, 'run-'));
  try {
    const template = path.join(tmp, 'template');
    knexProject(template);
    let n = 0;
    const fresh = () => {
      const dir = path.join(tmp, `r${n++}`);
      cpSync(template, dir, { recursive: true });
      return dir;
    };
    const codeCache = path.join(tmp, 'code-cache');
    const lintCache = path.join(tmp, 'lint-cache');
    const cc = (off: boolean) => ({ MIGRATION_GUARD_CODE_CACHE: off ? 'off' : codeCache });
    const upgradeArgs = (dir: string) => ['upgrade', '--yes', '--no-backup', '--cwd', dir];
    const pieces: Piece[] = [
      { name: 'code-cache', workload: `check of one Knex .js migration`, run: (off) => run(['check', path.join(template, 'migrations', `${20240101000000}_create_t0.js`)], template, cc(off)) },
      { name: 'liftoff-only', workload: `check of one PostgreSQL .sql file`, run: (off) => { const f = path.join(tmp, 'one.sql'); writeFileSync(f, 'CREATE INDEX i ON t (a);\n'); return run(['check', '--dialect', 'postgresql', f], tmp, cc(false), !off); } },
      { name: 'liftoff-only', workload: `check of ${COUNT} Knex migrations with raw PostgreSQL`, run: (off) => run(['check', '--dialect', 'postgresql', path.join(template, 'migrations')], tmp, cc(false), !off) },
      { name: 'code-cache', workload: `cold upgrade of ${COUNT} SQLite migrations`, run: (off) => { const d = fresh(); return run(upgradeArgs(d), d, { ...cc(off), MIGRATION_GUARD_LINT_CACHE: 'off' }); } },
      { name: 'lint-cache', workload: `upgrade of ${COUNT} SQLite migrations linted before (dry run, then the upgrade)`, run: (off) => { const d = fresh(); const env = { MIGRATION_GUARD_CODE_CACHE: codeCache, MIGRATION_GUARD_LINT_CACHE: off ? 'off' : lintCache }; run(['upgrade', '--dry-run', '--cwd', d], d, env); return run(upgradeArgs(d), d, env); } },
    ];
    for (const p of pieces) {
      if (only.length > 0 && !only.includes(p.name)) continue;
      p.run(false); // warm-up: fills the caches and the OS file cache
      p.run(true);
      const on: number[] = [];
      const off: number[] = [];
      for (let r = 0; r < rounds; r++) {
        if (r % 2 === 0) {
          on.push(p.run(false));
          off.push(p.run(true));
        } else {
          off.push(p.run(true));
          on.push(p.run(false));
        }
      }
      const ratio = median(off.map((t, i) => t / (on[i] as number)));
      console.log(`${p.name} on ${p.workload}: with ${median(on).toFixed(0)} ms, without ${median(off).toFixed(0)} ms; without/with per round ${ratio.toFixed(2)} -> ${ratio >= 1.1 ? 'PAYS (>= 10%)' : 'does not pay'}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

void main();
