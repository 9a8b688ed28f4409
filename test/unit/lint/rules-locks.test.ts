import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, initAnalyzer } from '../../../server/src/lint';
import { knexLite, knexPg, knexUp, lite, of, pg, snippets } from './helpers';

before(async () => {
  await initAnalyzer();
});

void describe('require-concurrent-index-deletion', () => {
  void it('fires on DROP INDEX without CONCURRENTLY, in SQL, knex.raw and Knex dropIndex', () => {
    assert.deepEqual(snippets('require-concurrent-index-deletion', 'DROP INDEX users_email_idx;\nDROP INDEX IF EXISTS s.a, b CASCADE;', pg), [
      'DROP INDEX users_email_idx',
      'DROP INDEX IF EXISTS s.a, b CASCADE',
      'DROP INDEX IF EXISTS s.a, b CASCADE',
    ]);
    assert.equal(of('require-concurrent-index-deletion', 'DROP INDEX i;', pg)[0]!.message, 'Dropping index "i" without CONCURRENTLY locks its table against reads and writes.');
    const text = knexUp("  await knex.schema.alterTable('users', (t) => { t.dropIndex(['email', 'name']); t.dropIndex('x', 'custom_idx'); });\n  await knex.raw('DROP INDEX old_idx');");
    assert.deepEqual(
      of('require-concurrent-index-deletion', text, knexPg).map((f) => f.message),
      [
        'Dropping index "users_email_name_index" without CONCURRENTLY locks its table against reads and writes.',
        'Dropping index "custom_idx" without CONCURRENTLY locks its table against reads and writes.',
        'Dropping index "old_idx" without CONCURRENTLY locks its table against reads and writes.',
      ],
    );
  });

  void it('does not fire with CONCURRENTLY, on SQLite, for an index created in the same file, or in down', () => {
    assert.deepEqual(snippets('require-concurrent-index-deletion', 'DROP INDEX CONCURRENTLY IF EXISTS i;\nCREATE INDEX CONCURRENTLY j ON t (a);\nDROP INDEX j;', pg), []);
    assert.deepEqual(snippets('require-concurrent-index-deletion', 'DROP INDEX i;', lite), []);
    assert.deepEqual(snippets('require-concurrent-index-deletion', knexUp("  await knex.schema.alterTable('u', (t) => { t.dropIndex('email'); });"), knexLite), []);
    const down = "exports.up = (knex) => knex.raw('CREATE INDEX CONCURRENTLY i ON t (a)');\nexports.config = { transaction: false };\nexports.down = (knex) => knex.raw('DROP INDEX i');";
    assert.deepEqual(snippets('require-concurrent-index-deletion', down, knexPg), []);
  });
});

void describe('concurrently-in-transaction', () => {
  void it('fires on CONCURRENTLY inside BEGIN … COMMIT', () => {
    const text = 'BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nDROP INDEX CONCURRENTLY j;\nCOMMIT;\nCREATE INDEX CONCURRENTLY k ON t (b);';
    assert.deepEqual(snippets('concurrently-in-transaction', text, pg), ['CREATE INDEX CONCURRENTLY i ON t (a)', 'DROP INDEX CONCURRENTLY j']);
    assert.equal(of('concurrently-in-transaction', text, pg)[0]!.severity, 'error');
  });

  void it('fires on knex.raw CONCURRENTLY in a Knex migration without config.transaction = false', () => {
    const text = knexUp("  await knex.raw('CREATE INDEX CONCURRENTLY users_email_idx ON users (email)');");
    assert.deepEqual(snippets('concurrently-in-transaction', text, knexPg), ['CREATE INDEX CONCURRENTLY users_email_idx ON users (email)']);
    assert.match(of('concurrently-in-transaction', text, knexPg)[0]!.message, /Knex runs it in a transaction/);
    const other = `exports.config = { transaction: true };\n${knexUp("  await knex.raw('DROP INDEX CONCURRENTLY i');")}`;
    assert.deepEqual(snippets('concurrently-in-transaction', other, knexPg), ['DROP INDEX CONCURRENTLY i']);
  });

  void it('does not fire outside transactions, with config.transaction = false (CJS, ESM, object export), or on SQLite', () => {
    assert.deepEqual(snippets('concurrently-in-transaction', 'CREATE INDEX CONCURRENTLY i ON t (a);\nBEGIN;\nCOMMIT;\nDROP INDEX CONCURRENTLY j;', pg), []);
    const raw = "  await knex.raw('CREATE INDEX CONCURRENTLY i ON users (email)');";
    const forms = [
      `exports.config = { transaction: false };\n${knexUp(raw)}`,
      `module.exports.config = { transaction: false };\n${knexUp(raw)}`,
      `export const config = { transaction: false };\nexport async function up(knex) {\n${raw}\n}\nexport async function down(knex) { await knex.raw('DROP INDEX i'); }`,
      `const config = { transaction: false };\nasync function up(knex) {\n${raw}\n}\nasync function down() {}\nmodule.exports = { up, down, config };`,
    ];
    for (const f of forms) assert.deepEqual(snippets('concurrently-in-transaction', f, { ...knexPg, fileName: 'm.ts' }), [], f);
    assert.deepEqual(snippets('concurrently-in-transaction', knexUp(raw), knexLite), []);
  });
});

void describe('adding-not-nullable-field', () => {
  void it('fires on SET NOT NULL in SQL, knex.raw, Knex dropNullable and notNullable().alter()', () => {
    assert.deepEqual(snippets('adding-not-nullable-field', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;', pg), ['ALTER COLUMN email SET NOT NULL']);
    assert.equal(of('adding-not-nullable-field', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;', pg)[0]!.message, 'SET NOT NULL on "email" scans all of "users" under an ACCESS EXCLUSIVE lock.');
    const text = knexUp("  await knex.schema.alterTable('users', (t) => {\n    t.dropNullable('email');\n    t.string('name').notNullable().alter();\n  });\n  await knex.raw('ALTER TABLE a ALTER COLUMN b SET NOT NULL');");
    assert.deepEqual(snippets('adding-not-nullable-field', text, knexPg), ["t.dropNullable('email')", "t.string('name').notNullable().alter()", 'ALTER COLUMN b SET NOT NULL']);
  });

  void it('does not fire after a validated CHECK, on new tables, on SQLite, or on DROP NOT NULL', () => {
    const safe = [
      'ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;',
      'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;',
      'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      'CREATE TABLE n (a int);',
      'ALTER TABLE n ALTER COLUMN a SET NOT NULL;',
      'ALTER TABLE o ALTER COLUMN a DROP NOT NULL;',
    ].join('\n');
    assert.deepEqual(snippets('adding-not-nullable-field', safe, pg), []);
    assert.deepEqual(snippets('adding-not-nullable-field', knexUp("  await knex.schema.alterTable('users', (t) => { t.dropNullable('email'); });"), knexLite), []);
  });
});

void describe('constraint-missing-not-valid', () => {
  void it('fires on FOREIGN KEY and CHECK without NOT VALID (SQL, knex.raw, Knex foreign/check)', () => {
    const text = 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\nALTER TABLE orders ADD CHECK (qty > 0), ADD COLUMN x int;';
    assert.deepEqual(snippets('constraint-missing-not-valid', text, pg), ['ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)', 'ADD CHECK (qty > 0)']);
    assert.equal(
      of('constraint-missing-not-valid', text, pg)[0]!.message,
      'Adding foreign key "orders_user_fk" to "orders" without NOT VALID checks every row while holding the lock.',
    );
    const knex = knexUp("  await knex.schema.alterTable('orders', (t) => {\n    t.foreign('user_id').references('users.id');\n    t.check('?? > 0', ['qty'], 'qty_positive');\n  });\n  await knex.raw('ALTER TABLE a ADD CONSTRAINT c CHECK (b > 0)');");
    assert.deepEqual(snippets('constraint-missing-not-valid', knex, knexPg), ["t.foreign('user_id').references('users.id')", "t.check('?? > 0', ['qty'], 'qty_positive')", 'ADD CONSTRAINT c CHECK (b > 0)']);
  });

  void it('fires on inline REFERENCES / CHECK of an added column (SQL) and Knex .references() in alterTable, without a fix', () => {
    const text = 'ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id);';
    const found = of('constraint-missing-not-valid', text, pg);
    assert.deepEqual(found.map((f) => text.slice(f.start, f.end)), ['ADD COLUMN user_id bigint REFERENCES users (id)']);
    assert.match(found[0]!.message, /Add the column first, then the constraint with NOT VALID in a separate statement\.$/);
    assert.equal(found[0]!.fix, undefined);
    const knex = knexUp("  await knex.schema.alterTable('orders', (t) => { t.integer('user_id').references('users.id'); });\n  await knex.schema.createTable('x', (t) => { t.integer('u').references('users.id'); });");
    assert.deepEqual(snippets('constraint-missing-not-valid', knex, knexPg), ["t.integer('user_id').references('users.id')"]);
    assert.deepEqual(snippets('sqlite-table-rebuild', knex, knexLite), ["t.integer('user_id').references('users.id')"]);
  });

  void it('does not fire with NOT VALID, for UNIQUE/PRIMARY KEY, on new tables, or on SQLite', () => {
    const text = [
      'ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
      'ALTER TABLE orders ADD CONSTRAINT c CHECK (qty > 0) NOT VALID;',
      'ALTER TABLE orders ADD CONSTRAINT u UNIQUE USING INDEX u;',
      'CREATE TABLE n (a int);',
      'ALTER TABLE n ADD CONSTRAINT nf FOREIGN KEY (a) REFERENCES users (id);',
    ].join('\n');
    assert.deepEqual(snippets('constraint-missing-not-valid', text, pg), []);
    const knex = knexUp("  await knex.schema.createTable('n', (t) => { t.integer('a'); });\n  await knex.schema.alterTable('n', (t) => { t.foreign('a').references('users.id'); });");
    assert.deepEqual(snippets('constraint-missing-not-valid', knex, knexPg), []);
    assert.deepEqual(snippets('constraint-missing-not-valid', knexUp("  await knex.schema.alterTable('o', (t) => { t.foreign('a').references('u.id'); });"), knexLite), []);
  });
});

void describe('disallowed-unique-constraint', () => {
  void it('fires on ADD CONSTRAINT … UNIQUE without USING INDEX (SQL and knex.raw)', () => {
    const text = 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\nALTER TABLE users ADD UNIQUE (a, b);';
    assert.deepEqual(snippets('disallowed-unique-constraint', text, pg), ['ADD CONSTRAINT users_email_key UNIQUE (email)', 'ADD UNIQUE (a, b)']);
    assert.equal(of('disallowed-unique-constraint', text, pg)[0]!.message, 'Adding UNIQUE constraint "users_email_key" to "users" builds its index under an ACCESS EXCLUSIVE lock.');
    assert.deepEqual(snippets('disallowed-unique-constraint', knexUp("  await knex.raw('ALTER TABLE u ADD CONSTRAINT k UNIQUE (e)');"), knexPg), ['ADD CONSTRAINT k UNIQUE (e)']);
  });

  void it('does not fire with USING INDEX, on new tables, on SQLite, or on CREATE UNIQUE INDEX', () => {
    const text = 'ALTER TABLE users ADD CONSTRAINT k UNIQUE USING INDEX k;\nCREATE TABLE n (a int);\nALTER TABLE n ADD UNIQUE (a);\nCREATE UNIQUE INDEX CONCURRENTLY x ON users (a);';
    assert.deepEqual(snippets('disallowed-unique-constraint', text, pg), []);
    assert.deepEqual(snippets('disallowed-unique-constraint', knexUp("  await knex.raw('ALTER TABLE u ADD CONSTRAINT k UNIQUE (e)');"), knexLite), []);
  });
});

void describe('adding-field-with-volatile-default', () => {
  void it('fires on volatile defaults and serial columns (SQL, knex.raw, Knex defaultTo/increments)', () => {
    const text = "ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();\nALTER TABLE orders ADD COLUMN r float8 DEFAULT (random() * 10), ADD COLUMN s bigserial;";
    assert.deepEqual(snippets('adding-field-with-volatile-default', text, pg), [
      'ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid()',
      'ADD COLUMN r float8 DEFAULT (random() * 10)',
      'ADD COLUMN s bigserial',
    ]);
    assert.equal(
      of('adding-field-with-volatile-default', text, pg)[0]!.message,
      'Adding column "public_id" with a volatile default (gen_random_uuid()) rewrites all of "orders" under an ACCESS EXCLUSIVE lock.',
    );
    const knex = knexUp(
      "  await knex.schema.alterTable('orders', (t) => {\n    t.uuid('a').defaultTo(knex.fn.uuid());\n    t.timestamp('b').defaultTo(knex.raw('clock_timestamp()'));\n    t.bigIncrements('c');\n  });\n  await knex.raw('ALTER TABLE x ADD COLUMN y uuid DEFAULT uuid_generate_v4()');",
    );
    assert.deepEqual(snippets('adding-field-with-volatile-default', knex, knexPg), [
      "t.uuid('a').defaultTo(knex.fn.uuid())",
      "t.timestamp('b').defaultTo(knex.raw('clock_timestamp()'))",
      "t.bigIncrements('c')",
      'ADD COLUMN y uuid DEFAULT uuid_generate_v4()',
    ]);
  });

  void it('does not fire on now(), current_timestamp, constants, new tables, or SQLite', () => {
    const text = [
      'ALTER TABLE o ADD COLUMN a timestamptz NOT NULL DEFAULT now();',
      'ALTER TABLE o ADD COLUMN b timestamptz DEFAULT current_timestamp;',
      "ALTER TABLE o ADD COLUMN c text DEFAULT 'x', ADD COLUMN d int DEFAULT 0;",
      'CREATE TABLE n (id int);',
      'ALTER TABLE n ADD COLUMN u uuid DEFAULT gen_random_uuid();',
    ].join('\n');
    assert.deepEqual(snippets('adding-field-with-volatile-default', text, pg), []);
    const knex = knexUp("  await knex.schema.alterTable('o', (t) => {\n    t.timestamp('a').defaultTo(knex.fn.now());\n    t.string('b').defaultTo('x');\n  });");
    assert.deepEqual(snippets('adding-field-with-volatile-default', knex, knexPg), []);
    assert.deepEqual(snippets('adding-field-with-volatile-default', knexUp("  await knex.schema.alterTable('o', (t) => { t.uuid('a').defaultTo(knex.fn.uuid()); });"), knexLite), []);
  });
});

void describe('require-lock-timeout (off by default)', () => {
  const on = { ...pg, rules: { 'require-lock-timeout': 'warning' as const } };
  void it('is off unless configured', () => {
    assert.deepEqual(snippets('require-lock-timeout', 'ALTER TABLE users ADD COLUMN a text;', pg), []);
  });

  void it('when on, fires once at the first ACCESS EXCLUSIVE statement without an earlier SET lock_timeout', () => {
    const text = 'CREATE INDEX CONCURRENTLY i ON t (a);\nALTER TABLE users ADD COLUMN a text;\nDROP TABLE x;';
    assert.deepEqual(snippets('require-lock-timeout', text, on), ['ALTER TABLE users ADD COLUMN a text']);
    assert.equal(of('require-lock-timeout', text, on)[0]!.severity, 'warning');
    const knex = knexUp("  await knex.schema.alterTable('users', (t) => { t.dropColumn('a'); });");
    assert.deepEqual(snippets('require-lock-timeout', knex, { ...knexPg, rules: { 'require-lock-timeout': 'error' } }), [
      "t.dropColumn('a')",
      "knex.schema.dropTableIfExists('placeholder')",
    ]);
  });

  void it('when on, does not fire after SET lock_timeout, on new tables, or on SQLite', () => {
    assert.deepEqual(snippets('require-lock-timeout', "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN a text;", on), []);
    assert.deepEqual(snippets('require-lock-timeout', 'CREATE TABLE n (a int);\nALTER TABLE n ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY i ON t (a);', on), []);
    const knex = "exports.up = async (knex) => {\n  await knex.raw(\"SET lock_timeout TO '2s'\");\n  await knex.schema.alterTable('users', (t) => { t.dropColumn('a'); });\n};\nexports.down = async (knex) => {\n  await knex.raw(\"SET lock_timeout = '2s'\");\n  await knex.schema.alterTable('users', (t) => { t.string('a'); });\n};\n";
    assert.deepEqual(snippets('require-lock-timeout', knex, { ...knexPg, rules: { 'require-lock-timeout': 'warning' } }), []);
    assert.deepEqual(analyze('ALTER TABLE users ADD COLUMN a text;', { ...lite, rules: { 'require-lock-timeout': 'warning' } }), []);
  });
});

void describe('adding-field-with-volatile-default and postgresVersion', () => {
  before(() => initAnalyzer());
  const text = 'ALTER TABLE orders ADD COLUMN status text DEFAULT \'new\';\nALTER TABLE orders ADD COLUMN note text;\n';
  it('before PostgreSQL 11 any default rewrites the table', () => {
    const found = of('adding-field-with-volatile-default', text, { ...pg, postgresVersion: 10 });
    assert.equal(found.length, 1);
    assert.match(found[0]!.message, /Before PostgreSQL 11, adding column "status" with any default/);
    assert.equal(text.slice(found[0]!.start, found[0]!.end).includes('status'), true);
  });
  it('from PostgreSQL 11 a constant default is metadata-only (default version 15 too)', () => {
    assert.deepEqual(of('adding-field-with-volatile-default', text, { ...pg, postgresVersion: 11 }), []);
    assert.deepEqual(of('adding-field-with-volatile-default', text, pg), []);
  });
  it('a column without a default is never reported, whatever the version', () => {
    assert.deepEqual(of('adding-field-with-volatile-default', 'ALTER TABLE orders ADD COLUMN note text;', { ...pg, postgresVersion: 9 }), []);
  });
});
