import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, initAnalyzer } from '../../../server/src/lint';
import { hits, knexLite, knexPg, knexUp, of, snippets } from './helpers';
import { migrationTemplate } from '../../../server/src/migrations/project/scaffold';

before(async () => {
  await initAnalyzer();
});

void describe('Knex migrations: export forms', () => {
  const body = "  await knex.schema.dropTable('legacy');";
  const forms: [string, string][] = [
    ['exports.up = function', `exports.up = function (knex) {\n${body}\n};\nexports.down = function (knex) { return knex.schema.createTable('legacy', () => {}); };`],
    ['exports.up = async arrow', `exports.up = async (knex) => {\n${body}\n};\nexports.down = async (knex) => { await knex.schema.createTable('legacy', () => {}); };`],
    ['module.exports = { up, down }', `async function up(knex) {\n${body}\n}\nasync function down(knex) { await knex.schema.createTable('legacy', () => {}); }\nmodule.exports = { up, down };`],
    ['module.exports = { up() {} }', `module.exports = {\n  async up(knex) {\n${body}\n  },\n  down: async (knex) => { await knex.schema.createTable('legacy', () => {}); },\n};`],
    ['export async function', `import type { Knex } from 'knex';\nexport async function up(knex: Knex): Promise<void> {\n${body}\n}\nexport async function down(knex: Knex): Promise<void> { await knex.schema.createTable('legacy', () => {}); }`],
    ['export const', `export const up = async (knex: Knex) => {\n${body}\n};\nexport const down = async (knex: Knex) => { await knex.schema.createTable('legacy', () => {}); };`],
    ['export default { up, down }', `const up = async (knex) => {\n${body}\n};\nconst down = async (knex) => { await knex.schema.createTable('legacy', () => {}); };\nexport default { up, down };`],
    ['module.exports.up =', `module.exports.up = (knex) => knex.schema.dropTable('legacy');\nmodule.exports.down = (knex) => knex.schema.createTable('legacy', () => {});`],
  ];
  for (const [name, text] of forms) {
    void it(`finds up in "${name}"`, () => {
      const fileName = name.includes('export ') ? 'm.ts' : 'm.js';
      assert.deepEqual(hits(text, { fileName, dialect: 'postgresql' }), [['ban-drop-table', text.includes("knex.schema.dropTable('legacy')") ? "knex.schema.dropTable('legacy')" : '']]);
    });
  }

  void it('uses the first parameter name as the receiver (db, trx) and follows transaction callbacks', () => {
    const text = knexUp("  await db.schema.dropTable('a');\n  await db.transaction(async (tx) => { await tx.schema.dropTable('b'); });\n  await other.schema.dropTable('c');", 'db');
    assert.deepEqual(snippets('ban-drop-table', text, knexPg), ["db.schema.dropTable('a')", "tx.schema.dropTable('b')"]);
  });

  void it('tolerates half-typed files', () => {
    const text = "exports.up = async function (knex) {\n  await knex.schema.dropTable('users');\n  await knex.schema.alterTable('x', (t) => {\n    t.dropColumn(\n";
    assert.deepEqual(snippets('ban-drop-table', text, knexPg), ["knex.schema.dropTable('users')"]);
  });
});

void describe('Knex rules', () => {
  void it('ban-drop-table fires on dropTable and dropTableIfExists, also in chains and withSchema', () => {
    const text = knexUp("  await knex.schema.dropTableIfExists('sessions').dropTable('tokens');\n  await knex.schema.withSchema('app').dropTable('logs');");
    assert.deepEqual(snippets('ban-drop-table', text, knexPg), ["knex.schema.dropTableIfExists('sessions')", "dropTable('tokens')", "knex.schema.withSchema('app').dropTable('logs')"]);
    assert.match(of('ban-drop-table', text, knexPg)[2]!.message, /"app"\."logs"/);
  });

  void it('ban-drop-table does not fire in down, on tables created in up, or on other receivers', () => {
    const text = `exports.up = async (knex) => {\n  await knex.schema.createTable('tmp', (t) => { t.increments(); });\n  await knex.schema.dropTable('tmp');\n  await notKnex.schema.dropTable('x');\n};\nexports.down = async (knex) => { await knex.schema.dropTable('users'); };`;
    assert.deepEqual(snippets('ban-drop-table', text, knexPg), []);
  });

  void it('ban-drop-column fires on dropColumn / dropColumns in alterTable and table', () => {
    const text = knexUp("  await knex.schema.alterTable('users', (t) => {\n    t.dropColumn('age');\n  });\n  await knex.schema.table('orders', function (table) { table.dropColumns('a', 'b'); });");
    assert.deepEqual(snippets('ban-drop-column', text, knexPg), ["t.dropColumn('age')", "'a'", "'b'"]);
    assert.equal(of('ban-drop-column', text, knexPg)[0]!.message, 'Dropping column "age" from "users" permanently deletes its data and breaks code that still reads it.');
  });

  void it('ban-drop-column does not fire in down or on other builders', () => {
    const text = `exports.up = async (knex) => { await knex.schema.alterTable('u', (t) => { t.string('age'); other.dropColumn('x'); }); };\nexports.down = async (knex) => { await knex.schema.alterTable('u', (t) => { t.dropColumn('age'); }); };`;
    assert.deepEqual(snippets('ban-drop-column', text, knexPg), []);
  });

  void it('ban-truncate fires on knex(table).truncate() and knex.table(table).truncate()', () => {
    const text = knexUp("  await knex('audit_log').truncate();\n  await knex.table('events').truncate();");
    assert.deepEqual(snippets('ban-truncate', text, knexPg), ["knex('audit_log').truncate()", "knex.table('events').truncate()"]);
  });

  void it('ban-truncate does not fire on del() with where, or in down', () => {
    const text = `exports.up = async (knex) => { await knex('audit_log').where('id', '<', 10).del(); };\nexports.down = async (knex) => { await knex('audit_log').truncate(); };`;
    assert.deepEqual(snippets('ban-truncate', text, knexPg), []);
  });

  void it('adding-required-field fires on notNullable() without defaultTo() in alterTable, in both dialects', () => {
    const text = knexUp("  await knex.schema.alterTable('users', (t) => {\n    t.string('email').notNullable();\n    t.integer('score').unsigned().notNullable().defaultTo(null);\n  });");
    const expected = ["t.string('email').notNullable()", "t.integer('score').unsigned().notNullable().defaultTo(null)"];
    assert.deepEqual(snippets('adding-required-field', text, knexPg), expected);
    assert.deepEqual(snippets('adding-required-field', text, knexLite), expected);
  });

  void it('adding-required-field does not fire with defaultTo, nullable, in createTable, or with alter()', () => {
    const text = knexUp(
      "  await knex.schema.createTable('fresh', (t) => { t.string('name').notNullable(); });\n  await knex.schema.alterTable('users', (t) => {\n    t.string('email').notNullable().defaultTo('');\n    t.string('nick');\n    t.string('x').notNullable().alter();\n    t.increments('seq');\n  });",
    );
    assert.deepEqual(snippets('adding-required-field', text, knexPg), []);
  });

  void it('require-concurrent-index-creation fires on t.index / t.unique in alterTable on PostgreSQL', () => {
    const text = knexUp("  await knex.schema.alterTable('users', (t) => {\n    t.index(['email'], 'users_email_idx');\n    t.unique('ref');\n  });");
    assert.deepEqual(snippets('require-concurrent-index-creation', text, knexPg), ["t.index(['email'], 'users_email_idx')", "t.unique('ref')"]);
    assert.match(of('require-concurrent-index-creation', text, knexPg)[0]!.message, /index "users_email_idx" on "users"/);
  });

  void it('require-concurrent-index-creation does not fire for SQLite, in createTable, or on a table created earlier', () => {
    const text = knexUp("  await knex.schema.createTable('t', (t) => { t.string('a'); t.index('a'); });\n  await knex.schema.alterTable('t', (t) => { t.index('a'); });");
    assert.deepEqual(snippets('require-concurrent-index-creation', text, knexPg), []);
    const existing = knexUp("  await knex.schema.alterTable('users', (t) => { t.index('email'); });");
    assert.deepEqual(snippets('require-concurrent-index-creation', existing, knexLite), []);
  });

  void it('renaming-column fires on renameColumn', () => {
    const text = knexUp("  await knex.schema.alterTable('users', (t) => { t.renameColumn('nm', 'name'); });\n  await knex.schema.table('a', (t) => t.renameColumn('b', 'c'));");
    assert.deepEqual(snippets('renaming-column', text, knexPg), ["t.renameColumn('nm', 'name')", "t.renameColumn('b', 'c')"]);
  });

  void it('renaming-column does not fire on renameTable or on a new table', () => {
    const text = knexUp("  await knex.schema.renameTable('a', 'b');\n  await knex.schema.createTable('n', (t) => { t.string('x'); });\n  await knex.schema.alterTable('n', (t) => { t.renameColumn('x', 'y'); });");
    assert.deepEqual(snippets('renaming-column', text, knexPg), []);
  });

  void it('changing-column-type fires on .alter() to a non-string type; on SQLite sqlite-table-rebuild reports every alter instead', () => {
    const text = knexUp("  await knex.schema.alterTable('users', (t) => {\n    t.bigInteger('id').alter();\n    t.string('name', 500).alter();\n  });");
    assert.deepEqual(snippets('changing-column-type', text, knexPg), ["t.bigInteger('id').alter()"]);
    assert.deepEqual(snippets('changing-column-type', text, knexLite), []);
    assert.deepEqual(snippets('sqlite-table-rebuild', text, knexLite), ["t.bigInteger('id').alter()", "t.string('name', 500).alter()"]);
  });

  void it('changing-column-type does not fire on widening string columns', () => {
    const text = knexUp("  await knex.schema.alterTable('users', (t) => { t.string('bio').alter(); t.text('note').alter(); });");
    assert.deepEqual(snippets('changing-column-type', text, knexPg), []);
  });
});

void describe('missing-down', () => {
  void it('fires on the up name when down is missing', () => {
    const text = "exports.up = async function (knex) {\n  await knex.schema.createTable('a', () => {});\n};\n";
    const found = of('missing-down', text, knexPg);
    assert.equal(found.length, 1);
    assert.equal(text.slice(found[0]!.start, found[0]!.end), 'up');
    assert.equal(found[0]!.start, text.indexOf('up'));
    assert.equal(found[0]!.severity, 'warning');
  });

  void it('fires when down is empty (block, Promise.resolve(), export function)', () => {
    for (const down of ['exports.down = async function () {};', 'exports.down = () => Promise.resolve();', 'exports.down = async (knex) => { return; };']) {
      const text = `exports.up = (knex) => knex.schema.createTable('a', () => {});\n${down}`;
      assert.deepEqual(snippets('missing-down', text, knexPg), ['up'], down);
    }
    const ts = "export async function up(knex: Knex) { await knex.schema.createTable('a', () => {}); }\nexport async function down(knex: Knex) {}";
    assert.deepEqual(snippets('missing-down', ts, { fileName: 'm.ts' }), ['up']);
    assert.match(of('missing-down', ts, { fileName: 'm.ts' })[0]!.message, /empty/);
  });

  void it('does not fire when down does something, or on files that are not migrations, or on SQL', () => {
    const text = "exports.up = (knex) => knex.schema.createTable('a', () => {});\nexports.down = (knex) => knex.schema.dropTable('a');";
    assert.deepEqual(snippets('missing-down', text, knexPg), []);
    assert.deepEqual(snippets('missing-down', "module.exports = { client: 'sqlite3' };", { fileName: 'knexfile.js' }), []);
    assert.deepEqual(snippets('missing-down', 'CREATE TABLE a (id int);', { fileName: 'up.sql' }), []);
    const irreversible = "exports.up = (knex) => knex.schema.dropTable('a');\nexports.down = () => { throw new Error('irreversible'); };";
    assert.deepEqual(snippets('missing-down', irreversible, knexPg), []);
  });

  void it('does not fire when up does nothing either (the template of migration-guard new, before it is filled in)', () => {
    for (const ext of ['.js', '.ts'] as const) {
      const template = migrationTemplate(ext);
      assert.deepEqual(snippets('missing-down', template, { fileName: `20240101000000_x${ext}` }), [], ext);
      // Filled in, without a down: the warning is back.
      const filled = template.replace("// await knex.schema.createTable('example'", "await knex.schema.createTable('example'");
      assert.notEqual(filled, template);
      assert.deepEqual(snippets('missing-down', filled, { fileName: `20240101000000_x${ext}` }), ['up'], ext);
    }
    assert.deepEqual(snippets('missing-down', 'exports.up = async () => {};\n', knexPg), []);
  });
});

void describe('knex.raw SQL', () => {
  void it('analyses SQL in raw string literals and maps ranges into the literal, across escapes and non-ASCII', () => {
    const text = knexUp("  // café ☕ 😀\n  await knex.raw('DROP TABLE \"légacy\";\\n  ALTER TABLE u DROP COLUMN \\'x\\'');\n  await knex.schema.raw(`TRUNCATE audit_😀;\nCREATE INDEX i ON users (email)`);");
    assert.deepEqual(hits(text, knexPg), [
      ['ban-drop-table', 'DROP TABLE "légacy"'],
      ['syntax-error', "\\'x\\'"],
      ['ban-truncate', 'TRUNCATE audit_😀'],
      ['require-concurrent-index-creation', 'CREATE INDEX i ON users (email)'],
    ]);
  });

  void it('uses the SQLite parser for SQLite projects', () => {
    const text = knexUp("  await knex.raw('ALTER TABLE users ADD COLUMN email TEXT NOT NULL');\n  await knex.raw('PRAGMA foreign_keys = OFF');");
    assert.deepEqual(hits(text, knexLite), [['adding-required-field', 'ADD COLUMN email TEXT NOT NULL']]);
  });

  void it('skips template literals with substitutions and parses raw SQL with ? bindings without syntax errors', () => {
    const text = knexUp("  await knex.raw(`DROP TABLE ${name}`);\n  await knex.raw('ALTER TABLE ?? DROP COLUMN ??', ['users', 'age']);\n  await knex.raw('SELECT * FROM t WHERE id = ?', [1]);");
    assert.deepEqual(hits(text, knexPg), [
      ['uninspectable-sql', '`DROP TABLE ${name}`'],
      ['ban-drop-column', 'DROP COLUMN ??'],
    ]);
  });

  void it('does not report raw SQL in down', () => {
    const text = "exports.up = (knex) => knex.schema.createTable('a', () => {});\nexports.down = (knex) => knex.raw('DROP TABLE a');";
    assert.deepEqual(analyze(text, knexPg), []);
  });
});
