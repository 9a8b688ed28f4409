/**
 * Drift on 300 tables / 3,000 columns (targets: validate with drift ≤ 3 s on SQLite, ≤ 5 s on
 * PostgreSQL; snapshot ≤ 1 s). A temp project with 30 migrations of 10 tables each (10 columns, an
 * index and a foreign key per table), applied, then `validate` (which replays the 30 migrations in a
 * scratch database and compares) and `liveSchema` (the snapshot) are timed in-process; median of runs.
 *
 *   node --import tsx bench/drift.ts [sqlite|pg] [runs=5]     (pg: MG_TEST_PG_URL, a server the user may CREATE DATABASE on)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadProject, upgrade, validate } from '../server/src/migrations';
import { liveSchema } from '../server/src/migrations/schema/source';

const family = process.argv[2] === 'pg' ? 'pg' : 'sqlite';
const runs = Number(process.argv[3] ?? 5);

function migration(m: number): string {
  const lines: string[] = [];
  for (let k = 0; k < 10; k++) {
    const i = m * 10 + k;
    lines.push(`  await knex.schema.createTable('t${i}', (t) => {
    t.increments('id'); t.string('name').notNullable(); t.integer('n').defaultTo(0); t.text('body'); t.boolean('flag').defaultTo(false);
    t.decimal('amount', 10, 2); t.timestamp('created_at'); t.string('code', 32).unique(); t.integer('parent_id')${i > 0 ? `.references('id').inTable('t${i - 1}')` : ''}; t.date('day');
    t.index(['n'], 't${i}_n_idx');
  });`);
  }
  return `exports.up = async (knex) => {\n${lines.join('\n')}\n};\nexports.down = async () => {};\n`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-bench-drift-'));
  const base = process.env.MG_TEST_PG_URL;
  const dbName = `mg_bench_drift_${process.pid}`;
  let admin: pg.Client | null = null;
  try {
    mkdirSync(path.join(dir, 'migrations'));
    for (let m = 0; m < 30; m++) writeFileSync(path.join(dir, 'migrations', `${String(100 + m)}_tables.js`), migration(m));
    let connection = `{ filename: './app.sqlite3' }`;
    if (family === 'pg') {
      if (!base) throw new Error('MG_TEST_PG_URL is not set');
      admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`create database ${dbName}`);
      const u = new URL(base);
      u.pathname = `/${dbName}`;
      connection = JSON.stringify(u.toString());
    }
    writeFileSync(path.join(dir, 'knexfile.js'), `module.exports = { client: '${family === 'pg' ? 'pg' : 'sqlite3'}', connection: ${connection}, useNullAsDefault: true };\n`);
    const project = await loadProject({ cwd: dir, processEnv: {} });
    await upgrade(project, { noBackup: true, allowUnsafe: true });
    const v: number[] = [];
    const s: number[] = [];
    for (let i = 0; i <= runs; i++) {
      let t0 = performance.now();
      const r = await validate(project);
      const tv = performance.now() - t0;
      if (!r.valid || r.drift?.length) throw new Error(`unexpected drift: ${JSON.stringify(r).slice(0, 500)}`);
      t0 = performance.now();
      const model = await liveSchema(project);
      const ts = performance.now() - t0;
      if (model.tables.length !== 300 || model.tables.reduce((a, t) => a + t.columns.length, 0) !== 3000) throw new Error('unexpected model size');
      if (i === 0) console.log(`warm-up: validate ${tv.toFixed(0)} ms, snapshot ${ts.toFixed(0)} ms`);
      else {
        v.push(tv);
        s.push(ts);
      }
    }
    console.log(`${family}, 300 tables / 3,000 columns, ${runs} runs: validate with drift median ${median(v).toFixed(0)} ms (${v.map((x) => x.toFixed(0)).join(', ')}); snapshot median ${median(s).toFixed(0)} ms (${s.map((x) => x.toFixed(0)).join(', ')})`);
  } finally {
    if (admin) {
      await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => {});
      await admin.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
