/**
 * Introspection of SQLite and PostgreSQL into one normalised {@link SchemaModel} (protocol/shapes.ts), by
 * catalog queries only:
 * - SQLite: `sqlite_schema`, `PRAGMA table_xinfo / index_list / index_xinfo / foreign_key_list`
 *   (sqlite.org/pragma.html). CHECK constraints and index expressions are not in any pragma: they
 *   are read from the `CREATE` text kept in `sqlite_schema.sql`.
 * - PostgreSQL: `pg_catalog` (`pg_class`, `pg_attribute`, `pg_attrdef`, `pg_constraint`,
 *   `pg_index`), one schema, read in one transaction with that schema alone on the `search_path`,
 *   so that `pg_get_expr`/`format_type` print names unqualified the same way on every database
 *   (PostgreSQL docs, "System Information Functions": names are qualified when not visible).
 * Read-only. Knex's migrations/lock tables and `migration_guard_checksums` are left out.
 */
import type { Knex } from 'knex';
import type { SchemaCheck, SchemaForeignKey, SchemaIndex, SchemaModel, SchemaTable, SchemaUnique } from '../../protocol';
import type { LoadedProject } from '../project/project';
import { collapseSpace, makeModel, toolingTables } from './model';
import type { SqliteDefinitions } from './generate';

/** Where to introspect: the family, the tooling table to leave out, and (PostgreSQL) the schema. */
export interface IntrospectTarget {
  family: 'sqlite' | 'postgresql';
  /** Knex's migrations table name (`migrations.tableName`); it, its `_lock` table and the checksum table are left out. */
  migrationsTable: string;
  /** PostgreSQL schema; default: the connection's `current_schema()` (the first existing schema of its `search_path`). Ignored on SQLite. */
  schema?: string;
}

/**
 * The introspection target of a project: its family and migrations table. On PostgreSQL the schema is
 * the connection's `current_schema()`, which follows the knexfile's `searchPath`: that is where
 * unqualified `createTable` puts tables. `migrations.schemaName` only places Knex's own tables
 * (Knex docs, "Migrations: schemaName"), so it does not choose the schema compared.
 * @throws Error for families other than SQLite and PostgreSQL.
 */
export function targetOf(project: LoadedProject): IntrospectTarget {
  if (project.family === 'other') throw new Error(`Schema introspection supports SQLite and PostgreSQL, not '${project.client}'.`);
  return { family: project.family, migrationsTable: project.migrations.tableName };
}

/** Introspects the database behind `db`. */
export async function introspect(db: Knex, target: IntrospectTarget): Promise<SchemaModel> {
  return target.family === 'sqlite' ? introspectSqlite(db, target) : introspectPostgres(db, target);
}

// ---------------------------------------------------------------------------------------------- SQLite

type Row = Record<string, unknown>;

/** SQLite type text, normalised: lower-case, single spaces, none inside parentheses (`VARCHAR (255)` → `varchar(255)`). */
export function normalizeSqliteType(type: string): string {
  return collapseSpace(type.toLowerCase()).replace(/\s*\(\s*/g, '(').replace(/\s*\)/g, ')').replace(/\s*,\s*/g, ',');
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Splits SQL text into top-level pieces: returns the index just past the `)` matching the `(` at
 * `open`, skipping quoted strings and identifiers. -1 when unbalanced.
 */
function matchParen(sql: string, open: number): number {
  let depth = 0;
  for (let i = open; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      i++;
      while (i < sql.length && !(sql[i] === close && sql[i + 1] !== close)) i += sql[i] === close ? 2 : 1;
    } else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Splits `text` at commas outside parentheses and quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      i++;
      while (i < text.length && !(text[i] === close && text[i + 1] !== close)) i += text[i] === close ? 2 : 1;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Blanks out quoted text (same length) so keyword searches do not match inside strings or identifiers. */
function maskQuoted(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]/g, (m) => ' '.repeat(m.length));
}

/** CHECK constraints written in a `CREATE TABLE` statement (column and table constraints), with their `CONSTRAINT` names. */
export function sqliteChecks(createSql: string): SchemaCheck[] {
  const masked = maskQuoted(createSql);
  const out: SchemaCheck[] = [];
  const re = /\bcheck\s*\(/gi;
  for (let m = re.exec(masked); m; m = re.exec(masked)) {
    const open = m.index + m[0].length - 1;
    const end = matchParen(createSql, open);
    if (end < 0) break;
    const before = createSql.slice(0, m.index);
    const named = /\bconstraint\s+("(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|[\w$]+)\s*$/i.exec(before);
    out.push({ name: named?.[1] ? unquote(named[1]) : null, expression: collapseSpace(createSql.slice(open + 1, end - 1)) });
    re.lastIndex = end;
  }
  return out;
}

function unquote(ident: string): string {
  if (/^".*"$/s.test(ident)) return ident.slice(1, -1).replace(/""/g, '"');
  if (/^`.*`$/s.test(ident)) return ident.slice(1, -1).replace(/``/g, '`');
  if (/^\[.*\]$/s.test(ident)) return ident.slice(1, -1);
  return ident;
}

/** Key expressions and the WHERE predicate of a `CREATE INDEX` statement (`sqlite_schema.sql`). */
export function sqliteIndexParts(createSql: string): { keys: string[]; predicate: string | null } {
  const masked = maskQuoted(createSql);
  const on = /\bon\s+/i.exec(masked);
  const open = on ? masked.indexOf('(', on.index) : -1;
  if (open < 0) return { keys: [], predicate: null };
  const end = matchParen(createSql, open);
  if (end < 0) return { keys: [], predicate: null };
  const keys = splitTopLevel(createSql.slice(open + 1, end - 1)).map(collapseSpace);
  const where = /^\s*where\b/i.exec(masked.slice(end));
  return { keys, predicate: where ? collapseSpace(createSql.slice(end + where[0].length)) : null };
}

async function introspectSqlite(db: Knex, target: IntrospectTarget): Promise<SchemaModel> {
  const skip = toolingTables(target.migrationsTable);
  const objects = (await db.raw("select type, name, tbl_name, sql from sqlite_schema where name not like 'sqlite\\_%' escape '\\' order by name")) as Row[];
  const indexSql = new Map(objects.filter((o) => o.type === 'index').map((o) => [String(o.name), typeof o.sql === 'string' ? o.sql : '']));
  const tables: SchemaTable[] = [];
  const views: string[] = [];
  for (const o of objects) {
    const name = String(o.name);
    if (o.type === 'view') views.push(name);
    if (o.type !== 'table' || skip.has(name)) continue;
    const q = quoteIdent(name);
    const cols = (await db.raw(`PRAGMA table_xinfo(${q})`)) as Row[];
    const columns = cols
      .filter((c) => Number(c.hidden) !== 1)
      .map((c) => ({ name: String(c.name), type: normalizeSqliteType(String(c.type ?? '')), nullable: Number(c.notnull) === 0, default: c.dflt_value === null || c.dflt_value === undefined ? null : collapseSpace(String(c.dflt_value)) }));
    const pkCols = cols.filter((c) => Number(c.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk)).map((c) => String(c.name));
    const indexes: SchemaIndex[] = [];
    const uniques: SchemaUnique[] = [];
    for (const ix of (await db.raw(`PRAGMA index_list(${q})`)) as Row[]) {
      const ixName = String(ix.name);
      if (ix.origin === 'pk') continue;
      const info = ((await db.raw(`PRAGMA index_xinfo(${quoteIdent(ixName)})`)) as Row[]).filter((r) => Number(r.key) === 1).sort((a, b) => Number(a.seqno) - Number(b.seqno));
      const parts = sqliteIndexParts(indexSql.get(ixName) ?? '');
      const columnsOf = info.map((r, i) => (r.name === null || r.name === undefined ? (parts.keys[i] ?? '<expression>') : String(r.name)));
      if (ix.origin === 'u') uniques.push({ name: ixName.startsWith('sqlite_autoindex_') ? null : ixName, columns: columnsOf });
      else indexes.push({ name: ixName, columns: columnsOf, unique: Number(ix.unique) === 1, predicate: Number(ix.partial) === 1 ? parts.predicate : null });
    }
    const fkRows = (await db.raw(`PRAGMA foreign_key_list(${q})`)) as Row[];
    const byId = new Map<number, Row[]>();
    for (const r of fkRows) byId.set(Number(r.id), [...(byId.get(Number(r.id)) ?? []), r]);
    const foreignKeys: SchemaForeignKey[] = [...byId.values()].map((rows) => {
      rows.sort((a, b) => Number(a.seq) - Number(b.seq));
      const first = rows[0] as Row;
      return {
        name: null,
        columns: rows.map((r) => String(r.from)),
        referencedTable: String(first.table),
        // A null `to` means "the target's primary key" (REFERENCES t without columns).
        referencedColumns: rows.map((r) => (r.to === null || r.to === undefined ? '' : String(r.to))),
        onDelete: String(first.on_delete ?? 'NO ACTION').toUpperCase(),
        onUpdate: String(first.on_update ?? 'NO ACTION').toUpperCase(),
      };
    });
    tables.push({
      name,
      columns,
      primaryKey: pkCols.length ? pkCols : null,
      uniques,
      indexes,
      foreignKeys,
      checks: sqliteChecks(typeof o.sql === 'string' ? o.sql : ''),
    });
  }
  return makeModel('sqlite', 'main', tables, views);
}

// ---------------------------------------------------------------------------------------------- PostgreSQL

/** `pg_constraint.confupdtype`/`confdeltype` codes (PostgreSQL docs, "pg_constraint"). */
const FK_ACTIONS: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

function rowsOf(result: unknown): Row[] {
  return (result as { rows: Row[] }).rows;
}

function textArray(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

async function introspectPostgres(db: Knex, target: IntrospectTarget): Promise<SchemaModel> {
  return db.transaction(async (trx) => {
    const schema = target.schema ?? String(rowsOf(await trx.raw('select current_schema() as s'))[0]?.s ?? 'public');
    await trx.raw('select set_config(\'search_path\', quote_ident(?::text), true)', [schema]);
    const skip = toolingTables(target.migrationsTable);
    const rels = rowsOf(await trx.raw(
      `select c.oid::int8::text as oid, c.relname, c.relkind from pg_catalog.pg_class c
         join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ? and c.relkind in ('r', 'p', 'v', 'm', 'f')`,
      [schema],
    ));
    const tablesByOid = new Map<string, SchemaTable>();
    const views: string[] = [];
    for (const r of rels) {
      const name = String(r.relname);
      if (r.relkind === 'v' || r.relkind === 'm') views.push(name);
      else if (!skip.has(name)) tablesByOid.set(String(r.oid), { name, columns: [], primaryKey: null, uniques: [], indexes: [], foreignKeys: [], checks: [] });
    }
    const cols = rowsOf(await trx.raw(
      `select a.attrelid::int8::text as oid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) as type, a.attnotnull,
              pg_catalog.pg_get_expr(d.adbin, d.adrelid) as def, a.attidentity, a.attgenerated
         from pg_catalog.pg_attribute a
         join pg_catalog.pg_class c on c.oid = a.attrelid
         join pg_catalog.pg_namespace n on n.oid = c.relnamespace
         left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where n.nspname = ? and c.relkind in ('r', 'p', 'f') and a.attnum > 0 and not a.attisdropped`,
      [schema],
    ));
    for (const c of cols) {
      const t = tablesByOid.get(String(c.oid));
      if (!t) continue;
      let def = c.def === null || c.def === undefined ? null : String(c.def);
      if (c.attidentity === 'a') def = 'generated always as identity';
      else if (c.attidentity === 'd') def = 'generated by default as identity';
      else if (c.attgenerated === 's' && def !== null) def = `generated always as (${def}) stored`;
      t.columns.push({ name: String(c.attname), type: String(c.type), nullable: c.attnotnull !== true, default: def });
    }
    const cons = rowsOf(await trx.raw(
      `select con.conrelid::int8::text as oid, con.conname, con.contype, pg_catalog.pg_get_constraintdef(con.oid, true) as def,
              f.relname as ftable, con.confupdtype, con.confdeltype,
              array(select a.attname from unnest(con.conkey) with ordinality k(n, o)
                      join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.n order by k.o)::text[] as cols,
              array(select a.attname from unnest(con.confkey) with ordinality k(n, o)
                      join pg_catalog.pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.n order by k.o)::text[] as fcols
         from pg_catalog.pg_constraint con
         join pg_catalog.pg_class c on c.oid = con.conrelid
         join pg_catalog.pg_namespace n on n.oid = c.relnamespace
         left join pg_catalog.pg_class f on f.oid = con.confrelid
        where n.nspname = ?`,
      [schema],
    ));
    for (const k of cons) {
      const t = tablesByOid.get(String(k.oid));
      if (!t) continue;
      const name = String(k.conname);
      const def = String(k.def ?? '');
      if (k.contype === 'p') t.primaryKey = textArray(k.cols);
      else if (k.contype === 'u') t.uniques.push({ name, columns: textArray(k.cols) });
      else if (k.contype === 'f') {
        t.foreignKeys.push({
          name,
          columns: textArray(k.cols),
          referencedTable: String(k.ftable),
          referencedColumns: textArray(k.fcols),
          onDelete: FK_ACTIONS[String(k.confdeltype)] ?? String(k.confdeltype),
          onUpdate: FK_ACTIONS[String(k.confupdtype)] ?? String(k.confupdtype),
        });
      } else if (k.contype === 'c') {
        t.checks.push({ name, expression: collapseSpace(def.replace(/\s+NOT VALID$/, '').replace(/^CHECK\s*\(([\s\S]*)\)$/, '$1')) });
      } else if (k.contype === 'x') {
        t.checks.push({ name, expression: collapseSpace(def.replace(/\s+NOT VALID$/, '')) });
      }
    }
    // Indexes that back a primary key, unique or exclusion constraint are the constraint itself.
    const idx = rowsOf(await trx.raw(
      `select i.indrelid::int8::text as oid, ic.relname as name, i.indisunique, am.amname,
              pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) as pred,
              array(select pg_catalog.pg_get_indexdef(i.indexrelid, k, true) from generate_series(1, i.indnkeyatts) k order by k)::text[] as keys
         from pg_catalog.pg_index i
         join pg_catalog.pg_class ic on ic.oid = i.indexrelid
         join pg_catalog.pg_class c on c.oid = i.indrelid
         join pg_catalog.pg_namespace n on n.oid = c.relnamespace
         join pg_catalog.pg_am am on am.oid = ic.relam
        where n.nspname = ?
          and not exists (select 1 from pg_catalog.pg_constraint con where con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u', 'x'))`,
      [schema],
    ));
    for (const i of idx) {
      const t = tablesByOid.get(String(i.oid));
      if (!t) continue;
      const keys = textArray(i.keys);
      // Non-default access methods (gin, gist, …) are part of what the index is.
      if (i.amname !== 'btree' && keys.length) keys[0] = `USING ${String(i.amname)} ${keys[0]}`;
      t.indexes.push({ name: String(i.name), columns: keys, unique: i.indisunique === true, predicate: i.pred === null || i.pred === undefined ? null : collapseSpace(String(i.pred)) });
    }
    return makeModel('postgresql', schema, [...tablesByOid.values()], views);
  });
}

/**
 * The `CREATE` text of every SQLite table and explicit index (`sqlite_schema.sql`; automatic indexes have none),
 * for writing migrations that rebuild or re-create them exactly (schema/generate.ts).
 */
export async function readSqliteDefinitions(db: Knex): Promise<SqliteDefinitions> {
  const rows = (await db.raw("select type, name, tbl_name, sql from sqlite_schema where sql is not null and name not like 'sqlite\\_%' escape '\\'")) as Row[];
  const out: SqliteDefinitions = { tables: new Map(), indexes: new Map() };
  for (const r of rows) {
    if (r.type === 'table') out.tables.set(String(r.name), String(r.sql));
    else if (r.type === 'index') out.indexes.set(String(r.name), { table: String(r.tbl_name), sql: String(r.sql) });
  }
  return out;
}
