/**
 * A small, dependency-free SQL statement splitter used for error recovery when the real parser
 * rejects the whole text (and, for PostgreSQL, when libpg-query's own scanner also fails, e.g. on an
 * unterminated quote). It understands quotes, comments and, for PostgreSQL, dollar quoting; it does not
 * understand `BEGIN … END` bodies (callers merge pieces back together when a piece fails to parse).
 */
import type { Dialect } from '../types';
import type { TextRange } from '../text';

/**
 * Splits `sql` at top-level semicolons. Returns the pieces as UTF-16 ranges without the `;`,
 * skipping pieces that hold only whitespace and comments. An unterminated quote or comment runs to
 * the end of the text.
 */
export function splitSqlStatements(sql: string, dialect: Dialect): TextRange[] {
  const pieces: TextRange[] = [];
  const n = sql.length;
  let pieceStart = 0;
  let meaningful = false;
  let i = 0;
  const push = (end: number): void => {
    if (meaningful) pieces.push({ start: pieceStart, end });
    meaningful = false;
  };
  while (i < n) {
    const c = sql[i]!;
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      // PostgreSQL nests block comments; SQLite does not.
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else if (dialect === 'postgresql' && sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else i++;
      }
      continue;
    }
    if (c === ';') {
      push(i);
      i++;
      pieceStart = i;
      continue;
    }
    if (!/\s/.test(c)) meaningful = true;
    if (c === "'" || c === '"' || (dialect === 'sqlite' && c === '`')) {
      const backslashEscapes = c === "'" && dialect === 'postgresql' && /[eE]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? '');
      i++;
      while (i < n) {
        if (backslashEscapes && sql[i] === '\\') {
          i += 2;
          continue;
        }
        if (sql[i] === c) {
          if (sql[i + 1] === c) {
            i += 2;
            continue;
          }
          break;
        }
        i++;
      }
      i++;
      continue;
    }
    if (c === '[' && dialect === 'sqlite') {
      const close = sql.indexOf(']', i + 1);
      i = close < 0 ? n : close + 1;
      continue;
    }
    if (c === '$' && dialect === 'postgresql' && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const m = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64));
      if (m) {
        const tag = m[0];
        const close = sql.indexOf(tag, i + tag.length);
        i = close < 0 ? n : close + tag.length;
        continue;
      }
    }
    i++;
  }
  push(n);
  return pieces;
}

/** True when a failed piece may be the first part of a body with inner semicolons (`BEGIN … END`, `CASE … END`). */
export function mayContinueBlock(pieceText: string): boolean {
  return /\b(BEGIN|CASE)\b/i.test(pieceText) && !/^\s*BEGIN\s*(TRANSACTION|WORK|DEFERRED|IMMEDIATE|EXCLUSIVE|ISOLATION)?\s*$/i.test(pieceText);
}

/** A parse failure: message and absolute UTF-16 offset of the error, when the parser gave one. */
export interface ChunkError {
  message: string;
  offset?: number;
}

/**
 * Error recovery shared by the SQL parsers. `parseChunk(start, end)` parses `text.slice(start, end)` and,
 * on success, records its statements itself; on failure it records nothing and returns the error.
 *
 * Instead of parsing every piece alone (slow on big files), it parses the rest of the text as one chunk,
 * finds the piece holding the error, re-parses the pieces before it as one chunk, reports the bad piece
 * (after trying to merge it with following pieces when it may open a `BEGIN … END` body), and continues after
 * it. Cost: a few parses per syntax error.
 */
export function recoverStatements(
  text: string,
  pieces: readonly TextRange[],
  parseChunk: (start: number, end: number) => ChunkError | undefined,
  reportError: (piece: TextRange, error: ChunkError) => void,
): void {
  const parsePieceAlone = (i: number): number => {
    const p = pieces[i]!;
    const err = parseChunk(p.start, p.end);
    if (!err) return i + 1;
    if (mayContinueBlock(text.slice(p.start, p.end))) {
      for (let j = i + 1; j < Math.min(pieces.length, i + 9); j++) {
        if (!parseChunk(p.start, pieces[j]!.end)) return j + 1;
      }
    }
    reportError(p, err);
    return i + 1;
  };
  let i = 0;
  while (i < pieces.length) {
    const last = pieces[pieces.length - 1]!;
    const err = parseChunk(pieces[i]!.start, last.end);
    if (!err) return;
    if (err.offset === undefined) {
      i = parsePieceAlone(i);
      continue;
    }
    // The bad piece: the last one starting at or before the error.
    let j = i;
    while (j + 1 < pieces.length && pieces[j + 1]!.start <= err.offset) j++;
    if (j > i && parseChunk(pieces[i]!.start, pieces[j - 1]!.end)) {
      // Unexpected: the prefix does not parse on its own either; go piece by piece.
      for (let k = i; k < j; ) k = parsePieceAlone(k);
    }
    i = parsePieceAlone(j);
  }
}
