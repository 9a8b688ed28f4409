/**
 * `prefer-robust-stmts` (PostgreSQL SQL, incl. `knex.raw`): a statement that fails when re-run after a partial
 * migration — CREATE TABLE / CREATE INDEX / ADD COLUMN without IF NOT EXISTS, DROP TABLE / DROP INDEX without IF
 * EXISTS. Only where the file is known to run outside a transaction (so a failure leaves it half applied): a SQL
 * file holding CREATE/DROP INDEX CONCURRENTLY outside BEGIN … COMMIT, or SQL embedded in a migration module that
 * runs outside the runner's transaction (Knex `config = { transaction: false }`, node-pg-migrate `noTransaction()`,
 * Alembic `autocommit_block()`); never for statements inside an explicit BEGIN … COMMIT. Indexes and columns on a table created in the same file
 * are not reported. Fix: insert IF [NOT] EXISTS (CREATE INDEX only when it is named).
 * Source: PostgreSQL docs, "CREATE TABLE", "CREATE INDEX", "ALTER TABLE", "DROP TABLE", "DROP INDEX" (IF [NOT] EXISTS);
 * Squawk `prefer-robust-stmts`.
 */
import { opsOfType } from '../model';
import type { Operation, Rule, RuleViolation } from '../model';
import { afterLeading, docsPath, EMBEDDED_SQL_ORIGINS, inRunnerTransaction, insertFix, opsInExplicitTransaction } from './util';

export const id = 'prefer-robust-stmts';

/** Where to insert, what, and the message; undefined when the statement is already robust. */
function robustness(text: string, op: Operation): { message: string; pos: number | undefined; insert: string } | undefined {
  switch (op.type) {
    case 'createTable':
      if (op.ifNotExists) return undefined;
      return {
        message: `CREATE TABLE "${op.table}" without IF NOT EXISTS fails if the migration is re-run after a partial failure.`,
        pos: afterLeading(text, op.statement, /^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMPORARY|TEMP|UNLOGGED)\s+)?TABLE\b/i),
        insert: ' IF NOT EXISTS',
      };
    case 'createIndex':
      if (op.ifNotExists || op.tableIsNew) return undefined;
      return {
        message: `CREATE INDEX${op.index ? ` "${op.index}"` : ''} without IF NOT EXISTS fails if the migration is re-run after a partial failure (a failed CONCURRENTLY build also leaves an invalid index behind).`,
        // IF NOT EXISTS needs an index name.
        pos: op.index ? afterLeading(text, op.statement, /^CREATE\s+(?:UNIQUE\s+)?INDEX(?:\s+CONCURRENTLY)?\b/i) : undefined,
        insert: ' IF NOT EXISTS',
      };
    case 'addColumn':
      if (op.ifNotExists || op.tableIsNew) return undefined;
      return {
        message: `ADD COLUMN "${op.column}" without IF NOT EXISTS fails if the migration is re-run after a partial failure.`,
        pos: afterLeading(text, op.range, /^ADD(?:\s+COLUMN)?\b/i),
        insert: ' IF NOT EXISTS',
      };
    case 'dropTable':
      if (op.ifExists || op.tableIsNew) return undefined;
      return {
        message: `DROP TABLE "${op.table}" without IF EXISTS fails if the migration is re-run after a partial failure.`,
        pos: afterLeading(text, op.statement, /^DROP\s+TABLE\b/i),
        insert: ' IF EXISTS',
      };
    case 'dropIndex':
      return {
        message: `DROP INDEX "${op.index}" without IF EXISTS fails if the migration is re-run after a partial failure.`,
        pos: afterLeading(text, op.statement, /^DROP\s+INDEX(?:\s+CONCURRENTLY)?\b/i),
        insert: ' IF EXISTS',
      };
    default:
      return undefined;
  }
}

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'info',
    title: 'Statement not safe to re-run',
    description: 'A migration that runs outside a transaction (needed for CONCURRENTLY) is not rolled back when it fails half-way; re-running it then fails on the objects the first run already created or dropped.',
    help: 'Write CREATE … IF NOT EXISTS, DROP … IF EXISTS and ADD COLUMN IF NOT EXISTS so the migration can simply be run again.',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    const explicit = opsInExplicitTransaction(ctx.doc);
    // Plain SQL: only files known to run outside a transaction, i.e. holding CREATE/DROP INDEX CONCURRENTLY outside
    // BEGIN … COMMIT (such a file cannot be run in one transaction, so a failure leaves it half applied).
    const sqlOutsideTx = opsOfType(ctx.doc, 'createIndex', 'dropIndex').some((o) => (o.type === 'createIndex' || o.type === 'dropIndex') && o.concurrently && o.origin === 'sql' && !explicit.has(o));
    const seen = new Set<string>();
    const dropIndexStatements = new Set<number>();
    for (const op of ctx.doc.operations) {
      if (explicit.has(op)) continue;
      if (op.origin === 'sql') {
        if (!sqlOutsideTx) continue;
      } else if (!EMBEDDED_SQL_ORIGINS.has(op.origin) || inRunnerTransaction(ctx, op)) continue;
      // One finding per DROP INDEX statement, however many indexes it names.
      if (op.type === 'dropIndex') {
        if (dropIndexStatements.has(op.statement.start)) continue;
        dropIndexStatements.add(op.statement.start);
      }
      const r = robustness(ctx.text, op);
      if (!r) continue;
      const ifAlready = op.type === 'dropTable' || op.type === 'dropIndex' ? /^DROP\s+\w+\s+(?:CONCURRENTLY\s+)?IF\s+EXISTS/i.test(ctx.text.slice(op.statement.start, op.statement.end)) : false;
      if (ifAlready) continue;
      const key = `${op.statement.start}:${op.type}:${op.type === 'addColumn' ? op.range.start : ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const v: RuleViolation = { start: op.range.start, end: op.range.end, message: r.message };
      if (r.pos !== undefined) v.fix = insertFix(r.insert.includes('NOT') ? 'Add IF NOT EXISTS' : 'Add IF EXISTS', r.pos, r.insert);
      violations.push(v);
    }
    return violations;
  },
};

