/**
 * `migration-guard stats`: the row estimate and size of every table of the configured database, for
 * `check --stats FILE` (config/table-sizes.ts). Read-only; an SQLite file that does not exist yet gives no tables.
 * - PostgreSQL: `pg_class.reltuples` (the planner's estimate, PostgreSQL docs "pg_class"; -1 before the first
 *   VACUUM/ANALYZE since PostgreSQL 14: then 0 when the table has no pages, else unknown) and
 *   `pg_total_relation_size` (table, indexes and TOAST; "Database Object Management Functions"), for the ordinary and
 *   partitioned tables and materialized views of every schema but the system ones.
 * - SQLite: `count(*)` per table, all counts together bounded in time (`sqlite3_interrupt` at the deadline: later
 *   tables get `rows: null`), and the pages of each table and its indexes from the `dbstat` virtual table
 *   (sqlite.org/dbstat.html; `bytes: null` when the build lacks it).
 */
import type { Knex } from 'knex';
import type { TableSize, TableStatsResult } from '../../protocol';
import { databaseAbsent, openKnex, silentLog, type EngineLog } from '../db';
import { EngineError } from '../errors';
import type { LoadedProject } from '../project/project';

type Row = Record<string, unknown>;

/** Options of {@link tableStats}. */
export interface TableStatsOptions {
  /** SQLite: milliseconds all row counts may take together. */
  countTimeoutMs: number;
  log?: EngineLog;
}

/**
 * The table sizes of the project's database.
 * @throws EngineError `usage` for a client other than SQLite or PostgreSQL; setup codes when it cannot connect.
 */
export async function tableStats(project: LoadedProject, options: TableStatsOptions): Promise<TableStatsResult> {
  if (project.family === 'other') throw new EngineError('usage', `Table statistics support SQLite and PostgreSQL, not '${project.client}'.`);
  if (databaseAbsent(project)) return { dialect: 'sqlite', tables: {} };
  const db = await openKnex(project, options.log ?? silentLog);
  try {
    return await tableStatsOn(db, project.family, options.countTimeoutMs);
  } finally {
    await db.destroy();
  }
}

/**
 * The table sizes read through an open connection `db` (the upgrade's own, before it migrates): every table, or only
 * those named in `only` (`t` or `schema.t`, any case) — SQLite then counts the rows of those tables alone.
 */
export async function tableStatsOn(db: Knex, family: 'sqlite' | 'postgresql', countTimeoutMs: number, only?: readonly string[]): Promise<TableStatsResult> {
  const wanted = only ? new Set(only.map((t) => t.toLowerCase())) : undefined;
  if (family === 'sqlite') return sqliteStats(db, countTimeoutMs, wanted);
  const stats = await postgresStats(db);
  if (!wanted) return stats;
  const schema = (stats.defaultSchema ?? 'public').toLowerCase();
  const keep = (key: string) => wanted.has(key.toLowerCase()) || (key.toLowerCase().startsWith(`${schema}.`) && wanted.has(key.toLowerCase().slice(schema.length + 1)));
  return { ...stats, tables: Object.fromEntries(Object.entries(stats.tables).filter(([key]) => keep(key))) };
}

/** A count or size as a number (pg returns int8 as text), or null. */
function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

async function postgresStats(db: Knex): Promise<TableStatsResult> {
  const result = (await db.raw(
    `select n.nspname as schema, c.relname as name, c.reltuples::float8 as reltuples, c.relpages as relpages,
            pg_catalog.pg_total_relation_size(c.oid) as bytes, current_schema() as current
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'm') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
      order by 1, 2`,
  )) as { rows: Row[] };
  const tables: Record<string, TableSize> = {};
  let defaultSchema: string | undefined;
  for (const r of result.rows) {
    const estimate = num(r.reltuples);
    // -1: never vacuumed or analysed (PostgreSQL 14+); no pages then means no rows.
    const rows = estimate === null ? null : estimate >= 0 ? Math.round(estimate) : num(r.relpages) === 0 ? 0 : null;
    tables[`${String(r.schema)}.${String(r.name)}`] = { rows, bytes: num(r.bytes) };
    defaultSchema ??= typeof r.current === 'string' ? r.current : undefined;
  }
  if (!defaultSchema) defaultSchema = String(((await db.raw('select current_schema() as s')) as { rows: Row[] }).rows[0]?.s ?? 'public');
  return { dialect: 'postgresql', defaultSchema, tables };
}

interface SqliteConnection {
  all(sql: string, params: unknown[], cb: (err: Error | null, rows: Row[]) => void): void;
  interrupt(): void;
}

function all(conn: SqliteConnection, sql: string, params: unknown[] = []): Promise<Row[]> {
  return new Promise((resolve, reject) => conn.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows))));
}

async function sqliteStats(db: Knex, countTimeoutMs: number, wanted?: ReadonlySet<string>): Promise<TableStatsResult> {
  const conn = (await db.client.acquireConnection()) as SqliteConnection;
  try {
    const names = (await all(conn, "select name from sqlite_schema where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name")).map((r) => String(r.name))
      .filter((name) => !wanted || wanted.has(name.toLowerCase()) || wanted.has(`main.${name.toLowerCase()}`));
    const bytes = new Map<string, number>();
    try {
      // Each b-tree (table or index) with the table it belongs to.
      for (const r of await all(conn, 'select s.tbl_name as tbl, sum(d.pgsize) as bytes from dbstat d join sqlite_schema s on s.name = d.name group by s.tbl_name')) bytes.set(String(r.tbl), Number(r.bytes));
    } catch {
      // No dbstat in this build: sizes unknown.
    }
    const tables: Record<string, TableSize> = {};
    const deadline = Date.now() + countTimeoutMs;
    for (const name of names) {
      let rows: number | null = null;
      const left = deadline - Date.now();
      if (left > 0) {
        const timer = setTimeout(() => conn.interrupt(), left);
        try {
          rows = num((await all(conn, `select count(*) as n from "${name.replace(/"/g, '""')}"`))[0]?.n);
        } catch (err) {
          if ((err as { code?: string }).code !== 'SQLITE_INTERRUPT') throw err;
        } finally {
          clearTimeout(timer);
        }
      }
      tables[name] = { rows, bytes: bytes.get(name) ?? (bytes.size ? 0 : null) };
    }
    return { dialect: 'sqlite', tables };
  } finally {
    await db.client.releaseConnection(conn);
  }
}
