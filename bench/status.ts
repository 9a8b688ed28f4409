/**
 * Status on 1,000 migrations (target: ≤ 300 ms). A temp project with 1,000 migration files on a real
 * SQLite file where all 1,000 are recorded as applied, each with a checksum (the worst case: every
 * file is hashed). Measures `loadProject` + `getStatus` in-process, prints every run and the median.
 *
 *   node --import tsx bench/status.ts [runs=9]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sqlite3 from 'sqlite3';
import { getStatus, loadProject, sha256File } from '../server/src/migrations';

const COUNT = 1000;
const runs = Number(process.argv[2] ?? 9);

function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-bench-status-'));
  try {
    const migrations = path.join(dir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(path.join(dir, 'knexfile.js'), `module.exports = { client: 'sqlite3', connection: { filename: './app.sqlite3' }, useNullAsDefault: true };\n`);
    const names: string[] = [];
    for (let i = 0; i < COUNT; i++) {
      const name = `${String(20240101000000 + i)}_create_t${i}.js`;
      names.push(name);
      writeFileSync(path.join(migrations, name), `exports.up = (knex) => knex.schema.createTable('t${i}', (t) => { t.increments('id'); t.string('name'); });\nexports.down = (knex) => knex.schema.dropTable('t${i}');\n`);
    }
    const db = new sqlite3.Database(path.join(dir, 'app.sqlite3'));
    const now = Date.now();
    const rows: string[] = [];
    const sums: string[] = [];
    for (const [i, n] of names.entries()) {
      rows.push(`(${i + 1}, '${n}', ${Math.floor(i / 10) + 1}, ${now})`);
      sums.push(`('${n}', '${await sha256File(path.join(migrations, n))}', ${now})`);
    }
    await exec(db, `create table knex_migrations (id integer primary key autoincrement, name varchar(255), batch integer, migration_time datetime);
      create table knex_migrations_lock ("index" integer primary key autoincrement, is_locked integer);
      insert into knex_migrations_lock (is_locked) values (0);
      create table migration_guard_checksums (name varchar(255) primary key, sha256 varchar(64) not null, applied_at datetime);
      insert into knex_migrations (id, name, batch, migration_time) values ${rows.join(',')};
      insert into migration_guard_checksums (name, sha256, applied_at) values ${sums.join(',')};`);
    await new Promise<void>((r) => db.close(() => r()));

    const times: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      const t0 = performance.now();
      const project = await loadProject({ cwd: dir, processEnv: {} });
      const s = await getStatus(project);
      const ms = performance.now() - t0;
      if (s.migrations.length !== COUNT || s.migrations.some((m) => m.state !== 'applied' || m.checksum !== 'match')) throw new Error('unexpected status');
      if (i > 0) times.push(ms); // the first run warms the module cache and the driver
      else console.log(`warm-up run: ${ms.toFixed(1)} ms`);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] as number;
    console.log(`runs (ms): ${times.map((t) => t.toFixed(1)).join(', ')}`);
    console.log(`status on ${COUNT} applied migrations (all with checksums), SQLite: median ${median.toFixed(1)} ms over ${times.length} runs (target ≤ 300 ms) ${median <= 300 ? 'OK' : 'OVER TARGET'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
