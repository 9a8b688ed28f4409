/**
 * Read-only migration status. Never calls `knex.migrate.list()/latest()/status()`: `list()` and `latest()`
 * create `knex_migrations` and `knex_migrations_lock` when missing (`listCompleted` calls `ensureTable`, knex 3.3.0
 * lib/migrations/migrate/migration-list-resolver.js), and `status()` only returns the number of recorded rows minus
 * the number of files and throws on a database without the table (Migrator.js `status`). Reads `knex_migrations` itself.
 */
import type { Knex } from 'knex';
import type { MigrationStatusEntry, StatusBatch, StatusResult } from '../../protocol';
import type { LoadedProject } from '../project/project';
import { databaseAbsent, openKnex, readLock, readMigrationRows, silentLog, type EngineLog } from '../db';
import { checksumVerdict, readChecksums, sha256File } from './checksums';
import { listMigrationFiles, type MigrationFile } from '../project/files';

/** Options shared by engine operations. */
export interface OperationOptions {
  /** Progress lines and Knex warnings; default: dropped. */
  log?: EngineLog;
}

/**
 * Merges recorded rows and files: first every recorded migration in `id` order (`applied`, or
 * `missing` when no file has its name, or `edited` when `checksums` has a recorded sha256 that differs
 * from `fileHashes`; checksum verdict `missing` when the file is gone but a checksum was recorded), then every unrecorded file in Knex's run order (`pending`, or `out-of-order`
 * when it sorts before an applied migration's file in Knex's order).
 * `checksums`: name → recorded sha256; `fileHashes`: name → sha256 of the file now (only needed for
 * names that have a recorded checksum).
 */
export function mergeStatus(
  rows: Array<{ name: string; batch: number; appliedAt: string | null }>,
  files: Array<{ name: string; file: string }>,
  checksums: ReadonlyMap<string, string> = new Map(),
  fileHashes: ReadonlyMap<string, string> = new Map(),
): MigrationStatusEntry[] {
  const fileByName = new Map(files.map((f) => [f.name, f.file]));
  const position = new Map(files.map((f, i) => [f.name, i]));
  const seen = new Set<string>();
  const out: MigrationStatusEntry[] = [];
  let lastAppliedPosition = -1;
  for (const r of rows) {
    if (seen.has(r.name)) continue;
    seen.add(r.name);
    const file = fileByName.get(r.name) ?? null;
    const checksum = file ? checksumVerdict(checksums.get(r.name), fileHashes.get(r.name)) : checksums.has(r.name) ? 'missing' : 'none';
    const state = !file ? 'missing' : checksum === 'edited' ? 'edited' : 'applied';
    if (file) lastAppliedPosition = Math.max(lastAppliedPosition, position.get(r.name) ?? -1);
    out.push({ name: r.name, state, batch: r.batch, appliedAt: r.appliedAt, file, checksum });
  }
  for (const [i, f] of files.entries()) {
    if (seen.has(f.name)) continue;
    seen.add(f.name);
    out.push({ name: f.name, state: i < lastAppliedPosition ? 'out-of-order' : 'pending', batch: null, appliedAt: null, file: f.file, checksum: 'none' });
  }
  return out;
}

/** Whether a state means "not applied yet; the next upgrade runs it" (`pending`, `out-of-order`). */
export function isPendingState(state: MigrationStatusEntry['state']): boolean {
  return state === 'pending' || state === 'out-of-order';
}

/** Whether a state means "recorded in the migrations table" (`applied`, `edited`, `missing`). */
export function isAppliedState(state: MigrationStatusEntry['state']): boolean {
  return state === 'applied' || state === 'edited' || state === 'missing';
}

/** Names of the entries the next upgrade runs ({@link isPendingState}), in the order given (Knex's run order in a status). */
export function pendingNames(entries: readonly MigrationStatusEntry[]): string[] {
  return entries.filter((m) => isPendingState(m.state)).map((m) => m.name);
}

/**
 * Groups recorded migrations by batch: batches newest first, a batch's migrations most recently applied (highest
 * `id`) first. The one grouping `status` and `history` give (and the editor's tree shows).
 */
export function groupByBatch<T extends { batch: number; id: number }>(rows: readonly T[]): Array<{ batch: number; rows: T[] }> {
  const byBatch = new Map<number, T[]>();
  for (const r of rows) {
    const list = byBatch.get(r.batch);
    if (list) list.push(r);
    else byBatch.set(r.batch, [r]);
  }
  return [...byBatch.entries()].sort((a, b) => b[0] - a[0]).map(([batch, rs]) => ({ batch, rows: [...rs].sort((a, b) => b.id - a.id) }));
}

/** {@link StatusResult.batches} of the migrations table's rows: each name once, in the batch of its first row (as {@link mergeStatus} reads it). */
function statusBatches(rows: ReadonlyArray<{ name: string; batch: number; id: number }>): StatusBatch[] {
  const seen = new Set<string>();
  const first = rows.filter((r) => !seen.has(r.name) && Boolean(seen.add(r.name)));
  return groupByBatch(first).map(({ batch, rows: rs }) => ({ batch, migrations: rs.map((r) => r.name) }));
}

/** sha256 of the files of recorded migrations that have a checksum (missing files are skipped). */
async function hashRecorded(files: Array<{ name: string; file: string }>, checksums: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  const wanted = files.filter((f) => checksums.has(f.name));
  const hashes = wanted.map((f) => {
    try {
      return sha256File(f.file);
    } catch {
      return undefined;
    }
  });
  const out = new Map<string, string>();
  wanted.forEach((f, i) => {
    const h = hashes[i];
    if (h) out.set(f.name, h);
  });
  return out;
}

/** Options of {@link readStatus}. */
export interface ReadStatusOptions {
  /** false: no checksum verdicts (`migration_guard_checksums` not read, no file hashed; every verdict `none`). */
  checksums?: boolean;
  /** The project's migration files as the caller has just listed them ({@link listMigrationFiles}); else listed here. */
  files?: MigrationFile[];
}

/**
 * Status using an already-open Knex instance (read-only queries only). `current` is the name of the
 * row with the highest `id` (the most recently applied, knex#3131), not the last by file name.
 */
export async function readStatus(db: Knex | null, project: LoadedProject, options: ReadStatusOptions = {}): Promise<StatusResult> {
  const { tableName, schemaName } = project.migrations;
  const files = options.files ?? (await listMigrationFiles(project.migrations));
  if (!db) {
    const migrations = mergeStatus([], files);
    return { project: project.info, migrations, lock: { held: false }, current: null, pending: pendingNames(migrations), batches: [] };
  }
  const { rows } = await readMigrationRows(db, tableName, schemaName);
  const held = await readLock(db, tableName, schemaName);
  // Without checksums (validation needs rows, files and the lock only) no file is hashed: every verdict is 'none'.
  const checksums = options.checksums === false ? new Map<string, string>() : await readChecksums(db, schemaName);
  const hashes = await hashRecorded(files, checksums);
  const migrations = mergeStatus(rows, files, checksums, hashes);
  return { project: project.info, migrations, lock: { held }, current: rows.at(-1)?.name ?? null, pending: pendingNames(migrations), batches: statusBatches(rows) };
}

/**
 * Status of every migration of the project: applied (with batch and ISO time), pending, missing,
 * edited, out-of-order; checksum verdicts; the current (most recently applied) migration.
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
