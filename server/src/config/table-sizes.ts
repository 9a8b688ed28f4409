/**
 * Table size decides severity: with table statistics (`migration-guard stats`, read by `check --stats FILE`), a
 * finding about a table carries `tableSize` and says the size in its message, and a finding about how long a lock is
 * held (lint/locks.ts `LOCK_DURATION_RULES`) becomes `info` on a table below `smallTableRows` rows and `error` at or
 * above `largeTableRows` (`.migration-guard.json`; defaults 10,000 and 1,000,000). Without statistics, or for a table
 * they do not know, nothing changes. Pure: no I/O.
 */
import { LOCK_DURATION_RULES } from '../lint/locks';
import { formatBytes, type Dialect, type Severity, type TableSize, type TableStatsResult } from '../protocol';

/** Default `smallTableRows`: below it a lock finding is `info`. */
export const DEFAULT_SMALL_TABLE_ROWS = 10_000;
/** Default `largeTableRows`: at or above it a lock finding is an `error`. */
export const DEFAULT_LARGE_TABLE_ROWS = 1_000_000;

/** The two thresholds, in rows. */
export interface TableSizeThresholds {
  smallTableRows: number;
  largeTableRows: number;
}

/**
 * Validates parsed JSON as a {@link TableStatsResult} (as `stats` writes it).
 * @returns the statistics, or the reason they are not valid (one sentence).
 */
export function validateTableStats(raw: unknown): TableStatsResult | string {
  const r = raw as Partial<TableStatsResult> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return 'it is not a JSON object';
  if (r.dialect !== 'postgresql' && r.dialect !== 'sqlite') return '"dialect" must be "postgresql" or "sqlite"';
  if (r.defaultSchema !== undefined && typeof r.defaultSchema !== 'string') return '"defaultSchema" must be a string';
  if (!r.tables || typeof r.tables !== 'object' || Array.isArray(r.tables)) return '"tables" must be an object of table name to { rows, bytes }';
  const count = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
  for (const [name, size] of Object.entries(r.tables)) {
    const s = size as Partial<TableSize> | null;
    if (!s || typeof s !== 'object' || !count(s.rows) || !count(s.bytes ?? null)) return `"tables.${name}" must be { "rows": number|null, "bytes": number|null }`;
  }
  return r as TableStatsResult;
}

/** Lower-cased lookup of table sizes: `schema.table` keys, and bare names in the default schema (PostgreSQL) or all (SQLite). */
export class TableSizeIndex {
  private readonly sizes = new Map<string, TableSize>();
  readonly dialect: Dialect;
  constructor(stats: TableStatsResult) {
    this.dialect = stats.dialect;
    const schema = (stats.defaultSchema ?? 'public').toLowerCase();
    for (const [name, size] of Object.entries(stats.tables)) {
      const key = name.toLowerCase();
      this.sizes.set(key, size);
      if (stats.dialect === 'postgresql' && key.startsWith(`${schema}.`)) this.sizes.set(key.slice(schema.length + 1), size);
      if (stats.dialect === 'sqlite' && key.startsWith('main.')) this.sizes.set(key.slice(5), size);
    }
  }
  /** The size of `table` (`t` or `s.t`, as a migration writes it), or undefined. */
  get(table: string): TableSize | undefined {
    const key = table.toLowerCase();
    return this.sizes.get(key) ?? (this.dialect === 'sqlite' && key.startsWith('main.') ? this.sizes.get(key.slice(5)) : undefined);
  }
}

/** `12,000,000 rows, 2.2 GB`. */
export function describeSize(size: TableSize): string {
  const parts = [size.rows === null ? 'rows unknown' : `about ${size.rows.toLocaleString('en-US')} row${size.rows === 1 ? '' : 's'}`];
  if (size.bytes !== null) parts.push(formatBytes(size.bytes));
  return parts.join(', ');
}

/** The severity table size gives a lock-duration finding with `rows` rows; undefined: unchanged. */
export function sizedSeverity(rows: number | null, thresholds: TableSizeThresholds): Severity | undefined {
  if (rows === null) return undefined;
  if (rows >= thresholds.largeTableRows) return 'error';
  if (rows < thresholds.smallTableRows) return 'info';
  return undefined;
}

/**
 * `findings` with the sizes of their tables: each finding naming a table the statistics know gets `tableSize` and
 * the size in its message; a lock-duration finding (`LOCK_DURATION_RULES`, with a `lock`) on a table below
 * `smallTableRows` becomes `info`, at or above `largeTableRows` an `error`, and says why. Returns new objects.
 */
export function sizeFindings<T extends { ruleId: string; severity: Severity; message: string; table?: string; lock?: unknown; tableSize?: TableSize }>(
  findings: T[],
  sizes: TableSizeIndex | undefined,
  thresholds: TableSizeThresholds,
): T[] {
  if (!sizes) return findings;
  return findings.map((f) => {
    const size = f.table !== undefined ? sizes.get(f.table) : undefined;
    if (!size) return f;
    const severity = f.lock !== undefined && LOCK_DURATION_RULES.has(f.ruleId) ? sizedSeverity(size.rows, thresholds) : undefined;
    let message = `${f.message} ("${f.table}": ${describeSize(size)}.)`;
    if (severity === 'info') message += ` Info: below smallTableRows (${thresholds.smallTableRows.toLocaleString('en-US')}), the lock is brief.`;
    if (severity === 'error') message += ` Error: at or above largeTableRows (${thresholds.largeTableRows.toLocaleString('en-US')}).`;
    return { ...f, message, tableSize: size, severity: severity ?? f.severity };
  });
}
