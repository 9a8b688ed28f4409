/**
 * Offsets to the 1-based positions the CLI's JSON uses (ESLint's convention): lines split at
 * `\r\n`, `\n` and `\r` (as LSP does), columns in UTF-16 code units, end one past the last character.
 */

/** Line starts of `text` (UTF-16 offsets). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (c === 10 /* \n */) {
      starts.push(i + 1);
    }
  }
  return starts;
}

/** 0-based `{ line, column }` of a UTF-16 offset (clamped to the text). */
export function positionAt(starts: number[], offset: number, textLength: number): { line: number; column: number } {
  const o = Math.max(0, Math.min(offset, textLength));
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= o) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, column: o - (starts[lo] ?? 0) };
}

/** 1-based `{ line, column, endLine, endColumn }` of the range `[start, end)` in `text`. */
export function rangeToCheckPosition(text: string, start: number, end: number, starts = lineStarts(text)): { line: number; column: number; endLine: number; endColumn: number } {
  const s = positionAt(starts, start, text.length);
  const e = positionAt(starts, Math.max(start, end), text.length);
  return { line: s.line + 1, column: s.column + 1, endLine: e.line + 1, endColumn: e.column + 1 };
}
