/**
 * Pre-flight against the live database: how many rows each destructive statement of a pending
 * migration would delete, and whether a column it adds already exists. Works on the SQL captured by
 * the preview (preview.ts) and on row counts taken inside the preview's transaction before and after
 * each migration, so SQLite table rebuilds and ON DELETE CASCADE are counted as they really happen.
 * Columns a migration drops (PostgreSQL `DROP COLUMN`, or a SQLite rebuild that leaves them out) are found by
 * comparing the columns before and after it, and their values are counted on the live database once the preview
 * is rolled back ({@link droppedColumns}, {@link dropColumnFindings}).
 * For migrations that cannot be previewed, the migration's source text is scanned for
 * `dropTable('x')`, `DROP TABLE x` and `TRUNCATE x` instead.
 */
import type { Knex } from 'knex';
import { DATA_LOSS_RULES } from '../../config';
import type { PreflightFinding } from '../../protocol';
import type { LoadedProject } from '../project/project';

/** Row counts and columns of every user table, keyed by table name (`schema.table` on PostgreSQL outside the current schema). */
export interface TableSnapshot {
  counts: Map<string, number>;
  /** Column names as the database spells them, in table order (compare case-insensitively where SQL does). Empty without `withColumns`. */
  columns: Map<string, Set<string>>;
  /** The table as a quoted SQL reference (`"t"`, `"s"."t"`), by key. */
  refs: Map<string, string>;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Lists user tables (SQLite: `sqlite_master` without `sqlite_%` and Knex's temp-alter tables;
 * PostgreSQL: base tables of non-system schemas, named `table` in `current_schema()` and
 * `schema.table` elsewhere) and counts their rows with `count(*)`. With `withColumns`, reads their
 * columns too (`pragma_table_info` / `information_schema.columns`). Read-only.
 */
export async function snapshotTables(db: Knex | Knex.Transaction, family: LoadedProject['family'], withColumns = false): Promise<TableSnapshot> {
  const counts = new Map<string, number>();
  const columns = new Map<string, Set<string>>();
  const refs = new Map<string, string>();
  if (family === 'sqlite') {
    const rows = (await db.raw("select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' and name not like '\\_knex\\_temp\\_alter%' escape '\\'")) as Array<{ name: string }>;
    for (const { name } of rows) {
      const c = (await db.raw(`select count(*) as n from ${q(name)}`)) as Array<{ n: number }>;
      counts.set(name, Number(c[0]?.n ?? 0));
      refs.set(name, q(name));
      if (withColumns) {
        const cols = (await db.raw(`select name from pragma_table_info(?)`, [name])) as Array<{ name: string }>;
        columns.set(name, new Set(cols.map((x) => x.name)));
      }
    }
  } else if (family === 'postgresql') {
    const r = (await db.raw(
      "select table_schema as s, table_name as t, table_schema = current_schema() as cur from information_schema.tables where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') and table_schema not like 'pg\\_%'",
    )) as { rows: Array<{ s: string; t: string; cur: boolean }> };
    for (const { s, t, cur } of r.rows) {
      const key = cur ? t : `${s}.${t}`;
      const c = (await db.raw(`select count(*)::bigint as n from ${q(s)}.${q(t)}`)) as { rows: Array<{ n: string }> };
      counts.set(key, Number(c.rows[0]?.n ?? 0));
      refs.set(key, `${q(s)}.${q(t)}`);
    }
    if (withColumns) {
      const cols = (await db.raw(
        "select table_schema as s, table_name as t, column_name as c, table_schema = current_schema() as cur from information_schema.columns where table_schema not in ('pg_catalog', 'information_schema') order by table_schema, table_name, ordinal_position",
      )) as { rows: Array<{ s: string; t: string; c: string; cur: boolean }> };
      for (const { s, t, c, cur } of cols.rows) {
        const key = cur ? t : `${s}.${t}`;
        if (!columns.has(key)) columns.set(key, new Set());
        columns.get(key)?.add(c);
      }
    }
  }
  return { counts, columns, refs };
}

/** A snapshot of nothing (no database to read yet). */
export function emptySnapshot(): TableSnapshot {
  return { counts: new Map(), columns: new Map(), refs: new Map() };
}

/** An identifier as written in SQL (`"a"."b"`, `` `b` ``, `[b]`, `b`) → `b` or `a.b`, unquoted. */
function unquoteName(raw: string): string {
  const parts = raw.match(/"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|[^."`[\]\s]+/g) ?? [raw];
  return parts.map((p) => (/^["`[]/.test(p) ? p.slice(1, -1).replace(/""/g, '"') : p)).join('.');
}

const NAME = String.raw`((?:"(?:[^"]|"")*"|\x60[^\x60]*\x60|\[[^\]]*\]|[\w$]+)(?:\s*\.\s*(?:"(?:[^"]|"")*"|\x60[^\x60]*\x60|\[[^\]]*\]|[\w$]+))?)`;
const DROP_TABLE = new RegExp(String.raw`^\s*drop\s+table\s+(?:if\s+exists\s+)?${NAME}(\s*,\s*[^;]+)?`, 'i');
const TRUNCATE = new RegExp(String.raw`^\s*truncate\s+(?:table\s+)?(?:only\s+)?${NAME}`, 'i');
const ADD_COLUMN = new RegExp(String.raw`^\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?${NAME}\s+(add\s+(?:column\s+)?(?:if\s+not\s+exists\s+)?[\s\S]*)$`, 'i');
const ADD_ITEM = new RegExp(String.raw`(?:^|,)\s*add\s+(?:column\s+)?(if\s+not\s+exists\s+)?${NAME}`, 'gi');

/** Resolves a table name from SQL to a snapshot key (exact, else case-insensitive, else without `public.`). */
function keyOf(snapshot: TableSnapshot, name: string): string | null {
  if (snapshot.counts.has(name)) return name;
  const bare = name.replace(/^public\./i, '');
  for (const k of snapshot.counts.keys()) if (k.toLowerCase() === name.toLowerCase() || k.toLowerCase() === bare.toLowerCase()) return k;
  return null;
}

/**
 * Findings for one previewed migration from its captured SQL and the snapshots before and after it
 * (taken in the same transaction): DROP TABLE / TRUNCATE with the rows they delete, table rebuilds
 * (Knex's `_knex_temp_alter…` copy on SQLite) with the rows they lose, any other table that lost rows
 * (DELETE, ON DELETE CASCADE), and ADD COLUMN of a column the live database already has (`live`).
 */
export function preflightFromSql(migration: string, sql: string[], before: TableSnapshot, after: TableSnapshot, live: TableSnapshot): PreflightFinding[] {
  const out: PreflightFinding[] = [];
  const explained = new Set<string>();
  const rebuilt = new Set<string>();
  for (const s of sql) {
    const m = /^\s*alter\s+table\s+"?(_knex_temp_alter\w*)"?\s+rename\s+to\s+(.+?)\s*;?\s*$/i.exec(s);
    if (m?.[2]) rebuilt.add(unquoteName(m[2]));
  }
  for (const s of sql) {
    const drop = DROP_TABLE.exec(s);
    if (drop?.[1]) {
      const names = [drop[1], ...(drop[2] ? drop[2].split(',').map((x) => x.trim()).filter(Boolean) : [])].map(unquoteName);
      for (const name of names) {
        const key = keyOf(before, name);
        if (!key || rebuilt.has(name) || rebuilt.has(key)) continue;
        const rows = before.counts.get(key) ?? 0;
        explained.add(key);
        out.push({ migration, kind: 'drop-table', table: key, rows, message: `DROP TABLE ${key} deletes ${rows} row${rows === 1 ? '' : 's'}` });
      }
      continue;
    }
    const tr = TRUNCATE.exec(s);
    if (tr?.[1]) {
      const key = keyOf(before, unquoteName(tr[1]));
      if (key) {
        const rows = before.counts.get(key) ?? 0;
        explained.add(key);
        out.push({ migration, kind: 'truncate', table: key, rows, message: `TRUNCATE ${key} deletes ${rows} row${rows === 1 ? '' : 's'}` });
      }
      continue;
    }
    const add = ADD_COLUMN.exec(s);
    if (add?.[1] && add[2]) {
      const key = keyOf(live, unquoteName(add[1]));
      const cols = key ? new Set([...(live.columns.get(key) ?? [])].map((c) => c.toLowerCase())) : undefined;
      if (!key || !cols || cols.size === 0) continue;
      for (const item of add[2].matchAll(ADD_ITEM)) {
        if (item[1] || !item[2]) continue; // ADD COLUMN IF NOT EXISTS is harmless
        const col = unquoteName(item[2]);
        if (/^(constraint|primary|unique|foreign|check)$/i.test(col)) continue;
        if (cols.has(col.toLowerCase())) out.push({ migration, kind: 'column-exists', table: key, message: `column ${key}.${col} already exists in the database: ADD COLUMN will fail` });
      }
    }
  }
  for (const [key, rowsBefore] of before.counts) {
    if (explained.has(key)) continue;
    const rowsAfter = after.counts.get(key);
    if (rebuilt.has(key)) {
      const lost = rowsAfter === undefined ? rowsBefore : Math.max(0, rowsBefore - rowsAfter);
      out.push({ migration, kind: 'rows-deleted', table: key, rows: lost, message: lost > 0 ? `the rebuild of ${key} (SQLite alter: copy, DROP, rename) deletes ${lost} of ${rowsBefore} rows` : `rebuilds ${key} (SQLite alter: copy, DROP, rename); all ${rowsBefore} rows are kept` });
    } else if (rowsAfter !== undefined && rowsAfter < rowsBefore) {
      const lost = rowsBefore - rowsAfter;
      out.push({ migration, kind: 'rows-deleted', table: key, rows: lost, message: `${lost} of ${rowsBefore} rows of ${key} are deleted (DELETE, or ON DELETE CASCADE from a dropped or rebuilt table)` });
    } else if (rowsAfter === undefined && rowsBefore > 0) {
      out.push({ migration, kind: 'drop-table', table: key, rows: rowsBefore, message: `${key} disappears with its ${rowsBefore} row${rowsBefore === 1 ? '' : 's'} (dropped or renamed)` });
    }
  }
  return out;
}

/** A column one previewed migration dropped from a table that still exists after it. */
export interface DroppedColumn {
  migration: string;
  /** Snapshot key of the table. */
  table: string;
  /** As the database spells it. */
  column: string;
}

const RENAMED_COLUMN = new RegExp(String.raw`\brename\s+(?:column\s+)?${NAME}\s+to\s`, 'gi');

/**
 * The columns present before a migration and gone after it (snapshots with columns, taken in the preview's
 * transaction), on tables that still exist: PostgreSQL `ALTER TABLE … DROP COLUMN`, and the columns a SQLite rebuild
 * (Knex's `dropColumn`) leaves out. Columns the captured SQL renames (`RENAME [COLUMN] a TO b`) keep their values and are
 * not listed; dropped tables are reported by {@link preflightFromSql}.
 */
export function droppedColumns(migration: string, sql: string[], before: TableSnapshot, after: TableSnapshot): DroppedColumn[] {
  const renamed = new Set<string>();
  for (const s of sql) for (const m of s.matchAll(RENAMED_COLUMN)) if (m[1]) renamed.add(unquoteName(m[1]).split('.').pop()?.toLowerCase() ?? '');
  const out: DroppedColumn[] = [];
  for (const [table, cols] of before.columns) {
    const kept = after.columns.get(table);
    if (!kept) continue;
    const keptLower = new Set([...kept].map((c) => c.toLowerCase()));
    for (const column of cols) {
      if (!keptLower.has(column.toLowerCase()) && !renamed.has(column.toLowerCase())) out.push({ migration, table, column });
    }
  }
  return out;
}

/**
 * Counts, on the live database (after the preview's rollback), the values each dropped column holds: one
 * `count(column)` (non-null values) and `count(*)` per column. A column the live database does not have yet (a pending
 * migration before adds it) holds no existing data and gives no finding. Read-only.
 */
export async function dropColumnFindings(db: Knex, dropped: DroppedColumn[], live: TableSnapshot): Promise<PreflightFinding[]> {
  const out: PreflightFinding[] = [];
  for (const d of dropped) {
    const ref = live.refs.get(d.table);
    if (!ref || !live.columns.get(d.table)?.has(d.column)) continue;
    const r = (await db.raw(`select count(${q(d.column)}) as v, count(*) as n from ${ref}`)) as Array<{ v: number | string; n: number | string }> | { rows: Array<{ v: string; n: string }> };
    const row = Array.isArray(r) ? r[0] : r.rows[0];
    const values = Number(row?.v ?? 0);
    const rows = Number(row?.n ?? 0);
    out.push({
      migration: d.migration,
      kind: 'drop-column',
      table: d.table,
      column: d.column,
      rows: values,
      message: `DROP COLUMN ${d.table}.${d.column} deletes ${values} value${values === 1 ? '' : 's'} (the non-null ones, of ${rows} row${rows === 1 ? '' : 's'})`,
    });
  }
  return out;
}

/**
 * Findings for a migration that was NOT previewed, from its source text: `dropTable('x')`,
 * `dropTableIfExists('x')`, `DROP TABLE x`, `TRUNCATE x` (and Knex `.truncate()` on `knex('x')`),
 * counted on the live database snapshot.
 */
export function preflightFromSource(migration: string, source: string, live: TableSnapshot): PreflightFinding[] {
  const out: PreflightFinding[] = [];
  const seen = new Set<string>();
  const add = (kind: 'drop-table' | 'truncate', raw: string) => {
    const key = keyOf(live, unquoteName(raw));
    if (!key || seen.has(`${kind}:${key}`)) return;
    seen.add(`${kind}:${key}`);
    const rows = live.counts.get(key) ?? 0;
    out.push({ migration, kind, table: key, rows, message: `${kind === 'drop-table' ? 'DROP TABLE' : 'TRUNCATE'} ${key} deletes ${rows} row${rows === 1 ? '' : 's'} (from the source; not previewed)` });
  };
  for (const m of source.matchAll(/\.dropTable(?:IfExists)?\(\s*(['"`])([^'"`]+)\1/g)) if (m[2]) add('drop-table', m[2]);
  for (const m of source.matchAll(new RegExp(String.raw`\bdrop\s+table\s+(?:if\s+exists\s+)?${NAME}`, 'gi'))) if (m[1]) add('drop-table', m[1]);
  for (const m of source.matchAll(new RegExp(String.raw`\btruncate\s+(?:table\s+)?(?:only\s+)?${NAME}`, 'gi'))) if (m[1] && !/^table$/i.test(m[1])) add('truncate', m[1]);
  for (const m of source.matchAll(/knex\(\s*(['"`])([^'"`]+)\1\s*\)\s*\.truncate\(/g)) if (m[2]) add('truncate', m[2]);
  return out;
}

/**
 * Analyzer rules whose findings mean a migration may delete rows: a real upgrade runs the pre-flight only then.
 * `uninspectable-sql` is here too: SQL built at run time is unknown to the analyzer, so the pre-flight finds out.
 */
export const DESTRUCTIVE_RULES: ReadonlySet<string> = new Set(['uninspectable-sql', ...DATA_LOSS_RULES]);

/** Whether any finding comes from a {@link DESTRUCTIVE_RULES} rule. */
export function needsPreflight(findings: ReadonlyArray<{ ruleId: string }>): boolean {
  return findings.some((f) => DESTRUCTIVE_RULES.has(f.ruleId));
}
