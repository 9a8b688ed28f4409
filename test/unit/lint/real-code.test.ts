/**
 * Precision on real code (issue 17): one negative test per false alarm seen on real migrations, one positive test per
 * risk that was missed. The cases are written here after the patterns met in public projects.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { runCheck } from '../../../server/src/cli/check';
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
    // (schema-change-with-backfill rightly flags the two updates next to the ALTER TABLE: not a syntax error.)
    assert.deepEqual(hits(text, knexPg).filter(([rule]) => rule !== 'schema-change-with-backfill'), [
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

void describe('rollback code that undoes up is not judged as a new change', () => {
  void it('Knex down: re-created index, restored type, rename back, re-added column are quiet; an unrelated rename is not', () => {
    const text = `exports.up = async (knex) => {
  await knex.schema.alterTable('orders', (t) => {
    t.dropIndex(['customer_id']);
    t.dropColumn('legacy_code');
    t.renameColumn('total', 'total_cents');
    t.bigInteger('quantity').alter();
  });
};
exports.down = async (knex) => {
  await knex.schema.alterTable('orders', (t) => {
    t.index(['customer_id']);
    t.string('legacy_code', 20).notNullable();
    t.renameColumn('total_cents', 'total');
    t.integer('quantity').alter();
    t.renameColumn('status', 'state');
  });
};
`;
    const found = hits(text, knexPg);
    assert.deepEqual(found.filter(([, s]) => text.indexOf(s) > text.indexOf('exports.down')), [['renaming-column', "t.renameColumn('status', 'state')"]]);
  });

  void it('Alembic downgrade() that re-creates what upgrade() dropped is quiet', () => {
    const text = `revision = 'b2'
down_revision = 'a1'
from alembic import op
import sqlalchemy as sa

def upgrade():
    op.drop_index('ix_users_email', table_name='users')
    op.alter_column('users', 'age', type_=sa.BigInteger())

def downgrade():
    op.alter_column('users', 'age', type_=sa.Integer())
    op.create_index('ix_users_email', 'users', ['email'])
`;
    const findings = analyze(text, { fileName: 'b2_rev.py', dialect: 'postgresql' });
    const down = text.indexOf('def downgrade');
    assert.deepEqual(findings.filter((f) => f.start > down).map((f) => f.ruleId), []);
  });

  void it('*.down.sql: judged against its *.up.sql (analyze option, and the lint driver reads it from beside the file)', async () => {
    const up = 'DROP INDEX ix_users_email;\nALTER TABLE users RENAME COLUMN name TO full_name;\nALTER TABLE users ALTER COLUMN age TYPE bigint;\n';
    const down = 'CREATE INDEX ix_users_email ON users (email);\nALTER TABLE users RENAME COLUMN full_name TO name;\nALTER TABLE users ALTER COLUMN age TYPE integer;\nCREATE INDEX ix_other ON orders (x);\n';
    const options = { fileName: '0002_rename.down.sql', dialect: 'postgresql' as const };
    assert.deepEqual(hits(down, options).map((h) => h[0]), ['require-concurrent-index-creation', 'renaming-column', 'changing-column-type', 'require-concurrent-index-creation'], 'without its up: judged alone');
    assert.deepEqual(hits(down, { ...options, upCounterpart: up }), [['require-concurrent-index-creation', 'CREATE INDEX ix_other ON orders (x)']]);
    const root = mkdtempSync(path.join(tmpdir(), 'mg-down-sql-'));
    try {
      writeFileSync(path.join(root, '0002_rename.up.sql'), up);
      writeFileSync(path.join(root, '0002_rename.down.sql'), down);
      const { result } = await runCheck(['0002_rename.down.sql'], root);
      assert.deepEqual(result.findings.map((f) => [f.ruleId, f.line]), [['require-concurrent-index-creation', 4]]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

void describe('risks missed on real code: stored generated columns and inline UNIQUE / PRIMARY KEY', () => {
  void it('SQL: a STORED generated column on an existing table is a rewrite; VIRTUAL and new tables are quiet', () => {
    const text = 'ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED;\nALTER TABLE orders ADD COLUMN total_v bigint GENERATED ALWAYS AS (total * 100) VIRTUAL;\nCREATE TABLE fresh (a int PRIMARY KEY);\nALTER TABLE fresh ADD COLUMN c int GENERATED ALWAYS AS (a + 1) STORED;\n';
    const found = analyze(text, { fileName: '0003_totals.sql', dialect: 'postgresql' });
    assert.deepEqual(found.map((f) => [f.ruleId, text.slice(f.start, f.end)]), [['adding-field-with-volatile-default', 'ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED']]);
    assert.match(found[0]!.message, /stored generated column "total_cents".*rewritten under an ACCESS EXCLUSIVE lock/);
  });

  void it('SQL: ADD COLUMN … UNIQUE / PRIMARY KEY on an existing table builds the index under ACCESS EXCLUSIVE', () => {
    const text = 'ALTER TABLE users ADD COLUMN external_id uuid UNIQUE;\nALTER TABLE events ADD COLUMN code text CONSTRAINT events_code_pk PRIMARY KEY;\nCREATE TABLE fresh (a int);\nALTER TABLE fresh ADD COLUMN b int UNIQUE;\n';
    const found = analyze(text, { fileName: '0004_keys.sql', dialect: 'postgresql' }).filter((f) => f.ruleId === 'disallowed-unique-constraint' || f.ruleId === 'adding-serial-primary-key-field');
    // One finding per statement: UNIQUE is disallowed-unique-constraint's, a primary key adding-serial-primary-key-field's.
    assert.deepEqual(
      found.map((f) => [f.ruleId, text.slice(f.start, f.end)]),
      [
        ['disallowed-unique-constraint', 'ADD COLUMN external_id uuid UNIQUE'],
        ['adding-serial-primary-key-field', 'ADD COLUMN code text CONSTRAINT events_code_pk PRIMARY KEY'],
      ],
    );
    assert.match(found[1]!.message, /primary key column "code" to "events" builds its index under an ACCESS EXCLUSIVE lock/);
  });

  void it('node-pg-migrate: addColumns with expressionGenerated, unique: true, primaryKey: true', () => {
    const text = "exports.up = (pgm) => {\n  pgm.addColumns('orders', {\n    total_cents: { type: 'bigint', expressionGenerated: 'total * 100' },\n    ref: { type: 'uuid', unique: true },\n  });\n};\nexports.down = (pgm) => {\n  pgm.dropColumns('orders', ['total_cents', 'ref']);\n};\n";
    const found = hits(text, { fileName: '1700000000000_totals.js', dialect: 'postgresql' });
    assert.deepEqual(found, [
      ['adding-field-with-volatile-default', "total_cents: { type: 'bigint', expressionGenerated: 'total * 100' }"],
      ['disallowed-unique-constraint', "ref: { type: 'uuid', unique: true }"],
    ]);
  });
});

void describe('node-pg-migrate pgm.db.query / pgm.db.select', () => {
  void it('literal SQL is linted ($1 parameters included); dynamic SQL is uninspectable', () => {
    const text = `exports.up = async (pgm) => {
  await pgm.db.query('UPDATE users SET tier = $1', ['free']);
  await pgm.db.query({ text: 'DELETE FROM sessions', values: [] });
  const { rows } = await pgm.db.select('SELECT id FROM users WHERE tier = $1', ['free']);
  for (const table of ['a', 'b']) {
    await pgm.db.query(\`TRUNCATE \${table}\`);
  }
  await pgm.db.query(buildQuery());
};
exports.down = () => {
  throw new Error('irreversible');
};
`;
    const found = hits(text, { fileName: '1700000000002_backfill.js', dialect: 'postgresql' });
    assert.deepEqual(found, [
      ['ban-update-without-where', 'UPDATE users SET tier = $1'],
      ['ban-delete-without-where', 'DELETE FROM sessions'],
      ['uninspectable-sql', '`TRUNCATE ${table}`'],
      ['uninspectable-sql', 'buildQuery()'],
    ]);
  });
});

void describe('the SQLite table-rebuild idiom is one operation', () => {
  const rebuild = `CREATE TABLE new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
INSERT INTO new_users (id, email, name) SELECT id, email, name FROM users;
DROP TABLE users;
ALTER TABLE new_users RENAME TO users;
CREATE INDEX users_email ON users (email);
PRAGMA foreign_key_check;
`;
  const lite = { fileName: '0005_users_email_not_null.sql', dialect: 'sqlite' as const };

  void it('SQL, as the SQLite manual gives it (foreign keys off before BEGIN): no drop, no rename finding', () => {
    assert.deepEqual(hits(`PRAGMA foreign_keys = OFF;\nBEGIN TRANSACTION;\n${rebuild}COMMIT;\nPRAGMA foreign_keys = ON;\n`, lite), []);
    assert.deepEqual(hits(`PRAGMA foreign_keys=0;\n${rebuild}PRAGMA foreign_keys=1;\n`, lite), []);
  });

  void it('SQL without foreign keys off (or with the PRAGMA inside the transaction, a no-op): one cascade finding at the DROP', () => {
    for (const text of [`BEGIN;\n${rebuild}COMMIT;\n`, `BEGIN;\nPRAGMA foreign_keys = OFF;\n${rebuild}COMMIT;\n`, `PRAGMA foreign_keys = OFF;\nPRAGMA foreign_keys = ON;\n${rebuild}`]) {
      const found = analyze(text, lite);
      assert.deepEqual(found.map((f) => [f.ruleId, text.slice(f.start, f.end)]), [['sqlite-table-rebuild', 'DROP TABLE users']], text);
      assert.match(found[0]!.message, /ON DELETE CASCADE and deletes the rows of tables that reference "users"/);
    }
  });

  void it('a plain DROP TABLE (no new table renamed into its place) is still ban-drop-table', () => {
    assert.deepEqual(hits('PRAGMA foreign_keys = OFF;\nCREATE TABLE audit2 (id int);\nDROP TABLE users;\n', lite).map((h) => h[0]), ['ban-drop-table']);
  });

  void it('knex.raw: quiet only outside the transaction (config.transaction = false); Knex\'s own rebuild agrees', () => {
    const body = `  await knex.raw('PRAGMA foreign_keys = OFF');
  await knex.raw('CREATE TABLE new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)');
  await knex.raw('INSERT INTO new_users SELECT id, email FROM users');
  await knex.raw('DROP TABLE users');
  await knex.raw('ALTER TABLE new_users RENAME TO users');
  await knex.schema.alterTable('orders', (t) => t.dropColumn('legacy'));
  await knex.raw('PRAGMA foreign_keys = ON');`;
    const module = `exports.up = async function (knex) {\n${body}\n};\nexports.down = () => {\n  throw new Error('irreversible');\n};\n`;
    const knexLite = { fileName: '20240101_rebuild.js', dialect: 'sqlite' as const };
    assert.deepEqual(hits(module, knexLite), [
      ['sqlite-table-rebuild', 'DROP TABLE users'],
      ['ban-drop-column', "t.dropColumn('legacy')"],
      ['sqlite-table-rebuild', "t.dropColumn('legacy')"],
    ]);
    const outside = `${module}exports.config = { transaction: false };\n`;
    assert.deepEqual(hits(outside, knexLite), [['ban-drop-column', "t.dropColumn('legacy')"]]);
  });
});

void describe('the earlier migrations of the folder (history)', () => {
  /** Writes `files` into a fresh folder and runs `check` on the folder. */
  async function checkFolder(files: Record<string, string>): Promise<[string, string, string][]> {
    const root = mkdtempSync(path.join(tmpdir(), 'mg-history-'));
    try {
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text);
      const { result } = await runCheck(['.'], root, { dialect: 'postgresql' });
      return result.findings.map((f) => [path.basename(f.file), f.ruleId, f.message]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  void it('SQL: varchar(100) → varchar(40) and bigint → integer, declared in an earlier file, are narrowing; widening stays quiet', async () => {
    const found = await checkFolder({
      '0001_init.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, name varchar(100) NOT NULL, bio varchar(200), code text);\n',
      '0002_narrow.sql': 'ALTER TABLE users ALTER COLUMN name TYPE varchar(40);\nALTER TABLE users ALTER COLUMN id TYPE integer;\n',
      '0003_widen.sql': 'ALTER TABLE users ALTER COLUMN bio TYPE varchar(400);\nALTER TABLE users ALTER COLUMN bio TYPE text;\n',
      '0004_collation.sql': 'ALTER TABLE users ALTER COLUMN code TYPE text COLLATE "C";\n',
    });
    assert.deepEqual(found.map((f) => [f[0], f[1]]), [
      ['0002_narrow.sql', 'changing-column-type'],
      ['0002_narrow.sql', 'changing-column-type'],
      ['0004_collation.sql', 'changing-column-type'],
    ]);
    assert.match(found[0]![2], /"name" of "users" from varchar\(100\) to varchar\(40\).*narrows the column/);
    assert.match(found[1]![2], /"id" of "users" from int8 to int4.*narrows the column/);
    assert.match(found[2]![2], /collation of column "code" of "users" to "C" rebuilds the indexes/);
  });

  void it('Knex: .notNullable().alter() on a column an earlier migration made NOT NULL is not adding NOT NULL; on a nullable one it is', async () => {
    const found = await checkFolder({
      '20240101000000_users.js': "exports.up = (knex) => knex.schema.createTable('users', (t) => {\n  t.increments('id');\n  t.string('email', 100).notNullable();\n  t.string('nickname', 100);\n});\nexports.down = (knex) => knex.schema.dropTable('users');\n",
      '20240201000000_email.js': "exports.up = (knex) => knex.schema.alterTable('users', (t) => {\n  t.string('email', 255).notNullable().alter();\n  t.string('nickname', 255).notNullable().alter();\n});\nexports.down = (knex) => knex.schema.alterTable('users', (t) => {\n  t.string('email', 100).notNullable().alter();\n  t.string('nickname', 100).alter();\n});\n",
    });
    assert.deepEqual(found.map((f) => [f[0], f[1]]), [['20240201000000_email.js', 'adding-not-nullable-field']]);
    assert.match(found[0]![2], /"nickname"/);
  });

  void it('a file analysed alone (no folder) keeps today\'s behaviour: the old type is not known', () => {
    assert.deepEqual(hits('ALTER TABLE users ALTER COLUMN name TYPE varchar(40);\n', { fileName: '0002_narrow.sql', dialect: 'postgresql' }), []);
  });
});

void describe('Alembic: branches for another database are not analysed', () => {
  const text = `revision = 'c3'
down_revision = 'b2'
from alembic import op
import sqlalchemy as sa

def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'mysql':
        op.execute('ALTER TABLE users MODIFY email VARCHAR(255) NOT NULL')
    elif bind.dialect.name in ('mssql', 'oracle'):
        op.drop_index('ix_users_email', table_name='users')
    elif bind.dialect.name == 'sqlite':
        with op.batch_alter_table('users') as batch_op:
            batch_op.drop_column('legacy')
    else:
        op.alter_column('users', 'email', nullable=False)
    if op.get_context().dialect.name != 'postgresql':
        op.drop_table('pg_only_cache')
    if some_flag:
        op.drop_table('maybe')

def downgrade():
    raise NotImplementedError('irreversible')
`;
  void it('PostgreSQL reads the else branch and unknown conditions only', () => {
    assert.deepEqual(hits(text, { fileName: 'c3_rev.py', dialect: 'postgresql' }).map((h) => h[0]), ['adding-not-nullable-field', 'ban-drop-table']);
  });
  void it('SQLite reads its own branch (and != postgresql)', () => {
    assert.deepEqual(hits(text, { fileName: 'c3_rev.py', dialect: 'sqlite' }).map((h) => [h[0], h[1]]), [
      ['ban-drop-column', "batch_op.drop_column('legacy')"],
      ['ban-drop-table', "op.drop_table('pg_only_cache')"],
      ['ban-drop-table', "op.drop_table('maybe')"],
    ]);
  });
});
