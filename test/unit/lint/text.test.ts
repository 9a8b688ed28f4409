import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineColumnAt } from '../../../server/src/lint';
import { byteToUtf16Mapper, lineStarts, rangeToCheckPosition, tokenRangeAt, utf8Length } from '../../../server/src/lint/text';

void describe('lineColumnAt', () => {
  void it('returns 0-based line and UTF-16 column for \\n, \\r\\n and \\r line breaks', () => {
    const text = 'ab\ncd\r\nef\rgh';
    assert.deepEqual(lineColumnAt(text, 0), { line: 0, column: 0 });
    assert.deepEqual(lineColumnAt(text, 2), { line: 0, column: 2 });
    assert.deepEqual(lineColumnAt(text, 3), { line: 1, column: 0 });
    assert.deepEqual(lineColumnAt(text, 7), { line: 2, column: 0 });
    assert.deepEqual(lineColumnAt(text, 10), { line: 3, column: 0 });
    assert.deepEqual(lineColumnAt(text, 12), { line: 3, column: 2 });
  });

  void it('counts UTF-16 code units (an emoji is 2) and clamps out-of-range offsets', () => {
    const text = '😀x\n☕y';
    assert.deepEqual(lineColumnAt(text, 2), { line: 0, column: 2 });
    assert.deepEqual(lineColumnAt(text, 5), { line: 1, column: 1 });
    assert.deepEqual(lineColumnAt(text, 99), { line: 1, column: 2 });
    assert.deepEqual(lineColumnAt(text, -5), { line: 0, column: 0 });
    assert.deepEqual(lineColumnAt(text, Number.NaN), { line: 0, column: 0 });
  });
});

void describe('rangeToCheckPosition (the CLI JSON, 1-based like ESLint)', () => {
  const text = 'a\r\nbé😀c\rd\n\nDROP TABLE x;';
  void it('gives 1-based line/column and an end one past the last character', () => {
    const start = text.indexOf('DROP');
    assert.deepEqual(rangeToCheckPosition(text, start, text.length), { line: 5, column: 1, endLine: 5, endColumn: 14 });
    const emoji = text.indexOf('😀');
    assert.deepEqual(rangeToCheckPosition(text, emoji, emoji + 2), { line: 2, column: 3, endLine: 2, endColumn: 5 });
  });
  void it('reads the same with line starts computed once (\\r\\n, \\r, \\n; UTF-16 columns)', () => {
    const starts = lineStarts(text);
    for (let o = 0; o <= text.length; o++) {
      const at = lineColumnAt(text, o);
      assert.deepEqual(rangeToCheckPosition(text, o, o, starts), { line: at.line + 1, column: at.column + 1, endLine: at.line + 1, endColumn: at.column + 1 }, `offset ${o}`);
    }
  });
});

void describe('byteToUtf16Mapper', () => {
  void it('maps byte offsets of every character to its UTF-16 index', () => {
    const text = 'aé☕😀b\u{10348}';
    const map = byteToUtf16Mapper(text);
    let byte = 0;
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i)!;
      assert.equal(map(byte), i, `char at ${i}`);
      byte += Buffer.byteLength(String.fromCodePoint(cp));
      i += cp > 0xffff ? 2 : 1;
    }
    assert.equal(map(byte), text.length);
    assert.equal(utf8Length(text), Buffer.byteLength(text));
  });

  void it('is the identity for ASCII', () => {
    const map = byteToUtf16Mapper('select 1');
    assert.equal(map(3), 3);
    assert.equal(map(100), 8);
  });
});

void describe('tokenRangeAt', () => {
  void it('picks a word, a quoted string, or the last token at end of input', () => {
    const t = "select fooé 'a''b' x";
    assert.deepEqual(tokenRangeAt(t, 7), { start: 7, end: 11 });
    assert.deepEqual(tokenRangeAt(t, 12), { start: 12, end: 18 });
    assert.deepEqual(tokenRangeAt('select (  ', 10), { start: 7, end: 8 });
  });
});
