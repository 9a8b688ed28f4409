import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, initAnalyzer } from '../../../server/src/lint';
import { knexLite, knexPg, knexUp, lite, of, pg, snippets } from './helpers';

before(async () => {
  await initAnalyzer();
});

const noTx = (body: string): string => `exports.config = { transaction: false };\n${knexUp(body)}`;

void describe('prefer-robust-stmts', () => {
  void it('fires in a SQL file that runs outside a transaction (CONCURRENTLY present)', () => {
    const text = [
      'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      'ALTER TABLE users ADD COLUMN nickname text;',
      'CREATE TABLE audit (id int);',
      'DROP TABLE legacy;',
      'DROP INDEX CONCURRENTLY old_idx;',
    ].join('\n');
    assert.deepEqual(snippets('prefer-robust-stmts', text, pg), [
      'CREATE INDEX CONCURRENTLY users_email_idx ON users (email)',
      'ADD COLUMN nickname text',
      'CREATE TABLE audit (id int)',
      'DROP TABLE legacy',
      'DROP INDEX CONCURRENTLY old_idx',
    ]);
    assert.equal(of('prefer-robust-stmts', text, pg)[0]!.severity, 'info');
  });

  void it('fires in knex.raw of a Knex migration with config.transaction = false', () => {
    const text = noTx("  await knex.raw('CREATE INDEX CONCURRENTLY i ON users (email)');\n  await knex.raw('DROP INDEX CONCURRENTLY j');");
    assert.deepEqual(snippets('prefer-robust-stmts', text, knexPg), ['CREATE INDEX CONCURRENTLY i ON users (email)', 'DROP INDEX CONCURRENTLY j']);
  });

  void it('does not fire with IF [NOT] EXISTS, in transactional files, on new tables, in Knex transactions, or on SQLite', () => {
    const robust = [
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON users (email);',
      'ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;',
      'CREATE TABLE IF NOT EXISTS audit (id int);',
      'CREATE INDEX CONCURRENTLY audit_idx ON audit (id);',
      'ALTER TABLE audit ADD COLUMN note text;',
      'DROP TABLE IF EXISTS legacy;',
      'DROP INDEX CONCURRENTLY IF EXISTS old_idx;',
    ].join('\n');
    assert.deepEqual(snippets('prefer-robust-stmts', robust, pg), []);
    assert.deepEqual(snippets('prefer-robust-stmts', 'CREATE TABLE a (id int);\nALTER TABLE b ADD COLUMN c int;\nDROP TABLE d;', pg), []);
    assert.deepEqual(snippets('prefer-robust-stmts', 'BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON b (c);', pg), []);
    assert.deepEqual(snippets('prefer-robust-stmts', knexUp("  await knex.raw('CREATE TABLE a (id int)');"), knexPg), []);
    assert.deepEqual(snippets('prefer-robust-stmts', noTx("  await knex.schema.createTable('a', (t) => { t.increments(); });"), knexPg), []);
    assert.deepEqual(snippets('prefer-robust-stmts', 'CREATE TABLE a (id int);', lite), []);
  });
});

void describe('transaction-nesting', () => {
  void it('fires on BEGIN/COMMIT/ROLLBACK in knex.raw inside Knex’s transaction (PostgreSQL and SQLite)', () => {
    const text = knexUp("  await knex.raw('BEGIN');\n  await knex.raw('UPDATE users SET plan = 1 WHERE plan IS NULL');\n  await knex.raw('COMMIT');");
    assert.deepEqual(snippets('transaction-nesting', text, knexPg), ['BEGIN', 'COMMIT']);
    assert.match(of('transaction-nesting', text, knexPg)[1]!.message, /ends the transaction Knex opened/);
    assert.deepEqual(snippets('transaction-nesting', knexUp("  await knex.raw('ROLLBACK');"), knexLite), ['ROLLBACK']);
  });

  void it('fires in plain SQL on a BEGIN while an earlier BEGIN is open', () => {
    assert.deepEqual(snippets('transaction-nesting', 'BEGIN;\nCREATE TABLE a (id int);\nBEGIN;\nCOMMIT;', pg), ['BEGIN']);
    assert.deepEqual(
      of('transaction-nesting', 'BEGIN;\nSTART TRANSACTION;\nCOMMIT;', pg).map((f) => f.start),
      [7],
    );
    assert.deepEqual(snippets('transaction-nesting', 'BEGIN;\nBEGIN TRANSACTION;\nCOMMIT;', lite), ['BEGIN TRANSACTION']);
  });

  void it('does not fire on balanced SQL transactions, savepoints, or Knex migrations with transaction: false', () => {
    assert.deepEqual(snippets('transaction-nesting', 'BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\nBEGIN;\nSAVEPOINT s;\nROLLBACK TO SAVEPOINT s;\nCOMMIT;', pg), []);
    assert.deepEqual(snippets('transaction-nesting', 'BEGIN;\nSAVEPOINT s;\nROLLBACK TO s;\nCOMMIT;', lite), []);
    assert.deepEqual(snippets('transaction-nesting', noTx("  await knex.raw('BEGIN');\n  await knex.raw('COMMIT');"), knexPg), []);
  });
});

void describe('uninspectable-sql', () => {
  void it('reports knex.raw with ${} templates or non-literal arguments as info', () => {
    const text = knexUp('  const sql = "DROP TABLE x";\n  await knex.raw(sql);\n  await knex.schema.raw(`ALTER TABLE ${t} DROP COLUMN c`);');
    assert.deepEqual(snippets('uninspectable-sql', text, knexPg), ['sql', '`ALTER TABLE ${t} DROP COLUMN c`']);
    assert.equal(of('uninspectable-sql', text, knexPg)[0]!.severity, 'info');
    assert.deepEqual(snippets('uninspectable-sql', text, knexLite).length, 2);
  });

  void it('does not report string literals or substitution-free templates', () => {
    const text = knexUp("  await knex.raw('SELECT 1');\n  await knex.raw(`SELECT 2`);\n  await knex.raw('SELECT ?', [3]);");
    assert.deepEqual(snippets('uninspectable-sql', text, knexPg), []);
    assert.deepEqual(snippets('uninspectable-sql', 'SELECT 1;', pg), []);
  });
});

void describe('unused-ignore', () => {
  void it('reports ignore comments that suppress nothing, and misspelled rule ids', () => {
    const text = '-- migration-guard-ignore ban-drop-table\nALTER TABLE users ADD COLUMN a text;\n-- migration-guard-ignore ban-drop-tabel: typo\nDROP TABLE legacy;\n';
    const found = of('unused-ignore', text, pg);
    assert.deepEqual(
      found.map((f) => text.slice(f.start, f.end)),
      ['-- migration-guard-ignore ban-drop-table', '-- migration-guard-ignore ban-drop-tabel: typo'],
    );
    assert.equal(found[0]!.message, 'This ignore comment suppresses nothing: no finding of "ban-drop-table" is there.');
    assert.equal(found[1]!.message, 'This ignore comment names unknown rule "ban-drop-tabel" and suppresses nothing.');
    assert.equal(found[0]!.severity, 'warning');
    assert.deepEqual(snippets('ban-drop-table', text, pg), ['DROP TABLE legacy']);
    const file = '-- migration-guard-ignore-file ban-truncate\nSELECT 1;';
    assert.deepEqual(snippets('unused-ignore', file, lite), ['-- migration-guard-ignore-file ban-truncate']);
    const knex = knexUp("  // migration-guard-ignore ban-drop-column\n  await knex.schema.alterTable('u', (t) => { t.string('a'); });");
    assert.deepEqual(snippets('unused-ignore', knex, knexPg), ['// migration-guard-ignore ban-drop-column']);
  });

  void it('does not report ignores that suppress, or that name rules switched off / not for this dialect', () => {
    const used = '-- migration-guard-ignore ban-drop-table: archived\nDROP TABLE legacy;\n-- migration-guard-ignore-file ban-truncate\nTRUNCATE a;';
    assert.deepEqual(analyze(used, pg), []);
    const off = '-- migration-guard-ignore require-lock-timeout\nALTER TABLE a ADD COLUMN b text;';
    assert.deepEqual(snippets('unused-ignore', off, pg), []);
    const dialect = '-- migration-guard-ignore require-concurrent-index-creation\nCREATE INDEX i ON t (a);';
    assert.deepEqual(snippets('unused-ignore', dialect, lite), []);
    assert.deepEqual(snippets('unused-ignore', '-- migration-guard-ignore\nSELECT 1;', { ...pg, rules: { 'unused-ignore': 'off' } }), []);
  });

  void it('an ignore-file for unused-ignore silences it', () => {
    const text = '-- migration-guard-ignore-file unused-ignore\n-- migration-guard-ignore ban-truncate\nSELECT 1;';
    assert.deepEqual(snippets('unused-ignore', text, pg), []);
  });
});
