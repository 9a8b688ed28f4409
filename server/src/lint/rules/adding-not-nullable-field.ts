/**
 * `adding-not-nullable-field` (PostgreSQL): ALTER COLUMN … SET NOT NULL (Knex `t.dropNullable('c')`, explicit
 * `.notNullable().alter()`) scans the whole table to check for NULLs while holding ACCESS EXCLUSIVE. On PostgreSQL 12+
 * a validated `CHECK (c IS NOT NULL)` constraint lets SET NOT NULL skip the scan.
 * Source: PostgreSQL docs, "ALTER TABLE" — SET/DROP NOT NULL ("… the scan is skipped if a valid CHECK constraint
 * is found which proves no NULL can exist"); Squawk `adding-not-nullable-field`.
 * Not reported when the column is NOT NULL already (Knex `.notNullable().alter()` restating it), as declared earlier in
 * the file or by an earlier migration of the folder (lint/history.ts).
 */
import { displayTable, opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'adding-not-nullable-field';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Setting NOT NULL on an existing column',
    description: 'SET NOT NULL scans the whole table for NULLs while holding an ACCESS EXCLUSIVE lock, blocking all reads and writes for the duration of the scan.',
    help: 'On PostgreSQL 12+: `ADD CONSTRAINT c_not_null CHECK (c IS NOT NULL) NOT VALID`, then `VALIDATE CONSTRAINT c_not_null` (no blocking lock), then `SET NOT NULL` (uses the constraint, no scan), then drop the CHECK.',
    lock: 'ACCESS EXCLUSIVE (ALTER TABLE … SET NOT NULL) for a full table scan',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations = [];
    const validatedChecks = new Set<string>();
    for (const op of opsOfType(ctx.doc, 'validateConstraint', 'setNotNull')) {
      if (op.type === 'validateConstraint') validatedChecks.add(op.table.toLowerCase());
      // Already NOT NULL (declared earlier in this file or by an earlier migration): SET NOT NULL checks nothing.
      if (op.type !== 'setNotNull' || op.tableIsNew || op.phase === 'down' || op.alreadyNotNull) continue;
      // A CHECK validated earlier in this file on the same table is the documented safe pattern.
      if (validatedChecks.has(op.table.toLowerCase())) continue;
      violations.push(at(op, `SET NOT NULL on "${op.column}" scans all of ${displayTable(op)} under an ACCESS EXCLUSIVE lock.`));
    }
    return violations;
  },
};

