/**
 * Precision on real code (issue 17): one negative test per false alarm seen on real migrations, one positive test per
 * risk that was missed. The cases are written here after the patterns met in public projects.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, initAnalyzer } from '../../../server/src/lint';
import { hits, knexPg } from './helpers';

before(async () => {
  await initAnalyzer();
});

void describe('knex.raw used as an expression is an SQL fragment, not a statement', () => {
  void it('defaultTo / update / select / whereRaw arguments give no syntax error; statement-position raw is still linted', () => {
    const text = `exports.up = async function (knex) {
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('seen_at').defaultTo(knex.raw('CURRENT_TIMESTAMP'));
  });
  await knex('users').update({ display_name: knex.raw('name') }).where('id', '>', 0);
  const [{ n }] = await knex('users').select(knex.raw('count(*) as n'));
  await knex('users').whereRaw('lower(email) = ?', ['x']).update({ seen_at: knex.raw('now()') });
  const expr = knex.raw('coalesce(nickname, name)');
  await knex.raw('ALTER TABLE users DROP COLUMN legacy');
  await Promise.all([knex.raw('DROP TABLE a'), knex.raw('DROP TABLE b')]);
  return knex.raw('TRUNCATE audit');
};
exports.down = async function (knex) {
  await knex.schema.dropTable('placeholder');
};
`;
    assert.deepEqual(hits(text, knexPg), [
      ['ban-drop-column', 'DROP COLUMN legacy'],
      ['ban-drop-table', 'DROP TABLE a'],
      ['ban-drop-table', 'DROP TABLE b'],
      ['ban-truncate', 'TRUNCATE audit'],
    ]);
  });

  void it('an arrow whose body is knex.raw runs it', () => {
    const text = "exports.up = (knex) => knex.raw('DROP TABLE legacy');\nexports.down = (knex) => knex.raw('CREATE TABLE legacy (id int)');\n";
    assert.deepEqual(hits(text, knexPg), [['ban-drop-table', 'DROP TABLE legacy']]);
    assert.equal(analyze(text, knexPg).length, 1);
  });
});

void describe('a down that throws on purpose is not missing-down', () => {
  const cases: [string, string][] = [
    ['knex-throw.js', "exports.up = (knex) => knex.schema.dropTable('x');\nexports.down = () => {\n  throw new Error('Irreversible: x held derived data only');\n};\n"],
    ['knex-reject.js', "exports.up = (knex) => knex.schema.dropTable('x');\nexports.down = () => Promise.reject(new Error('irreversible'));\n"],
    ['knex-ts.ts', "import type { Knex } from 'knex';\nexport async function up(knex: Knex): Promise<void> {\n  await knex.schema.dropTable('x');\n}\nexport async function down(): Promise<never> {\n  throw new Error('This migration cannot be reverted');\n}\n"],
    ['pgm-throw.js', "exports.up = (pgm) => {\n  pgm.dropColumns('users', 'x');\n};\nexports.down = () => {\n  throw new Error('irreversible');\n};\n"],
    ['pgm-false.js', "exports.up = (pgm) => {\n  pgm.dropColumns('users', 'x');\n};\nexports.down = false;\n"],
    ['rev.py', "revision = 'a1'\ndown_revision = None\nfrom alembic import op\n\ndef upgrade() -> None:\n    op.drop_column('users', 'x')\n\ndef downgrade() -> None:\n    \"\"\"Irreversible.\"\"\"\n    raise RuntimeError('downgrade not supported')\n"],
  ];
  for (const [fileName, text] of cases) {
    void it(fileName, () => {
      assert.deepEqual(analyze(text, { fileName, dialect: 'postgresql' }).filter((f) => f.ruleId === 'missing-down'), []);
    });
  }
});

void describe('branches for another database are not analysed', () => {
  const text = `exports.up = async function (knex) {
  const client = knex.client.config.client;
  if (client === 'mysql' || client === 'mysql2') {
    await knex.raw('ALTER TABLE users MODIFY email VARCHAR(255) NOT NULL');
    return;
  }
  if (knex.client.config.client === 'mssql') {
    await knex.raw('ALTER TABLE users ALTER COLUMN email NVARCHAR(255) NOT NULL');
  } else if (client.includes('sqlite')) {
    await knex.schema.alterTable('users', (t) => t.dropColumn('legacy'));
  } else {
    await knex.raw('ALTER TABLE users ALTER COLUMN email SET NOT NULL');
  }
  switch (knex.client.dialect) {
    case 'mssql':
      await knex.raw('DROP INDEX users.ix_email');
      break;
    case 'pg':
    case 'postgresql':
      await knex.raw('DROP INDEX ix_email');
      break;
    default:
      break;
  }
  await knex.schema.alterTable('users', (t) => {
    if (client !== 'pg') t.dropColumn('old_flag');
  });
  const sql = client === 'oracledb' ? knex.raw('DROP TABLE tmp CASCADE CONSTRAINTS') : knex.raw('DROP TABLE tmp');
  if (someFlag) await knex.raw('DROP TABLE maybe');
};
exports.down = async function (knex) {
  await knex.schema.dropTable('placeholder');
};
`;
  void it('PostgreSQL: MySQL, MSSQL, SQLite and Oracle branches are skipped, the PostgreSQL ones and unknown conditions read', () => {
    assert.deepEqual(hits(text, knexPg), [
      ['adding-not-nullable-field', 'ALTER COLUMN email SET NOT NULL'],
      ['require-concurrent-index-deletion', 'DROP INDEX ix_email'],
      ['ban-drop-table', 'DROP TABLE maybe'],
    ]);
  });
  void it('SQLite: the sqlite branch is read and the PostgreSQL ones skipped', () => {
    assert.deepEqual(hits(text, { ...knexPg, dialect: 'sqlite' }), [
      ['ban-drop-column', "t.dropColumn('legacy')"],
      ['sqlite-table-rebuild', "t.dropColumn('legacy')"],
      ['ban-drop-column', "t.dropColumn('old_flag')"],
      ['sqlite-table-rebuild', "t.dropColumn('old_flag')"],
      ['ban-drop-table', 'DROP TABLE maybe'],
    ]);
  });
});
