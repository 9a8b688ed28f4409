/** Analyzer speed-ups that must not change results: the per-type operation index (`opsOfType`). */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initAnalyzer, parseDocument } from '../../../server/src/lint';
import { opsOfType } from '../../../server/src/lint/model';
import { isJsWhitespace } from '../../../server/src/lint/text';
import { pg } from './helpers';

before(async () => {
  await initAnalyzer();
});

const SQL = [
  'CREATE TABLE a (id int);',
  'CREATE INDEX i1 ON b (x);',
  'DROP INDEX i0;',
  'ALTER TABLE b ADD COLUMN c int NOT NULL, DROP COLUMN d;',
  'CREATE INDEX CONCURRENTLY i2 ON b (y);',
  'DROP TABLE c;',
  'ALTER TABLE b ADD COLUMN e text;',
].join('\n');

void describe('opsOfType', () => {
  void it('returns the operations of one type in document order, the same as filtering doc.operations', () => {
    const doc = parseDocument(SQL, pg);
    for (const type of ['createTable', 'createIndex', 'dropIndex', 'addColumn', 'dropColumn', 'dropTable', 'truncate'] as const) {
      assert.deepEqual(opsOfType(doc, type), doc.operations.filter((o) => o.type === type), type);
    }
    assert.deepEqual(
      opsOfType(doc, 'addColumn').map((o) => o.column),
      ['c', 'e'],
    );
    assert.equal(opsOfType(doc, 'truncate').length, 0);
  });

  void it('merges several types in document order', () => {
    const doc = parseDocument(SQL, pg);
    const merged = opsOfType(doc, 'dropIndex', 'createIndex');
    assert.deepEqual(merged, doc.operations.filter((o) => o.type === 'createIndex' || o.type === 'dropIndex'));
    assert.deepEqual(
      merged.map((o) => (o.type === 'createIndex' ? `+${o.index}` : `-${o.index}`)),
      ['+i1', '-i0', '+i2'],
    );
  });

  void it('is rebuilt when the operations array is replaced or grows', () => {
    const doc = parseDocument(SQL, pg);
    assert.equal(opsOfType(doc, 'dropTable').length, 1);
    const extra = parseDocument('DROP TABLE z;', pg).operations[0]!;
    doc.operations.push(extra);
    assert.equal(opsOfType(doc, 'dropTable').length, 2);
    doc.operations = doc.operations.filter((o) => o.type !== 'dropTable');
    assert.equal(opsOfType(doc, 'dropTable').length, 0);
  });
});

void describe('isJsWhitespace', () => {
  void it('agrees with String.prototype.trim on every UTF-16 code unit', () => {
    const differ: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (isJsWhitespace(c) !== (String.fromCharCode(c).trim() === '')) differ.push(c);
    assert.deepEqual(differ, []);
  });
});

void describe('PostgreSQL statement ranges (index-scanned trimming)', () => {
  void it('excludes surrounding whitespace and comments from statement ranges', () => {
    const text = '\f\t DROP TABLE a\r\n;\t\n/* c */ DROP TABLE b -- x\n;\r\n  TRUNCATE t1, t2  ;';
    const doc = parseDocument(text, pg);
    assert.deepEqual(
      doc.statements.map((r) => text.slice(r.start, r.end)),
      ['DROP TABLE a', 'DROP TABLE b', 'TRUNCATE t1, t2'],
    );
    assert.deepEqual(
      doc.operations.map((o) => text.slice(o.range.start, o.range.end)),
      ['DROP TABLE a', 'DROP TABLE b', 'TRUNCATE t1', 't2'],
    );
  });
});
