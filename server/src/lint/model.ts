/**
 * The normalized statement model rules work on. Every parser (PostgreSQL SQL, SQLite SQL, Knex)
 * produces a {@link ParsedDocument}: a list of schema {@link Operation}s with UTF-16 ranges into the
 * analyzed text, syntax errors, statement ranges (for suppression comments) and, for migration
 * modules, where `up`/`down` are. One rule can then serve every source kind and dialect.
 */
import type { Dialect, Fix, Severity, SourceKind } from './types';
import type { TextRange } from './text';
import type { ColumnFact, SchemaHistory } from './history';

export type { TextRange };

/** A column type as far as the analyzer understands it, e.g. `{ name: 'varchar', args: [255] }`. */
export interface ColumnType {
  /** Lower-case canonical name: `varchar`, `text`, `int4`, `int8`, `bool`, … (PostgreSQL catalog names where known). */
  name: string;
  /** Numeric type modifiers, e.g. `[255]` for `varchar(255)`; empty when none. */
  args: number[];
}

/** Which half of a migration an operation is in; `undefined` for plain SQL files. */
export type Phase = 'up' | 'down';

/** Fields every operation has. */
export interface OperationBase {
  /** Where a finding about this operation points: the sub-command when known, else the statement. */
  range: TextRange;
  /** The whole statement (SQL statement, or the Knex call chain) the operation belongs to. */
  statement: TextRange;
  /** `down` inside a rollback (`exports.down`, `*.down.sql`); `up` in `exports.up`; undefined otherwise. */
  phase?: Phase;
  /**
   * Where it came from: plain SQL, SQL inside `knex.raw(...)`, the Knex schema builder, an Alembic `op.*` call,
   * SQL inside Alembic `op.execute(...)`, a node-pg-migrate `pgm.*` call, or SQL inside `pgm.sql(...)`.
   */
  origin: 'sql' | 'knex-raw' | 'knex' | 'alembic' | 'alembic-sql' | 'node-pg-migrate' | 'node-pg-migrate-sql';
  /**
   * True when the operation runs outside the migration runner's transaction although the rest of the file does
   * not: inside Alembic's `with op.get_context().autocommit_block():`. (A whole file without a transaction is
   * {@link ParsedDocument.transactionDisabled}.) CONCURRENTLY is legal there.
   */
  outsideTransaction?: boolean;
  /** Inside a PL/pgSQL body (`DO $$ … $$`, `CREATE FUNCTION … LANGUAGE plpgsql`): it runs inside a transaction block. */
  inPlpgsqlBody?: boolean;
  /**
   * True when the table was created earlier in the same file (and the same phase), so it holds no rows
   * yet and locks on it hurt nobody. Filled in by {@link annotateOperations}.
   */
  tableIsNew: boolean;
  /**
   * In a rollback (`phase: 'down'`): the operation undoes one of `up` (re-creates the index `up` dropped, restores the
   * type `up` changed, renames back, re-adds the column `up` dropped). Filled in by {@link markReverts}; rules about
   * locks and breaking changes stay quiet there, since the rollback only returns to the schema the code ran on.
   */
  revertsUp?: boolean;
}

/** Table name as written: `table` is the bare name, `schema` the optional qualifier. */
export interface TableRef {
  table: string;
  schema?: string;
}

export interface CreateTableOp extends OperationBase, TableRef {
  type: 'createTable';
  /** The declared columns; `notNull` when NOT NULL or PRIMARY KEY is declared (undefined: not known). */
  columns: { name: string; dataType?: ColumnType; notNull?: boolean }[];
  /** IF NOT EXISTS was written (SQL) / `createTableIfNotExists` (Knex). */
  ifNotExists?: boolean;
}
export interface DropTableOp extends OperationBase, TableRef {
  type: 'dropTable';
  /** IF EXISTS was written (SQL) / `dropTableIfExists` (Knex). */
  ifExists?: boolean;
}
export interface TruncateOp extends OperationBase, TableRef {
  type: 'truncate';
  /** CASCADE was written (PostgreSQL): every table referencing it by foreign key is emptied too. */
  cascade?: boolean;
}
export interface DropColumnOp extends OperationBase, TableRef {
  type: 'dropColumn';
  column: string;
}
export interface AddColumnOp extends OperationBase, TableRef {
  type: 'addColumn';
  column: string;
  /** NOT NULL (or PRIMARY KEY) is declared. */
  notNull: boolean;
  /** A DEFAULT, identity, generated expression or serial type supplies values for existing rows. */
  hasDefault: boolean;
  dataType?: ColumnType;
  /** IF NOT EXISTS was written (PostgreSQL). */
  ifNotExists?: boolean;
  /** Name of a volatile function in the DEFAULT expression (`random`, `gen_random_uuid`, `clock_timestamp`, …), when there is one. */
  volatileDefault?: string;
  /** `GENERATED ALWAYS AS (…) STORED`: the value is computed and stored for every existing row when the column is added. */
  generatedStored?: boolean;
  /** PRIMARY KEY is declared on the column (SQL), or it is a Knex `increments()` / `.primary()` column. */
  primaryKey?: boolean;
}
/**
 * One column declared in a CREATE TABLE (SQL, Knex `createTable`, Alembic `op.create_table`, node-pg-migrate
 * `pgm.createTable`), emitted right after its {@link CreateTableOp}, with the column's own range, so that rules about
 * column types and names can point at the column.
 */
export interface ColumnDefinitionOp extends OperationBase, TableRef {
  type: 'columnDefinition';
  column: string;
  dataType?: ColumnType;
  /** PRIMARY KEY is declared on the column. */
  primaryKey: boolean;
}
export interface CreateIndexOp extends OperationBase, TableRef {
  type: 'createIndex';
  index?: string;
  concurrently: boolean;
  unique: boolean;
  /** IF NOT EXISTS was written. */
  ifNotExists?: boolean;
  /**
   * Knex `<r>.schema.alterTable('t', (t) => { t.index(cols[, 'name']) })`, the index call alone in the callback and the
   * schema call alone in its expression: that call's range, the receiver `<r>`, the column names and the index name
   * Knex gives (`name`, else `<table>_<cols>_index` lower-cased, as Knex's `_indexCommand`). A quick fix may replace the
   * call by one `<r>.raw('CREATE INDEX CONCURRENTLY …')`.
   */
  knexAlone?: { call: TextRange; receiver: string; columns: string[]; name: string };
}
export interface RenameColumnOp extends OperationBase, TableRef {
  type: 'renameColumn';
  column: string;
  newName: string;
}
export interface AlterColumnTypeOp extends OperationBase, TableRef {
  type: 'alterColumnType';
  column: string;
  /** The new type, when understood. */
  newType?: ColumnType;
  /** A `USING` expression is given (an explicit conversion of every row). */
  hasUsing: boolean;
  /**
   * The column's type as declared earlier in the same file, or in an earlier migration of the folder
   * ({@link AnalyzeOptions.history}), when known. Filled in by {@link annotateOperations}.
   */
  previousType?: ColumnType;
  /** `COLLATE name` was written: the column's collation changes (its indexes are rebuilt). */
  collation?: string;
}

/** DROP DATABASE / DROP SCHEMA (and Knex `dropSchema[IfExists]`). `table` holds the database or schema name. */
export interface DropDatabaseOp extends OperationBase, TableRef {
  type: 'dropDatabase';
  /** What is dropped. */
  object: 'database' | 'schema';
}
/** DELETE (SQL) or Knex `knex('t').del()` / `.delete()`. */
export interface DeleteRowsOp extends OperationBase, TableRef {
  type: 'deleteRows';
  /** A WHERE clause (SQL) or a `.where*()` link (Knex) restricts the rows. */
  hasWhere: boolean;
}
/** UPDATE (SQL) or Knex `knex('t').update(…)`. */
export interface UpdateRowsOp extends OperationBase, TableRef {
  type: 'updateRows';
  hasWhere: boolean;
}
/** ALTER TABLE … RENAME TO (and Knex `renameTable`). */
export interface RenameTableOp extends OperationBase, TableRef {
  type: 'renameTable';
  newName: string;
}
/** ALTER COLUMN … DROP NOT NULL (Knex `setNullable`, `.nullable().alter()`). */
export interface DropNotNullOp extends OperationBase, TableRef {
  type: 'dropNotNull';
  column: string;
}
/** ALTER COLUMN … SET NOT NULL (Knex `dropNullable`, `.notNullable().alter()`). */
export interface SetNotNullOp extends OperationBase, TableRef {
  type: 'setNotNull';
  column: string;
  /**
   * The column is NOT NULL already (declared so earlier in the same file, or in an earlier migration of the folder:
   * {@link AnalyzeOptions.history}): SET NOT NULL then checks nothing. Filled in by {@link annotateOperations}.
   */
  alreadyNotNull?: boolean;
}
/** DROP INDEX (and Knex `t.dropIndex`). `table` is empty for SQL (DROP INDEX names no table). */
export interface DropIndexOp extends OperationBase, TableRef {
  type: 'dropIndex';
  index: string;
  concurrently: boolean;
}
/** ALTER TABLE … ADD [CONSTRAINT name] FOREIGN KEY / CHECK / UNIQUE / PRIMARY KEY / EXCLUDE (and Knex `t.foreign`, `t.check`). */
export interface AddConstraintOp extends OperationBase, TableRef {
  type: 'addConstraint';
  constraint: 'foreignKey' | 'check' | 'unique' | 'primaryKey' | 'exclusion' | 'other';
  /** Constraint name when given. */
  name?: string;
  /** NOT VALID was written (existing rows are not checked now). */
  notValid: boolean;
  /** `UNIQUE / PRIMARY KEY USING INDEX idx` (adopts an already built index). */
  usingIndex: boolean;
  /** Declared on a column being added (`ADD COLUMN c int REFERENCES t`, Knex `.references()`): NOT VALID cannot be written there. */
  inline?: boolean;
  /** FOREIGN KEY: the referenced table, when the source names it (it is locked too, see lint/locks.ts). */
  references?: TableRef;
}
/** ALTER TABLE … VALIDATE CONSTRAINT. */
export interface ValidateConstraintOp extends OperationBase, TableRef {
  type: 'validateConstraint';
  name: string;
}
/** Knex `t.dropForeign(…)` / `t.dropPrimary(…)` (SQLite: a table rebuild). */
export interface DropConstraintOp extends OperationBase, TableRef {
  type: 'dropConstraint';
  constraint: 'foreignKey' | 'primaryKey' | 'other';
}
/** BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK (not to a savepoint). `table` is empty. */
export interface TransactionControlOp extends OperationBase, TableRef {
  type: 'transactionControl';
  kind: 'begin' | 'commit' | 'rollback';
}
/** `SET [LOCAL|SESSION] name = value` (PostgreSQL), `PRAGMA name = value` (SQLite). `table` is empty. */
export interface SetVariableOp extends OperationBase, TableRef {
  type: 'setVariable';
  /** Lower-case setting name, e.g. `lock_timeout`. */
  name: string;
  /** The value as written, lower-case, when the parser reads it (SQLite `PRAGMA foreign_keys = OFF` → `off`). */
  value?: string;
}

/**
 * Blocking maintenance commands (PostgreSQL): REINDEX, VACUUM FULL, CLUSTER, REFRESH MATERIALIZED VIEW. `table` is
 * the relation named (the index for REINDEX INDEX, the view for REFRESH), empty when none is (whole database/schema).
 */
export interface MaintenanceOp extends OperationBase, TableRef {
  type: 'maintenance';
  command: 'reindex' | 'vacuumFull' | 'cluster' | 'refreshMaterializedView';
  /** CONCURRENTLY was written (REINDEX, REFRESH MATERIALIZED VIEW). */
  concurrently: boolean;
  /** REINDEX: what it rebuilds. */
  target?: 'index' | 'table' | 'schema' | 'database' | 'system';
  /** REFRESH MATERIALIZED VIEW … WITH NO DATA (CONCURRENTLY is not allowed with it). */
  withNoData?: boolean;
}
/** ALTER TABLE … SET LOGGED / SET UNLOGGED (PostgreSQL): rewrites the table. */
export interface SetPersistenceOp extends OperationBase, TableRef {
  type: 'setPersistence';
  logged: boolean;
}
/** ALTER TABLE parent DETACH PARTITION child [CONCURRENTLY] (PostgreSQL); `table` is the parent. */
export interface DetachPartitionOp extends OperationBase, TableRef {
  type: 'detachPartition';
  partition: string;
  concurrently: boolean;
}
/** ALTER TYPE … ADD VALUE (PostgreSQL enum; node-pg-migrate `addTypeValue`). `table` holds the type name. */
export interface AddEnumValueOp extends OperationBase, TableRef {
  type: 'addEnumValue';
  value: string;
}
/** CREATE DOMAIN with a CHECK / NOT NULL constraint, or ALTER DOMAIN … ADD CONSTRAINT. `table` holds the domain name. */
export interface DomainConstraintOp extends OperationBase, TableRef {
  type: 'domainConstraint';
  /** ALTER DOMAIN … ADD CONSTRAINT (else CREATE DOMAIN with a constraint). */
  alter: boolean;
}

/** A normalized schema operation. */
export type Operation =
  | CreateTableOp
  | DropTableOp
  | TruncateOp
  | DropColumnOp
  | AddColumnOp
  | CreateIndexOp
  | RenameColumnOp
  | AlterColumnTypeOp
  | DropDatabaseOp
  | DeleteRowsOp
  | UpdateRowsOp
  | RenameTableOp
  | DropNotNullOp
  | SetNotNullOp
  | DropIndexOp
  | AddConstraintOp
  | ValidateConstraintOp
  | DropConstraintOp
  | TransactionControlOp
  | SetVariableOp
  | ColumnDefinitionOp
  | MaintenanceOp
  | SetPersistenceOp
  | DetachPartitionOp
  | AddEnumValueOp
  | DomainConstraintOp;

/** Operation types that name no table (their `table` is empty or not a table); {@link annotateOperations} skips them. */
export const NON_TABLE_OPERATIONS: ReadonlySet<Operation['type']> = new Set(['dropDatabase', 'transactionControl', 'setVariable', 'addEnumValue', 'domainConstraint']);

/** A syntax error the parser reported, with a small range (the offending token). */
export interface SyntaxProblem {
  range: TextRange;
  /** The parser's message, e.g. `syntax error at or near "selec"`. */
  message: string;
}

/** A named export of a migration module (`up` / `down`). */
export interface MigrationExport {
  /** Range of the name (`up` in `exports.up = …`, `export function up`, `{ up }`). */
  nameRange: TextRange;
  /** The function has no statements (or only `return;` / `return Promise.resolve()`). */
  empty: boolean;
}

/** What a parser found in one document. */
export interface ParsedDocument {
  operations: Operation[];
  syntaxErrors: SyntaxProblem[];
  /** Statement ranges, sorted by start; a suppression comment applies to the next one. */
  statements: TextRange[];
  /** Present for migration modules (Knex): where `up` and `down` are; `undefined` members are missing. */
  migration?: { up?: MigrationExport; down?: MigrationExport };
  /** Ranges of SQL strings that could not be inspected (template literals with `${}`). */
  uninspectable: TextRange[];
  /**
   * Knex modules: `exports.config = { transaction: false }` / `export const config = { transaction: false }`
   * was found (the migration does not run in the runner's transaction). Undefined for SQL files.
   */
  transactionDisabled?: boolean;
}

/** An empty {@link ParsedDocument}. */
export function emptyDocument(): ParsedDocument {
  return { operations: [], syntaxErrors: [], statements: [], uninspectable: [] };
}

/** Per-type buckets of one operations array, with the array length they were built for. */
interface TypeIndex {
  length: number;
  byType: Map<string, Operation[]>;
}
const typeIndexes = new WeakMap<Operation[], TypeIndex>();
const NO_OPERATIONS: readonly Operation[] = Object.freeze([]);

/**
 * The operations of `doc` whose `type` is one of `types`, in document order (the order of `doc.operations`).
 * Built once per operations array (one pass over it, then cached by array identity, and rebuilt if its length
 * changed), so the rules do not each scan every operation. Callers must not mutate the returned array. Never throws.
 */
export function opsOfType<T extends Operation['type']>(doc: ParsedDocument, ...types: T[]): readonly Extract<Operation, { type: T }>[] {
  const ops = doc.operations;
  let index = typeIndexes.get(ops);
  if (!index || index.length !== ops.length) {
    const byType = new Map<string, Operation[]>();
    for (const op of ops) {
      const bucket = byType.get(op.type);
      if (bucket) bucket.push(op);
      else byType.set(op.type, [op]);
    }
    index = { length: ops.length, byType };
    typeIndexes.set(ops, index);
  }
  const key = types.length === 1 ? types[0]! : types.join('|');
  let found = index.byType.get(key);
  if (!found && types.length > 1) {
    const wanted = new Set<string>(types);
    found = ops.filter((op) => wanted.has(op.type));
    index.byType.set(key, found);
  }
  return (found ?? NO_OPERATIONS) as readonly Extract<Operation, { type: T }>[];
}

/** What a rule sees. */
export interface RuleContext {
  text: string;
  fileName: string;
  dialect: Dialect;
  kind: SourceKind;
  doc: ParsedDocument;
  /** Major PostgreSQL version the migrations target (AnalyzeOptions.postgresVersion, default 15). */
  postgresVersion: number;
}

/** One problem a rule reports; the registry adds rule id, severity and help. */
export interface RuleViolation {
  start: number;
  end: number;
  message: string;
  /** A mechanical fix, when one exists (see {@link Fix}). */
  fix?: Fix;
  /**
   * The operation reported (set by `rules/util.ts` `at`): the analyzer reads the statement's lock from it
   * (lint/locks.ts). Without it, the operation whose range (or statement) is the violation's range is used.
   */
  op?: Operation;
}

/** Static description of a rule, for hovers, docs links and the CLI. */
export interface RuleMeta {
  /** Stable id, also the diagnostic code, e.g. `ban-drop-table`. */
  id: string;
  /** Severity when the configuration says nothing; `'off'` for opt-in rules (enable them with `AnalyzeOptions.rules`). */
  defaultSeverity: Severity | 'off';
  /** A few words, e.g. "Dropping a table". */
  title: string;
  /** Why it is dangerous, one or two sentences. */
  description: string;
  /** The safe alternative. */
  help: string;
  /** The PostgreSQL lock taken, where relevant, e.g. `ACCESS EXCLUSIVE (ALTER TABLE)`. */
  lock?: string;
  /** Dialects the rule applies to; all when omitted. */
  dialects?: Dialect[];
  /** Repository-relative path of the rule's documentation page: `docs/rules/<id>.md`. */
  docsPath: string;
}

/** A rule: metadata plus a pure check over the parsed document. `check` may throw: the analyzer reports that as an `analyzer-error` finding. */
export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): RuleViolation[];
}

/** Lower-cased key used to match table names across statements (schema ignored). */
export function tableKey(t: TableRef): string {
  return t.table.toLowerCase();
}

/** `"schema"."table"` or `"table"`, for messages. */
export function displayTable(t: TableRef): string {
  return t.schema ? `"${t.schema}"."${t.table}"` : `"${t.table}"`;
}

/** `varchar(255)`, `text`, … for messages. */
export function displayType(t: ColumnType | undefined): string {
  if (!t) return 'a new type';
  return t.args.length ? `${t.name}(${t.args.join(', ')})` : t.name;
}

/** What the earlier migrations left of a column (`up` and plain SQL only: a rollback runs on the schema its `up` made). */
function earlier(history: SchemaHistory | undefined, phase: string, table: string, column: string): ColumnFact | undefined {
  return history && phase !== 'down' ? history.column(table, column) : undefined;
}

/**
 * Sorts operations by position and fills in {@link OperationBase.tableIsNew}, {@link AlterColumnTypeOp.previousType}
 * and {@link SetNotNullOp.alreadyNotNull}: walking each phase in document order, a table counts as new after a
 * `createTable` of the same name, and column types and NOT NULL are remembered from `createTable`/`addColumn`/earlier
 * changes, else taken from `history` (what the earlier migrations of the folder did; not for `down`). A `dropTable`
 * forgets the table.
 */
export function annotateOperations(ops: Operation[], history?: SchemaHistory): Operation[] {
  let inOrder = true;
  for (let i = 1; i < ops.length && inOrder; i++) {
    const a = ops[i - 1]!.range;
    const b = ops[i]!.range;
    inOrder = a.start < b.start || (a.start === b.start && a.end <= b.end);
  }
  const sorted = inOrder ? [...ops] : [...ops].sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end);
  const created = new Map<string, Set<string>>();
  const types = new Map<string, Map<string, ColumnType | undefined>>();
  /** NOT NULL declared or set earlier in the same phase, by `table.column`. */
  const notNulls = new Map<string, Map<string, boolean>>();
  /** The last Knex `.alter()` of each `table.column`: its chain (statement start) and NOT NULL before it. */
  const knexResets = new Map<string, { statement: number; before: boolean | undefined }>();
  for (const op of sorted) {
    if (NON_TABLE_OPERATIONS.has(op.type)) continue;
    const phase = op.phase ?? '';
    let set = created.get(phase);
    if (!set) created.set(phase, (set = new Set()));
    let colTypes = types.get(phase);
    if (!colTypes) types.set(phase, (colTypes = new Map()));
    let notNull = notNulls.get(phase);
    if (!notNull) notNulls.set(phase, (notNull = new Map()));
    const key = tableKey(op);
    op.tableIsNew = set.has(key);
    switch (op.type) {
      case 'createTable':
        set.add(key);
        for (const c of op.columns) {
          const k = `${key}.${c.name.toLowerCase()}`;
          colTypes.set(k, c.dataType);
          notNull.set(k, c.notNull === true);
        }
        break;
      case 'setNotNull': {
        const k = `${key}.${op.column.toLowerCase()}`;
        // `.notNullable().alter()`: judged against the state before the chain's own alter() reset it.
        const reset = knexResets.get(k);
        const before = reset?.statement === op.statement.start ? reset.before : (notNull.get(k) ?? earlier(history, phase, key, op.column)?.notNull);
        if (before) op.alreadyNotNull = true;
        notNull.set(k, true);
        break;
      }
      case 'dropNotNull':
        notNull.set(`${key}.${op.column.toLowerCase()}`, false);
        break;
      case 'dropTable':
        set.delete(key);
        break;
      case 'renameTable':
        if (set.has(key)) set.add(op.newName.toLowerCase());
        break;
      case 'addColumn': {
        const k = `${key}.${op.column.toLowerCase()}`;
        colTypes.set(k, op.dataType);
        notNull.set(k, op.notNull);
        break;
      }
      case 'alterColumnType': {
        const k = `${key}.${op.column.toLowerCase()}`;
        const prev = colTypes.has(k) ? colTypes.get(k) : earlier(history, phase, key, op.column)?.type;
        if (prev) op.previousType = prev;
        colTypes.set(k, op.newType);
        // Knex's alter() resets nullability (a following setNotNull op of the same chain says NOT NULL again).
        if (op.origin === 'knex') {
          knexResets.set(k, { statement: op.statement.start, before: notNull.get(k) ?? earlier(history, phase, key, op.column)?.notNull });
          notNull.set(k, false);
        }
        break;
      }
      default:
        break;
    }
  }
  return sorted;
}

/** `table.column`, lower-cased (schema ignored, as {@link tableKey}). */
function columnKey(t: TableRef, column: string): string {
  return `${tableKey(t)}.${column.toLowerCase()}`;
}

/**
 * What the `up` operations let a rollback undo, by key: `index:<name>` / `indexOn:<table>` (an index dropped, or a
 * column or table dropped with its indexes), `type:<t.c>` (a type changed), `rename:<t.new→old>` (a column renamed),
 * `column:<t.c>` (a column dropped).
 */
function undoableKeys(upOps: readonly Operation[]): Set<string> {
  const keys = new Set<string>();
  for (const op of upOps) {
    switch (op.type) {
      case 'dropIndex':
        keys.add(`index:${op.index.toLowerCase()}`);
        if (op.table) keys.add(`indexOn:${tableKey(op)}`);
        break;
      case 'dropColumn':
        keys.add(`column:${columnKey(op, op.column)}`).add(`indexOn:${tableKey(op)}`);
        break;
      case 'dropTable':
        keys.add(`indexOn:${tableKey(op)}`);
        break;
      case 'alterColumnType':
        keys.add(`type:${columnKey(op, op.column)}`);
        break;
      case 'renameColumn':
        keys.add(`rename:${columnKey(op, op.newName)}>${op.column.toLowerCase()}`);
        break;
      default:
        break;
    }
  }
  return keys;
}

/**
 * Sets {@link OperationBase.revertsUp} on the `down` operations of `ops` that undo an `up` operation: of `ops` itself
 * (a migration module), or of `counterpartUp` (the operations of a `*.up.sql` beside a `*.down.sql`). An index
 * re-created in `down` reverts a dropped index of the same name, or any index of a table whose index, column or
 * whole table `up` dropped; a type change reverts a type change of the same column; a rename reverts the opposite
 * rename; an added column reverts a dropped one. Never throws.
 */
export function markReverts(ops: readonly Operation[], counterpartUp: readonly Operation[] = []): void {
  if (!ops.some((op) => op.phase === 'down')) return;
  const keys = undoableKeys([...counterpartUp, ...ops.filter((op) => op.phase === 'up')]);
  if (keys.size === 0) return;
  for (const op of ops) {
    if (op.phase !== 'down') continue;
    let reverts = false;
    if (op.type === 'createIndex') reverts = (op.index !== undefined && keys.has(`index:${op.index.toLowerCase()}`)) || keys.has(`indexOn:${tableKey(op)}`);
    else if (op.type === 'alterColumnType') reverts = keys.has(`type:${columnKey(op, op.column)}`);
    else if (op.type === 'renameColumn') reverts = keys.has(`rename:${columnKey(op, op.column)}>${op.newName.toLowerCase()}`);
    else if (op.type === 'addColumn') reverts = keys.has(`column:${columnKey(op, op.column)}`);
    if (reverts) op.revertsUp = true;
  }
}
