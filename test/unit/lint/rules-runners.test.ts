import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initAnalyzer } from '../../../server/src/lint';
import type { AnalyzeOptions } from '../../../server/src/lint';
import { of, snippets } from './helpers';

before(async () => {
  await initAnalyzer();
});

const py: AnalyzeOptions = { fileName: 'versions/1a2b_change.py', dialect: 'postgresql' };
const pgmJs: AnalyzeOptions = { fileName: 'migrations/1700000000000_change.js', dialect: 'postgresql' };
const alembic = (body: string): string => `revision = '1a2b'\ndown_revision = None\n\nfrom alembic import op\n\n\ndef upgrade():\n${body}\n\n\ndef downgrade():\n    op.drop_table('placeholder')\n`;
const pgm = (body: string): string => `exports.up = (pgm) => {\n${body}\n};\n\nexports.down = (pgm) => {\n  pgm.sql('SELECT 1');\n};\n`;

void describe('transaction rules in Alembic and node-pg-migrate migrations', () => {
  void it('concurrently-in-transaction fires in Alembic outside autocommit_block and in node-pg-migrate without noTransaction()', () => {
    const a = alembic("    op.create_index('ix_users_email', 'users', ['email'], postgresql_concurrently=True)\n    op.execute('DROP INDEX CONCURRENTLY old_ix')");
    assert.deepEqual(snippets('concurrently-in-transaction', a, py).length, 2);
    assert.match(of('concurrently-in-transaction', a, py)[0]!.message, /Alembic runs it in a transaction unless it is inside `with op.get_context\(\).autocommit_block\(\):`/);
    const n = pgm("  pgm.createIndex('users', ['email'], { concurrently: true });");
    assert.deepEqual(snippets('concurrently-in-transaction', n, pgmJs).length, 1);
    assert.match(of('concurrently-in-transaction', n, pgmJs)[0]!.message, /pgm.noTransaction\(\)/);
  });

  void it('concurrently-in-transaction does not fire inside autocommit_block or with pgm.noTransaction()', () => {
    const a = alembic("    with op.get_context().autocommit_block():\n        op.create_index('ix_users_email', 'users', ['email'], postgresql_concurrently=True)");
    assert.deepEqual(snippets('concurrently-in-transaction', a, py), []);
    const n = pgm("  pgm.noTransaction();\n  pgm.createIndex('users', ['email'], { concurrently: true });");
    assert.deepEqual(snippets('concurrently-in-transaction', n, pgmJs), []);
  });

  void it('transaction-nesting fires on COMMIT in op.execute / pgm.sql inside the runner transaction, not outside it', () => {
    assert.deepEqual(snippets('transaction-nesting', alembic("    op.execute('COMMIT')"), py), ['COMMIT']);
    assert.deepEqual(snippets('transaction-nesting', pgm("  pgm.sql('BEGIN');"), pgmJs), ['BEGIN']);
    assert.deepEqual(snippets('transaction-nesting', pgm("  pgm.noTransaction();\n  pgm.sql('BEGIN');\n  pgm.sql('COMMIT');"), pgmJs), []);
    assert.deepEqual(snippets('transaction-nesting', alembic("    op.execute('SELECT 1')"), py), []);
  });
});
