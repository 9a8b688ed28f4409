/**
 * `history`: applied migrations grouped by batch, newest batch first (within a batch, highest `id`
 * first), then the pending ones in run order. Read-only, like status, and grouped as status groups.
 */
import type { HistoryBatch, HistoryResult } from '../../protocol';
import type { LoadedProject } from '../project/project';
import { databaseAbsent, openKnex, readMigrationRows, silentLog, type MigrationRow } from '../db';
import { groupByBatch, readStatus, type OperationOptions } from './status';

/** Groups rows by batch as status.ts {@link groupByBatch} does (newest batch first, highest `id` first), with each row's state. */
export function groupHistory(rows: MigrationRow[], stateOf: (name: string) => Pick<HistoryBatch['migrations'][number], 'state' | 'checksum'>): HistoryBatch[] {
  return groupByBatch(rows).map(({ batch, rows: rs }) => ({
    batch,
    migrations: rs.map((r) => ({ name: r.name, appliedAt: r.appliedAt, ...stateOf(r.name) })),
  }));
}

/**
 * History of the project's database (read-only: creates nothing; an absent SQLite file has no batches).
 * @throws EngineError `connection`, `driver-missing`.
 */
export async function getHistory(project: LoadedProject, options: OperationOptions = {}): Promise<HistoryResult> {
  const db = databaseAbsent(project) ? null : await openKnex(project, options.log ?? silentLog);
  try {
    const status = await readStatus(db, project);
    const rows = db ? (await readMigrationRows(db, project.migrations.tableName, project.migrations.schemaName)).rows : [];
    const entry = new Map(status.migrations.map((m) => [m.name, m]));
    const batches = groupHistory(rows, (name) => {
      const e = entry.get(name);
      return { state: e?.state ?? 'missing', ...(e?.checksum ? { checksum: e.checksum } : {}) };
    });
    return {
      project: project.info,
      batches,
      pending: status.pending,
      current: status.current ?? null,
    };
  } finally {
    if (db) await db.destroy();
  }
}
