/**
 * The rewriting fix of adding-required-field (migrations/project/required-field-fix.ts): the generated text for Knex
 * (.js, .ts) and SQL folders (.up.sql/.down.sql pairs, dbmate, numbered), the edits commenting the original out
 * (and the rollback's DROP COLUMN), the cases that get no fix, and the project's own linter on the generated files.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, applyEdits, initAnalyzerFor } from '../../server/src/lint';
import { requiredFieldFix, type RequiredFieldFixInput } from '../../server/src/migrations/project/required-field-fix';

const NOW = new Date('2026-12-07T01:02:03Z');

/** The fix for the first adding-required-field finding of `text` (asserting there is one). */
function fixFor(text: string, fileName: string, extra: Partial<RequiredFieldFixInput> = {}) {
  const dialect = extra.dialect ?? 'postgresql';
  const finding = analyze(text, { fileName, dialect }).find((f) => f.ruleId === 'adding-required-field');
  assert.ok(finding, `no adding-required-field finding in ${fileName}`);
  return requiredFieldFix({ text, fileName, dialect, offset: finding.start, siblings: [fileName], now: NOW, ...extra });
}

/** Error-level findings of the generated files, as `file: rule`. */
function errorsOf(files: Array<{ fileName: string; text: string }>): string[] {
  return files.flatMap((f) => analyze(f.text, { fileName: f.fileName }).filter((x) => x.severity === 'error').map((x) => `${f.fileName}: ${x.ruleId} ${x.message}`));
}

const KNEX_JS = `exports.up = async function (knex) {
  await knex.schema.alterTable('users', (t) => {
    t.string('nick');
    t.string('email', 120)
      .notNullable();
  });
};

exports.down = async function (knex) {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('email');
    t.dropColumn('nick');
  });
};
`;

void describe('adding-required-field: the rewriting fix', () => {
  before(() => initAnalyzerFor('sql'));

  void it('Knex .js: four timestamped files after the newest sibling, the builder column without notNullable, the original commented out', () => {
    const fix = fixFor(KNEX_JS, '/p/migrations/20261207020000_add_email.js', { siblings: ['20261207020000_add_email.js'] });
    assert.ok(fix);
    // The newest sibling (02:00:00) is after "now" (01:02:03): the new files still sort after it, one second apart.
    assert.deepEqual(
      fix.files.map((f) => f.fileName),
      ['20261207020001_add_email_to_users.js', '20261207020002_backfill_users_email.js', '20261207020003_check_users_email_not_null.js', '20261207020004_set_users_email_not_null.js'],
    );
    const [add, backfill, check, set] = fix.files.map((f) => f.text);
    assert.match(add!, /await knex\.schema\.alterTable\('users', \(t\) => \{\n {4}t\.string\('email', 120\);\n {2}\}\);/);
    assert.match(add!, /exports\.down = async function down\(knex\) \{\n {2}await knex\.raw\('ALTER TABLE "users" DROP COLUMN "email"'\);/);
    assert.match(backfill!, /^exports\.config = \{ transaction: false \};$/m, 'the backfill runs outside one long transaction');
    assert.match(backfill!, /TODO\(migration-guard\): the value existing rows get/);
    assert.match(backfill!, /const BACKFILL_VALUE = null;/);
    assert.match(backfill!, /if \(BACKFILL_VALUE === null\) throw new Error/);
    assert.match(backfill!, /\.limit\(BATCH_SIZE\)/);
    assert.match(backfill!, /\.where\(PRIMARY_KEY, '<=', upTo\)/, 'each UPDATE is bounded by a key range');
    assert.match(check!, /ADD CONSTRAINT "users_email_not_null" CHECK \("email" IS NOT NULL\) NOT VALID/);
    assert.match(check!, /down[\s\S]*DROP CONSTRAINT "users_email_not_null"/);
    assert.match(set!, /VALIDATE CONSTRAINT "users_email_not_null"'\);\n {2}await knex\.raw\('ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL'\);\n {2}await knex\.raw\('ALTER TABLE "users" DROP CONSTRAINT "users_email_not_null"'\);/);
    assert.match(set!, /down[\s\S]*ADD CONSTRAINT "users_email_not_null" CHECK[\s\S]*DROP NOT NULL/);

    const rewritten = applyEdits(KNEX_JS, fix.edits);
    assert.match(rewritten, /\n {4}\/\/ Migration Guard \(adding-required-field\): moved to 20261207020001_add_email_to_users\.js … 20261207020004_set_users_email_not_null\.js[^\n]*\n {4}\/\/ t\.string\('email', 120\)\n {6}\/\/ \.notNullable\(\);\n/);
    assert.match(rewritten, /\/\/ t\.dropColumn\('email'\);\n {4}t\.dropColumn\('nick'\);/, "the rollback's DROP COLUMN goes too; the other column stays");
    assert.deepEqual(analyze(rewritten, { fileName: 'x.js' }).filter((f) => f.ruleId === 'adding-required-field'), []);
    assert.deepEqual(errorsOf(fix.files), []);
  });

  void it('Knex .ts: ES module files, a schema kept with withSchema, SQL quoted with the schema', () => {
    const text = `import type { Knex } from 'knex';\n\nexport async function up(knex: Knex): Promise<void> {\n  await knex.schema.withSchema('app').alterTable('users', (t) => {\n    t.integer('score').notNullable();\n  });\n}\n\nexport async function down(knex: Knex): Promise<void> {\n  await knex.schema.withSchema('app').alterTable('users', (t) => {\n    t.dropColumn('score');\n  });\n}\n`;
    const fix = fixFor(text, '20260101000000_score.ts');
    assert.ok(fix);
    assert.deepEqual(fix.files.map((f) => f.fileName.slice(15)), ['add_score_to_users.ts', 'backfill_users_score.ts', 'check_users_score_not_null.ts', 'set_users_score_not_null.ts']);
    assert.match(fix.files[0]!.text, /^import type \{ Knex \} from 'knex';/);
    assert.match(fix.files[0]!.text, /export async function up\(knex: Knex\): Promise<void> \{\n {2}await knex\.schema\.withSchema\('app'\)\.alterTable\('users'/);
    assert.match(fix.files[1]!.text, /^export const config = \{ transaction: false \};$/m);
    assert.match(fix.files[1]!.text, /knex\('app\.users'\)/);
    assert.match(fix.files[3]!.text, /ALTER TABLE "app"\."users" ALTER COLUMN "score" SET NOT NULL/);
    assert.deepEqual(errorsOf(fix.files), []);
  });

  void it('Knex knex.raw: the ADD COLUMN sub-command without NOT NULL, the JS statement commented out', () => {
    const text = `exports.up = async (knex) => {\n  await knex.raw('ALTER TABLE orders ADD COLUMN total numeric(10,2) NOT NULL');\n};\nexports.down = async (knex) => {\n  await knex.raw('ALTER TABLE orders DROP COLUMN total');\n};\n`;
    const fix = fixFor(text, '20260101000000_total.js');
    assert.ok(fix);
    assert.match(fix.files[0]!.text, /await knex\.raw\('ALTER TABLE "orders" ADD COLUMN total numeric\(10,2\)'\);/);
    const rewritten = applyEdits(text, fix.edits);
    assert.match(rewritten, /\n {2}\/\/ await knex\.raw\('ALTER TABLE orders ADD COLUMN total numeric\(10,2\) NOT NULL'\);\n/);
    assert.match(rewritten, /\n {2}\/\/ await knex\.raw\('ALTER TABLE orders DROP COLUMN total'\);\n/);
    assert.deepEqual(errorsOf(fix.files), []);
  });

  void it('SQL .up.sql/.down.sql pairs: numbered after the highest sibling, the .down.sql edited too', () => {
    const up = '-- orders\nALTER TABLE orders ADD COLUMN total int NOT NULL;\n';
    const down = 'ALTER TABLE orders DROP COLUMN total;\n';
    const fix = fixFor(up, '000003_total.up.sql', { siblings: ['000003_total.up.sql', '000003_total.down.sql', '000009_other.up.sql', '000009_other.down.sql'], downText: down });
    assert.ok(fix);
    assert.deepEqual(
      fix.files.map((f) => f.fileName),
      [
        '000010_add_total_to_orders.up.sql', '000010_add_total_to_orders.down.sql',
        '000011_backfill_orders_total.up.sql', '000011_backfill_orders_total.down.sql',
        '000012_check_orders_total_not_null.up.sql', '000012_check_orders_total_not_null.down.sql',
        '000013_set_orders_total_not_null.up.sql', '000013_set_orders_total_not_null.down.sql',
      ],
    );
    const text = (name: string) => fix.files.find((f) => f.fileName === name)!.text;
    assert.match(text('000010_add_total_to_orders.up.sql'), /^ALTER TABLE "orders" ADD COLUMN total int;$/m);
    assert.equal(text('000010_add_total_to_orders.down.sql'), 'ALTER TABLE "orders" DROP COLUMN "total";\n');
    assert.match(text('000011_backfill_orders_total.up.sql'), /^DO \$\$[\s\S]*LIMIT 1000[\s\S]*SET "total" = FILL_IN_VALUE WHERE "id" >= next_key AND "id" <= batch_end AND "total" IS NULL;\n {4}COMMIT;[\s\S]*\$\$;$/m);
    assert.match(text('000013_set_orders_total_not_null.up.sql'), /VALIDATE CONSTRAINT "orders_total_not_null";\nALTER TABLE "orders" ALTER COLUMN "total" SET NOT NULL;\nALTER TABLE "orders" DROP CONSTRAINT "orders_total_not_null";/);
    assert.equal(applyEdits(up, fix.edits), '-- orders\n-- Migration Guard (adding-required-field): moved to 000010_add_total_to_orders.up.sql … 000013_set_orders_total_not_null.up.sql, which add the column nullable, backfill it, then set NOT NULL:\n-- ALTER TABLE orders ADD COLUMN total int NOT NULL;\n');
    assert.match(applyEdits(down, fix.downEdits), /^-- Migration Guard[^\n]*\n-- ALTER TABLE orders DROP COLUMN total;\n$/);
    assert.deepEqual(errorsOf(fix.files), []);
  });

  void it('dbmate: one file per step with -- migrate:up / -- migrate:down, the backfill with transaction:false', () => {
    const text = '-- migrate:up\nALTER TABLE orders ADD COLUMN total int NOT NULL;\n\n-- migrate:down\nALTER TABLE orders DROP COLUMN total;\n';
    const fix = fixFor(text, '20260101000000_total.sql');
    assert.ok(fix);
    assert.equal(fix.files.length, 4);
    assert.match(fix.files[0]!.text, /^-- migrate:up\n[\s\S]*ADD COLUMN total int;\n\n-- migrate:down\nALTER TABLE "orders" DROP COLUMN "total";\n$/);
    assert.match(fix.files[1]!.text, /^-- migrate:up transaction:false\n/);
    assert.match(applyEdits(text, fix.edits), /-- migrate:down\n-- Migration Guard[^\n]*\n-- ALTER TABLE orders DROP COLUMN total;\n$/);
    // dbmate's down section is the rollback (lint/index.ts): dropping the column there is not ban-drop-column.
    assert.deepEqual(errorsOf(fix.files), []);
  });

  void it('a plain numbered SQL file: the rollback written as a comment in each file', () => {
    const fix = fixFor('ALTER TABLE orders ADD COLUMN total int NOT NULL;\n', '0042_total.sql', { siblings: ['0041_a.sql', '0042_total.sql'] });
    assert.ok(fix);
    assert.deepEqual(fix.files.map((f) => f.fileName.slice(0, 5)), ['0043_', '0044_', '0045_', '0046_']);
    assert.match(fix.files[0]!.text, /-- To roll back:\n-- {3}ALTER TABLE "orders" DROP COLUMN "total";\n$/);
    assert.deepEqual(errorsOf(fix.files), []);
  });

  void it('Flyway: V<n>__ versions after the highest; a folder with undo scripts (U<n>__) gets no fix', () => {
    const text = 'ALTER TABLE orders ADD COLUMN total int NOT NULL;\n';
    const fix = fixFor(text, 'V7__total.sql', { siblings: ['V3__a.sql', 'V7__total.sql'] });
    assert.ok(fix);
    assert.deepEqual(fix.files.map((f) => f.fileName.slice(0, 5)), ['V8__a', 'V9__b', 'V10__', 'V11__']);
    assert.match(fix.title, /\(4 new files\)$/);
    assert.equal(fixFor(text, 'V7__total.sql', { siblings: ['V7__total.sql', 'U7__total.sql'] }), undefined);
    // Without the folder listing the file's own version still counts.
    assert.equal(fixFor(text, 'V7__total.sql', { siblings: [] })?.files[0]?.fileName, 'V8__add_total_to_orders.sql');
  });

  void it('no fix: SQLite, other sub-commands in the statement, code sharing the line, a PRIMARY KEY column, unknown naming', () => {
    assert.equal(fixFor('ALTER TABLE t ADD COLUMN c int NOT NULL;\n', '001_a.sql', { dialect: 'sqlite' }), undefined);
    assert.equal(fixFor('ALTER TABLE t ADD COLUMN a int, ADD COLUMN c int NOT NULL;\n', '001_a.sql'), undefined);
    assert.equal(fixFor('SELECT 1; ALTER TABLE t ADD COLUMN c int NOT NULL;\n', '001_a.sql'), undefined);
    assert.equal(fixFor('ALTER TABLE t ADD COLUMN c int PRIMARY KEY;\n', '001_a.sql'), undefined);
    assert.equal(fixFor('ALTER TABLE t ADD COLUMN c int NOT NULL;\n', 'add_c.sql'), undefined);
    const shared = `exports.up = (knex) => knex.schema.alterTable('t', (t) => { t.string('c').notNullable(); });\nexports.down = (knex) => knex.schema.alterTable('t', (t) => { t.dropColumn('c'); });\n`;
    assert.equal(fixFor(shared, '20260101000000_a.js'), undefined);
    // The rollback drops the column together with another in one statement: it cannot be kept working by a comment.
    const downShared = `exports.up = async (knex) => {\n  await knex.raw('ALTER TABLE t ADD COLUMN c int NOT NULL');\n};\nexports.down = async (knex) => {\n  await knex.raw('ALTER TABLE t DROP COLUMN c, DROP COLUMN d');\n};\n`;
    assert.equal(fixFor(downShared, '20260101000000_a.js'), undefined);
  });
});
