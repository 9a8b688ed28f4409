/**
 * Rules of the third breadth round (issue 17): foreign keys without an index (with the history model), the
 * flow-sensitive lock_timeout, and the strong_migrations / Squawk / pgfence checks nobody here did. Positive and
 * negative cases per front end where the construct exists.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, analyzeInFolder, initAnalyzer, SchemaHistory } from '../../../server/src/lint';
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

void describe('require-lock-timeout: flow-sensitive', () => {
  const rule = 'require-lock-timeout';
  const on: AnalyzeOptions = { ...pg, rules: { [rule]: 'warning' } };
  const knexOn: AnalyzeOptions = { ...knexPg, rules: { [rule]: 'warning' } };
  void it('a timeout counts from where it is set: a statement before it is reported', () => {
    assert.deepEqual(snippets(rule, "ALTER TABLE a ADD COLUMN x int;\nSET lock_timeout = '5s';\nALTER TABLE b ADD COLUMN y int;", on), ['ALTER TABLE a ADD COLUMN x int']);
  });
  void it('RESET, SET … TO DEFAULT, RESET ALL and SET lock_timeout = 0 end it: the next blocking statement is reported', () => {
    for (const end of ['RESET lock_timeout', 'SET lock_timeout TO DEFAULT', 'RESET ALL', 'SET lock_timeout = 0', "SET lock_timeout = '0s'"]) {
      const text = `SET lock_timeout = '5s';\nALTER TABLE a ADD COLUMN x int;\n${end};\nALTER TABLE b ADD COLUMN y int;\nALTER TABLE c ADD COLUMN z int;`;
      assert.deepEqual(snippets(rule, text, on), ['ALTER TABLE b ADD COLUMN y int'], end);
    }
  });
  void it('SET LOCAL lasts until COMMIT; outside a transaction block it does nothing; ROLLBACK undoes a SET', () => {
    assert.deepEqual(snippets(rule, "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE a ADD COLUMN x int;\nCOMMIT;\nALTER TABLE b ADD COLUMN y int;", on), ['ALTER TABLE b ADD COLUMN y int']);
    assert.deepEqual(snippets(rule, "SET LOCAL lock_timeout = '5s';\nALTER TABLE a ADD COLUMN x int;", on), ['ALTER TABLE a ADD COLUMN x int']);
    assert.deepEqual(snippets(rule, "BEGIN;\nSET lock_timeout = '5s';\nROLLBACK;\nALTER TABLE a ADD COLUMN x int;", on), ['ALTER TABLE a ADD COLUMN x int']);
    assert.deepEqual(snippets(rule, "BEGIN;\nSET lock_timeout = '5s';\nCOMMIT;\nALTER TABLE a ADD COLUMN x int;", on), []);
  });
  void it('Knex: SET LOCAL in the runner transaction covers the migration; not with config.transaction = false', () => {
    const body = "  await knex.raw(\"SET LOCAL lock_timeout = '5s'\");\n  await knex.schema.alterTable('users', (t) => { t.dropColumn('a'); });";
    const text = `exports.up = async (knex) => {\n${body}\n};\nexports.down = async (knex) => {\n  await knex.raw("SET LOCAL lock_timeout = '5s'");\n  await knex.schema.alterTable('users', (t) => { t.string('a'); });\n};\n`;
    assert.deepEqual(snippets(rule, text, knexOn), []);
    assert.deepEqual(snippets(rule, `${text}exports.config = { transaction: false };\n`, knexOn), ["t.dropColumn('a')", "t.string('a')"]);
  });
  void it('the lock mode comes from the lock table: CREATE INDEX (SHARE) and a foreign key (SHARE ROW EXCLUSIVE) count, CONCURRENTLY and VALIDATE do not', () => {
    assert.deepEqual(snippets(rule, 'CREATE INDEX i ON t (a);', on), ['CREATE INDEX i ON t (a)']);
    assert.match(of1(rule, 'CREATE INDEX i ON t (a);', on), /SHARE lock/);
    assert.deepEqual(snippets(rule, 'ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES u (id) NOT VALID;', on).length, 1);
    assert.deepEqual(snippets(rule, 'CREATE INDEX CONCURRENTLY i ON t (a);\nALTER TABLE t VALIDATE CONSTRAINT f;\nUPDATE t SET a = 1;', on), []);
    assert.deepEqual(snippets(rule, 'REINDEX TABLE t;', on), ['REINDEX TABLE t']);
  });
  void it('Alembic and node-pg-migrate: SQL SET in op.execute / pgm.sql covers what follows', () => {
    const alembic = "    op.execute(\"SET lock_timeout = '5s'\")\n    op.add_column('t', sa.Column('c', sa.Text()))";
    assert.deepEqual(snippets(rule, rev(alembic), { ...py, rules: { [rule]: 'warning' } }), []);
    assert.equal(snippets(rule, rev("    op.add_column('t', sa.Column('c', sa.Text()))"), { ...py, rules: { [rule]: 'warning' } }).length, 1);
    assert.deepEqual(snippets(rule, npm("  pgm.sql(\"SET lock_timeout = '5s'\");\n  pgm.addColumns('t', { c: 'text' });"), { ...pgm, rules: { [rule]: 'warning' } }), []);
  });
});

void describe('require-statement-timeout and schema-change-with-backfill read the lock table', () => {
  void it('require-statement-timeout: flow-sensitive too; REFRESH … CONCURRENTLY (EXCLUSIVE, blocks writes) counts', () => {
    const on: AnalyzeOptions = { ...pg, rules: { 'require-statement-timeout': 'warning' } };
    assert.deepEqual(snippets('require-statement-timeout', "SET statement_timeout = '1min';\nCREATE INDEX i ON t (a);\nRESET statement_timeout;\nALTER TABLE t ADD COLUMN b int;", on), ['ALTER TABLE t ADD COLUMN b int']);
    assert.deepEqual(snippets('require-statement-timeout', 'REFRESH MATERIALIZED VIEW CONCURRENTLY v;', on), ['REFRESH MATERIALIZED VIEW CONCURRENTLY v']);
  });
  void it('schema-change-with-backfill: TRUNCATE or REFRESH in the transaction count as locking changes; a DELETE does not', () => {
    assert.equal(snippets('schema-change-with-backfill', 'BEGIN;\nREFRESH MATERIALIZED VIEW v;\nUPDATE t SET a = 1 WHERE b;\nCOMMIT;', pg).length, 1);
    assert.deepEqual(snippets('schema-change-with-backfill', 'BEGIN;\nDELETE FROM t WHERE a;\nUPDATE t SET a = 1 WHERE b;\nCOMMIT;', pg), []);
  });
});

/** The message of the only finding of `rule`. */
function of1(rule: string, text: string, options: AnalyzeOptions): string {
  const found = analyze(text, options).filter((f) => f.ruleId === rule);
  assert.equal(found.length, 1);
  return found[0]!.message;
}
