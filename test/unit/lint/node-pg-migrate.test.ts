import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyze, detectSourceKind, initAnalyzer, parseDocument } from '../../../server/src/lint';
import type { AnalyzeOptions } from '../../../server/src/lint';
import { sqlTypeFromString } from '../../../server/src/lint/parsers/node-pg-migrate';
import { hits, of, snippets } from './helpers';

before(async () => {
  await initAnalyzer();
});

const js: AnalyzeOptions = { fileName: 'migrations/1700000000000_change.js', dialect: 'postgresql' };
const ts: AnalyzeOptions = { fileName: 'migrations/1700000000000_change.ts', dialect: 'postgresql' };
const fixtures = path.join(__dirname, '../../fixtures/node-pg-migrate');

/** A node-pg-migrate module whose up runs `body` and whose down does real work. */
function mig(body: string, down = "  pgm.sql('SELECT 1');"): string {
  return `/* eslint-disable camelcase */\nexports.shorthands = undefined;\n\nexports.up = (pgm) => {\n${body}\n};\n\nexports.down = (pgm) => {\n${down}\n};\n`;
}

void describe('node-pg-migrate: detection and parsing', () => {
  void it('tells node-pg-migrate modules from Knex ones', () => {
    assert.equal(detectSourceKind(mig("  pgm.dropTable('a');"), js), 'node-pg-migrate');
    assert.equal(detectSourceKind(readFileSync(path.join(fixtures, '1700000000002_concurrent-index.ts'), 'utf8'), ts), 'node-pg-migrate');
    assert.equal(detectSourceKind("exports.up = (knex) => knex.schema.dropTable('a');\n", js), 'knex');
    // A Knex migration with a variable named pgm is still Knex when nothing else says node-pg-migrate.
    assert.equal(detectSourceKind("exports.up = async (knex) => { const pgm = knex; await pgm.schema.dropTable('a'); };", js), 'knex');
    assert.equal(detectSourceKind('whatever', { fileName: 'a.js', kind: 'knex' }), 'knex');
  });

  void it('marks phases, uses the first parameter as receiver, and ignores other receivers', () => {
    const text = `exports.up = async (db) => {\n  db.dropTable('a');\n  pgm.dropTable('x');\n};\nexports.down = (db) => {\n  db.dropTable('b');\n};\n// node-pg-migrate\n`;
    const ops = parseDocument(text, { ...js, kind: 'node-pg-migrate' }).operations.map((o) => [o.type, o.phase, o.origin, text.slice(o.range.start, o.range.end)]);
    assert.deepEqual(ops, [
      ['dropTable', 'up', 'node-pg-migrate', "db.dropTable('a')"],
      ['dropTable', 'down', 'node-pg-migrate', "db.dropTable('b')"],
    ]);
  });

  void it('finds up/down in every export form (shared with the Knex parser), and exports.down = false is irreversible', () => {
    const forms = [
      "module.exports = { 'up': (pgm) => { pgm.dropTable('a'); }, down: false };\n",
      "const up = (pgm) => { pgm.dropTable('a'); };\nexport default { up, down: false };\n",
      "function migrateUp(pgm) { pgm.dropTable('a'); }\nexport { migrateUp as up };\nexport const down = false;\n",
    ];
    for (const text of forms) {
      const doc = parseDocument(text, { ...ts, kind: 'node-pg-migrate' });
      assert.deepEqual(doc.operations.map((o) => [o.type, o.phase]), [['dropTable', 'up']], text);
      assert.equal(doc.migration?.down?.empty, false, text);
    }
  });

  void it('reads the fixture with exact ranges after non-ASCII comments', () => {
    const text = readFileSync(path.join(fixtures, '1700000000001_unsafe-changes.js'), 'utf8');
    // `exports.down = false` declares it irreversible on purpose: no missing-down (issue 17).
    assert.deepEqual(hits(text, js), [
      ['ban-drop-column', "'legacy_id'"],
      ['ban-drop-column', "'old_flag'"],
      ['renaming-column', "pgm.renameColumn('accounts', 'name', 'full_name')"],
      ['changing-column-type', "pgm.alterColumn('accounts', 'balance', { type: 'bigint' })"],
      ['adding-required-field', "pgm.addColumns('accounts', { tier: { type: 'integer', notNull: true } })"],
      ['require-concurrent-index-creation', "pgm.createIndex('accounts', ['email'], { unique: true })"],
      ['ban-drop-table', 'DROP TABLE audit_log'],
    ]);
  });

  void it('reports nothing on a safe migration that creates its own table', () => {
    const text = readFileSync(path.join(fixtures, '1700000000000_create-users.js'), 'utf8');
    // Only the style hint of prefer-timestamptz (issue 17): node-pg-migrate's 'timestamp' has no time zone.
    assert.deepEqual(hits(text, js), [['prefer-timestamptz', "createdAt: { type: 'timestamp', notNull: true, default: pgm.func('current_timestamp') }"]]);
  });

  void it('never throws on half-typed modules and still finds complete calls', () => {
    const partials = ["exports.up = (pgm) => {\n  pgm.dropTable('users');\n  pgm.addColumns('t', { a: { type: ", "exports.up = (pgm) => {\n  pgm.dropTable('users');\n  pgm.sql(`DROP ${", 'exports.up = (pgm) => { pgm.', ''];
    for (const text of partials) {
      const findings = analyze(text, js);
      for (const f of findings) assert.ok(f.start >= 0 && f.end <= text.length && f.start <= f.end);
    }
    assert.deepEqual(snippets('ban-drop-table', partials[0]!, js), ["pgm.dropTable('users')"]);
    assert.deepEqual(snippets('ban-drop-table', partials[1]!, js), ["pgm.dropTable('users')"]);
  });

  void it('survives random mutations of node-pg-migrate modules', () => {
    const base = readdirSync(fixtures)
      .map((f) => readFileSync(path.join(fixtures, f), 'utf8'))
      .join('\n');
    let seed = 11;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pieces = ['(', ')', "'", '`', '${', '\n', '{', '}', ':', 'é', '😀', '\\', 'pgm.', '=>', ',', '\ud800'];
    for (let i = 0; i < 150; i++) {
      let text = base;
      for (let k = 0; k < 4; k++) {
        const pos = Math.floor(rand() * text.length);
        text = rand() < 0.5 ? text.slice(0, pos) + pieces[Math.floor(rand() * pieces.length)]! + text.slice(pos) : text.slice(0, pos) + text.slice(pos + 1 + Math.floor(rand() * 6));
      }
      const t0 = performance.now();
      const findings = analyze(text, js);
      assert.ok(performance.now() - t0 < 200, 'within 200 ms');
      for (const f of findings) assert.ok(f.start >= 0 && f.end <= text.length && f.start <= f.end);
    }
  });

  void it('normalizes SQL type strings', () => {
    assert.deepEqual(sqlTypeFromString('character varying(100)'), { name: 'varchar', args: [100] });
    assert.deepEqual(sqlTypeFromString('INTEGER'), { name: 'int4', args: [] });
    assert.deepEqual(sqlTypeFromString('numeric(10, 2)'), { name: 'numeric', args: [10, 2] });
    assert.deepEqual(sqlTypeFromString('text[]'), { name: 'text[]', args: [] });
  });
});

void describe('node-pg-migrate: dropTable → ban-drop-table', () => {
  void it('fires on dropTable with a name or a { schema, name } object', () => {
    const text = mig("  pgm.dropTable('users');\n  pgm.dropTable({ schema: 'billing', name: 'invoices' }, { ifExists: true });");
    assert.deepEqual(snippets('ban-drop-table', text, js), ["pgm.dropTable('users')", "pgm.dropTable({ schema: 'billing', name: 'invoices' }, { ifExists: true })"]);
    assert.match(of('ban-drop-table', text, js)[1]!.message, /"billing"\."invoices"/);
  });
  void it('does not fire in down or on a table created earlier in up', () => {
    assert.deepEqual(snippets('ban-drop-table', mig("  pgm.sql('SELECT 1');", "  pgm.dropTable('users');"), js), []);
    assert.deepEqual(snippets('ban-drop-table', mig("  pgm.createTable('tmp', { id: 'id' });\n  pgm.dropTable('tmp');"), js), []);
  });
});

void describe('node-pg-migrate: dropColumns/dropColumn → ban-drop-column', () => {
  void it('fires per column (array elements get their own range, a single column the call)', () => {
    const text = mig("  pgm.dropColumns('users', ['a', 'b']);\n  pgm.dropColumn('users', 'c');");
    assert.deepEqual(snippets('ban-drop-column', text, js), ["'a'", "'b'", "pgm.dropColumn('users', 'c')"]);
  });
  void it('does not fire in down or on a new table', () => {
    assert.deepEqual(snippets('ban-drop-column', mig("  pgm.sql('SELECT 1');", "  pgm.dropColumns('users', 'a');"), js), []);
    assert.deepEqual(snippets('ban-drop-column', mig("  pgm.createTable('t', { a: 'text', b: 'text' });\n  pgm.dropColumns('t', ['b']);"), js), []);
  });
});

void describe('node-pg-migrate: renameColumn / renameTable', () => {
  void it('fires on renameColumn and renameTable', () => {
    const text = mig("  pgm.renameColumn('users', 'name', 'full_name');\n  pgm.renameTable('users', 'accounts');");
    assert.deepEqual(snippets('renaming-column', text, js), ["pgm.renameColumn('users', 'name', 'full_name')"]);
    assert.deepEqual(snippets('renaming-table', text, js), ["pgm.renameTable('users', 'accounts')"]);
  });
  void it('fires on renameColumn in a TypeScript module too', () => {
    const text = "import { MigrationBuilder } from 'node-pg-migrate';\nexport async function up(pgm: MigrationBuilder): Promise<void> {\n  pgm.renameColumn('users', 'a', 'b');\n}\nexport async function down(pgm: MigrationBuilder): Promise<void> {\n  pgm.sql('SELECT 1');\n}\n";
    assert.deepEqual(snippets('renaming-column', text, ts), ["pgm.renameColumn('users', 'a', 'b')"]);
  });
  void it('does not fire on a table created in the same up, nor renameTable in down', () => {
    assert.deepEqual(snippets('renaming-column', mig("  pgm.createTable('t', { a: 'text' });\n  pgm.renameColumn('t', 'a', 'b');"), js), []);
    assert.deepEqual(snippets('renaming-table', mig("  pgm.sql('SELECT 1');", "  pgm.renameTable('accounts', 'users');"), js), []);
  });
});

void describe('node-pg-migrate: alterColumn', () => {
  void it('{ type } → changing-column-type', () => {
    const text = mig("  pgm.alterColumn('users', 'age', { type: 'bigint' });\n  pgm.alterColumn('users', 'code', { type: 'integer', using: 'code::integer' });");
    assert.deepEqual(snippets('changing-column-type', text, js), ["pgm.alterColumn('users', 'age', { type: 'bigint' })", "pgm.alterColumn('users', 'code', { type: 'integer', using: 'code::integer' })"]);
  });
  void it('{ type } widening to text or a bigger varchar of a column declared in the file is not reported', () => {
    const text = mig("  pgm.alterColumn('users', 'bio', { type: 'text' });\n  pgm.alterColumn('users', 'note', { default: null });");
    assert.deepEqual(snippets('changing-column-type', text, js), []);
    const widen = `exports.up = (pgm) => {\n  pgm.addColumns('t', { n: { type: 'varchar(10)' } });\n  pgm.alterColumn('t', 'n', { type: 'varchar(20)' });\n};\nexports.down = (pgm) => { pgm.dropColumns('t', 'n'); };\n`;
    assert.deepEqual(snippets('changing-column-type', widen, js), []);
  });
  void it('{ notNull: true } → adding-not-nullable-field, { allowNull: true } / { notNull: false } → ban-drop-not-null', () => {
    const text = mig("  pgm.alterColumn('users', 'email', { notNull: true });\n  pgm.alterColumn('users', 'name', { allowNull: false });\n  pgm.alterColumn('users', 'a', { allowNull: true });\n  pgm.alterColumn('users', 'b', { notNull: false });");
    assert.deepEqual(snippets('adding-not-nullable-field', text, js), ["pgm.alterColumn('users', 'email', { notNull: true })", "pgm.alterColumn('users', 'name', { allowNull: false })"]);
    assert.deepEqual(snippets('ban-drop-not-null', text, js), ["pgm.alterColumn('users', 'a', { allowNull: true })", "pgm.alterColumn('users', 'b', { notNull: false })"]);
  });
  void it('notNull changes are not reported in down or on a new table', () => {
    assert.deepEqual(snippets('ban-drop-not-null', mig("  pgm.sql('SELECT 1');", "  pgm.alterColumn('users', 'a', { notNull: false });"), js), []);
    assert.deepEqual(snippets('adding-not-nullable-field', mig("  pgm.createTable('t', { a: 'text' });\n  pgm.alterColumn('t', 'a', { notNull: true });"), js), []);
  });
});

void describe('node-pg-migrate: addColumns → adding-required-field', () => {
  void it('fires on notNull / primaryKey without a default (one range per column when several)', () => {
    const text = mig("  pgm.addColumns('users', { tier: { type: 'integer', notNull: true } });\n  pgm.addColumn('users', { uid: { type: 'uuid', primaryKey: true }, note: 'text' });");
    assert.deepEqual(snippets('adding-required-field', text, js), ["pgm.addColumns('users', { tier: { type: 'integer', notNull: true } })", "uid: { type: 'uuid', primaryKey: true }"]);
  });
  void it('does not fire with a default, a serial type, a nullable column, or on a new table', () => {
    const text = mig(
      "  pgm.addColumns('users', { tier: { type: 'integer', notNull: true, default: 0 }, n: { type: 'serial', notNull: true }, note: { type: 'text' } });\n  pgm.createTable('t', { id: 'id' });\n  pgm.addColumns('t', { x: { type: 'text', notNull: true } });",
    );
    assert.deepEqual(snippets('adding-required-field', text, js), []);
  });
});

void describe('node-pg-migrate: volatile defaults and dropSchema', () => {
  void it('pgm.func(volatile) defaults and serial columns → adding-field-with-volatile-default', () => {
    const text = mig("  pgm.addColumns('users', { token: { type: 'uuid', default: pgm.func('gen_random_uuid()') } });\n  pgm.addColumns('users', { seq: 'serial' });");
    assert.deepEqual(snippets('adding-field-with-volatile-default', text, js), ["pgm.addColumns('users', { token: { type: 'uuid', default: pgm.func('gen_random_uuid()') } })", "pgm.addColumns('users', { seq: 'serial' })"]);
  });
  void it('stable functions, string literals and new tables are not volatile defaults', () => {
    const text = mig("  pgm.addColumns('users', { at: { type: 'timestamptz', default: pgm.func('current_timestamp') }, s: { type: 'text', default: 'random()' } });\n  pgm.createTable('t', { id: 'id' });\n  pgm.addColumns('t', { u: { type: 'uuid', default: pgm.func('gen_random_uuid()') } });");
    assert.deepEqual(snippets('adding-field-with-volatile-default', text, js), []);
  });
  void it('dropSchema → ban-drop-database, not in down', () => {
    const text = mig("  pgm.dropSchema('legacy');\n  pgm.dropSchema('old', { cascade: true });", "  pgm.dropSchema('fresh');");
    assert.deepEqual(snippets('ban-drop-database', text, js), ["pgm.dropSchema('legacy')", "pgm.dropSchema('old', { cascade: true })"]);
    assert.deepEqual(snippets('ban-drop-database', mig("  pgm.createSchema('fresh');", "  pgm.dropSchema('fresh');"), js), []);
  });
});

void describe('node-pg-migrate: createIndex → require-concurrent-index-creation', () => {
  void it('fires without { concurrently: true }', () => {
    const text = mig("  pgm.createIndex('users', 'email');\n  pgm.addIndex('users', ['a', 'b'], { unique: true, name: 'users_ab' });");
    assert.deepEqual(snippets('require-concurrent-index-creation', text, js), ["pgm.createIndex('users', 'email')", "pgm.addIndex('users', ['a', 'b'], { unique: true, name: 'users_ab' })"]);
    assert.match(of('require-concurrent-index-creation', text, js)[1]!.message, /"users_ab"/);
  });
  void it('does not fire with { concurrently: true }, on a new table, or on SQLite', () => {
    const text = readFileSync(path.join(fixtures, '1700000000002_concurrent-index.ts'), 'utf8');
    assert.deepEqual(hits(text, ts), []);
    assert.deepEqual(snippets('require-concurrent-index-creation', mig("  pgm.createTable('t', { id: 'id' });\n  pgm.createIndex('t', 'id');"), js), []);
    assert.deepEqual(snippets('require-concurrent-index-creation', mig("  pgm.createIndex('users', 'email');"), { ...js, dialect: 'sqlite' }), []);
  });
  void it('noTransaction() disables the transaction for the whole file', () => {
    const text = readFileSync(path.join(fixtures, '1700000000002_concurrent-index.ts'), 'utf8');
    assert.equal(parseDocument(text, ts).transactionDisabled, true);
    assert.equal(parseDocument(mig("  pgm.createIndex('users', 'email', { concurrently: true });"), js).transactionDisabled, undefined);
  });
  void it('dropIndex without concurrently → require-concurrent-index-deletion', () => {
    const text = mig("  pgm.dropIndex('users', 'email');\n  pgm.dropIndex('users', ['a'], { name: 'ix_a', concurrently: true });");
    assert.deepEqual(snippets('require-concurrent-index-deletion', text, js), ["pgm.dropIndex('users', 'email')"]);
  });
});

void describe('node-pg-migrate: addConstraint → constraint-missing-not-valid / disallowed-unique-constraint', () => {
  void it('fires on foreign keys and checks without NOT VALID, and on unique constraints', () => {
    const text = mig(
      "  pgm.addConstraint('orders', 'fk_user', { foreignKeys: { columns: 'user_id', references: 'users(id)' } });\n" +
        "  pgm.addConstraint('orders', 'ck_total', 'CHECK (total >= 0)');\n" +
        "  pgm.createConstraint('users', 'uq_email', { unique: 'email' });",
    );
    assert.deepEqual(snippets('constraint-missing-not-valid', text, js), [
      "pgm.addConstraint('orders', 'fk_user', { foreignKeys: { columns: 'user_id', references: 'users(id)' } })",
      "pgm.addConstraint('orders', 'ck_total', 'CHECK (total >= 0)')",
    ]);
    assert.deepEqual(snippets('disallowed-unique-constraint', text, js), ["pgm.createConstraint('users', 'uq_email', { unique: 'email' })"]);
  });
  void it('does not fire with NOT VALID, USING INDEX, on a new table, or in down', () => {
    const text = mig(
      "  pgm.addConstraint('orders', 'fk', 'FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID');\n" +
        "  pgm.addConstraint('users', 'uq', 'UNIQUE USING INDEX users_email_idx');\n" +
        "  pgm.createTable('t', { id: 'id' });\n" +
        "  pgm.addConstraint('t', 'ck', { check: 'id > 0' });",
      "  pgm.addConstraint('users', 'uq_email', { unique: 'email' });",
    );
    assert.deepEqual(snippets('constraint-missing-not-valid', text, js), []);
    assert.deepEqual(snippets('disallowed-unique-constraint', text, js), []);
  });
});

void describe('node-pg-migrate: pgm.sql', () => {
  void it('maps findings into string and template literals, through escapes', () => {
    const text = mig("  pgm.sql('SELECT \\'é\\';\\nDROP TABLE a');\n  pgm.sql(`\n    ALTER TABLE b DROP COLUMN c;\n    TRUNCATE d;\n  `);");
    assert.deepEqual(snippets('ban-drop-table', text, js), ['DROP TABLE a']);
    assert.deepEqual(snippets('ban-drop-column', text, js), ['DROP COLUMN c']);
    assert.deepEqual(snippets('ban-truncate', text, js), ['TRUNCATE d']);
  });
  void it('reads {name} placeholders as identifiers when arguments are passed', () => {
    const text = mig("  pgm.sql('DROP TABLE {table}', { table: 'x' });");
    assert.deepEqual(snippets('syntax-error', text, js), []);
    assert.deepEqual(snippets('ban-drop-table', text, js), ['DROP TABLE {table}']);
  });
  void it('does not report SQL in down; template literals with ${} are uninspectable', () => {
    const text = mig('  pgm.sql(`DROP TABLE ${name}`);\n  pgm.sql(query);', "  pgm.sql('DROP TABLE users');");
    assert.deepEqual(snippets('ban-drop-table', text, js), []);
    assert.deepEqual(snippets('uninspectable-sql', text, js), ['`DROP TABLE ${name}`', 'query']);
  });
});

void describe('node-pg-migrate: data-loss rules through pgm.sql', () => {
  const cases: [string, string[], string[]][] = [
    ['ban-truncate', ['TRUNCATE users', 'TRUNCATE TABLE audit CASCADE'], ['SELECT 1', 'CREATE TABLE t (id int); TRUNCATE t']],
    ['ban-delete-without-where', ['DELETE FROM users', 'DELETE FROM sessions s'], ['DELETE FROM users WHERE id = 1', 'SELECT 1']],
    ['ban-update-without-where', ['UPDATE users SET a = 1', 'UPDATE orders SET total = 0'], ['UPDATE users SET a = 1 WHERE id = 2', 'SELECT 1']],
    ['ban-drop-database', ['DROP SCHEMA legacy CASCADE', 'DROP DATABASE old'], ['CREATE SCHEMA s', 'SELECT 1']],
  ];
  for (const [ruleId, fire, quiet] of cases) {
    void it(`${ruleId}: fires on ${fire.length} statements in up, not on ${quiet.length} others nor in down`, () => {
      const text = mig(fire.map((sql) => `  pgm.sql('${sql}');`).join('\n'));
      assert.deepEqual(snippets(ruleId, text, js), fire);
      const none = mig(quiet.map((sql) => `  pgm.sql('${sql}');`).join('\n'), fire.map((sql) => `  pgm.sql('${sql}');`).join('\n'));
      assert.deepEqual(snippets(ruleId, none, js), []);
    });
  }
});

void describe('node-pg-migrate: down → missing-down', () => {
  void it('exports.down = false (irreversible on purpose: node-pg-migrate refuses the rollback) is not missing-down (issue 17)', () => {
    const text = mig("  pgm.dropColumns('users', 'x');").replace(/exports\.down = \(pgm\) => \{\n[^\n]*\n\};/, 'exports.down = false;');
    assert.match(text, /exports\.down = false;/);
    assert.deepEqual(of('missing-down', text, js), []);
    // `undefined` / `null` still mean "no down" (node-pg-migrate then reverses up, which fails for dropColumns).
    assert.deepEqual(snippets('missing-down', text.replace('exports.down = false;', 'exports.down = null;'), js), ['up']);
  });
  void it('no down export with an irreversible up (sql, dropColumns) is reported', () => {
    const text = "exports.up = (pgm) => {\n  pgm.sql('UPDATE users SET a = 1 WHERE id = 2');\n};\n";
    assert.deepEqual(snippets('missing-down', text, js), ['up']);
    assert.deepEqual(snippets('missing-down', "exports.up = (pgm) => {\n  pgm.dropColumns('t', 'a');\n};\n", js), ['up']);
  });
  void it('no down export is fine when node-pg-migrate can reverse up itself; a real down is fine', () => {
    assert.deepEqual(snippets('missing-down', "exports.up = (pgm) => {\n  pgm.createTable('t', { id: 'id' });\n  pgm.createIndex('t', 'id');\n};\n", js), []);
    assert.deepEqual(snippets('missing-down', mig("  pgm.dropColumns('users', 'x');", "  pgm.addColumns('users', { x: 'text' });"), js), []);
  });
});
