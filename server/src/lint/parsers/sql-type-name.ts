/**
 * SQL type names written as text (node-pg-migrate column types, Knex `specificType`) → {@link ColumnType} with the
 * PostgreSQL catalog names libpg-query gives (`integer` → `int4`, `character varying` → `varchar`, `char(n)` → `bpchar`).
 * Source: PostgreSQL docs, "Data Types" (Table 8.1, aliases).
 */
import type { ColumnType } from '../model';

const SQL_TYPE_NAMES: Record<string, string> = {
  'character varying': 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  integer: 'int4',
  int: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  boolean: 'bool',
  'double precision': 'float8',
  float: 'float8',
  decimal: 'numeric',
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  serial4: 'serial',
  serial8: 'bigserial',
  serial2: 'smallserial',
};

/** A SQL type string as node-pg-migrate or Knex `specificType` take it (`'varchar(100)'`, `'integer'`) → {@link ColumnType}. */
export function sqlTypeFromString(s: string): ColumnType {
  const t = s.trim().toLowerCase().replace(/\s+/g, ' ');
  const m = /^([a-z_][a-z0-9_ ]*?)\s*(?:\(([\d,\s]+)\))?( with(?:out)? time zone)?(\[\])?$/.exec(t);
  if (!m) return { name: t, args: [] };
  // `timestamp(3) with time zone` → timestamptz; `time without time zone` → time.
  const base = m[3] === ' with time zone' && (m[1] === 'timestamp' || m[1] === 'time') ? `${m[1]}tz` : m[1]!;
  const name = ((Object.hasOwn(SQL_TYPE_NAMES, base) ? SQL_TYPE_NAMES[base] : undefined) ?? base) + (m[4] ?? '');
  const args = m[2] ? m[2].split(',').map((x) => Number(x.trim())).filter((x) => Number.isFinite(x)) : [];
  return { name, args };
}

