/**
 * The PostgreSQL table locks statements take: ONE table ({@link LOCK_TABLE}), keyed by statement kind, each entry with
 * its source, and the one place that attaches a lock to a finding ({@link lockForViolation}, called by `analyze`).
 * test/engine/locks-pg.test.ts runs one statement of every kind on a real PostgreSQL and compares `pg_locks` with
 * this table; test/unit/lint/locks.test.ts checks that every kind has such a statement.
 *
 * To add a kind: add it to {@link LockKind} and {@link LOCK_TABLE} (mode, source), map the operation to it in
 * {@link lockKindOf}, and add a statement for it to the PostgreSQL test.
 *
 * Sources (PostgreSQL 15–18 documentation, https://www.postgresql.org/docs/current/):
 * - "Explicit Locking", 13.3.1 Table-Level Locks (explicit-locking.html#LOCKING-TABLES): which commands take which
 *   mode, and Table 13.2 "Conflicting Lock Modes" ({@link CONFLICTS}).
 * - each command's reference page, cited per entry.
 * Pure: no I/O, no `vscode`.
 */
import type { LockBlocks, LockMode, TableLock, TableLockEntry } from '../protocol';
import { NON_TABLE_OPERATIONS } from './model';
import type { MaintenanceOp, Operation, ParsedDocument, RuleViolation, TableRef } from './model';

/** The eight table lock modes, weakest first: PostgreSQL's lock levels 1–8 (`src/include/storage/lockdefs.h`). */
export const LOCK_MODES: readonly LockMode[] = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
];

/** Source: "Explicit Locking", Table 13.2 "Conflicting Lock Modes": each mode and the modes it conflicts with. */
const CONFLICTS: Readonly<Record<LockMode, readonly LockMode[]>> = {
  'ACCESS SHARE': ['ACCESS EXCLUSIVE'],
  'ROW SHARE': ['EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ROW EXCLUSIVE': ['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE UPDATE EXCLUSIVE': ['SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  SHARE: ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE ROW EXCLUSIVE': ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  EXCLUSIVE: ['ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ACCESS EXCLUSIVE': LOCK_MODES,
};

/** Whether two lock modes conflict (Table 13.2; symmetric). */
export function conflicts(a: LockMode, b: LockMode): boolean {
  return CONFLICTS[a].includes(b);
}

/**
 * What `mode` blocks: `reads` when it conflicts with ACCESS SHARE (taken by SELECT), `writes` when it conflicts with
 * ROW EXCLUSIVE (taken by INSERT, UPDATE, DELETE, MERGE). Source: "Explicit Locking", 13.3.1 and Table 13.2.
 */
export function blocksOf(mode: LockMode): LockBlocks[] {
  return [...BLOCKS[mode]];
}

const BLOCKS = Object.fromEntries(
  LOCK_MODES.map((mode) => [mode, [...(conflicts(mode, 'ACCESS SHARE') ? ['reads' as const] : []), ...(conflicts(mode, 'ROW EXCLUSIVE') ? ['writes' as const] : [])]]),
) as unknown as Record<LockMode, readonly LockBlocks[]>;

/** `pg_locks.mode` of a mode: `ACCESS EXCLUSIVE` → `AccessExclusiveLock`. */
export function pgLocksMode(mode: LockMode): string {
  return `${mode
    .toLowerCase()
    .split(' ')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')}Lock`;
}

/** The statement kinds whose locks the analyzer knows. */
export type LockKind =
  | 'addColumn'
  | 'dropColumn'
  | 'alterColumnType'
  | 'setNotNull'
  | 'dropNotNull'
  | 'renameColumn'
  | 'renameTable'
  | 'addForeignKey'
  | 'addCheck'
  | 'addUnique'
  | 'addUniqueUsingIndex'
  | 'addPrimaryKey'
  | 'addExclusion'
  | 'validateConstraint'
  | 'dropForeignKey'
  | 'dropConstraint'
  | 'createIndex'
  | 'createIndexConcurrently'
  | 'dropIndex'
  | 'dropIndexConcurrently'
  | 'dropTable'
  | 'truncate'
  | 'deleteRows'
  | 'updateRows'
  | 'reindex'
  | 'reindexConcurrently'
  | 'vacuumFull'
  | 'cluster'
  | 'refreshMaterializedView'
  | 'refreshMaterializedViewConcurrently'
  | 'setPersistence'
  | 'detachPartition'
  | 'detachPartitionConcurrently'
  | 'vacuum'
  | 'lockTable'
  | 'setSchema';

/** One entry of {@link LOCK_TABLE}. */
export interface LockEntry {
  /** Mode taken on the table the statement changes (for DROP INDEX: the index's table). */
  mode: LockMode;
  /** Mode also taken on the referenced table (foreign keys) or the detached partition. */
  referenced?: LockMode;
  /** Where PostgreSQL documents it. */
  source: string;
}

const ALTER_TABLE = 'PostgreSQL docs, ALTER TABLE (sql-altertable.html): "An ACCESS EXCLUSIVE lock is acquired unless explicitly noted"';

/**
 * The lock table: statement kind → mode, with its source. Checked against `pg_locks` on a real server by
 * test/engine/locks-pg.test.ts (one statement per kind).
 */
export const LOCK_TABLE: Readonly<Record<LockKind, LockEntry>> = {
  addColumn: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (ADD COLUMN)` },
  dropColumn: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (DROP COLUMN)` },
  alterColumnType: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (ALTER COLUMN … TYPE)` },
  setNotNull: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (ALTER COLUMN … SET NOT NULL)` },
  dropNotNull: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (ALTER COLUMN … DROP NOT NULL)` },
  renameColumn: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (RENAME COLUMN)` },
  renameTable: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (RENAME TO)` },
  addForeignKey: {
    mode: 'SHARE ROW EXCLUSIVE',
    referenced: 'SHARE ROW EXCLUSIVE',
    source:
      'PostgreSQL docs, ALTER TABLE: "ADD FOREIGN KEY requires only a SHARE ROW EXCLUSIVE lock" and "Addition of a foreign key constraint requires a SHARE ROW EXCLUSIVE lock on the referenced table, in addition to the lock on the table on which the constraint is declared" (NOT VALID too)',
  },
  addCheck: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (ADD CONSTRAINT … CHECK, NOT VALID too)` },
  addUnique: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (ADD CONSTRAINT … UNIQUE builds the index under it; Knex's t.unique() emits this statement on PostgreSQL)` },
  addUniqueUsingIndex: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (ADD table_constraint_using_index)` },
  addPrimaryKey: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (ADD CONSTRAINT … PRIMARY KEY)` },
  addExclusion: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (ADD CONSTRAINT … EXCLUDE)` },
  validateConstraint: {
    mode: 'SHARE UPDATE EXCLUSIVE',
    source: 'PostgreSQL docs, ALTER TABLE: "Validation acquires only a SHARE UPDATE EXCLUSIVE lock on the table being altered" (a foreign key also takes ROW SHARE on the referenced table)',
  },
  dropForeignKey: {
    mode: 'ACCESS EXCLUSIVE',
    referenced: 'ACCESS EXCLUSIVE',
    source: `${ALTER_TABLE} (DROP CONSTRAINT); the referenced table is locked too (its triggers are dropped; PostgreSQL 15 pg_locks: AccessExclusiveLock on both)`,
  },
  dropConstraint: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (DROP CONSTRAINT)` },
  createIndex: { mode: 'SHARE', source: 'PostgreSQL docs, Explicit Locking 13.3.1: SHARE is "Acquired by CREATE INDEX (without CONCURRENTLY)"; CREATE INDEX (sql-createindex.html): "locks out writes (but not reads)"' },
  createIndexConcurrently: {
    mode: 'SHARE UPDATE EXCLUSIVE',
    source: 'PostgreSQL docs, Explicit Locking 13.3.1: SHARE UPDATE EXCLUSIVE is acquired by "CREATE INDEX CONCURRENTLY"; CREATE INDEX, Building Indexes Concurrently',
  },
  dropIndex: { mode: 'ACCESS EXCLUSIVE', source: 'PostgreSQL docs, DROP INDEX (sql-dropindex.html): "A normal DROP INDEX acquires an ACCESS EXCLUSIVE lock on the table"' },
  dropIndexConcurrently: {
    mode: 'SHARE UPDATE EXCLUSIVE',
    source: 'PostgreSQL docs, DROP INDEX: CONCURRENTLY "Drop the index without locking out concurrent selects, inserts, updates, and deletes on the index\'s table" (it takes SHARE UPDATE EXCLUSIVE, checked against pg_locks)',
  },
  dropTable: {
    mode: 'ACCESS EXCLUSIVE',
    source:
      'PostgreSQL docs, Explicit Locking 13.3.1: ACCESS EXCLUSIVE is "Acquired by the DROP TABLE, TRUNCATE, … commands" (the tables its foreign keys reference are locked too, which the analyzer cannot name without the schema)',
  },
  truncate: { mode: 'ACCESS EXCLUSIVE', source: 'PostgreSQL docs, Explicit Locking 13.3.1 (TRUNCATE); TRUNCATE (sql-truncate.html): "TRUNCATE acquires an ACCESS EXCLUSIVE lock on each table it operates on"' },
  deleteRows: { mode: 'ROW EXCLUSIVE', source: 'PostgreSQL docs, Explicit Locking 13.3.1: ROW EXCLUSIVE — "The commands UPDATE, DELETE, INSERT, and MERGE acquire this lock mode on the target table"' },
  updateRows: { mode: 'ROW EXCLUSIVE', source: 'PostgreSQL docs, Explicit Locking 13.3.1: ROW EXCLUSIVE — "The commands UPDATE, DELETE, INSERT, and MERGE acquire this lock mode on the target table"' },
  reindex: {
    mode: 'SHARE',
    source:
      'PostgreSQL docs, REINDEX (sql-reindex.html): "REINDEX … locks out writes but not reads of the index\'s parent table. It also takes an ACCESS EXCLUSIVE lock on the specific index being processed, which will block reads that attempt to use that index" (pg_locks: ShareLock on the table, AccessExclusiveLock on each index; Explicit Locking lists REINDEX under ACCESS EXCLUSIVE for the index)',
  },
  reindexConcurrently: {
    mode: 'SHARE UPDATE EXCLUSIVE',
    source: 'PostgreSQL docs, Explicit Locking 13.3.1: SHARE UPDATE EXCLUSIVE is acquired by "REINDEX CONCURRENTLY"; REINDEX, Rebuilding Indexes Concurrently (not in a transaction block)',
  },
  vacuum: { mode: 'SHARE UPDATE EXCLUSIVE', source: 'PostgreSQL docs, Explicit Locking 13.3.1: SHARE UPDATE EXCLUSIVE is "Acquired by VACUUM (without FULL), ANALYZE, …" (not in a transaction block)' },
  lockTable: {
    mode: 'ACCESS EXCLUSIVE',
    source: 'PostgreSQL docs, LOCK (sql-lock.html): the mode written; "If no lock mode is specified, then ACCESS EXCLUSIVE, the most restrictive mode, is used" (the entry is the default; statementLock uses the mode of the statement)',
  },
  setSchema: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (SET SCHEMA)` },
  vacuumFull: { mode: 'ACCESS EXCLUSIVE', source: 'PostgreSQL docs, Explicit Locking 13.3.1: ACCESS EXCLUSIVE is acquired by "VACUUM FULL"; VACUUM (sql-vacuum.html): FULL "requires an ACCESS EXCLUSIVE lock on each table while it is being processed" (not in a transaction block)' },
  cluster: { mode: 'ACCESS EXCLUSIVE', source: 'PostgreSQL docs, Explicit Locking 13.3.1: ACCESS EXCLUSIVE is acquired by "CLUSTER"; CLUSTER (sql-cluster.html): "an ACCESS EXCLUSIVE lock is acquired on it"' },
  refreshMaterializedView: {
    mode: 'ACCESS EXCLUSIVE',
    source: 'PostgreSQL docs, Explicit Locking 13.3.1: ACCESS EXCLUSIVE is acquired by "REFRESH MATERIALIZED VIEW (without CONCURRENTLY)" (the view\'s source tables get ACCESS SHARE while its query runs)',
  },
  refreshMaterializedViewConcurrently: {
    mode: 'EXCLUSIVE',
    source: 'PostgreSQL docs, Explicit Locking 13.3.1: EXCLUSIVE — "Acquired by REFRESH MATERIALIZED VIEW CONCURRENTLY" (blocks writes to the view, not reads; allowed in a transaction block)',
  },
  setPersistence: { mode: 'ACCESS EXCLUSIVE', source: `${ALTER_TABLE} (SET LOGGED / SET UNLOGGED rewrite the table)` },
  detachPartition: {
    mode: 'ACCESS EXCLUSIVE',
    referenced: 'ACCESS EXCLUSIVE',
    source: `${ALTER_TABLE} (DETACH PARTITION without CONCURRENTLY; PostgreSQL 15 pg_locks: AccessExclusiveLock on the parent and the partition)`,
  },
  detachPartitionConcurrently: {
    mode: 'SHARE UPDATE EXCLUSIVE',
    referenced: 'SHARE UPDATE EXCLUSIVE',
    source:
      'PostgreSQL docs, ALTER TABLE: DETACH PARTITION … CONCURRENTLY — "During the first transaction, a SHARE UPDATE EXCLUSIVE lock is taken on both parent table and partition" (PostgreSQL 14+, not in a transaction block)',
  },
};

/**
 * The lock kind of an operation on an existing table, or undefined when it takes no table lock the analyzer knows
 * (CREATE TABLE, DROP SCHEMA, SET, BEGIN, …).
 */
export function lockKindOf(op: Operation): LockKind | undefined {
  switch (op.type) {
    case 'addColumn':
    case 'dropColumn':
    case 'alterColumnType':
    case 'setNotNull':
    case 'dropNotNull':
    case 'renameColumn':
    case 'renameTable':
    case 'validateConstraint':
    case 'dropTable':
    case 'truncate':
    case 'deleteRows':
    case 'updateRows':
      return op.type;
    case 'dropConstraint':
      return op.constraint === 'foreignKey' ? 'dropForeignKey' : 'dropConstraint';
    case 'addConstraint':
      switch (op.constraint) {
        case 'foreignKey':
          return 'addForeignKey';
        case 'check':
          return 'addCheck';
        case 'unique':
          return op.usingIndex ? 'addUniqueUsingIndex' : 'addUnique';
        case 'primaryKey':
          return 'addPrimaryKey';
        case 'exclusion':
          return 'addExclusion';
        default:
          return 'addCheck';
      }
    case 'createIndex':
      // Knex's `t.unique()` is `ALTER TABLE … ADD CONSTRAINT … UNIQUE` on PostgreSQL (knex pg-tablecompiler `unique`).
      if (op.origin === 'knex' && op.unique) return 'addUnique';
      return op.concurrently ? 'createIndexConcurrently' : 'createIndex';
    case 'dropIndex':
      return op.concurrently ? 'dropIndexConcurrently' : 'dropIndex';
    case 'maintenance':
      return maintenanceKind(op);
    case 'setPersistence':
    case 'lockTable':
    case 'setSchema':
      return op.type;
    case 'detachPartition':
      return op.concurrently ? 'detachPartitionConcurrently' : 'detachPartition';
    default:
      return undefined;
  }
}

/** REINDEX of one index or table, VACUUM FULL / CLUSTER of one table, REFRESH of one view; undefined for a whole schema or database (no single table). */
function maintenanceKind(op: MaintenanceOp): LockKind | undefined {
  if (!op.table) return undefined;
  switch (op.command) {
    case 'reindex':
      if (op.target !== 'index' && op.target !== 'table') return undefined;
      return op.concurrently ? 'reindexConcurrently' : 'reindex';
    case 'refreshMaterializedView':
      return op.concurrently ? 'refreshMaterializedViewConcurrently' : 'refreshMaterializedView';
    default:
      return op.command;
  }
}

/** The other table a statement locks by itself: a foreign key's referenced table, a detached partition. */
function relatedTable(op: Operation): TableRef | undefined {
  if (op.type === 'addConstraint') return op.references;
  if (op.type === 'detachPartition') return { table: op.partition };
  return undefined;
}

/**
 * The mode `op` takes on its table when that mode blocks the application's reads or writes (SHARE and stronger:
 * conflicts with ACCESS SHARE or ROW EXCLUSIVE, Table 13.2), else undefined. Such a statement, while it waits for its
 * lock behind a long transaction, makes every later query on the table that conflicts with it wait too
 * ("Explicit Locking" 13.3.1: lock requests queue). The one source for rules asking "does this statement lock the
 * table against the application" (require-lock-timeout, require-statement-timeout, schema-change-with-backfill).
 */
export function blockingMode(op: Operation): LockMode | undefined {
  const kind = lockKindOf(op);
  if (!kind) return undefined;
  const mode = modeOf(op, kind);
  return BLOCKS[mode].length > 0 ? mode : undefined;
}

/** The mode an operation of `kind` takes: the table's entry, or for LOCK TABLE the mode written. */
export function modeOf(op: Operation, kind: LockKind): LockMode {
  return op.type === 'lockTable' ? op.mode : LOCK_TABLE[kind].mode;
}

/** `schema.table` or `table`, as written (no quotes). */
function tableName(t: TableRef): string {
  return t.schema ? `${t.schema}.${t.table}` : t.table;
}

function entry(mode: LockMode, table: string, onIndex = false): TableLockEntry {
  return onIndex ? { mode, table, blocks: blocksOf(mode), onIndex: true } : { mode, table, blocks: blocksOf(mode) };
}

function stronger(a: LockMode, b: LockMode): LockMode {
  return LOCK_MODES.indexOf(b) > LOCK_MODES.indexOf(a) ? b : a;
}

/** The lock's table and whether it is named through an index (SQL DROP INDEX names no table). */
function lockTarget(op: Operation): { name: string; onIndex: boolean } | undefined {
  if (op.type === 'dropIndex' && !op.table) return { name: op.schema ? `${op.schema}.${op.index}` : op.index, onIndex: true };
  // REINDEX INDEX names the index: the lock is on its table.
  if (op.type === 'maintenance' && op.command === 'reindex' && op.target === 'index') return op.table ? { name: tableName(op), onIndex: true } : undefined;
  return op.table ? { name: tableName(op), onIndex: false } : undefined;
}

/**
 * The lock the statement of `op` takes on `op`'s table: the strongest mode among the operations of the same statement
 * on that table (`ALTER TABLE t ADD COLUMN c int REFERENCES u` takes ACCESS EXCLUSIVE on t, not only the foreign
 * key's SHARE ROW EXCLUSIVE), plus the referenced tables of its foreign keys. Undefined when `op` takes no lock the
 * table knows. `siblings`: the operations of the same statement (default: `op` alone).
 */
export function statementLock(op: Operation, siblings: readonly Operation[] = [op]): TableLock | undefined {
  const kind = lockKindOf(op);
  const target = lockTarget(op);
  if (!kind || !target) return undefined;
  let mode = modeOf(op, kind);
  let also: Map<string, LockMode> | undefined;
  const key = siblings.length > 1 ? target.name.toLowerCase() : '';
  for (const other of siblings) {
    const k = other === op ? kind : lockKindOf(other);
    if (!k) continue;
    if (other !== op) {
      const t = lockTarget(other);
      if (t && t.name.toLowerCase() === key && t.onIndex === target.onIndex) mode = stronger(mode, modeOf(other, k));
    }
    const referenced = LOCK_TABLE[k].referenced;
    const related = referenced ? relatedTable(other) : undefined;
    if (referenced && related) {
      const name = tableName(related);
      if (name.toLowerCase() !== (key || target.name.toLowerCase())) {
        also ??= new Map();
        also.set(name, stronger(also.get(name) ?? 'ACCESS SHARE', referenced));
      }
    }
  }
  const lock: TableLock = entry(mode, target.name, target.onIndex);
  if (also) lock.alsoLocks = [...also].map(([name, m]) => entry(m, name));
  return lock;
}

/** Index of the first operation whose range starts at or after `start` (`doc.operations` is sorted by range, model.ts `annotateOperations`). */
function lowerBound(ops: readonly Operation[], start: number): number {
  let lo = 0;
  let hi = ops.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ops[mid]!.range.start < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sameStatement(a: Operation, b: Operation): boolean {
  return a.statement.start === b.statement.start && a.statement.end === b.statement.end;
}

/** The operations of `op`'s statement (itself included): those whose range starts inside the statement and share it. */
function siblingsOf(doc: ParsedDocument, op: Operation): readonly Operation[] {
  const ops = doc.operations;
  const from = lowerBound(ops, op.statement.start);
  let found: Operation[] | undefined;
  let count = 0;
  for (let i = from; i < ops.length && ops[i]!.range.start < op.statement.end; i++) {
    const o = ops[i]!;
    if (!sameStatement(o, op)) continue;
    count++;
    if (o !== op) (found ??= [op]).push(o);
  }
  return count > 1 && found ? found : [op];
}

/**
 * The operation a violation reports: `v.op` (rules/util.ts `at`), else the first operation taking a known lock whose
 * range, then whose statement, is the violation's range, else the first one there naming a table; undefined when none.
 * A binary search over the sorted operations: no index is built.
 */
export function violationOperation(doc: ParsedDocument, v: RuleViolation): Operation | undefined {
  if (v.op) return v.op;
  const ops = doc.operations;
  let byRange: Operation | undefined;
  let byStatement: Operation | undefined;
  let anyTable: Operation | undefined;
  for (let i = lowerBound(ops, v.start); i < ops.length && ops[i]!.range.start < Math.max(v.end, v.start + 1); i++) {
    const o = ops[i]!;
    const rangeHit = o.range.start === v.start && o.range.end === v.end;
    const statementHit = o.statement.start === v.start && o.statement.end === v.end;
    if (!rangeHit && !statementHit) continue;
    if (lockKindOf(o) !== undefined) {
      if (rangeHit) return o;
      byStatement ??= o;
    }
    if (rangeHit) byRange ??= o;
    if (operationTable(o) !== undefined) anyTable ??= o;
  }
  return byStatement ?? anyTable ?? byRange;
}

/** The table an operation is about, `schema.table` as written; undefined for operations on no table (DROP SCHEMA, SET, BEGIN, SQL DROP INDEX). */
export function operationTable(op: Operation): string | undefined {
  return op.table && !NON_TABLE_OPERATIONS.has(op.type) ? tableName(op) : undefined;
}

/**
 * Rules whose findings carry no lock although their operation has one: the statement as written is rejected
 * (CONCURRENTLY inside a transaction), so it takes no lock.
 */
const NO_LOCK_RULES: ReadonlySet<string> = new Set(['concurrently-in-transaction', 'statement-not-allowed-in-transaction']);

/**
 * The lock to attach to a PostgreSQL finding of `ruleId` reported as `v` in `doc` (about `op`, by default the one
 * {@link violationOperation} finds), or undefined (no operation, or one taking no known table lock). The one place
 * findings get their `lock` (lint/index.ts `analyze`). Never throws.
 */
export function lockForViolation(doc: ParsedDocument, ruleId: string, v: RuleViolation, op: Operation | undefined = violationOperation(doc, v)): TableLock | undefined {
  if (NO_LOCK_RULES.has(ruleId) || !op || lockKindOf(op) === undefined) return undefined;
  return statementLock(op, siblingsOf(doc, op));
}

/**
 * Rules whose findings are about how long their lock is held on the table (an index build, a validation scan, a
 * rewrite): for these, the table's size decides the severity when table statistics are given (config `tableSizes`).
 * Not listed: rules about data loss or breaking code, and `require-lock-timeout` (waiting for a lock does not depend
 * on the table's size).
 */
export const LOCK_DURATION_RULES: ReadonlySet<string> = new Set([
  'require-concurrent-index-creation',
  'require-concurrent-index-deletion',
  'adding-not-nullable-field',
  'constraint-missing-not-valid',
  'disallowed-unique-constraint',
  'adding-field-with-volatile-default',
  'adding-serial-primary-key-field',
  'require-concurrent-reindex',
  'require-concurrent-refresh',
  'require-concurrent-partition-detach',
  'ban-vacuum-full',
  'ban-cluster',
  'ban-set-logged-unlogged',
  'ban-add-exclusion-constraint',
]);

/** `ACCESS EXCLUSIVE on "orders" (blocks reads and writes)`, for hovers and messages. */
export function describeLock(lock: TableLock): string {
  const one = (l: TableLockEntry) => {
    const blocks = l.blocks.length ? `blocks ${l.blocks.join(' and ')}` : 'blocks neither reads nor writes';
    return `${l.mode} on ${l.onIndex ? `the table of index "${l.table}"` : `"${l.table}"`} (${blocks})`;
  };
  return [lock, ...(lock.alsoLocks ?? [])].map(one).join('; ');
}
