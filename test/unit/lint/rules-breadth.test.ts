/**
 * Rules added for breadth (issue 17): Squawk's set (column types, identifiers, domains, TRUNCATE CASCADE, open
 * transactions, concurrent REINDEX / DETACH PARTITION, statement_timeout) and the blocking maintenance and data checks
 * of strong_migrations and others. Each rule: positive and negative cases per front end where the construct exists.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, applyEdits, initAnalyzer } from '../../../server/src/lint';
import type { AnalyzeOptions } from '../../../server/src/lint';
import { knexLite, knexPg, knexUp, lite, of, pg, snippets } from './helpers';

before(async () => {
  await initAnalyzer();
});

const py: AnalyzeOptions = { fileName: 'versions/1a2b_rev.py', dialect: 'postgresql' };
const pgm: AnalyzeOptions = { fileName: '1700000000000_m.js', dialect: 'postgresql', kind: 'node-pg-migrate' };

/** Findings of `rule` with the rule switched on (for off-by-default rules). */
function on(rule: string, text: string, options: AnalyzeOptions): string[] {
  return snippets(rule, text, { ...options, rules: { [rule]: 'warning' } });
}
/** An Alembic revision whose upgrade() runs `body`. */
function rev(body: string): string {
  return `from alembic import op\nimport sqlalchemy as sa\n\nrevision = '1a2b'\ndown_revision = None\n\n\ndef upgrade():\n${body}\n\n\ndef downgrade():\n    op.execute('SELECT 1')\n`;
}
/** A node-pg-migrate module whose up runs `body`. */
function npm(body: string): string {
  return `exports.up = (pgm) => {\n${body}\n};\nexports.down = (pgm) => {\n  pgm.sql('SELECT 1');\n};\n`;
}
/** The text after applying the first finding's fix. */
function fixed(rule: string, text: string, options: AnalyzeOptions): string {
  const f = of(rule, text, { ...options, rules: { [rule]: 'warning' } })[0];
  assert.ok(f?.fix, `${rule} offers a fix`);
  return applyEdits(text, f.fix.edits);
}

void describe('column-type rules', () => {
  const table = 'CREATE TABLE t (id serial PRIMARY KEY, c char(3), q "char", f timestamp(3), g timestamptz, h json, b jsonb, j varchar(10), v varchar, k smallint, l int, m bigint);';

  void it('ban-char-field: char(n) in SQL, Knex specificType, Alembic sa.CHAR; not "char", text, SQLite or down', () => {
    assert.deepEqual(snippets('ban-char-field', table, pg), ['c char(3)']);
    assert.equal(of('ban-char-field', table, pg)[0]!.severity, 'info');
    assert.equal(fixed('ban-char-field', 'ALTER TABLE t ADD COLUMN c character(2);', pg), 'ALTER TABLE t ADD COLUMN c text;');
    assert.deepEqual(snippets('ban-char-field', knexUp("  await knex.schema.createTable('t', (t) => { t.specificType('code', 'char(2)'); t.text('x'); });"), knexPg), ["t.specificType('code', 'char(2)')"]);
    assert.deepEqual(snippets('ban-char-field', rev("    op.add_column('t', sa.Column('c', sa.CHAR(2)))"), py), ["op.add_column('t', sa.Column('c', sa.CHAR(2)))"]);
    assert.deepEqual(snippets('ban-char-field', table, lite), []);
    const down = "exports.up = (knex) => knex.raw('SELECT 1');\nexports.down = (knex) => knex.raw('ALTER TABLE t ADD COLUMN c char(2)');";
    assert.deepEqual(snippets('ban-char-field', down, knexPg), []);
  });

  void it('prefer-bigint-over-int: off by default; integer and serial in SQL, Knex, Alembic, node-pg-migrate', () => {
    assert.deepEqual(snippets('prefer-bigint-over-int', table, pg), []);
    assert.deepEqual(on('prefer-bigint-over-int', table, pg), ['id serial PRIMARY KEY', 'l int']);
    assert.equal(fixed('prefer-bigint-over-int', 'ALTER TABLE t ADD COLUMN n integer;', pg), 'ALTER TABLE t ADD COLUMN n bigint;');
    assert.equal(fixed('prefer-bigint-over-int', 'CREATE TABLE t (id serial);', pg), 'CREATE TABLE t (id bigserial);');
    assert.deepEqual(on('prefer-bigint-over-int', knexUp("  await knex.schema.createTable('t', (t) => { t.increments('id'); t.bigInteger('b'); t.integer('n'); });"), knexPg), ["t.increments('id')", "t.integer('n')"]);
    assert.deepEqual(on('prefer-bigint-over-int', rev("    op.create_table('t', sa.Column('id', sa.Integer, primary_key=True), sa.Column('b', sa.BigInteger))"), py), ["sa.Column('id', sa.Integer, primary_key=True)"]);
    assert.deepEqual(on('prefer-bigint-over-int', npm("  pgm.createTable('t', { id: 'id', n: { type: 'integer' }, b: 'bigint' });"), pgm), ["id: 'id'", "n: { type: 'integer' }"]);
    assert.deepEqual(on('prefer-bigint-over-int', table, lite), []);
  });

  void it('prefer-bigint-over-smallint: smallint / smallserial, off by default', () => {
    assert.deepEqual(snippets('prefer-bigint-over-smallint', table, pg), []);
    assert.deepEqual(on('prefer-bigint-over-smallint', table, pg), ['k smallint']);
    assert.equal(fixed('prefer-bigint-over-smallint', 'ALTER TABLE t ADD COLUMN s smallserial;', pg), 'ALTER TABLE t ADD COLUMN s bigserial;');
    assert.deepEqual(on('prefer-bigint-over-smallint', knexUp("  await knex.schema.alterTable('t', (t) => { t.smallint('s'); t.bigInteger('b'); });"), knexPg), ["t.smallint('s')"]);
    assert.deepEqual(on('prefer-bigint-over-smallint', table, lite), []);
  });

  void it('prefer-identity: serial types (SQL, Knex increments, Alembic integer primary key, node-pg-migrate id); not identity columns', () => {
    assert.deepEqual(snippets('prefer-identity', table, pg), []);
    assert.deepEqual(on('prefer-identity', `${table}\nCREATE TABLE u (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);`, pg), ['id serial PRIMARY KEY']);
    assert.equal(fixed('prefer-identity', 'CREATE TABLE t (id bigserial PRIMARY KEY);', pg), 'CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);');
    assert.deepEqual(on('prefer-identity', knexUp("  await knex.schema.createTable('t', (t) => { t.bigIncrements('id'); });"), knexPg), ["t.bigIncrements('id')"]);
    const alembic = rev("    op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))\n    op.create_table('u', sa.Column('id', sa.Integer, sa.Identity(), primary_key=True))\n    op.create_table('v', sa.Column('a', sa.Integer, primary_key=True), sa.Column('b', sa.Integer, primary_key=True))");
    assert.deepEqual(on('prefer-identity', alembic, py), ["sa.Column('id', sa.Integer, primary_key=True)"]);
    assert.deepEqual(on('prefer-identity', npm("  pgm.createTable('t', { id: 'id' });"), pgm), ["id: 'id'"]);
    assert.deepEqual(on('prefer-identity', table, { ...pg, postgresVersion: 9 }), []);
    assert.deepEqual(on('prefer-identity', table, lite), []);
  });

  void it('prefer-text-field: varchar(n), not varchar or text; off by default', () => {
    assert.deepEqual(snippets('prefer-text-field', table, pg), []);
    assert.deepEqual(on('prefer-text-field', table, pg), ['j varchar(10)']);
    assert.equal(fixed('prefer-text-field', 'ALTER TABLE t ALTER COLUMN n TYPE character varying(40);', pg), 'ALTER TABLE t ALTER COLUMN n TYPE text;');
    assert.deepEqual(on('prefer-text-field', knexUp("  await knex.schema.createTable('t', (t) => { t.string('name'); t.text('bio'); });"), knexPg), ["t.string('name')"]);
    assert.deepEqual(on('prefer-text-field', rev("    op.add_column('t', sa.Column('n', sa.String(40)))"), py), ["op.add_column('t', sa.Column('n', sa.String(40)))"]);
  });

  void it('prefer-timestamptz: timestamp without time zone in SQL, Knex useTz: false, Alembic DateTime(); not timestamptz', () => {
    assert.deepEqual(snippets('prefer-timestamptz', table, pg), ['f timestamp(3)']);
    assert.equal(fixed('prefer-timestamptz', table, pg).includes('f timestamptz(3),'), true);
    assert.equal(fixed('prefer-timestamptz', 'ALTER TABLE t ADD COLUMN at timestamp without time zone;', pg), 'ALTER TABLE t ADD COLUMN at timestamptz;');
    const knex = knexUp("  await knex.schema.createTable('t', (t) => { t.timestamp('a'); t.timestamp('b', { useTz: false }); t.datetime('c', true); t.timestamps(); });");
    assert.deepEqual(snippets('prefer-timestamptz', knex, knexPg), ["t.timestamp('b', { useTz: false })", "t.datetime('c', true)"]);
    assert.deepEqual(snippets('prefer-timestamptz', rev("    op.create_table('t', sa.Column('a', sa.DateTime()), sa.Column('b', sa.DateTime(timezone=True)))"), py), ["sa.Column('a', sa.DateTime())"]);
    assert.deepEqual(snippets('prefer-timestamptz', npm("  pgm.addColumns('t', { at: 'timestamp', ok: 'timestamp with time zone' });"), pgm), ["at: 'timestamp'"]);
    assert.deepEqual(snippets('prefer-timestamptz', table, lite), []);
  });

  void it('prefer-jsonb: json in SQL (fix), Knex t.json (fix), Alembic sa.JSON, node-pg-migrate; not jsonb', () => {
    assert.deepEqual(snippets('prefer-jsonb', table, pg), ['h json']);
    assert.equal(fixed('prefer-jsonb', 'ALTER TABLE t ADD COLUMN p json;', pg), 'ALTER TABLE t ADD COLUMN p jsonb;');
    const knex = knexUp("  await knex.schema.alterTable('t', (t) => { t.json('p'); t.jsonb('q'); });");
    assert.deepEqual(snippets('prefer-jsonb', knex, knexPg), ["t.json('p')"]);
    assert.ok(fixed('prefer-jsonb', knex, knexPg).includes("t.jsonb('p'); t.jsonb('q')"));
    assert.deepEqual(snippets('prefer-jsonb', rev("    op.add_column('t', sa.Column('p', sa.JSON()))"), py), ["op.add_column('t', sa.Column('p', sa.JSON()))"]);
    assert.deepEqual(snippets('prefer-jsonb', npm("  pgm.addColumns('t', { p: { type: 'json' }, q: 'jsonb' });"), pgm), ["p: { type: 'json' }"]);
    assert.deepEqual(snippets('prefer-jsonb', knex, knexLite), []);
  });
});

void describe('identifier-too-long', () => {
  const long = 'x'.repeat(70);
  void it('reads the full spelling back from SQL (libpg-query truncates to 63 bytes) and measures builder names', () => {
    const text = `CREATE INDEX ${long} ON t (a);\nALTER TABLE t ADD COLUMN "${'é'.repeat(40)}" int;\nCREATE TABLE ${'y'.repeat(63)} (a int);`;
    assert.deepEqual(snippets('identifier-too-long', text, pg), [`CREATE INDEX ${long} ON t (a)`, `ADD COLUMN "${'é'.repeat(40)}" int`]);
    assert.match(of('identifier-too-long', text, pg)[0]!.message, /is 70 bytes; PostgreSQL truncates it to 63 bytes/);
    const knex = knexUp(`  await knex.schema.alterTable('t', (t) => { t.index(['a'], '${long}'); t.index(['b'], 'short_idx'); });`);
    assert.deepEqual(snippets('identifier-too-long', knex, knexPg), [`t.index(['a'], '${long}')`]);
    assert.deepEqual(snippets('identifier-too-long', rev(`    op.create_index('${long}', 't', ['a'])`), py), [`op.create_index('${long}', 't', ['a'])`]);
    assert.deepEqual(snippets('identifier-too-long', text, lite), []);
  });
});

void describe('adding-serial-primary-key-field', () => {
  void it('fires on ADD COLUMN … PRIMARY KEY and ADD PRIMARY KEY without USING INDEX, in SQL, Knex, Alembic, node-pg-migrate', () => {
    const text = 'ALTER TABLE a ADD COLUMN id bigserial PRIMARY KEY;\nALTER TABLE b ADD CONSTRAINT b_pkey PRIMARY KEY (id);\nALTER TABLE c ADD CONSTRAINT c_pkey PRIMARY KEY USING INDEX c_idx;\nCREATE TABLE d (x int);\nALTER TABLE d ADD PRIMARY KEY (x);';
    assert.deepEqual(snippets('adding-serial-primary-key-field', text, pg), ['ADD COLUMN id bigserial PRIMARY KEY', 'ADD CONSTRAINT b_pkey PRIMARY KEY (id)']);
    const knex = knexUp("  await knex.schema.alterTable('t', (t) => { t.increments('id'); t.increments('n', { primaryKey: false }); t.primary(['a', 'b']); });");
    assert.deepEqual(snippets('adding-serial-primary-key-field', knex, knexPg), ["t.increments('id')", "t.primary(['a', 'b'])"]);
    assert.deepEqual(snippets('adding-serial-primary-key-field', rev("    op.create_primary_key('pk', 't', ['id'])"), py), ["op.create_primary_key('pk', 't', ['id'])"]);
    assert.deepEqual(snippets('adding-serial-primary-key-field', npm("  pgm.addConstraint('t', 't_pkey', { primaryKey: 'id' });"), pgm), ["pgm.addConstraint('t', 't_pkey', { primaryKey: 'id' })"]);
    assert.deepEqual(snippets('adding-serial-primary-key-field', text, lite), []);
  });
});

void describe('domain rules', () => {
  void it('ban-create-domain-with-constraint: CHECK / NOT NULL (SQL, node-pg-migrate), not DEFAULT', () => {
    const text = 'CREATE DOMAIN a AS int CHECK (VALUE > 0);\nCREATE DOMAIN b int NOT NULL;\nCREATE DOMAIN c int DEFAULT 1;';
    assert.deepEqual(snippets('ban-create-domain-with-constraint', text, pg), ['CREATE DOMAIN a AS int CHECK (VALUE > 0)', 'CREATE DOMAIN b int NOT NULL']);
    assert.deepEqual(snippets('ban-create-domain-with-constraint', npm("  pgm.createDomain('d', 'int', { check: 'VALUE > 0' });\n  pgm.createDomain('e', 'int', { default: 1 });"), pgm), ["pgm.createDomain('d', 'int', { check: 'VALUE > 0' })"]);
  });

  void it('ban-alter-domain-with-add-constraint: ADD CONSTRAINT (SQL, knex.raw, node-pg-migrate), not SET NOT NULL / DROP CONSTRAINT', () => {
    const text = 'ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);\nALTER DOMAIN d SET NOT NULL;\nALTER DOMAIN d DROP CONSTRAINT c;';
    assert.deepEqual(snippets('ban-alter-domain-with-add-constraint', text, pg), ['ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0)']);
    assert.deepEqual(snippets('ban-alter-domain-with-add-constraint', knexUp("  await knex.raw('ALTER DOMAIN d ADD CHECK (VALUE > 0)');"), knexPg), ['ALTER DOMAIN d ADD CHECK (VALUE > 0)']);
    assert.deepEqual(snippets('ban-alter-domain-with-add-constraint', npm("  pgm.alterDomain('d', { check: 'VALUE > 0' });\n  pgm.alterDomain('d', { notNull: true });"), pgm), ["pgm.alterDomain('d', { check: 'VALUE > 0' })"]);
  });
});

void describe('ban-truncate-cascade', () => {
  void it('fires on TRUNCATE … CASCADE once per statement, also on new tables and in down, with a fix removing CASCADE', () => {
    const text = 'CREATE TABLE n (a int);\nTRUNCATE n CASCADE;\nTRUNCATE a, b CASCADE;\nTRUNCATE c;\nTRUNCATE d RESTRICT;';
    assert.deepEqual(snippets('ban-truncate-cascade', text, pg), ['TRUNCATE n CASCADE', 'TRUNCATE a, b CASCADE']);
    assert.equal(fixed('ban-truncate-cascade', 'TRUNCATE a CASCADE;', pg), 'TRUNCATE a;');
    assert.deepEqual(snippets('ban-truncate-cascade', knexUp("  await knex.raw('TRUNCATE a CASCADE');"), knexPg), ['TRUNCATE a CASCADE']);
    assert.deepEqual(snippets('ban-truncate-cascade', knexUp("  await knex('a').truncate();"), knexPg), []);
  });
});

void describe('ban-uncommitted-transaction', () => {
  void it('fires on BEGIN without COMMIT (PostgreSQL and SQLite); not when committed or rolled back, nor inside a runner transaction', () => {
    assert.deepEqual(snippets('ban-uncommitted-transaction', 'BEGIN;\nALTER TABLE t ADD COLUMN a int;', pg), ['BEGIN']);
    assert.deepEqual(snippets('ban-uncommitted-transaction', 'BEGIN;\nCREATE TABLE t (a int);', lite), ['BEGIN']);
    assert.deepEqual(snippets('ban-uncommitted-transaction', 'BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nROLLBACK;', pg), []);
    assert.deepEqual(snippets('ban-uncommitted-transaction', knexUp("  await knex.raw('BEGIN');"), knexPg), []);
    const noTx = `exports.config = { transaction: false };\n${knexUp("  await knex.raw('BEGIN');\n  await knex.raw('SELECT 1');")}`;
    assert.deepEqual(snippets('ban-uncommitted-transaction', noTx, knexPg), ['BEGIN']);
  });
});

void describe('require-concurrent-reindex', () => {
  void it('fires on REINDEX without CONCURRENTLY (PostgreSQL 12+), with a fix outside transactions', () => {
    const text = 'REINDEX (VERBOSE) TABLE t;\nREINDEX INDEX CONCURRENTLY i;\nREINDEX SYSTEM d;';
    assert.deepEqual(snippets('require-concurrent-reindex', text, pg), ['REINDEX (VERBOSE) TABLE t']);
    assert.equal(fixed('require-concurrent-reindex', 'REINDEX INDEX i;', pg), 'REINDEX INDEX CONCURRENTLY i;');
    assert.equal(of('require-concurrent-reindex', 'BEGIN;\nREINDEX INDEX i;\nCOMMIT;', pg)[0]!.fix, undefined);
    const knex = knexUp("  await knex.raw('REINDEX INDEX i');");
    assert.match(fixed('require-concurrent-reindex', knex, knexPg), /REINDEX INDEX CONCURRENTLY i[\s\S]*exports\.config = \{ transaction: false \};/);
    assert.deepEqual(snippets('require-concurrent-reindex', text, { ...pg, postgresVersion: 11 }), []);
    assert.deepEqual(snippets('require-concurrent-reindex', 'REINDEX TABLE t;', lite), []);
  });
});

void describe('require-concurrent-partition-detach', () => {
  void it('fires on DETACH PARTITION without CONCURRENTLY (PostgreSQL 14+), with a fix when alone and outside a transaction', () => {
    assert.deepEqual(snippets('require-concurrent-partition-detach', 'ALTER TABLE p DETACH PARTITION c;\nALTER TABLE p DETACH PARTITION d CONCURRENTLY;', pg), ['DETACH PARTITION c']);
    assert.equal(fixed('require-concurrent-partition-detach', 'ALTER TABLE p DETACH PARTITION c;', pg), 'ALTER TABLE p DETACH PARTITION c CONCURRENTLY;');
    assert.equal(of('require-concurrent-partition-detach', 'BEGIN;\nALTER TABLE p DETACH PARTITION c;\nCOMMIT;', pg)[0]!.fix, undefined);
    assert.deepEqual(snippets('require-concurrent-partition-detach', 'ALTER TABLE p DETACH PARTITION c;', { ...pg, postgresVersion: 13 }), []);
    assert.deepEqual(snippets('require-concurrent-partition-detach', rev("    op.execute('ALTER TABLE p DETACH PARTITION c')"), py), ['DETACH PARTITION c']);
  });
});

void describe('require-statement-timeout', () => {
  void it('is off by default; when on, fires once per phase at the first locking statement without SET statement_timeout', () => {
    const text = 'CREATE INDEX i ON t (a);\nALTER TABLE t ADD COLUMN b int;';
    assert.deepEqual(snippets('require-statement-timeout', text, pg), []);
    assert.deepEqual(on('require-statement-timeout', text, pg), ['CREATE INDEX i ON t (a)']);
    assert.deepEqual(on('require-statement-timeout', `SET statement_timeout = '15min';\n${text}`, pg), []);
    assert.deepEqual(on('require-statement-timeout', 'CREATE TABLE n (a int);\nCREATE INDEX CONCURRENTLY i ON t (a);', pg), []);
    assert.deepEqual(on('require-statement-timeout', knexUp("  await knex.schema.alterTable('t', (t) => { t.text('x'); });"), knexPg), ["t.text('x')", "knex.schema.dropTableIfExists('placeholder')"]);
    assert.deepEqual(on('require-statement-timeout', text, lite), []);
  });
});

void describe('blocking maintenance', () => {
  void it('require-concurrent-refresh: REFRESH MATERIALIZED VIEW without CONCURRENTLY (SQL with fix, node-pg-migrate); not WITH NO DATA', () => {
    const text = 'REFRESH MATERIALIZED VIEW mv;\nREFRESH MATERIALIZED VIEW CONCURRENTLY mv2;\nREFRESH MATERIALIZED VIEW mv3 WITH NO DATA;';
    assert.deepEqual(snippets('require-concurrent-refresh', text, pg), ['REFRESH MATERIALIZED VIEW mv']);
    assert.equal(fixed('require-concurrent-refresh', 'REFRESH MATERIALIZED VIEW s.mv;', pg), 'REFRESH MATERIALIZED VIEW CONCURRENTLY s.mv;');
    assert.deepEqual(snippets('require-concurrent-refresh', npm("  pgm.refreshMaterializedView('mv');\n  pgm.refreshMaterializedView('mv2', { concurrently: true });"), pgm), ["pgm.refreshMaterializedView('mv')"]);
  });

  void it('ban-vacuum-full: VACUUM FULL (per table, or the database), not plain VACUUM', () => {
    assert.deepEqual(snippets('ban-vacuum-full', 'VACUUM FULL;\nVACUUM (FULL, ANALYZE) a;\nVACUUM b;\nVACUUM ANALYZE c;', pg), ['VACUUM FULL', 'VACUUM (FULL, ANALYZE) a']);
    assert.deepEqual(snippets('ban-vacuum-full', knexUp("  await knex.raw('VACUUM FULL t');"), knexPg), ['VACUUM FULL t']);
    assert.deepEqual(snippets('ban-vacuum-full', 'VACUUM;', lite), []);
  });

  void it('ban-cluster: CLUSTER on an existing table, not one created in the same file', () => {
    assert.deepEqual(snippets('ban-cluster', 'CLUSTER orders USING orders_idx;\nCLUSTER;\nCREATE TABLE n (a int);\nCLUSTER n USING n_idx;', pg), ['CLUSTER orders USING orders_idx', 'CLUSTER']);
    assert.deepEqual(snippets('ban-cluster', rev("    op.execute('CLUSTER t')"), py), ['CLUSTER t']);
  });

  void it('ban-set-logged-unlogged: SET LOGGED / SET UNLOGGED on existing tables', () => {
    const text = 'ALTER TABLE a SET LOGGED;\nALTER TABLE b SET UNLOGGED, ADD COLUMN x int;\nCREATE UNLOGGED TABLE n (a int);\nALTER TABLE n SET LOGGED;';
    assert.deepEqual(snippets('ban-set-logged-unlogged', text, pg), ['SET LOGGED', 'SET UNLOGGED']);
    assert.match(of('ban-set-logged-unlogged', text, pg)[0]!.message, /WAL/);
  });
});

void describe('adding-enum-value-in-transaction', () => {
  void it('fires before PostgreSQL 12 inside a runner transaction or BEGIN … COMMIT; not outside, not on 12+', () => {
    const v11 = { postgresVersion: 11 };
    assert.deepEqual(snippets('adding-enum-value-in-transaction', knexUp("  await knex.raw(\"ALTER TYPE e ADD VALUE 'x'\");"), { ...knexPg, ...v11 }), ["ALTER TYPE e ADD VALUE 'x'"]);
    assert.deepEqual(snippets('adding-enum-value-in-transaction', "BEGIN;\nALTER TYPE e ADD VALUE 'x';\nCOMMIT;\nALTER TYPE e ADD VALUE 'y';", { ...pg, ...v11 }), ["ALTER TYPE e ADD VALUE 'x'"]);
    assert.deepEqual(snippets('adding-enum-value-in-transaction', npm("  pgm.addTypeValue('e', 'x');"), { ...pgm, ...v11 }), ["pgm.addTypeValue('e', 'x')"]);
    assert.deepEqual(snippets('adding-enum-value-in-transaction', npm("  pgm.noTransaction();\n  pgm.addTypeValue('e', 'x');"), { ...pgm, ...v11 }), []);
    assert.deepEqual(snippets('adding-enum-value-in-transaction', rev("    with op.get_context().autocommit_block():\n        op.execute(\"ALTER TYPE e ADD VALUE 'x'\")"), { ...py, ...v11 }), []);
    assert.deepEqual(snippets('adding-enum-value-in-transaction', knexUp("  await knex.raw(\"ALTER TYPE e ADD VALUE 'x'\");"), knexPg), []);
    assert.deepEqual(snippets('adding-enum-value-in-transaction', "ALTER TYPE e RENAME VALUE 'a' TO 'b';", { ...pg, ...v11 }), []);
  });
});

void describe('schema-change-with-backfill', () => {
  void it('fires on an UPDATE in the transaction of a schema change (Knex, Alembic, node-pg-migrate, BEGIN … COMMIT)', () => {
    const knex = knexUp("  await knex.schema.alterTable('users', (t) => { t.text('locale'); });\n  await knex('users').update({ locale: 'en' }).whereNull('locale');");
    assert.deepEqual(snippets('schema-change-with-backfill', knex, knexPg), ["knex('users').update({ locale: 'en' })"]);
    assert.deepEqual(snippets('schema-change-with-backfill', rev("    op.add_column('u', sa.Column('l', sa.Text()))\n    op.execute(\"UPDATE u SET l = 'en'\")"), py), ["UPDATE u SET l = 'en'"]);
    assert.deepEqual(snippets('schema-change-with-backfill', npm("  pgm.addColumns('u', { l: 'text' });\n  pgm.sql(\"UPDATE u SET l = 'en'\");"), pgm), ["UPDATE u SET l = 'en'"]);
    assert.deepEqual(snippets('schema-change-with-backfill', "BEGIN;\nALTER TABLE u ADD COLUMN l text;\nUPDATE u SET l = 'en';\nCOMMIT;", pg), ["UPDATE u SET l = 'en'"]);
  });

  void it('does not fire across transactions, for new tables, outside transactions, or on SQLite', () => {
    assert.deepEqual(snippets('schema-change-with-backfill', "BEGIN;\nALTER TABLE u ADD COLUMN l text;\nCOMMIT;\nBEGIN;\nUPDATE u SET l = 'en';\nCOMMIT;", pg), []);
    assert.deepEqual(snippets('schema-change-with-backfill', "ALTER TABLE u ADD COLUMN l text;\nUPDATE u SET l = 'en';", pg), []);
    const newTable = knexUp("  await knex.schema.createTable('n', (t) => { t.text('a'); });\n  await knex('n').update({ a: 'x' });\n  await knex('o').update({ a: 'y' });");
    assert.deepEqual(snippets('schema-change-with-backfill', newTable, knexPg), []);
    const noTx = `exports.config = { transaction: false };\n${knexUp("  await knex.schema.alterTable('u', (t) => { t.text('l'); });\n  await knex('u').update({ l: 'en' });")}`;
    assert.deepEqual(snippets('schema-change-with-backfill', noTx, knexPg), []);
    assert.deepEqual(snippets('schema-change-with-backfill', knexUp("  await knex.schema.alterTable('u', (t) => { t.text('l'); });\n  await knex('u').update({ l: 'en' });"), knexLite), []);
  });
});

void describe('breadth rules stay quiet on SQLite', () => {
  void it('no PostgreSQL-only rule fires on SQLite SQL', () => {
    const text = 'CREATE TABLE t (a json, b char(2), c timestamp, d varchar(10), e int);\nALTER TABLE t ADD COLUMN f json;\nUPDATE t SET a = 1;';
    const all = analyze(text, { ...lite, rules: Object.fromEntries(['prefer-bigint-over-int', 'prefer-text-field', 'prefer-identity', 'require-statement-timeout'].map((r) => [r, 'warning'])) });
    assert.deepEqual(all.map((f) => f.ruleId).filter((r) => r !== 'ban-update-without-where'), []);
  });
});
