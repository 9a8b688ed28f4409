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

void describe('ban-lock-table', () => {
  void it('fires on LOCK TABLE in a blocking mode (SQL, knex.raw, op.execute), with the mode written as its lock; not ACCESS SHARE, new tables, SQLite', () => {
    assert.deepEqual(snippets('ban-lock-table', 'LOCK TABLE a IN SHARE MODE;\nLOCK b;\nLOCK c IN ACCESS SHARE MODE;', pg), ['LOCK TABLE a IN SHARE MODE', 'LOCK b']);
    assert.deepEqual(analyze('LOCK TABLE a IN SHARE ROW EXCLUSIVE MODE;', pg).find((f) => f.ruleId === 'ban-lock-table')?.lock, { mode: 'SHARE ROW EXCLUSIVE', table: 'a', blocks: ['writes'] });
    assert.deepEqual(snippets('ban-lock-table', knexUp("  await knex.raw('LOCK TABLE orders');"), knexPg), ['LOCK TABLE orders']);
    assert.deepEqual(snippets('ban-lock-table', rev("    op.execute('LOCK TABLE orders IN EXCLUSIVE MODE')"), py), ['LOCK TABLE orders IN EXCLUSIVE MODE']);
    assert.deepEqual(snippets('ban-lock-table', 'CREATE TABLE n (a int);\nLOCK n;', pg), []);
  });
});

void describe('ban-drop-cascade', () => {
  void it('fires on DROP … CASCADE of any object and DROP COLUMN / CONSTRAINT … CASCADE (SQL, knex.raw, node-pg-migrate); not TRUNCATE / SCHEMA, RESTRICT, down', () => {
    const text = 'DROP VIEW v CASCADE;\nDROP TYPE t CASCADE;\nALTER TABLE x DROP COLUMN c CASCADE, DROP CONSTRAINT k CASCADE;\nDROP FUNCTION f(int) CASCADE;\nDROP TABLE r;\nTRUNCATE q CASCADE;\nDROP SCHEMA s CASCADE;';
    assert.deepEqual(snippets('ban-drop-cascade', text, pg), ['DROP VIEW v CASCADE', 'DROP TYPE t CASCADE', 'DROP COLUMN c CASCADE', 'DROP CONSTRAINT k CASCADE', 'DROP FUNCTION f(int) CASCADE']);
    assert.deepEqual(snippets('ban-drop-cascade', knexUp("  await knex.raw('DROP VIEW v CASCADE');"), knexPg), ['DROP VIEW v CASCADE']);
    assert.deepEqual(snippets('ban-drop-cascade', npm("  pgm.dropType('status', { cascade: true });\n  pgm.dropTable('t', { ifExists: true });"), pgm), ["pgm.dropType('status', { cascade: true })"]);
    const down = "exports.up = (knex) => knex.raw('SELECT 1');\nexports.down = (knex) => knex.raw('DROP VIEW v CASCADE');";
    assert.deepEqual(snippets('ban-drop-cascade', down, knexPg), []);
  });
});

void describe('ban-alter-table-set-schema', () => {
  void it('fires on ALTER TABLE … SET SCHEMA of an existing table (SQL, op.execute); renaming-table does not', () => {
    const found = analyze('ALTER TABLE public.events SET SCHEMA archive;', pg).map((f) => f.ruleId);
    assert.ok(found.includes('ban-alter-table-set-schema') && !found.includes('renaming-table'));
    assert.equal(analyze('ALTER TABLE events SET SCHEMA archive;', pg).find((f) => f.ruleId === 'ban-alter-table-set-schema')?.lock?.mode, 'ACCESS EXCLUSIVE');
    assert.deepEqual(snippets('ban-alter-table-set-schema', rev("    op.execute('ALTER TABLE events SET SCHEMA archive')"), py), ['ALTER TABLE events SET SCHEMA archive']);
    assert.deepEqual(snippets('ban-alter-table-set-schema', 'CREATE TABLE n (a int);\nALTER TABLE n SET SCHEMA archive;', pg), []);
    assert.deepEqual(snippets('ban-alter-table-set-schema', 'ALTER TABLE events SET SCHEMA archive;', lite), []);
  });
});

void describe('ban-add-exclusion-constraint', () => {
  void it('fires on ADD CONSTRAINT … EXCLUDE on an existing table (SQL, node-pg-migrate); no other rule reports it', () => {
    const text = 'ALTER TABLE b ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);';
    const found = analyze(text, pg).map((f) => f.ruleId);
    assert.ok(found.includes('ban-add-exclusion-constraint'));
    assert.ok(!found.includes('disallowed-unique-constraint') && !found.includes('constraint-missing-not-valid'));
    assert.equal(snippets('ban-add-exclusion-constraint', npm("  pgm.addConstraint('b', 'no_overlap', { exclude: 'USING gist (room WITH =)' });"), pgm).length, 1);
    assert.deepEqual(snippets('ban-add-exclusion-constraint', `CREATE TABLE b (room int, during tstzrange);\n${text}`, pg), []);
  });
});

void describe('ban-rename-enum-value', () => {
  void it("fires on ALTER TYPE … RENAME VALUE (SQL, knex.raw, node-pg-migrate renameTypeValue); not ADD VALUE", () => {
    assert.deepEqual(snippets('ban-rename-enum-value', "ALTER TYPE s RENAME VALUE 'a' TO 'b';\nALTER TYPE s ADD VALUE 'c';", pg), ["ALTER TYPE s RENAME VALUE 'a' TO 'b'"]);
    assert.deepEqual(snippets('ban-rename-enum-value', knexUp("  await knex.raw(\"ALTER TYPE s RENAME VALUE 'a' TO 'b'\");"), knexPg), ["ALTER TYPE s RENAME VALUE 'a' TO 'b'"]);
    assert.deepEqual(snippets('ban-rename-enum-value', npm("  pgm.renameTypeValue('s', 'a', 'b');"), pgm), ["pgm.renameTypeValue('s', 'a', 'b')"]);
    assert.equal(analyze("ALTER TYPE s ADD VALUE 'c';", pg).some((f) => f.ruleId === 'ban-rename-enum-value'), false);
  });
});

void describe('statement-not-allowed-in-transaction', () => {
  const rule = 'statement-not-allowed-in-transaction';
  void it('fires on VACUUM, REINDEX CONCURRENTLY / SCHEMA, CLUSTER without a table, DETACH … CONCURRENTLY inside BEGIN … COMMIT; not outside, not ANALYZE', () => {
    const text = 'BEGIN;\nVACUUM ANALYZE t;\nREINDEX SCHEMA s;\nCLUSTER;\nREINDEX TABLE CONCURRENTLY t;\nALTER TABLE p DETACH PARTITION c CONCURRENTLY;\nANALYZE t;\nREINDEX TABLE t;\nCOMMIT;\nVACUUM t;';
    assert.deepEqual(snippets(rule, text, pg), ['VACUUM ANALYZE t', 'REINDEX SCHEMA s', 'CLUSTER', 'REINDEX TABLE CONCURRENTLY t', 'DETACH PARTITION c CONCURRENTLY']);
    assert.ok(analyze(text, pg).filter((f) => f.ruleId === rule).every((f) => f.lock === undefined && f.severity === 'error'));
  });
  void it('Knex in its transaction (fix: config.transaction = false), Alembic outside autocommit_block, node-pg-migrate without noTransaction', () => {
    const knex = knexUp("  await knex.raw('VACUUM ANALYZE events');");
    assert.deepEqual(snippets(rule, knex, knexPg), ['VACUUM ANALYZE events']);
    assert.deepEqual(snippets(rule, `${knex}exports.config = { transaction: false };\n`, knexPg), []);
    assert.equal(snippets(rule, rev("    op.execute('VACUUM events')"), py).length, 1);
    assert.deepEqual(snippets(rule, rev("    with op.get_context().autocommit_block():\n        op.execute('VACUUM events')"), py), []);
    assert.equal(snippets(rule, npm("  pgm.sql('VACUUM events');"), pgm).length, 1);
    assert.deepEqual(snippets(rule, npm("  pgm.noTransaction();\n  pgm.sql('VACUUM events');"), pgm), []);
  });
});

void describe('require-primary-key', () => {
  const rule = 'require-primary-key';
  void it('info on CREATE TABLE without a primary key (SQL); not with a column or table PRIMARY KEY, LIKE, PARTITION OF, CTAS', () => {
    const text = 'CREATE TABLE a (x int);\nCREATE TABLE b (id int PRIMARY KEY);\nCREATE TABLE c (x int, y int, PRIMARY KEY (x, y));\nCREATE TABLE d PARTITION OF p FOR VALUES IN (1);\nCREATE TABLE e (LIKE a INCLUDING ALL);\nCREATE TABLE f AS SELECT 1 AS x;';
    assert.deepEqual(snippets(rule, text, pg), ['CREATE TABLE a (x int)']);
    assert.equal(analyze(text, pg).find((f) => f.ruleId === rule)?.severity, 'info');
    assert.deepEqual(snippets(rule, text, lite), []);
  });
  void it('Knex (increments, .primary(), t.primary; not when the builder goes to a helper), Alembic, node-pg-migrate', () => {
    const knex = knexUp("  await knex.schema.createTable('a', (t) => { t.text('x'); });\n  await knex.schema.createTable('b', (t) => { t.increments(); });\n  await knex.schema.createTable('c', (t) => { t.uuid('id').primary(); });\n  await knex.schema.createTable('d', (t) => { t.integer('x'); t.integer('y'); t.primary(['x', 'y']); });\n  await knex.schema.createTable('e', (t) => { addColumns(t); });");
    assert.deepEqual(snippets(rule, knex, knexPg), ["knex.schema.createTable('a', (t) => { t.text('x'); })"]);
    const alembic = rev("    op.create_table('a', sa.Column('x', sa.Text()))\n    op.create_table('b', sa.Column('id', sa.Integer(), primary_key=True))\n    op.create_table('c', sa.Column('x', sa.Integer()), sa.PrimaryKeyConstraint('x'))\n    op.create_table('d', *cols)");
    assert.deepEqual(snippets(rule, alembic, py), ["op.create_table('a', sa.Column('x', sa.Text()))"]);
    const npmText = npm("  pgm.createTable('a', { x: 'text' });\n  pgm.createTable('b', { id: 'id' });\n  pgm.createTable('c', { x: 'int' }, { constraints: { primaryKey: 'x' } });\n  pgm.createTable('d', { ...common });");
    assert.deepEqual(snippets(rule, npmText, pgm), ["pgm.createTable('a', { x: 'text' })"]);
  });
});
