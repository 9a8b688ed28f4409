/**
 * Rules of the third breadth round (issue 17): foreign keys without an index (with the history model), the
 * flow-sensitive lock_timeout, and the strong_migrations / Squawk / pgfence checks nobody here did. Positive and
 * negative cases per front end where the construct exists.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyzeInFolder, initAnalyzer, SchemaHistory } from '../../../server/src/lint';
import type { AnalyzeOptions } from '../../../server/src/lint';
import { knexPg, knexUp, lite, pg, snippets } from './helpers';

before(async () => {
  await initAnalyzer();
});

const py: AnalyzeOptions = { fileName: 'versions/1a2b_rev.py', dialect: 'postgresql' };
const pgm: AnalyzeOptions = { fileName: '1700000000000_m.js', dialect: 'postgresql', kind: 'node-pg-migrate' };

/** An Alembic revision whose upgrade() runs `body`. */
function rev(body: string): string {
  return `from alembic import op\nimport sqlalchemy as sa\n\nrevision = '1a2b'\ndown_revision = None\n\n\ndef upgrade():\n${body}\n\n\ndef downgrade():\n    op.execute('SELECT 1')\n`;
}
/** A node-pg-migrate module whose up runs `body`. */
function npm(body: string): string {
  return `exports.up = (pgm) => {\n${body}\n};\nexports.down = (pgm) => {\n  pgm.sql('SELECT 1');\n};\n`;
}
/** Findings of `rule` on the last of `files` (SQL texts), analysed in order with one history. */
function inFolder(rule: string, files: string[], options: AnalyzeOptions = pg): string[] {
  const history = new SchemaHistory();
  let last: string[] = [];
  files.forEach((text, i) => {
    const found = analyzeInFolder(text, { ...options, fileName: `00${i + 1}_m${options.fileName.slice(options.fileName.lastIndexOf('.'))}` }, history);
    last = found.filter((f) => f.ruleId === rule).map((f) => text.slice(f.start, f.end));
  });
  return last;
}

void describe('foreign-key-missing-index', () => {
  const rule = 'foreign-key-missing-index';
  void it('SQL: ALTER TABLE … FOREIGN KEY and ADD COLUMN … REFERENCES without an index; quiet with one before or after', () => {
    assert.deepEqual(snippets(rule, 'ALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES u (id) NOT VALID;', pg), ['ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES u (id) NOT VALID']);
    assert.deepEqual(snippets(rule, 'ALTER TABLE o ADD COLUMN c int REFERENCES u;', pg), ['ADD COLUMN c int REFERENCES u']);
    assert.deepEqual(snippets(rule, 'ALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES u (id) NOT VALID;\nCREATE INDEX CONCURRENTLY i ON o (c, d);', pg), []);
    assert.deepEqual(snippets(rule, 'CREATE INDEX i ON o (d, c);\nALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (c, d) REFERENCES u (a, b);', pg), []);
  });
  void it('SQL: the index must lead with the columns, be a B-tree and not partial', () => {
    assert.equal(snippets(rule, 'CREATE INDEX i ON o (d, c);\nALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES u (id);', pg).length, 1);
    assert.equal(snippets(rule, 'CREATE INDEX i ON o (c) WHERE c IS NOT NULL;\nALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES u (id);', pg).length, 1);
    assert.equal(snippets(rule, 'CREATE INDEX i ON o USING gin (c);\nALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES u (id);', pg).length, 1);
    assert.equal(snippets(rule, 'CREATE INDEX i ON o (lower(c));\nALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES u (id);', pg).length, 1);
  });
  void it('SQL: CREATE TABLE inline and table-level foreign keys; PRIMARY KEY / UNIQUE count as indexes', () => {
    const text = 'CREATE TABLE o (id int PRIMARY KEY, c int REFERENCES u, d int, e int, FOREIGN KEY (d, e) REFERENCES z, UNIQUE (e, d), FOREIGN KEY (id) REFERENCES w);';
    assert.deepEqual(snippets(rule, text, pg), ['c int REFERENCES u']);
    assert.deepEqual(snippets(rule, 'CREATE TABLE o (id int PRIMARY KEY, c int REFERENCES u);\nCREATE INDEX ON o (c);', pg), []);
  });
  void it('history: an index of an earlier migration counts, unless dropped (or its column dropped) since', () => {
    const fk = 'ALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES u (id) NOT VALID;';
    assert.deepEqual(inFolder(rule, ['CREATE TABLE o (id int PRIMARY KEY, c int);', 'CREATE INDEX o_c ON o (c);', fk]), []);
    assert.deepEqual(inFolder(rule, ['CREATE TABLE o (id int PRIMARY KEY, c int, UNIQUE (c));', fk]), []);
    assert.equal(inFolder(rule, ['CREATE TABLE o (id int PRIMARY KEY, c int);', 'CREATE INDEX o_c ON o (c);', 'DROP INDEX o_c;', fk]).length, 1);
    assert.equal(inFolder(rule, ['CREATE TABLE o (id int PRIMARY KEY, c int);', 'CREATE INDEX o_c ON o (c);', 'ALTER TABLE o RENAME TO p;', fk]).length, 1);
    assert.deepEqual(inFolder(rule, ['CREATE TABLE p (id int PRIMARY KEY, c int);', 'CREATE INDEX o_c ON p (c);', 'ALTER TABLE p RENAME TO o;', fk]), []);
    assert.deepEqual(inFolder(rule, ['CREATE TABLE o (id int PRIMARY KEY, b int);', 'CREATE INDEX o_b ON o (b);', 'ALTER TABLE o RENAME COLUMN b TO c;', fk]), []);
    assert.equal(inFolder(rule, ['CREATE TABLE o (id int PRIMARY KEY, c int, d int);', 'CREATE INDEX o_cd ON o (c, d);', 'ALTER TABLE o DROP COLUMN d;', fk]).length, 1);
  });
  void it('history across Knex migrations', () => {
    const first = knexUp("  await knex.schema.createTable('o', (t) => { t.increments('id'); t.integer('c'); t.index(['c']); });");
    const second = knexUp("  await knex.schema.alterTable('o', (t) => { t.foreign('c').references('u.id'); });");
    assert.deepEqual(inFolder(rule, [first, second], knexPg), []);
    assert.equal(inFolder(rule, [knexUp("  await knex.schema.createTable('o', (t) => { t.increments('id'); t.integer('c'); });"), second], knexPg).length, 1);
  });
  void it('Knex: createTable .references() / t.foreign(); alterTable; .index(), t.index(), t.unique() cover; hash / predicate do not', () => {
    const create = knexUp("  await knex.schema.createTable('o', (t) => { t.increments('id'); t.integer('c').references('u.id'); t.integer('d').references('id').inTable('z').index(); t.integer('e'); t.foreign('e').references('w.id'); t.unique(['e']); });");
    assert.deepEqual(snippets(rule, create, knexPg), ["t.integer('c').references('u.id')"]);
    const alter = knexUp("  await knex.schema.alterTable('o', (t) => { t.foreign('c').references('u.id'); t.integer('d').references('z.id'); t.index(['d', 'x']); });");
    assert.deepEqual(snippets(rule, alter, knexPg), ["t.foreign('c').references('u.id')"]);
    const hash = knexUp("  await knex.schema.alterTable('o', (t) => { t.foreign('c').references('u.id'); t.index(['c'], 'i', 'hash'); t.index(['c'], 'j', { predicate: knex.whereNotNull('c') }); });");
    assert.equal(snippets(rule, hash, knexPg).length, 1);
  });
  void it('Alembic: create_foreign_key without / with create_index (not postgresql_where)', () => {
    const fk = "    op.create_foreign_key('f', 'o', 'u', ['c'], ['id'])";
    assert.deepEqual(snippets(rule, rev(fk), py), ["op.create_foreign_key('f', 'o', 'u', ['c'], ['id'])"]);
    assert.deepEqual(snippets(rule, rev(`${fk}\n    op.create_index('o_c', 'o', ['c'])`), py), []);
    assert.equal(snippets(rule, rev(`${fk}\n    op.create_index('o_c', 'o', ['c'], postgresql_where=sa.text('c > 0'))`), py).length, 1);
  });
  void it('node-pg-migrate: addConstraint foreignKeys and createTable references; createIndex covers', () => {
    const fk = "  pgm.addConstraint('o', 'f', { foreignKeys: { columns: 'c', references: 'u' } });";
    assert.deepEqual(snippets(rule, npm(fk), pgm), ["pgm.addConstraint('o', 'f', { foreignKeys: { columns: 'c', references: 'u' } })"]);
    assert.deepEqual(snippets(rule, npm(`${fk}\n  pgm.createIndex('o', 'c');`), pgm), []);
    assert.deepEqual(snippets(rule, npm("  pgm.createTable('o', { id: 'id', c: { type: 'integer', references: 'u' } });"), pgm), ["c: { type: 'integer', references: 'u' }"]);
    assert.deepEqual(snippets(rule, npm("  pgm.createTable('o', { id: 'id', c: { type: 'integer', references: 'u' } });\n  pgm.createIndex('o', ['c', 'id']);"), pgm), []);
  });
  void it('quiet in rollbacks and on SQLite', () => {
    const down = "exports.up = (knex) => knex.raw('SELECT 1');\nexports.down = (knex) => knex.raw('ALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES u (id)');";
    assert.deepEqual(snippets(rule, down, knexPg), []);
    assert.deepEqual(snippets(rule, 'CREATE TABLE o (id integer PRIMARY KEY, c integer REFERENCES u (id));', lite), []);
  });
});
