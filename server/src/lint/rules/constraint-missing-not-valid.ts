/**
 * `constraint-missing-not-valid` (PostgreSQL): ADD CONSTRAINT … FOREIGN KEY / CHECK without NOT VALID on an existing
 * table validates every row while holding the lock (FOREIGN KEY: SHARE ROW EXCLUSIVE on both tables; CHECK: ACCESS
 * EXCLUSIVE). Knex `t.foreign(…)` / `t.check(…)` on an existing table always validates immediately.
 * Fix (SQL, named constraint): add NOT VALID and a following `ALTER TABLE … VALIDATE CONSTRAINT …;`.
 * Source: PostgreSQL docs, "ALTER TABLE" — ADD table_constraint [ NOT VALID ], VALIDATE CONSTRAINT; Squawk
 * `constraint-missing-not-valid`, `adding-foreign-key-constraint`.
 */
import { displayTable, opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import type { Fix } from '../types';
import { at, docsPath, quoteIdent } from './util';

export const id = 'constraint-missing-not-valid';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Adding a constraint without NOT VALID',
    description: 'Adding a FOREIGN KEY or CHECK constraint checks every existing row while holding the lock, blocking writes (and for CHECK also reads) for the whole scan.',
    help: 'Add the constraint with NOT VALID (only new rows are checked, the lock is brief), then run `ALTER TABLE … VALIDATE CONSTRAINT …` in a separate statement or migration: it takes only SHARE UPDATE EXCLUSIVE.',
    lock: 'FOREIGN KEY: SHARE ROW EXCLUSIVE on both tables; CHECK: ACCESS EXCLUSIVE — held during the validation scan',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'addConstraint')) {
      if (op.type !== 'addConstraint' || op.notValid || op.tableIsNew || op.phase === 'down') continue;
      if (op.constraint !== 'foreignKey' && op.constraint !== 'check') continue;
      const kind = op.constraint === 'foreignKey' ? 'foreign key' : 'CHECK constraint';
      const v = at(op, `Adding ${op.name ? `${kind} "${op.name}"` : `a ${kind}`} to ${displayTable(op)} without NOT VALID checks every row while holding the lock.`);
      if (op.inline) v.message += ' Add the column first, then the constraint with NOT VALID in a separate statement.';
      if (op.origin === 'sql' && op.name && !op.inline) {
        // Insert NOT VALID at the end of the sub-command, and a VALIDATE statement after the statement's `;`.
        const t = ctx.text;
        let after = op.statement.end;
        while (after < t.length && (t[after] === ' ' || t[after] === '\t')) after++;
        const hasSemicolon = t[after] === ';';
        const table = `${op.schema ? `${quoteIdent(op.schema)}.` : ''}${quoteIdent(op.table)}`;
        const validate = `ALTER TABLE ${table} VALIDATE CONSTRAINT ${quoteIdent(op.name)};`;
        const fix: Fix = {
          title: 'Add NOT VALID and a separate VALIDATE CONSTRAINT',
          edits: [
            { start: op.range.end, end: op.range.end, newText: ' NOT VALID' },
            hasSemicolon ? { start: after + 1, end: after + 1, newText: `\n${validate}` } : { start: op.statement.end, end: op.statement.end, newText: `;\n${validate}` },
          ],
        };
        if (op.range.end <= op.statement.end) v.fix = fix;
      }
      violations.push(v);
    }
    return violations;
  },
};

