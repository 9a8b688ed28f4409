/** Table size decides severity (config/table-sizes.ts): the statistics file, lookups, thresholds, messages. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, sizedSeverity, sizeFindings, TableSizeIndex, validateConfig, validateTableStats } from '../../server/src/config';
import type { Severity, TableStatsResult } from '../../server/src/protocol';

const stats: TableStatsResult = {
  dialect: 'postgresql',
  defaultSchema: 'public',
  tables: { 'public.orders': { rows: 12_000_000, bytes: 2_400_000_000 }, 'billing.Invoices': { rows: 10_000, bytes: null }, 'public.fresh': { rows: null, bytes: 8192 } },
};
const thresholds = { smallTableRows: 10_000, largeTableRows: 1_000_000 };

void describe('table sizes', () => {
  void it('validates the statistics file', () => {
    assert.equal(validateTableStats(stats), stats);
    assert.match(String(validateTableStats({ dialect: 'mysql', tables: {} })), /dialect/);
    assert.match(String(validateTableStats({ dialect: 'sqlite', tables: { t: { rows: -1, bytes: 0 } } })), /tables\.t/);
    assert.match(String(validateTableStats([])), /not a JSON object/);
  });

  void it('looks tables up as migrations name them: unqualified in the default schema, schema-qualified, any case', () => {
    const index = new TableSizeIndex(stats);
    assert.equal(index.get('orders')?.rows, 12_000_000);
    assert.equal(index.get('public.ORDERS')?.rows, 12_000_000);
    assert.equal(index.get('billing.invoices')?.rows, 10_000);
    assert.equal(index.get('invoices'), undefined, 'not in the default schema');
    const lite = new TableSizeIndex({ dialect: 'sqlite', tables: { users: { rows: 3, bytes: 4096 } } });
    assert.equal(lite.get('main.users')?.rows, 3);
  });

  void it('thresholds: below small is info, at or above large is error, between or unknown unchanged', () => {
    assert.deepEqual(
      [0, 9_999, 10_000, 999_999, 1_000_000, null].map((rows) => sizedSeverity(rows, thresholds)),
      ['info', 'info', undefined, undefined, 'error', undefined],
    );
  });

  void it('only lock-duration findings with a lock change severity; every finding about a known table says its size', () => {
    const f = (ruleId: string, severity: Severity, table: string, lock = true) => ({ ruleId, severity, message: 'M.', table, ...(lock ? { lock: {} } : {}) });
    const out = sizeFindings(
      [f('require-concurrent-index-creation', 'warning', 'orders'), f('require-concurrent-index-creation', 'warning', 'billing.invoices'), f('ban-drop-table', 'error', 'orders'), f('changing-column-type', 'warning', 'fresh'), f('require-concurrent-index-creation', 'warning', 'nope')],
      new TableSizeIndex(stats),
      { smallTableRows: 10_001, largeTableRows: 1_000_000 },
    );
    assert.deepEqual(
      out.map((x) => [x.severity, x.message]),
      [
        ['error', 'M. ("orders": about 12,000,000 rows, 2.2 GiB.) Error: at or above largeTableRows (1,000,000).'],
        ['info', 'M. ("billing.invoices": about 10,000 rows.) Info: below smallTableRows (10,001), the lock is brief.'],
        ['error', 'M. ("orders": about 12,000,000 rows, 2.2 GiB.)'],
        ['warning', 'M. ("fresh": rows unknown, 8.0 KiB.)'],
        ['warning', 'M.'],
      ],
    );
    assert.equal(sizeFindings(out, undefined, thresholds), out, 'no statistics: unchanged');
  });

  void it('.migration-guard.json: smallTableRows and largeTableRows, small not above large', () => {
    assert.deepEqual(validateConfig({ smallTableRows: 100, largeTableRows: 5000 }, 'c.json'), { smallTableRows: 100, largeTableRows: 5000 });
    assert.throws(() => validateConfig({ smallTableRows: 2_000_000 }, 'c.json'), (e: unknown) => e instanceof ConfigError && /must not be above "largeTableRows"/.test(e.message));
    assert.throws(() => validateConfig({ largeTableRows: -1 }, 'c.json'), ConfigError);
  });
});
