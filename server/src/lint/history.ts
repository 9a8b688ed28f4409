/**
 * What the earlier migrations of a folder did to the schema, as far as the rules need it: each column's type and
 * whether it is NOT NULL. The lint driver folds the `up` operations of each migration, in the order the runner applies
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

/** The columns of a folder's tables after some migrations, by table then column (lower case, schema ignored). */
export class SchemaHistory {
  readonly tables = new Map<string, Map<string, ColumnFact>>();

  /** The column's facts, or undefined when no earlier migration declared it. */
  column(table: string, column: string): ColumnFact | undefined {
    return this.tables.get(table.toLowerCase())?.get(column.toLowerCase());
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

  private applyOne(op: Operation): void {
    const t = tableKey(op);
    switch (op.type) {
      case 'createTable': {
        const cols = new Map<string, ColumnFact>();
        for (const c of op.columns) cols.set(c.name.toLowerCase(), { ...(c.dataType ? { type: c.dataType } : {}), ...(c.notNull !== undefined ? { notNull: c.notNull } : {}) });
        this.tables.set(t, cols);
        return;
      }
      case 'dropTable':
        this.tables.delete(t);
        return;
      case 'renameTable': {
        const cols = this.tables.get(t);
        this.tables.delete(t);
        if (cols) this.tables.set(op.newName.toLowerCase(), cols);
        return;
      }
      case 'addColumn':
        this.columnsOf(t).set(op.column.toLowerCase(), { ...(op.dataType ? { type: op.dataType } : {}), notNull: op.notNull });
        return;
      case 'dropColumn':
        this.tables.get(t)?.delete(op.column.toLowerCase());
        return;
      case 'renameColumn': {
        const cols = this.tables.get(t);
        const fact = cols?.get(op.column.toLowerCase());
        cols?.delete(op.column.toLowerCase());
        if (cols && fact) cols.set(op.newName.toLowerCase(), fact);
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
