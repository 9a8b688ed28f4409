/**
 * Upgrade of 200 small SQLite migrations: `migration-guard upgrade --yes --no-backup` (the esbuild
 * bundle of the CLI, as shipped, under plain node) vs `node_modules/.bin/knex migrate:latest` on copies
 * of the same folder, in the same run, each on a fresh database. Rounds alternate which goes first.
 * Prints every wall time, the medians and the ratio (target ≤ 1.1).
 *
 *   node --import tsx bench/upgrade.ts [rounds=5]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';

const COUNT = 200;
const rounds = Number(process.argv[2] ?? 5);
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
  const cli = path.join(bundleDir, 'cli.js');
  mkdirSync(bundleDir, { recursive: true });
  await build({ entryPoints: [path.join(repo, 'server', 'src', 'cli', 'main.ts')], outfile: cli, bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify: true, external: ['vscode', 'knex', 'sqlite3', 'pg', 'pg-native', 'libpg-query', 'web-tree-sitter', 'tree-sitter-python'], logLevel: 'error' });

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
