import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { analyze, initAnalyzer } from '../../../server/src/lint';
import { hits, of, pg, snippets } from './helpers';

before(async () => {
  await initAnalyzer();
  await initAnalyzer(); // idempotent
});

void describe('PostgreSQL SQL rules', () => {
  void it('ban-drop-table fires on DROP TABLE with the statement range and a message naming the table', () => {
    const text = 'DROP TABLE "legacy_sessions";\nDROP TABLE IF EXISTS public.audit CASCADE;\n';
    const found = of('ban-drop-table', text, pg);
    assert.deepEqual(
      found.map((f) => text.slice(f.start, f.end)),
      ['DROP TABLE "legacy_sessions"', 'DROP TABLE IF EXISTS public.audit CASCADE'],
    );
    assert.equal(found[0]!.message, 'DROP TABLE "legacy_sessions" permanently deletes the table and all its rows.');
    assert.equal(found[0]!.severity, 'error');
    assert.ok(found[0]!.help);
    assert.match(found[1]!.message, /"public"\."audit"/);
  });

  void it('ban-drop-table points at each name when one statement drops several tables', () => {
    assert.deepEqual(snippets('ban-drop-table', 'DROP TABLE a, "B", s.c CASCADE;', pg), ['a', '"B"', 's.c']);
  });

  void it('ban-drop-table does not fire on other DROPs, on tables created in the same file, or in down files', () => {
    assert.deepEqual(snippets('ban-drop-table', 'DROP INDEX idx; DROP VIEW v; DROP SEQUENCE s;', pg), []);
    assert.deepEqual(snippets('ban-drop-table', 'CREATE TABLE tmp (id int); DROP TABLE tmp;', pg), []);
    assert.deepEqual(snippets('ban-drop-table', 'DROP TABLE users;', { ...pg, fileName: 'migrations/0003_users.down.sql' }), []);
    assert.deepEqual(snippets('ban-drop-table', 'DROP TABLE users;', { ...pg, fileName: 'migrations/0003_users/down.sql' }), []);
  });

  void it('ban-drop-column fires on the DROP COLUMN sub-command', () => {
    const text = 'ALTER TABLE users\n  ADD COLUMN nickname text,\n  DROP COLUMN age CASCADE;\nALTER TABLE accounts DROP legacy_flag;';
    assert.deepEqual(snippets('ban-drop-column', text, pg), ['DROP COLUMN age CASCADE', 'DROP legacy_flag']);
    assert.equal(of('ban-drop-column', text, pg)[0]!.message, 'Dropping column "age" from "users" permanently deletes its data and breaks code that still reads it.');
  });

  void it('ban-drop-column does not fire on other sub-commands or in down files', () => {
    assert.deepEqual(snippets('ban-drop-column', 'ALTER TABLE users DROP CONSTRAINT users_pk, DROP DEFAULT;', pg), []);
    assert.deepEqual(snippets('ban-drop-column', 'ALTER TABLE users ALTER COLUMN a DROP DEFAULT;', pg), []);
    assert.deepEqual(snippets('ban-drop-column', 'ALTER TABLE users DROP COLUMN age;', { ...pg, fileName: '002.down.sql' }), []);
  });

  void it('ban-truncate fires on TRUNCATE', () => {
    assert.deepEqual(snippets('ban-truncate', 'TRUNCATE audit_log;', pg), ['TRUNCATE audit_log']);
    assert.deepEqual(snippets('ban-truncate', 'TRUNCATE TABLE a, b RESTART IDENTITY;', pg), ['TRUNCATE TABLE a', 'b']);
    assert.equal(of('ban-truncate', 'TRUNCATE audit_log;', pg)[0]!.message, 'TRUNCATE "audit_log" permanently deletes every row in the table.');
  });

  void it('ban-truncate does not fire on DELETE or on a table created in the same file', () => {
    assert.deepEqual(snippets('ban-truncate', 'DELETE FROM audit_log WHERE id < 10;', pg), []);
    assert.deepEqual(snippets('ban-truncate', 'CREATE TABLE staging (id int); TRUNCATE staging;', pg), []);
  });

  void it('adding-required-field fires on ADD COLUMN NOT NULL without DEFAULT', () => {
    const text = 'ALTER TABLE users ADD COLUMN email text NOT NULL;\nALTER TABLE users ADD COLUMN id2 bigint PRIMARY KEY, ADD COLUMN ok int;';
    assert.deepEqual(snippets('adding-required-field', text, pg), ['ADD COLUMN email text NOT NULL', 'ADD COLUMN id2 bigint PRIMARY KEY']);
    assert.equal(
      of('adding-required-field', text, pg)[0]!.message,
      'Adding NOT NULL column "email" to "users" without a DEFAULT fails when the table already has rows.',
    );
  });

  void it('adding-required-field does not fire with a DEFAULT, identity, serial, nullable, or in CREATE TABLE', () => {
    const text = [
      "ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';",
      'ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY NOT NULL;',
      'ALTER TABLE users ADD COLUMN s bigserial NOT NULL;',
      'ALTER TABLE users ADD COLUMN note text;',
      'CREATE TABLE t (id int NOT NULL);',
      'ALTER TABLE t ADD COLUMN x int NOT NULL;',
    ].join('\n');
    assert.deepEqual(snippets('adding-required-field', text, pg), []);
  });

  void it('require-concurrent-index-creation fires on CREATE INDEX without CONCURRENTLY', () => {
    const text = 'CREATE INDEX users_email_idx ON users (email);\nCREATE UNIQUE INDEX ON orders (ref);';
    assert.deepEqual(snippets('require-concurrent-index-creation', text, pg), ['CREATE INDEX users_email_idx ON users (email)', 'CREATE UNIQUE INDEX ON orders (ref)']);
    const [first] = of('require-concurrent-index-creation', text, pg);
    assert.equal(first!.severity, 'warning');
    assert.equal(first!.message, 'Creating index "users_email_idx" on "users" without CONCURRENTLY blocks writes to the table until the index is built.');
  });

  void it('require-concurrent-index-creation does not fire with CONCURRENTLY or on a table created in the same file', () => {
    assert.deepEqual(snippets('require-concurrent-index-creation', 'CREATE INDEX CONCURRENTLY i ON users (email);', pg), []);
    assert.deepEqual(snippets('require-concurrent-index-creation', 'CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);', pg), []);
  });

  void it('renaming-column fires on RENAME COLUMN', () => {
    const text = 'ALTER TABLE users RENAME COLUMN nm TO name;\nALTER TABLE users RENAME email TO mail;';
    assert.deepEqual(snippets('renaming-column', text, pg), ['ALTER TABLE users RENAME COLUMN nm TO name', 'ALTER TABLE users RENAME email TO mail']);
    assert.equal(of('renaming-column', text, pg)[0]!.message, 'Renaming column "nm" of "users" to "name" breaks code that still uses the old name.');
  });

  void it('renaming-column does not fire on renaming a table or a constraint', () => {
    assert.deepEqual(snippets('renaming-column', 'ALTER TABLE users RENAME TO members; ALTER TABLE m RENAME CONSTRAINT a TO b;', pg), []);
    assert.deepEqual(snippets('renaming-column', 'CREATE TABLE t (a int); ALTER TABLE t RENAME COLUMN a TO b;', pg), []);
  });

  void it('changing-column-type fires on type changes that rewrite the table', () => {
    const text = [
      'ALTER TABLE users ALTER COLUMN id TYPE bigint;',
      'ALTER TABLE users ALTER COLUMN code SET DATA TYPE text USING code::text;',
      'CREATE TABLE p (name varchar(100));',
      'COMMIT;',
    ].join('\n');
    assert.deepEqual(snippets('changing-column-type', text, pg), ['ALTER COLUMN id TYPE bigint', 'ALTER COLUMN code SET DATA TYPE text USING code::text']);
    assert.equal(of('changing-column-type', text, pg)[0]!.message, 'Changing column "id" of "users" to int8 can rewrite the whole table under an ACCESS EXCLUSIVE lock.');
  });

  void it('changing-column-type uses a column type declared earlier in the file: narrowing fires, widening does not', () => {
    const narrow = 'ALTER TABLE users ADD COLUMN code varchar(100);\nALTER TABLE users ALTER COLUMN code TYPE varchar(50);';
    assert.deepEqual(snippets('changing-column-type', narrow, pg), ['ALTER COLUMN code TYPE varchar(50)']);
    const wide = 'ALTER TABLE users ADD COLUMN code varchar(100);\nALTER TABLE users ALTER COLUMN code TYPE varchar(200);';
    assert.deepEqual(snippets('changing-column-type', wide, pg), []);
    const fromInt = 'ALTER TABLE users ADD COLUMN n int;\nALTER TABLE users ALTER COLUMN n TYPE text;';
    assert.deepEqual(snippets('changing-column-type', fromInt, pg), ['ALTER COLUMN n TYPE text']);
  });

  void it('changing-column-type does not fire on widening varchar or varchar → text', () => {
    const text = [
      'ALTER TABLE users ALTER COLUMN name TYPE varchar(500);',
      'ALTER TABLE users ALTER COLUMN bio TYPE text;',
      'ALTER TABLE users ALTER COLUMN x TYPE character varying;',
    ].join('\n');
    assert.deepEqual(snippets('changing-column-type', text, pg), []);
  });
});

void describe('PostgreSQL offsets and recovery', () => {
  void it('maps UTF-8 byte offsets to UTF-16 across accents, BMP symbols and emoji', () => {
    const text = '-- café ☕ 😀 naïve\n/* 🎉🎉 */ DROP TABLE "légacy_☕";\nALTER TABLE "ü😀" DROP COLUMN "ß";';
    assert.deepEqual(hits(text, pg), [
      ['ban-drop-table', 'DROP TABLE "légacy_☕"'],
      ['ban-drop-column', 'DROP COLUMN "ß"'],
    ]);
    assert.match(analyze(text, pg)[0]!.message, /"légacy_☕"/);
  });

  void it('a syntax error in statement 2 of 3 still reports findings in statements 1 and 3', () => {
    const text = 'DROP TABLE a;\nALTER TABLE b ADD COLUMN c int NOT NUL;\nTRUNCATE d;\n';
    assert.deepEqual(hits(text, pg), [
      ['ban-drop-table', 'DROP TABLE a'],
      ['syntax-error', 'NUL'],
      ['ban-truncate', 'TRUNCATE d'],
    ]);
    const err = of('syntax-error', text, pg)[0]!;
    assert.equal(err.message, 'Syntax error at or near "NUL".');
    assert.equal(err.severity, 'error');
  });

  void it('recovers after an unterminated quote (the scanner throws too) with non-ASCII before it', () => {
    const text = "-- ☕\nDROP TABLE é;\nSELECT 'never closed;\n";
    const found = hits(text, pg);
    assert.deepEqual(found[0], ['ban-drop-table', 'DROP TABLE é']);
    assert.equal(found[1]![0], 'syntax-error');
    assert.equal(found[1]![1], "'never closed;");
  });

  void it('keeps BEGIN ATOMIC bodies with inner semicolons together during recovery', () => {
    const text = 'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nselec 1;\nDROP TABLE z;';
    assert.deepEqual(hits(text, pg), [
      ['syntax-error', 'selec'],
      ['ban-drop-table', 'DROP TABLE z'],
    ]);
  });

  void it('an error at end of input points at the last token', () => {
    const text = 'DROP TABLE a;\nCREATE TABLE b (';
    const err = of('syntax-error', text, pg);
    assert.equal(err.length, 1);
    assert.equal(text.slice(err[0]!.start, err[0]!.end), '(');
  });

  void it('ignores dollar-quoted bodies and comments that contain DROP TABLE', () => {
    const text = "-- DROP TABLE a;\nDO $$ BEGIN EXECUTE 'DROP TABLE b'; END $$;\nSELECT 'DROP TABLE c';";
    assert.deepEqual(hits(text, pg), []);
  });
});
