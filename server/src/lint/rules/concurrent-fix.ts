/**
 * Shared by the rules that add CONCURRENTLY (`require-concurrent-reindex`, `require-concurrent-partition-detach`): the
 * fix inserting ` CONCURRENTLY` at an offset, only where the statement does not run in a transaction block (plain SQL
 * outside BEGIN … COMMIT, or `knex.raw` with Knex's `config = { transaction: false }` added by the same fix).
 */
import type { Operation, RuleContext } from '../model';
import type { Fix } from '../types';
import { inKnexTransaction, knexNoTransactionEdit, opsInExplicitTransaction } from './util';

/** The fix, or `undefined` when CONCURRENTLY would fail where the statement runs (or `pos` is unknown). */
export function concurrentlyFix(ctx: RuleContext, op: Operation, pos: number | undefined): Fix | undefined {
  if (pos === undefined || opsInExplicitTransaction(ctx.doc).has(op) || op.inPlpgsqlBody) return undefined;
  const fix: Fix = { title: 'Add CONCURRENTLY', edits: [{ start: pos, end: pos, newText: ' CONCURRENTLY' }] };
  if (op.origin === 'sql') return fix;
  if (op.origin !== 'knex-raw') return undefined;
  if (!inKnexTransaction(ctx)) return fix;
  const edit = knexNoTransactionEdit(ctx.text);
  if (!edit) return undefined;
  fix.title = 'Add CONCURRENTLY and run the migration outside a transaction';
  fix.edits.push(edit);
  return fix;
}
