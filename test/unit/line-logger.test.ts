import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineLogger } from '../../client/src/engine-host';

void describe('lineLogger (the engine processes\' stderr in the output channel)', () => {
  void it('logs each non-blank line once, joining a line split across chunks, and the unterminated rest on flush', () => {
    const lines: string[] = [];
    const logger = lineLogger((line) => lines.push(line));
    logger.write('Applying 001_a');
    logger.write('.js\n\nwarning: slow');
    assert.deepEqual(lines, ['Applying 001_a.js']);
    logger.write(' query\n   \nDone');
    logger.flush();
    logger.flush();
    assert.deepEqual(lines, ['Applying 001_a.js', 'warning: slow query', 'Done']);
  });
});
