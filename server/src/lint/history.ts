/**
 * What the earlier migrations of a folder did to the schema, as far as the rules need it: each column's type and
 * whether it is NOT NULL, and the indexes of each table (for foreign keys without one). The lint driver folds the `up` operations of each migration, in the order the runner applies
 * them (file name order for Knex, node-pg-migrate and SQL folders), and hands the result to the analysis of the next
 * file ({@link AnalyzeOptions.history}), so a rule can tell `varchar(100)` → `varchar(40)` (narrowing) from widening,
 * or see that `.notNullable().alter()` changes nothing.
 */
import type { ColumnType, Operation } from './model';
import { tableKey } from './model';

/** One column as the earlier migrations left it. */
export interface ColumnFact {
  /** Declared type; undefined when a migration changed it to a type the analyzer did not understand. */
  type?: ColumnType;
  /** NOT NULL (or PRIMARY KEY) is in effect; undefined when not known. */
  notNull?: boolean;
}

/** An index (or the index behind a PRIMARY KEY / UNIQUE constraint) as the earlier migrations left it. */
export interface IndexFact {
  /** Its name, lower case, when known (DROP INDEX finds it by name). */
  name?: string;
  /** Key columns in order, lower case; `''` for an expression. */
  columns: string[];
  /** The parser could not read the columns: it may serve any lookup. */
  unknown?: boolean;
}

/**
 * The columns and indexes of a folder's tables after some migrations, by table then column (lower case, schema
 * ignored).
 */
export class SchemaHistory {
  readonly tables = new Map<string, Map<string, ColumnFact>>();
  /** Indexes usable for lookups on their leading columns (B-tree, no WHERE), by table. */
  readonly indexes = new Map<string, IndexFact[]>();

  /** The column's facts, or undefined when no earlier migration declared it. */
  column(table: string, column: string): ColumnFact | undefined {
    return this.tables.get(table.toLowerCase())?.get(column.toLowerCase());
  }

  /** The indexes the earlier migrations left on `table` (empty when none is known). */
  indexesOf(table: string): readonly IndexFact[] {
    return this.indexes.get(table.toLowerCase()) ?? [];
  }

  /** Applies the `up` operations (and those of plain SQL files) of one migration, in order; `down` ones are skipped. */
  apply(ops: readonly Operation[]): void {
    for (const op of ops) {
      if (op.phase === 'down') continue;
      this.applyOne(op);
    }
  }

  private columnsOf(table: string): Map<string, ColumnFact> {
    let cols = this.tables.get(table);
    if (!cols) this.tables.set(table, (cols = new Map()));
    return cols;
  }

  /** Records an index; `columns` undefined: not known (it may serve any lookup); `[]`: it serves none (partial, GIN, …). */
  private addIndex(table: string, columns: readonly string[] | undefined, name?: string): void {
    if (columns?.length === 0) return;
    let list = this.indexes.get(table);
    if (!list) this.indexes.set(table, (list = []));
    list.push({ ...(name !== undefined ? { name: name.toLowerCase() } : {}), columns: (columns ?? []).map((c) => c.toLowerCase()), ...(columns ? {} : { unknown: true }) });
  }

  private applyOne(op: Operation): void {
    const t = tableKey(op);
    switch (op.type) {
      case 'createTable': {
        const cols = new Map<string, ColumnFact>();
        for (const c of op.columns) cols.set(c.name.toLowerCase(), { ...(c.dataType ? { type: c.dataType } : {}), ...(c.notNull !== undefined ? { notNull: c.notNull } : {}) });
        this.tables.set(t, cols);
        this.indexes.delete(t);
        for (const key of op.keys ?? []) this.addIndex(t, key);
        return;
      }
      case 'columnDefinition':
        if (op.primaryKey) this.addIndex(t, [op.column]);
        return;
      case 'createIndex':
        this.addIndex(t, op.columns, op.index);
        return;
      case 'addConstraint':
        // USING INDEX adopts an index already recorded.
        if ((op.constraint === 'unique' || op.constraint === 'primaryKey') && !op.usingIndex) this.addIndex(t, op.columns, op.name);
        return;
      case 'dropIndex': {
        const name = op.index.toLowerCase();
        for (const [table, list] of this.indexes) {
          if (op.table && table !== t) continue;
          const kept = list.filter((i) => i.name !== name);
          if (kept.length !== list.length) this.indexes.set(table, kept);
        }
        return;
      }
      case 'dropTable':
        this.tables.delete(t);
        this.indexes.delete(t);
        return;
      case 'renameTable': {
        const cols = this.tables.get(t);
        this.tables.delete(t);
        if (cols) this.tables.set(op.newName.toLowerCase(), cols);
        const idx = this.indexes.get(t);
        this.indexes.delete(t);
        if (idx) this.indexes.set(op.newName.toLowerCase(), idx);
        return;
      }
      case 'addColumn':
        this.columnsOf(t).set(op.column.toLowerCase(), { ...(op.dataType ? { type: op.dataType } : {}), notNull: op.notNull });
        return;
      case 'dropColumn': {
        const column = op.column.toLowerCase();
        this.tables.get(t)?.delete(column);
        // PostgreSQL drops the indexes that use the column with it (ALTER TABLE … DROP COLUMN).
        const idx = this.indexes.get(t);
        if (idx) this.indexes.set(t, idx.filter((i) => !i.columns.includes(column)));
        return;
      }
      case 'renameColumn': {
        const cols = this.tables.get(t);
        const from = op.column.toLowerCase();
        const to = op.newName.toLowerCase();
        const fact = cols?.get(from);
        cols?.delete(from);
        if (cols && fact) cols.set(to, fact);
        for (const i of this.indexes.get(t) ?? []) i.columns = i.columns.map((c) => (c === from ? to : c));
        return;
      }
      case 'alterColumnType': {
        const cols = this.columnsOf(t);
        const fact = cols.get(op.column.toLowerCase()) ?? {};
        // Knex's `.alter()` also resets nullability (to nullable unless `.notNullable()` follows: its setNotNull op).
        const notNull = op.origin === 'knex' ? false : fact.notNull;
        cols.set(op.column.toLowerCase(), { ...(op.newType ? { type: op.newType } : {}), ...(notNull !== undefined ? { notNull } : {}) });
        return;
      }
      case 'setNotNull':
      case 'dropNotNull': {
        const fact = this.tables.get(t)?.get(op.column.toLowerCase());
        if (fact) fact.notNull = op.type === 'setNotNull';
        return;
      }
      default:
        return;
    }
  }
}
