/**
 * Upgrade of 200 small SQLite migrations: `node dist/cli.js upgrade --yes --no-backup` (the CLI as
 * shipped: launcher, code cache, lint workers; the whole safe upgrade: status, lint of the 200 files,
 * apply with checksums, validate) vs `node_modules/.bin/knex migrate:latest` on copies of the same
 * folder, in the same run, each on a fresh database. One warm-up run of each first (not counted: it
 * fills the OS file cache and, for ours, the V8 code cache, as any run after the first install has);
 * then rounds alternate which goes first. Prints every wall time, the medians and the ratio (target ≤ 1.1).
 *
 *   npm run bench:upgrade -- [rounds=7]     (builds dist/ first)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const COUNT = 200;
const rounds = Number(process.argv[2] ?? 7);
const repo = path.resolve(__dirname, '..');
const knexBin = path.join(repo, 'node_modules', '.bin', 'knex');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timed(cmd: string, args: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_ENV: undefined, NODE_OPTIONS: undefined } });
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
    const ours: number[] = [];
    const theirs: number[] = [];
    for (const who of ['ours', 'knex']) {
      const w = path.join(tmp, `warm-${who}`);
      cpSync(template, w, { recursive: true });
      const ms = who === 'ours' ? timed(process.execPath, [cli, 'upgrade', '--yes', '--no-backup', '--cwd', w], w) : timed(knexBin, ['migrate:latest', '--knexfile', path.join(w, 'knexfile.js')], w);
      console.log(`warm-up (not counted): ${who === 'ours' ? 'migration-guard' : 'knex'} ${ms.toFixed(0)} ms`);
    }
    for (let r = 0; r < rounds; r++) {
      const a = path.join(tmp, `ours-${r}`);
      const b = path.join(tmp, `knex-${r}`);
      cpSync(template, a, { recursive: true });
      cpSync(template, b, { recursive: true });
      const runOurs = () => ours.push(timed(process.execPath, [cli, 'upgrade', '--yes', '--no-backup', '--cwd', a], a));
      const runKnex = () => theirs.push(timed(knexBin, ['migrate:latest', '--knexfile', path.join(b, 'knexfile.js')], b));
      if (r % 2 === 0) {
        runOurs();
        runKnex();
      } else {
        runKnex();
        runOurs();
      }
      console.log(`round ${r + 1}: migration-guard ${ours.at(-1)?.toFixed(0)} ms, knex ${theirs.at(-1)?.toFixed(0)} ms`);
    }
    const mo = median(ours);
    const mk = median(theirs);
    console.log(`${COUNT} SQLite migrations: migration-guard upgrade --yes --no-backup median ${mo.toFixed(0)} ms; knex migrate:latest median ${mk.toFixed(0)} ms; ratio ${(mo / mk).toFixed(2)} (target ≤ 1.1) ${mo / mk <= 1.1 ? 'OK' : 'OVER TARGET'}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

void main();
