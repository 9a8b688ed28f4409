/**
 * `foreign-key-missing-index` (PostgreSQL): a foreign key whose referencing columns are not the leading columns of
 * any index of the table (an index, a PRIMARY KEY or a UNIQUE constraint), neither from the earlier migrations of the
 * folder ({@link RuleContext.history}) nor anywhere in the same migration (an index created after the foreign key
 * counts). PostgreSQL does not index referencing columns by itself: every DELETE or key UPDATE on the referenced
 * table then scans the referencing table (under the row locks of the parent's transaction), and so does
 * `ON DELETE CASCADE`.
 * Applies to foreign keys added to existing tables and to those declared in a CREATE TABLE (a new table grows too).
 * Not SQLite: there the missing index costs a scan per parent delete as well, but no lock queue forms behind it and
 * the SQLite parser does not model keys; the rule stays PostgreSQL only (docs/rules/foreign-key-missing-index.md).
 * Source: PostgreSQL docs, "Constraints" 5.5.5 Foreign Keys: "Since a DELETE of a row from the referenced table or
 * an UPDATE of a referenced column will require a scan of the referencing table for rows matching the old value, it
 * is often a good idea to index the referencing columns too. Because this is not always needed, … declaration of a
 * foreign key constraint does not automatically create an index on the referencing columns."
 */
import { displayTable, opsOfType, tableKey } from '../model';
import type { Operation, Rule, RuleContext, RuleViolation, TableRef, TextRange } from '../model';
import { docsPath } from './util';

export const id = 'foreign-key-missing-index';

/** A foreign key to check: its table, referencing columns (lower case), phase and where to report. */
interface ForeignKey {
  table: TableRef;
  columns: string[];
  phase: string;
  range: TextRange;
  op: Operation;
}

/** Whether an index on `key` serves lookups on `columns`: its first `columns.length` entries are those columns, in any order. */
function covers(key: readonly string[], columns: readonly string[]): boolean {
  if (key.length < columns.length) return false;
  const lead = new Set(key.slice(0, columns.length).map((c) => c.toLowerCase()));
  return columns.every((c) => lead.has(c));
}

/** The foreign keys of the document outside rollbacks, with known columns. */
function foreignKeys(ctx: RuleContext): ForeignKey[] {
  const found: ForeignKey[] = [];
  for (const op of opsOfType(ctx.doc, 'addConstraint', 'createTable')) {
    if (op.phase === 'down') continue;
    const phase = op.phase ?? '';
    if (op.type === 'addConstraint') {
      if (op.constraint === 'foreignKey' && op.columns?.length) found.push({ table: op, columns: op.columns.map((c) => c.toLowerCase()), phase, range: op.range, op });
    } else {
      for (const fk of op.foreignKeys ?? []) found.push({ table: op, columns: fk.columns.map((c) => c.toLowerCase()), phase, range: fk.range, op });
    }
  }
  return found;
}

/**
 * Key column lists of the indexes the document itself creates, by `phase|table`: CREATE INDEX, UNIQUE / PRIMARY KEY
 * constraints, CREATE TABLE keys and primary-key columns. `undefined` in the list: an index whose columns the parser
 * could not read (it may cover anything).
 */
function documentKeys(ctx: RuleContext): Map<string, (readonly string[] | undefined)[]> {
  const keys = new Map<string, (readonly string[] | undefined)[]>();
  const add = (op: Operation, key: readonly string[] | undefined): void => {
    const k = `${op.phase ?? ''}|${tableKey(op)}`;
    const list = keys.get(k);
    if (list) list.push(key);
    else keys.set(k, [key]);
  };
  for (const op of opsOfType(ctx.doc, 'createIndex', 'addConstraint', 'createTable', 'columnDefinition')) {
    if (op.type === 'createIndex') add(op, op.columns);
    else if (op.type === 'addConstraint') {
      if ((op.constraint === 'unique' || op.constraint === 'primaryKey') && !op.usingIndex) add(op, op.columns);
    } else if (op.type === 'createTable') for (const key of op.keys ?? []) add(op, key);
    else if (op.primaryKey) add(op, [op.column]);
  }
  return keys;
}

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Foreign key without an index on its columns',
    description:
      'PostgreSQL does not index the referencing columns of a foreign key: each DELETE (or key UPDATE) on the referenced table scans the referencing table, so deletes get slow as it grows and ON DELETE CASCADE holds row locks for as long.',
    help: 'Create an index whose leading columns are the foreign key\'s columns (on an existing table: `CREATE INDEX CONCURRENTLY`, in a migration without a transaction), in this migration or an earlier one.',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const fks = foreignKeys(ctx);
    if (fks.length === 0) return [];
    const keys = documentKeys(ctx);
    const violations: RuleViolation[] = [];
    for (const fk of fks) {
      const inFile = keys.get(`${fk.phase}|${tableKey(fk.table)}`) ?? [];
      if (inFile.some((k) => k === undefined || covers(k, fk.columns))) continue;
      const earlier = ctx.history?.indexesOf(fk.table.table) ?? [];
      if (earlier.some((i) => i.unknown === true || covers(i.columns, fk.columns))) continue;
      const cols = fk.columns.join(', ');
      violations.push({
        start: fk.range.start,
        end: fk.range.end,
        op: fk.op,
        message: `No index on ${displayTable(fk.table)} starts with the foreign key's column${fk.columns.length > 1 ? 's' : ''} (${cols}): every delete on the referenced table will scan ${displayTable(fk.table)}.`,
      });
    }
    return violations;
  },
};
