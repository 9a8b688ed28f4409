import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, initAnalyzer } from '../../../server/src/lint';
import { splitTopLevelCommas } from '../../../server/src/lint/parsers/sql-split';
import { hits, knexPg, knexUp, lite, of, pg, snippets } from './helpers';

before(async () => {
  await initAnalyzer();
});

void describe('PL/pgSQL bodies are analysed', () => {
  void it('finds statements inside DO $$ … $$ with ranges in the document (non-ASCII before them too)', () => {
    const text = "-- café ☕\nDO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'é') THEN\n    ALTER TABLE users DROP COLUMN legacy;\n  END IF;\n  DELETE FROM sessions;\nEND\n$$;\n";
    assert.deepEqual(hits(text, pg), [
      ['ban-drop-column', 'DROP COLUMN legacy'],
      ['ban-delete-without-where', 'DELETE FROM sessions'],
    ]);
  });

  void it('finds statements in CREATE FUNCTION … LANGUAGE plpgsql bodies, also inside knex.raw', () => {
    const text = 'CREATE OR REPLACE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $fn$\nBEGIN\n  TRUNCATE audit;\nEND\n$fn$;';
    assert.deepEqual(snippets('ban-truncate', text, pg), ['TRUNCATE audit']);
    const knex = knexUp("  await knex.raw(`DO $$ BEGIN DROP TABLE legacy; END $$`);");
    assert.deepEqual(snippets('ban-drop-table', knex, knexPg), ['DROP TABLE legacy']);
  });

  void it('CONCURRENTLY inside a DO body is reported by concurrently-in-transaction', () => {
    const text = 'DO $$ BEGIN CREATE INDEX CONCURRENTLY i ON users (email); END $$;';
    assert.deepEqual(snippets('concurrently-in-transaction', text, pg), ['CREATE INDEX CONCURRENTLY i ON users (email)']);
    assert.match(of('concurrently-in-transaction', text, pg)[0]!.message, /DO block or function/);
  });

  void it('does not analyse other languages, dynamic EXECUTE strings, or report errors inside bodies', () => {
    const text = "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nDO $$ BEGIN EXECUTE 'DROP TABLE x'; PERFORM pg_sleep(0); END $$;\nDO LANGUAGE plpgsql $$ BEGIN RAISE NOTICE 'hi'; END $$;";
    assert.deepEqual(analyze(text, pg), []);
  });
});

void describe('template placeholders read as identifiers', () => {
  void it('{{ .Schema }} and ${schema} do not cause syntax errors and keep their text in messages (PostgreSQL)', () => {
    const text = 'CREATE TABLE {{ .Schema }}.users (id int PRIMARY KEY);\nINSERT INTO {{ .Schema }}.users VALUES (1);\nDROP TABLE ${schema}.legacy;\nALTER TABLE ${schema}.orders DROP COLUMN note;\n';
    const found = analyze(text, pg);
    assert.deepEqual(found.map((f) => [f.ruleId, text.slice(f.start, f.end)]), [
      ['ban-drop-table', 'DROP TABLE ${schema}.legacy'],
      ['ban-drop-column', 'DROP COLUMN note'],
    ]);
    assert.equal(found[0]!.message, 'DROP TABLE "${schema}"."legacy" permanently deletes the table and all its rows.');
  });

  void it('works for SQLite, and a real syntax error is still reported once', () => {
    assert.deepEqual(hits('DROP TABLE {{.Prefix}}_sessions;\nSELEC 1;\nDELETE FROM ${t};', lite).map((h) => h[0]), ['ban-drop-table', 'syntax-error', 'ban-delete-without-where']);
    assert.equal(of('syntax-error', 'CREATE TABLE {{ .Schema }}.a (id int);\nCREATE TABL b (id int);\nCREATE TABLE {{ .Schema }}.c (id int);', pg).length, 1);
  });
});

void describe('widening varchar is not changing-column-type', () => {
  void it('varchar(n) → larger n or text is metadata-only; narrowing and other types still fire', () => {
    const text = 'CREATE TABLE u (name varchar(50), code varchar(20), n int);\nALTER TABLE u ALTER COLUMN name TYPE varchar(100);\nALTER TABLE u ALTER COLUMN name TYPE text;\nALTER TABLE u ALTER COLUMN code TYPE varchar(10);\nALTER TABLE u ALTER COLUMN n TYPE bigint;';
    // Table created in the same file: nothing fires at all.
    assert.deepEqual(snippets('changing-column-type', text, pg), []);
    const existing = 'ALTER TABLE users ALTER COLUMN name TYPE varchar(200);\nALTER TABLE users ALTER COLUMN bio TYPE text;\nALTER TABLE users ALTER COLUMN id TYPE bigint;';
    assert.deepEqual(snippets('changing-column-type', existing, pg), ['ALTER COLUMN id TYPE bigint']);
  });
});

void describe('splitTopLevelCommas', () => {
  void it('splits outside parentheses, quotes, dollar quotes and comments, trimming each part', () => {
    const sql = "  ADD COLUMN a numeric(10, 2) DEFAULT ',' , -- x, y\n ADD CHECK (b IN ('p,q', $$r,s$$)), /* c, d */ DROP e  ";
    assert.deepEqual(
      splitTopLevelCommas(sql, 0, sql.length).map((r) => sql.slice(r.start, r.end)),
      ["ADD COLUMN a numeric(10, 2) DEFAULT ','", "ADD CHECK (b IN ('p,q', $$r,s$$))", 'DROP e'],
    );
  });
});

describe('unterminated block comments', () => {
  before(() => initAnalyzer());
  for (const dialect of ['postgresql', 'sqlite'] as const) {
    it(`are a syntax error at the comment, after the findings before it (${dialect})`, () => {
      const text = 'DROP TABLE a;\nCREATE TABLE b (id int PRIMARY KEY);\n/* unterminated\nDROP TABLE c;';
      const findings = analyze(text, { fileName: 'x.sql', dialect });
      assert.deepEqual(findings.map((f) => f.ruleId), ['ban-drop-table', 'syntax-error']);
      assert.equal(findings[1]!.start, text.indexOf('/*'));
    });
  }
  it('a closed comment at the end is not an error', () => {
    assert.deepEqual(analyze('DROP TABLE a;\n/* done */\n', { fileName: 'x.sql', dialect: 'postgresql' }).map((f) => f.ruleId), ['ban-drop-table']);
  });
});

describe('neutralizeOutsideQuotes', () => {
  it('rewrites markers outside quotes only, keeping every offset', async () => {
    const { neutralizeOutsideQuotes } = await import('../../../server/src/lint/parsers/sql-split');
    const sql = "UPDATE t SET a = ?, b = '?' WHERE c = ?? AND d = \"?\"";
    const out = neutralizeOutsideQuotes(sql, (s, i) => (s[i] === '?' && s[i + 1] === '?' ? { text: 'q_', consumed: 2 } : s[i] === '?' ? { text: '0', consumed: 1 } : undefined));
    assert.equal(out, "UPDATE t SET a = 0, b = '?' WHERE c = q_ AND d = \"?\"");
    assert.equal(out.length, sql.length);
  });
});
