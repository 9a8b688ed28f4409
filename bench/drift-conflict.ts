/**
 * What the upgrade's drift-conflict signal (server/src/migrations/movements/drift-conflict.ts) costs an upgrade
 * without drift. A SQLite database with 100 tables (100 applied migrations), then 100 pending migrations of one
 * kind; `findPendingConflicts` (catalog read, word scan, parse of the files that may conflict) is timed in-process,
 * median of runs, next to the in-process upgrade that applies the 100 (which includes it once). Kinds:
 * - `new-tables`: each pending file creates a new table with an index (no file names a live table);
 * - `new-columns`: each adds a new column to a live table (names the table, none of its columns: not parsed);
 * - `references`: each creates a table with a foreign key to a live table's `id` (creates no live name: not parsed);
 * - `live-indexes`: each indexes a live column of a live table (names its column: parsed, the worst case).
 * bench/upgrade.ts runs on a new database, where the signal does nothing (no database, no catalog).
 *
 *   npm run bench:drift-conflict -- [runs=7]     (or: node --import tsx bench/drift-conflict.ts [runs])
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadProject, readStatus, upgrade } from '../server/src/migrations';
import { openKnex } from '../server/src/migrations/db';
import { findPendingConflicts } from '../server/src/migrations/movements/drift-conflict';

const runs = Number(process.argv[2] ?? 7);

const KINDS: Record<string, (i: number) => string> = {
  'new-tables': (i) => `exports.up = (knex) => knex.schema.createTable('n${i}', (t) => { t.increments('id'); t.string('label'); t.index(['label'], 'n${i}_label_idx'); });\nexports.down = (knex) => knex.schema.dropTable('n${i}');\n`,
  'new-columns': (i) => `exports.up = (knex) => knex.schema.alterTable('t${i}', (t) => { t.string('extra'); });\nexports.down = (knex) => knex.schema.alterTable('t${i}', (t) => { t.dropColumn('extra'); });\n`,
  'live-indexes': (i) => `exports.up = (knex) => knex.schema.alterTable('t${i}', (t) => { t.index(['name', 'id'], 'p${i}_idx'); });\nexports.down = (knex) => knex.schema.alterTable('t${i}', (t) => { t.dropIndex([], 'p${i}_idx'); });\n`,
  references: (i) => `exports.up = (knex) => knex.schema.createTable('r${i}', (t) => { t.increments('id'); t.integer('t_id').references('id').inTable('t${i}'); });\nexports.down = (knex) => knex.schema.dropTable('r${i}');\n`,
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function scenario(kind: string, pendingFile: (i: number) => string): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-bench-conflict-'));
  try {
    mkdirSync(path.join(dir, 'db', 'migrations'), { recursive: true });
    writeFileSync(path.join(dir, 'knexfile.js'), "module.exports = { client: 'sqlite3', connection: { filename: './db/app.sqlite3' }, useNullAsDefault: true, migrations: { directory: './db/migrations' } };\n");
    for (let i = 0; i < 100; i++) {
      writeFileSync(path.join(dir, 'db', 'migrations', `${String(i).padStart(4, '0')}_t${i}.js`), `exports.up = (knex) => knex.schema.createTable('t${i}', (t) => { t.increments('id'); t.string('name'); t.index(['name'], 't${i}_name_idx'); });\nexports.down = (knex) => knex.schema.dropTable('t${i}');\n`);
    }
    await upgrade(await loadProject({ cwd: dir, processEnv: {} }), { noBackup: true, allowUnsafe: true });
    for (let i = 0; i < 100; i++) writeFileSync(path.join(dir, 'db', 'migrations', `${String(100 + i).padStart(4, '0')}_p${i}.js`), pendingFile(i));
    const project = await loadProject({ cwd: dir, processEnv: {} });
    const db = await openKnex(project);
    const pending = (await readStatus(db, project)).migrations.filter((m) => m.state === 'pending');
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await findPendingConflicts(db, project, pending);
      times.push(performance.now() - t0);
    }
    await db.destroy();
    const t0 = performance.now();
    await upgrade(project, { noBackup: true, allowUnsafe: true });
    const up = performance.now() - t0;
    const m = median(times);
    console.log(`${kind.padEnd(12)} signal median ${m.toFixed(0)} ms (runs ${times.map((x) => x.toFixed(0)).join(', ')}); upgrade of the 100 ${up.toFixed(0)} ms; signal/upgrade ${(m / up).toFixed(3)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void (async () => {
  for (const [kind, file] of Object.entries(KINDS)) await scenario(kind, file);
})();
