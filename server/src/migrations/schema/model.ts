/**
 * Helpers over the normalised schema model (the types themselves are declared in protocol/shapes.ts:
 * `SchemaModel`, `SchemaTable`, …): sorting into the stable order snapshots are written in, and
 * the tables every model leaves out.
 */
import type { Dialect, SchemaModel, SchemaTable } from '../../protocol';
import { CHECKSUM_TABLE } from '../state/checksums';

/** Version of the {@link SchemaModel} shape written by `schema snapshot`. */
export const SCHEMA_MODEL_VERSION = 1 as const;

/** Tables that belong to the migration tooling, not to the application: Knex's migrations and lock tables and Migration Guard's checksums. */
export function toolingTables(migrationsTable: string): Set<string> {
  return new Set([migrationsTable, `${migrationsTable}_lock`, CHECKSUM_TABLE]);
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sorts a table's lists in place into the stable order of snapshots: columns and indexes by name, constraints by their key. */
export function sortTable(t: SchemaTable): SchemaTable {
  t.columns.sort((a, b) => byText(a.name, b.name));
  t.indexes.sort((a, b) => byText(a.name, b.name));
  t.uniques.sort((a, b) => byText(a.columns.join(','), b.columns.join(',')));
  t.foreignKeys.sort((a, b) => byText(foreignKeyKey(a), foreignKeyKey(b)));
  t.checks.sort((a, b) => byText(a.expression, b.expression) || byText(a.name ?? '', b.name ?? ''));
  return t;
}

/** A model with sorted tables and views (and sorted lists inside each table). */
export function makeModel(dialect: Dialect, schema: string, tables: SchemaTable[], views: string[]): SchemaModel {
  return {
    version: SCHEMA_MODEL_VERSION,
    dialect,
    schema,
    tables: tables.map(sortTable).sort((a, b) => byText(a.name, b.name)),
    views: [...views].sort(byText),
  };
}

/** The identity of a foreign key for matching: columns, target and actions (names differ between databases). */
export function foreignKeyKey(fk: SchemaTable['foreignKeys'][number]): string {
  return `(${fk.columns.join(', ')}) REFERENCES ${fk.referencedTable}(${fk.referencedColumns.join(', ')}) ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`;
}

/** Collapses runs of whitespace to one space and trims: catalog text compared as written, minus layout. */
export function collapseSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
