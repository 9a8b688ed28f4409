import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../../server/src/lint';
import { hits, lite, of, snippets } from './helpers';

// The SQLite parser needs no initialization: these tests deliberately do not call initAnalyzer().

void describe('SQLite SQL rules', () => {
  void it('ban-drop-table fires on DROP TABLE, one range per table when several', () => {
    assert.deepEqual(snippets('ban-drop-table', 'DROP TABLE IF EXISTS "legacy_sessions";', lite), ['DROP TABLE IF EXISTS "legacy_sessions"']);
    assert.deepEqual(snippets('ban-drop-table', 'DROP TABLE main.a;\nDROP TABLE b;', lite), ['DROP TABLE main.a', 'DROP TABLE b']);
    assert.equal(of('ban-drop-table', 'DROP TABLE "legacy_sessions";', lite)[0]!.message, 'DROP TABLE "legacy_sessions" permanently deletes the table and all its rows.');
  });

  void it('ban-drop-table does not fire on DROP INDEX/VIEW/TRIGGER, new tables, or down files', () => {
    assert.deepEqual(snippets('ban-drop-table', 'DROP INDEX i; DROP VIEW v; DROP TRIGGER t;', lite), []);
    assert.deepEqual(snippets('ban-drop-table', 'CREATE TABLE tmp (id INTEGER) STRICT; DROP TABLE tmp;', lite), []);
    assert.deepEqual(snippets('ban-drop-table', 'DROP TABLE users;', { ...lite, fileName: '0002_users.down.sql' }), []);
  });

  void it('ban-drop-column fires on DROP COLUMN with the action range', () => {
    assert.deepEqual(snippets('ban-drop-column', 'ALTER TABLE users DROP COLUMN age;\nALTER TABLE t DROP "b";', lite), ['DROP COLUMN age', 'DROP "b"']);
  });

  void it('ban-drop-column does not fire on other ALTERs', () => {
    assert.deepEqual(snippets('ban-drop-column', 'ALTER TABLE users RENAME TO members; ALTER TABLE m ADD COLUMN x TEXT;', lite), []);
    assert.deepEqual(snippets('ban-drop-column', 'CREATE TABLE n (a, b); ALTER TABLE n DROP COLUMN b;', lite), []);
  });

  void it('adding-required-field fires on ADD COLUMN NOT NULL without DEFAULT', () => {
    const text = 'ALTER TABLE users ADD COLUMN email TEXT NOT NULL;\nALTER TABLE users ADD score INTEGER CONSTRAINT nn NOT NULL;';
    assert.deepEqual(snippets('adding-required-field', text, lite), ['ADD COLUMN email TEXT NOT NULL', 'ADD score INTEGER CONSTRAINT nn NOT NULL']);
  });

  void it('adding-required-field does not fire with a DEFAULT, when nullable, or in CREATE TABLE', () => {
    const text = "ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';\nALTER TABLE users ADD COLUMN note TEXT;\nCREATE TABLE x (a TEXT NOT NULL);";
    assert.deepEqual(snippets('adding-required-field', text, lite), []);
  });

  void it('renaming-column fires on RENAME COLUMN and not on RENAME TO', () => {
    assert.deepEqual(snippets('renaming-column', 'ALTER TABLE users RENAME COLUMN nm TO name;', lite), ['RENAME COLUMN nm TO name']);
    assert.deepEqual(snippets('renaming-column', 'ALTER TABLE users RENAME nm TO name;', lite), ['RENAME nm TO name']);
    assert.deepEqual(snippets('renaming-column', 'ALTER TABLE users RENAME TO members;', lite), []);
    assert.deepEqual(snippets('renaming-column', 'CREATE TABLE t (a); ALTER TABLE t RENAME COLUMN a TO b;', lite), []);
  });

  void it('require-concurrent-index-creation never fires for SQLite', () => {
    assert.deepEqual(snippets('require-concurrent-index-creation', 'CREATE INDEX i ON users (email);\nCREATE UNIQUE INDEX j ON users (a);', lite), []);
  });

  void it('TRUNCATE is not SQLite: it is a syntax error, and DELETE does not fire ban-truncate', () => {
    assert.deepEqual(snippets('ban-truncate', 'DELETE FROM audit_log;', lite), []);
    assert.deepEqual(hits('TRUNCATE audit_log;', lite), [['syntax-error', 'TRUNCATE']]);
  });

  void it('accepts SQLite-specific syntax without errors (PRAGMA, WITHOUT ROWID, STRICT, triggers, upsert)', () => {
    const text = [
      'PRAGMA foreign_keys = OFF;',
      'CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;',
      'CREATE TABLE s (id INTEGER PRIMARY KEY) STRICT;',
      'CREATE TRIGGER tr AFTER INSERT ON kv BEGIN UPDATE s SET id = id + 1; DELETE FROM s WHERE id < 0; END;',
      "INSERT INTO kv (k, v) VALUES ('a', 1) ON CONFLICT (k) DO UPDATE SET v = excluded.v;",
    ].join('\n');
    assert.deepEqual(hits(text, lite), []);
  });
});

void describe('SQLite offsets and recovery', () => {
  void it('keeps UTF-16 ranges with non-ASCII text and emoji before the statement', () => {
    const text = '-- café ☕ 😀\nDROP TABLE "légacy_😀";\nALTER TABLE "ü" DROP COLUMN "ß";';
    assert.deepEqual(hits(text, lite), [
      ['ban-drop-table', 'DROP TABLE "légacy_😀"'],
      ['ban-drop-column', 'DROP COLUMN "ß"'],
    ]);
  });

  void it('a syntax error in statement 2 of 3 still reports findings in statements 1 and 3', () => {
    const text = '-- ☕\nDROP TABLE a;\nALTER TABLE b ADD COLUMN c TEXT NOT NUL;\nALTER TABLE d DROP COLUMN e;';
    const found = hits(text, lite);
    assert.deepEqual(found.map((f) => f[0]), ['ban-drop-table', 'syntax-error', 'ban-drop-column']);
    assert.equal(found[0]![1], 'DROP TABLE a');
    assert.equal(found[2]![1], 'DROP COLUMN e');
    const err = of('syntax-error', text, lite)[0]!;
    assert.ok(err.start > text.indexOf('ALTER TABLE b') && err.end <= text.indexOf(';\nALTER TABLE d'), 'error range is inside statement 2');
    assert.match(err.message, /^Syntax error: unexpected/);
  });

  void it('recovery keeps trigger bodies together', () => {
    const text = 'selec 1;\nCREATE TRIGGER tr AFTER INSERT ON kv BEGIN UPDATE s SET id = 1; DELETE FROM s; END;\nDROP TABLE z;';
    assert.deepEqual(hits(text, lite), [
      ['syntax-error', 'selec'],
      ['ban-drop-table', 'DROP TABLE z'],
    ]);
  });

  void it('reports syntax errors with a small range, not the file', () => {
    const text = 'CREATE TABLE ok (a);\nCREATE TABLE bad (a,);\n';
    const [err] = analyze(text, lite);
    assert.equal(err?.ruleId, 'syntax-error');
    assert.ok(err!.end - err!.start <= 3);
  });
});
