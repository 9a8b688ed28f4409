import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, applyEdits, initAnalyzer } from '../../../server/src/lint';
import type { AnalyzeOptions, Finding } from '../../../server/src/lint';
import { knexPg, knexUp, pg } from './helpers';

before(async () => {
  await initAnalyzer();
});

/** Applies the fix of the first `ruleId` finding, re-analyzes, and checks it is gone without a syntax error. */
function applyAndCheck(ruleId: string, text: string, options: AnalyzeOptions, title: RegExp): string {
  const before = analyze(text, options).filter((f) => f.ruleId === ruleId);
  const finding: Finding | undefined = before[0];
  assert.ok(finding, `${ruleId} fires on ${text}`);
  assert.ok(finding.fix, `${ruleId} has a fix`);
  assert.match(finding.fix.title, title);
  const fixed = applyEdits(text, finding.fix.edits);
  const after = analyze(fixed, options);
  assert.equal(after.filter((f) => f.ruleId === ruleId).length, before.length - 1, `one ${ruleId} finding fewer in:\n${fixed}`);
  assert.deepEqual(after.filter((f) => f.ruleId === 'syntax-error'), [], fixed);
  return fixed;
}

void describe('fixes', () => {
  void it('require-concurrent-index-creation: add CONCURRENTLY (SQL)', () => {
    const fixed = applyAndCheck('require-concurrent-index-creation', 'CREATE UNIQUE INDEX users_email_idx ON users (email);\n', pg, /CONCURRENTLY/);
    assert.equal(fixed, 'CREATE UNIQUE INDEX CONCURRENTLY users_email_idx ON users (email);\n');
    const inTx = 'BEGIN;\nCREATE INDEX i ON users (email);\nCOMMIT;';
    assert.equal(analyze(inTx, pg).find((f) => f.ruleId === 'require-concurrent-index-creation')?.fix, undefined, 'no fix inside BEGIN … COMMIT');
  });

  void it('require-concurrent-index-creation: add CONCURRENTLY and config.transaction = false (Knex raw, CJS and ESM)', () => {
    const text = knexUp("  await knex.raw('CREATE INDEX users_email_idx ON users (email)');");
    const fixed = applyAndCheck('require-concurrent-index-creation', text, knexPg, /CONCURRENTLY/);
    assert.ok(fixed.includes("knex.raw('CREATE INDEX CONCURRENTLY users_email_idx ON users (email)')"));
    assert.ok(fixed.endsWith('exports.config = { transaction: false };\n'));
    assert.deepEqual(analyze(fixed, knexPg).filter((f) => f.ruleId === 'concurrently-in-transaction'), []);
    const esm = "export async function up(knex) {\n  await knex.raw('CREATE INDEX i ON users (email)');\n}\nexport async function down(knex) { await knex.raw('DROP INDEX CONCURRENTLY i'); }";
    const fixedEsm = applyAndCheck('require-concurrent-index-creation', esm, { ...knexPg, fileName: 'm.mjs' }, /CONCURRENTLY/);
    assert.ok(fixedEsm.endsWith('\nexport const config = { transaction: false };\n'));
    // An ES module that already exports a config gets no fix (a second export would not compile).
    const esmWithConfig = `export const config = { transaction: true };\n${esm}`;
    assert.equal(analyze(esmWithConfig, { ...knexPg, fileName: 'm.mjs' }).find((f) => f.ruleId === 'require-concurrent-index-creation')?.fix, undefined);
  });

  void it('require-concurrent-index-deletion: add CONCURRENTLY; no fix with CASCADE or several indexes', () => {
    assert.equal(applyAndCheck('require-concurrent-index-deletion', 'DROP INDEX IF EXISTS old_idx;', pg, /CONCURRENTLY/), 'DROP INDEX CONCURRENTLY IF EXISTS old_idx;');
    assert.equal(analyze('DROP INDEX a CASCADE;', pg).find((f) => f.ruleId === 'require-concurrent-index-deletion')?.fix, undefined);
    assert.equal(analyze('DROP INDEX a, b;', pg).find((f) => f.ruleId === 'require-concurrent-index-deletion')?.fix, undefined);
  });

  void it('concurrently-in-transaction: add config.transaction = false to the Knex migration', () => {
    const text = knexUp("  await knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON users (email)');");
    const fixed = applyAndCheck('concurrently-in-transaction', text, knexPg, /transaction/);
    assert.ok(fixed.includes('exports.config = { transaction: false };'));
  });

  void it('prefer-robust-stmts: add IF [NOT] EXISTS for each statement kind', () => {
    const lines = [
      'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      'ALTER TABLE users ADD COLUMN nickname text;',
      'CREATE UNLOGGED TABLE audit (id int);',
      'DROP TABLE legacy;',
      'DROP INDEX CONCURRENTLY old_idx;',
    ];
    let text = lines.join('\n');
    for (let k = 0; k < lines.length; k++) text = applyAndCheck('prefer-robust-stmts', text, pg, /IF (NOT )?EXISTS/);
    assert.equal(
      text,
      [
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);',
        'ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;',
        'CREATE UNLOGGED TABLE IF NOT EXISTS audit (id int);',
        'DROP TABLE IF EXISTS legacy;',
        'DROP INDEX CONCURRENTLY IF EXISTS old_idx;',
      ].join('\n'),
    );
    const unnamed = analyze('CREATE INDEX CONCURRENTLY ON users (email);', pg).find((f) => f.ruleId === 'prefer-robust-stmts');
    assert.ok(unnamed && !unnamed.fix, 'no IF NOT EXISTS fix without an index name');
  });

  void it('constraint-missing-not-valid: add NOT VALID and a VALIDATE CONSTRAINT statement', () => {
    const text = 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\nSELECT 1;\n';
    const fixed = applyAndCheck('constraint-missing-not-valid', text, pg, /NOT VALID/);
    assert.equal(
      fixed,
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\nSELECT 1;\n',
    );
    const multi = 'ALTER TABLE "Orders"\n  ADD CONSTRAINT "Qty" CHECK (qty > 0),\n  ADD COLUMN note text';
    assert.equal(
      applyAndCheck('constraint-missing-not-valid', multi, pg, /NOT VALID/),
      'ALTER TABLE "Orders"\n  ADD CONSTRAINT "Qty" CHECK (qty > 0) NOT VALID,\n  ADD COLUMN note text;\nALTER TABLE "Orders" VALIDATE CONSTRAINT "Qty";',
    );
    assert.equal(analyze('ALTER TABLE o ADD CHECK (a > 0);', pg).find((f) => f.ruleId === 'constraint-missing-not-valid')?.fix, undefined);
  });
});

void describe('fixes of the breadth rules (issue 17): each removes its finding and leaves valid SQL', () => {
  const allOn: AnalyzeOptions = { ...pg, rules: { 'prefer-bigint-over-int': 'warning', 'prefer-bigint-over-smallint': 'warning', 'prefer-identity': 'warning', 'prefer-text-field': 'warning' } };
  const cases: [string, string, RegExp, string][] = [
    ['prefer-timestamptz', 'ALTER TABLE t ADD COLUMN at timestamp(3) without time zone;', /timestamptz/, 'ALTER TABLE t ADD COLUMN at timestamptz(3);'],
    ['prefer-jsonb', 'CREATE TABLE t (a json NOT NULL, b text);', /jsonb/, 'CREATE TABLE t (a jsonb NOT NULL, b text);'],
    ['ban-char-field', 'CREATE TABLE t (code char(2) PRIMARY KEY);', /text/, 'CREATE TABLE t (code text PRIMARY KEY);'],
    ['prefer-text-field', 'ALTER TABLE t ALTER COLUMN n TYPE varchar(40);', /text/, 'ALTER TABLE t ALTER COLUMN n TYPE text;'],
    ['prefer-bigint-over-int', 'CREATE TABLE t (id serial PRIMARY KEY, n int4);', /bigserial/, 'CREATE TABLE t (id bigserial PRIMARY KEY, n int4);'],
    ['prefer-bigint-over-smallint', 'ALTER TABLE t ADD COLUMN s int2;', /bigint/, 'ALTER TABLE t ADD COLUMN s bigint;'],
    ['prefer-identity', 'CREATE TABLE t (id bigserial PRIMARY KEY);', /identity/, 'CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);'],
    ['ban-truncate-cascade', 'TRUNCATE a, b CASCADE;', /Remove CASCADE/, 'TRUNCATE a, b;'],
    ['require-concurrent-reindex', 'REINDEX (VERBOSE) TABLE orders;', /CONCURRENTLY/, 'REINDEX (VERBOSE) TABLE CONCURRENTLY orders;'],
    ['require-concurrent-partition-detach', 'ALTER TABLE m DETACH PARTITION m_2023;', /CONCURRENTLY/, 'ALTER TABLE m DETACH PARTITION m_2023 CONCURRENTLY;'],
    ['require-concurrent-refresh', 'REFRESH MATERIALIZED VIEW totals;', /CONCURRENTLY/, 'REFRESH MATERIALIZED VIEW CONCURRENTLY totals;'],
  ];
  for (const [rule, text, title, expected] of cases) {
    void it(rule, () => {
      assert.equal(applyAndCheck(rule, text, allOn, title), expected);
    });
  }

  void it('prefer-jsonb: t.json → t.jsonb in Knex; require-concurrent-reindex in knex.raw adds config.transaction = false', () => {
    const knex = knexUp("  await knex.schema.alterTable('t', (t) => { t.json('payload').nullable(); });");
    assert.ok(applyAndCheck('prefer-jsonb', knex, knexPg, /jsonb/).includes("t.jsonb('payload').nullable()"));
    const raw = knexUp("  await knex.raw('REINDEX INDEX i');");
    const fixed = applyAndCheck('require-concurrent-reindex', raw, knexPg, /outside a transaction/);
    assert.ok(fixed.includes("knex.raw('REINDEX INDEX CONCURRENTLY i')") && fixed.endsWith('exports.config = { transaction: false };\n'));
  });
});
