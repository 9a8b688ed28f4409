import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineColumnAt } from '../../server/src/lint';
import { lineStarts, positionAt, rangeToCheckPosition } from '../../server/src/migrations';

void describe('positions (CLI JSON, 1-based like ESLint)', () => {
  const text = 'a\r\nbé😀c\rd\n\nDROP TABLE x;';
  void it('agree with the analyzer\'s lineColumnAt at every offset (\\r\\n, \\r, \\n; UTF-16 columns)', () => {
    const starts = lineStarts(text);
    for (let o = 0; o <= text.length; o++) {
      if (text[o - 1] === '\r' && text[o] === '\n') continue; // inside \r\n: no character starts there
      assert.deepEqual(positionAt(starts, o, text.length), lineColumnAt(text, o), `offset ${o}`);
    }
  });
  void it('gives 1-based line/column and an end one past the last character', () => {
    const start = text.indexOf('DROP');
    assert.deepEqual(rangeToCheckPosition(text, start, text.length), { line: 5, column: 1, endLine: 5, endColumn: 14 });
    const emoji = text.indexOf('😀');
    assert.deepEqual(rangeToCheckPosition(text, emoji, emoji + 2), { line: 2, column: 3, endLine: 2, endColumn: 5 });
  });
});
