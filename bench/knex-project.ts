/**
 * A generated Knex project on SQLite for the status and refresh benchmarks: `count` migration files
 * (`2024010100000N_create_tN.js`), a knexfile, and a database where every migration is recorded as applied (batches
 * of 10) with its checksum in `migration_guard_checksums` (the worst case: every file is hashed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { sha256File } from '../server/src/migrations';

/**
 * Writes the project into `dir` (which must exist and be empty).
 * @param appliedAt the `migration_time` of the i-th migration (ms since the epoch)
 * @returns the migration file names, in order
 */
export async function writeAppliedKnexProject(dir: string, count: number, appliedAt: (i: number) => number): Promise<string[]> {
  const migrations = path.join(dir, 'migrations');
  mkdirSync(migrations);
  writeFileSync(path.join(dir, 'knexfile.js'), `module.exports = { client: 'sqlite3', connection: { filename: './app.sqlite3' }, useNullAsDefault: true };\n`);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${String(20240101000000 + i)}_create_t${i}.js`;
    names.push(name);
    writeFileSync(path.join(migrations, name), `exports.up = (knex) => knex.schema.createTable('t${i}', (t) => { t.increments('id'); t.string('name'); });\nexports.down = (knex) => knex.schema.dropTable('t${i}');\n`);
  }
  const now = Date.now();
  const rows: string[] = [];
  const sums: string[] = [];
  for (const [i, n] of names.entries()) {
    rows.push(`(${i + 1}, '${n}', ${Math.floor(i / 10) + 1}, ${appliedAt(i)})`);
    sums.push(`('${n}', '${sha256File(path.join(migrations, n))}', ${now})`);
  }
  const db = new sqlite3.Database(path.join(dir, 'app.sqlite3'));
  await new Promise<void>((resolve, reject) =>
    db.exec(
      `create table knex_migrations (id integer primary key autoincrement, name varchar(255), batch integer, migration_time datetime);
      create table knex_migrations_lock ("index" integer primary key autoincrement, is_locked integer);
      insert into knex_migrations_lock (is_locked) values (0);
      create table migration_guard_checksums (name varchar(255) primary key, sha256 varchar(64) not null, applied_at datetime);
      insert into knex_migrations (id, name, batch, migration_time) values ${rows.join(',')};
      insert into migration_guard_checksums (name, sha256, applied_at) values ${sums.join(',')};`,
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  await new Promise<void>((resolve) => db.close(() => resolve()));
  return names;
}
