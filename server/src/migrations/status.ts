/**
 * Read-only migration status. Never calls `knex.migrate.list()/latest()/status()`: `list()` creates
 * the migrations tables and `status()` is wrong (FACTS.md). Reads `knex_migrations` itself.
 */
import type { Knex } from 'knex';
import type { MigrationStatusEntry, StatusResult } from '../protocol';
import type { LoadedProject } from './config';
import { databaseAbsent, openKnex, readLock, readMigrationRows, silentLog, type EngineLog } from './db';
import { listMigrationFiles } from './files';

/** Options shared by engine operations. */
export interface OperationOptions {
  /** Progress lines and Knex warnings; default: dropped. */
  log?: EngineLog;
}

/**
 * Merges recorded rows and files: first every recorded migration in `id` order (`applied`, or
 * `missing` when no file has its name), then every unrecorded file in Knex's run order (`pending`).
 */
export function mergeStatus(
  rows: Array<{ name: string; batch: number; appliedAt: string | null }>,
  files: Array<{ name: string; file: string }>,
): MigrationStatusEntry[] {
  const fileByName = new Map(files.map((f) => [f.name, f.file]));
  const seen = new Set<string>();
  const out: MigrationStatusEntry[] = [];
  for (const r of rows) {
    if (seen.has(r.name)) continue;
    seen.add(r.name);
    const file = fileByName.get(r.name) ?? null;
    out.push({ name: r.name, state: file ? 'applied' : 'missing', batch: r.batch, appliedAt: r.appliedAt, file });
  }
  for (const f of files) {
    if (seen.has(f.name)) continue;
    seen.add(f.name);
    out.push({ name: f.name, state: 'pending', batch: null, appliedAt: null, file: f.file });
  }
  return out;
}

/** Status using an already-open Knex instance (read-only queries only). */
export async function readStatus(db: Knex | null, project: LoadedProject): Promise<StatusResult> {
  const { tableName, schemaName } = project.migrations;
  const files = await listMigrationFiles(project.migrations);
  if (!db) return { project: project.info, migrations: mergeStatus([], files), lock: { held: false } };
  const { rows } = await readMigrationRows(db, tableName, schemaName);
  const held = await readLock(db, tableName, schemaName);
  return { project: project.info, migrations: mergeStatus(rows, files), lock: { held } };
}

/**
 * Status of every migration of the project: applied (with batch and ISO time), pending, missing.
 * READ-ONLY: creates no table; an SQLite file that does not exist is not created (everything is
 * pending). Opens and destroys its own Knex instance.
 * @throws EngineError `connection`, `driver-missing`.
 */
export async function getStatus(project: LoadedProject, options: OperationOptions = {}): Promise<StatusResult> {
  if (databaseAbsent(project)) return readStatus(null, project);
  const db = await openKnex(project, options.log ?? silentLog);
  try {
    return await readStatus(db, project);
  } finally {
    await db.destroy();
  }
}
