import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initAnalyzer } from '../../../server/src/lint';
import { knexLite, knexPg, knexUp, lite, of, pg, snippets } from './helpers';

before(async () => {
  await initAnalyzer();
});

void describe('ban-drop-database', () => {
  void it('fires on DROP DATABASE and DROP SCHEMA (SQL, knex.raw, Knex dropSchema)', () => {
    assert.deepEqual(snippets('ban-drop-database', 'DROP DATABASE legacy;\nDROP SCHEMA IF EXISTS reporting CASCADE;', pg), ['DROP DATABASE legacy', 'DROP SCHEMA IF EXISTS reporting CASCADE']);
    assert.equal(of('ban-drop-database', 'DROP SCHEMA reporting;', pg)[0]!.message, 'DROP SCHEMA "reporting" permanently deletes everything in the schema.');
    const text = knexUp("  await knex.raw('DROP DATABASE old_app');\n  await knex.schema.dropSchemaIfExists('audit', true);");
    assert.deepEqual(snippets('ban-drop-database', text, knexPg), ['DROP DATABASE old_app', "knex.schema.dropSchemaIfExists('audit', true)"]);
  });

  void it('does not fire on other drops, CREATE SCHEMA, in down files, or in Knex down', () => {
    assert.deepEqual(snippets('ban-drop-database', 'CREATE SCHEMA s; DROP VIEW v; DROP SEQUENCE q; DROP TABLE t;', pg), []);
    assert.deepEqual(snippets('ban-drop-database', 'DROP SCHEMA s;', { ...pg, fileName: '001.down.sql' }), []);
    const text = "exports.up = (knex) => knex.schema.createSchema('s');\nexports.down = (knex) => knex.schema.dropSchema('s');";
    assert.deepEqual(snippets('ban-drop-database', text, knexPg), []);
    assert.deepEqual(snippets('ban-drop-database', 'DROP TABLE a;', lite), []);
  });
});

void describe('ban-delete-without-where', () => {
  void it('fires on DELETE without WHERE in PostgreSQL and SQLite SQL', () => {
    assert.deepEqual(snippets('ban-delete-without-where', 'DELETE FROM sessions;\nDELETE FROM public.audit USING x;', pg), ['DELETE FROM sessions', 'DELETE FROM public.audit USING x']);
    assert.equal(of('ban-delete-without-where', 'DELETE FROM sessions;', pg)[0]!.message, 'DELETE without WHERE removes every row of "sessions".');
    assert.equal(of('ban-delete-without-where', 'DELETE FROM sessions;', pg)[0]!.severity, 'error');
    assert.deepEqual(snippets('ban-delete-without-where', 'DELETE FROM sessions;\nDELETE FROM main.tokens;', lite), ['DELETE FROM sessions', 'DELETE FROM main.tokens']);
  });

  void it('fires on Knex del()/delete() without where, and in knex.raw', () => {
    const text = knexUp("  await knex('sessions').del();\n  await knex.from('tokens').delete();\n  await knex.raw('DELETE FROM audit');");
    assert.deepEqual(snippets('ban-delete-without-where', text, knexPg), ["knex('sessions').del()", "knex.from('tokens').delete()", 'DELETE FROM audit']);
    assert.deepEqual(snippets('ban-delete-without-where', text, knexLite), ["knex('sessions').del()", "knex.from('tokens').delete()", 'DELETE FROM audit']);
  });

  void it('does not fire with WHERE, with where* in Knex, on new tables, or in down', () => {
    assert.deepEqual(snippets('ban-delete-without-where', 'DELETE FROM s WHERE id < 10;\nCREATE TABLE tmp (id int);\nDELETE FROM tmp;', pg), []);
    assert.deepEqual(snippets('ban-delete-without-where', 'DELETE FROM s WHERE id < 10;', lite), []);
    const text = knexUp("  await knex('s').where('id', '<', 10).del();\n  await knex('t').whereIn('id', [1]).delete();\n  await knex('u').orWhereNull('x').del();\n  await knex.raw('DELETE FROM a WHERE b');");
    assert.deepEqual(snippets('ban-delete-without-where', text, knexPg), []);
    const down = "exports.up = (knex) => knex.schema.createTable('a', () => {});\nexports.down = (knex) => knex('seed').del();";
    assert.deepEqual(snippets('ban-delete-without-where', down, knexPg), []);
  });
});

void describe('ban-update-without-where', () => {
  void it('fires on UPDATE without WHERE in SQL (both dialects), Knex update() and knex.raw', () => {
    assert.deepEqual(snippets('ban-update-without-where', "UPDATE users SET plan = 'free';", pg), ["UPDATE users SET plan = 'free'"]);
    assert.equal(of('ban-update-without-where', "UPDATE users SET plan = 'free';", pg)[0]!.severity, 'warning');
    assert.deepEqual(snippets('ban-update-without-where', "UPDATE users SET plan = 'free';\nUPDATE OR IGNORE t SET a = 1;", lite), ["UPDATE users SET plan = 'free'", 'UPDATE OR IGNORE t SET a = 1']);
    const text = knexUp("  await knex('users').update({ plan: 'free' });\n  await knex.raw('UPDATE t SET a = 1');");
    assert.deepEqual(snippets('ban-update-without-where', text, knexPg), ["knex('users').update({ plan: 'free' })", 'UPDATE t SET a = 1']);
  });

  void it('does not fire with WHERE, Knex where*, on new tables, or on INSERT', () => {
    assert.deepEqual(snippets('ban-update-without-where', "UPDATE users SET plan = 'free' WHERE plan IS NULL;\nINSERT INTO a VALUES (1);\nCREATE TABLE n (a int);\nUPDATE n SET a = 1;", pg), []);
    assert.deepEqual(snippets('ban-update-without-where', 'UPDATE users SET plan = 1 WHERE id = 2;', lite), []);
    const text = knexUp("  await knex('users').whereNull('plan').update({ plan: 'free' });\n  await knex('users').insert({ a: 1 });\n  await knex.raw('UPDATE t SET a = 1 WHERE b');");
    assert.deepEqual(snippets('ban-update-without-where', text, knexLite), []);
  });
});

void describe('sqlite-table-rebuild', () => {
  const alter = (body: string): string => knexUp(`  await knex.schema.alterTable('posts', (t) => {\n${body}\n  });`);

  void it('fires on Knex operations that rebuild the table on SQLite', () => {
    const text = alter("    t.dropColumn('legacy');\n    t.string('title', 500).alter();\n    t.setNullable('body');\n    t.dropForeign('author_id');\n    t.foreign('editor_id').references('users.id');");
    assert.deepEqual(snippets('sqlite-table-rebuild', text, knexLite), [
      "t.dropColumn('legacy')",
      "t.string('title', 500).alter()",
      "t.setNullable('body')",
      "t.dropForeign('author_id')",
      "t.foreign('editor_id').references('users.id')",
    ]);
    assert.match(of('sqlite-table-rebuild', text, knexLite)[0]!.message, /rebuild "posts" on SQLite; with foreign keys on, ON DELETE CASCADE deletes the rows of referencing tables/);
  });

  void it('does not fire on PostgreSQL, for renameColumn (native rename), new tables, down, or plain SQL', () => {
    const text = alter("    t.dropColumn('legacy');");
    assert.deepEqual(snippets('sqlite-table-rebuild', text, knexPg), []);
    assert.deepEqual(snippets('sqlite-table-rebuild', alter("    t.renameColumn('a', 'b');\n    t.string('added');"), knexLite), []);
    const created = knexUp("  await knex.schema.createTable('x', (t) => { t.increments(); t.string('a'); });\n  await knex.schema.alterTable('x', (t) => { t.dropColumn('a'); });");
    assert.deepEqual(snippets('sqlite-table-rebuild', created, knexLite), []);
    const down = "exports.up = (knex) => knex.schema.alterTable('p', (t) => { t.string('a'); });\nexports.down = (knex) => knex.schema.alterTable('p', (t) => { t.dropColumn('a'); });";
    assert.deepEqual(snippets('sqlite-table-rebuild', down, knexLite), []);
    assert.deepEqual(snippets('sqlite-table-rebuild', 'ALTER TABLE p DROP COLUMN a;', lite), []);
  });
});

void describe('renaming-table', () => {
  void it('fires on ALTER TABLE … RENAME TO (PostgreSQL, SQLite), Knex renameTable and knex.raw', () => {
    assert.deepEqual(snippets('renaming-table', 'ALTER TABLE customers RENAME TO clients;\nALTER TABLE IF EXISTS s.a RENAME TO b;', pg), ['ALTER TABLE customers RENAME TO clients', 'ALTER TABLE IF EXISTS s.a RENAME TO b']);
    assert.equal(of('renaming-table', 'ALTER TABLE customers RENAME TO clients;', pg)[0]!.message, 'Renaming "customers" to "clients" breaks code that still uses the old name.');
    assert.deepEqual(snippets('renaming-table', 'ALTER TABLE customers RENAME TO clients;', lite), ['ALTER TABLE customers RENAME TO clients']);
    const text = knexUp("  await knex.schema.renameTable('customers', 'clients');\n  await knex.raw('ALTER TABLE a RENAME TO b');");
    assert.deepEqual(snippets('renaming-table', text, knexPg), ["knex.schema.renameTable('customers', 'clients')", 'ALTER TABLE a RENAME TO b']);
  });

  void it('does not fire on column renames, index renames, new tables or in down', () => {
    assert.deepEqual(snippets('renaming-table', 'ALTER TABLE a RENAME COLUMN x TO y;\nALTER INDEX i RENAME TO j;\nCREATE TABLE n (a int);\nALTER TABLE n RENAME TO m;', pg), []);
    assert.deepEqual(snippets('renaming-table', 'ALTER TABLE a RENAME COLUMN x TO y;', lite), []);
    const down = "exports.up = (knex) => knex.schema.renameTable('a', 'b');\nexports.down = (knex) => knex.schema.renameTable('b', 'a');";
    assert.deepEqual(snippets('renaming-table', down, knexLite), ["knex.schema.renameTable('a', 'b')"]);
    const created = knexUp("  await knex.schema.createTable('tmp', (t) => { t.increments(); });\n  await knex.schema.renameTable('tmp', 'final');\n  await knex.schema.alterTable('final', (t) => { t.dropColumn('id'); });");
    assert.deepEqual(snippets('renaming-table', created, knexPg), []);
    assert.deepEqual(snippets('ban-drop-column', created, knexPg), []);
  });
});

void describe('ban-drop-not-null', () => {
  void it('fires on DROP NOT NULL, Knex setNullable and explicit nullable().alter()', () => {
    const text = 'ALTER TABLE orders ALTER COLUMN customer_id DROP NOT NULL, ALTER COLUMN note SET DEFAULT \'\';';
    assert.deepEqual(snippets('ban-drop-not-null', text, pg), ['ALTER COLUMN customer_id DROP NOT NULL']);
    assert.equal(of('ban-drop-not-null', text, pg)[0]!.message, 'Dropping NOT NULL on "customer_id" of "orders" lets NULLs in that existing readers may not expect.');
    const knex = knexUp("  await knex.schema.alterTable('orders', (t) => {\n    t.setNullable('customer_id');\n    t.integer('qty').nullable().alter();\n  });\n  await knex.raw('ALTER TABLE a ALTER b DROP NOT NULL');");
    assert.deepEqual(snippets('ban-drop-not-null', knex, knexPg), ["t.setNullable('customer_id')", "t.integer('qty').nullable().alter()", 'ALTER b DROP NOT NULL']);
    assert.deepEqual(snippets('ban-drop-not-null', knex, knexLite).length, 2);
  });

  void it('does not fire on SET NOT NULL, bare alter(), new tables, or down', () => {
    assert.deepEqual(snippets('ban-drop-not-null', 'ALTER TABLE o ALTER COLUMN c SET NOT NULL;\nCREATE TABLE n (a int NOT NULL);\nALTER TABLE n ALTER a DROP NOT NULL;', pg), []);
    const knex = knexUp("  await knex.schema.alterTable('orders', (t) => {\n    t.integer('qty').alter();\n    t.dropNullable('x');\n    t.integer('y').notNullable().alter();\n  });");
    assert.deepEqual(snippets('ban-drop-not-null', knex, knexPg), []);
    const down = "exports.up = (knex) => knex.schema.alterTable('o', (t) => { t.dropNullable('c'); });\nexports.down = (knex) => knex.schema.alterTable('o', (t) => { t.setNullable('c'); });";
    assert.deepEqual(snippets('ban-drop-not-null', down, knexPg), []);
  });
});
