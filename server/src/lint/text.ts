/**
 * Text position helpers shared by the parsers and the CLI.
 *
 * Offsets everywhere in the analyzer are UTF-16 code-unit indices (JavaScript string indices).
 * libpg-query reports UTF-8 byte offsets; {@link byteToUtf16Mapper} converts them.
 */

/** A half-open range `[start, end)` of UTF-16 code-unit offsets. */
export interface TextRange {
  start: number;
  end: number;
}

/** Zero-based position: `line` counts line breaks (`\n`, `\r\n`, `\r`), `column` is in UTF-16 code units. */
export interface LineColumn {
  line: number;
  column: number;
}

/** Start offsets (UTF-16) of the lines of `text`: `\r\n`, `\n` and `\r` each end a line. Compute once per text. */
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

/**
 * Converts a UTF-16 offset into a 0-based line and 0-based UTF-16 column, the way LSP positions count.
 * `\r\n`, `\n` and `\r` each end a line. Offsets outside the text are clamped to `[0, text.length]`;
 * an offset between `\r` and `\n` is reported on the line that `\r\n` ends. `starts`: {@link lineStarts} of `text`.
 */
export function lineColumnAt(text: string, offset: number, starts: readonly number[] = lineStarts(text)): LineColumn {
  const target = Math.max(0, Math.min(Number.isFinite(offset) ? Math.floor(offset) : 0, text.length));
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= target) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, column: target - (starts[lo] ?? 0) };
}

/** 1-based range of the CLI's JSON (ESLint's convention): columns in UTF-16 code units, the end one past the last character. */
export interface CheckPosition {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** The {@link CheckPosition} of the range `[start, end)` in `text`. `starts`: {@link lineStarts} of `text`. */
export function rangeToCheckPosition(text: string, start: number, end: number, starts: readonly number[] = lineStarts(text)): CheckPosition {
  const s = lineColumnAt(text, start, starts);
  const e = lineColumnAt(text, Math.max(start, end), starts);
  return { line: s.line + 1, column: s.column + 1, endLine: e.line + 1, endColumn: e.column + 1 };
}

/** Number of bytes the UTF-8 encoding of the code point at `text[i]` takes, and how many UTF-16 units it spans. */
function codePointAt(text: string, i: number): { bytes: number; units: number } {
  const c = text.charCodeAt(i);
  if (c < 0x80) return { bytes: 1, units: 1 };
  if (c < 0x800) return { bytes: 2, units: 1 };
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return { bytes: 4, units: 2 };
  }
  // Other BMP characters, and lone surrogates (encoded as 3 bytes by TextEncoder and Emscripten alike).
  return { bytes: 3, units: 1 };
}

/**
 * Returns a function converting a UTF-8 byte offset into `text` to a UTF-16 offset.
 * Byte offsets inside a multi-byte character map to that character's start; offsets past the end
 * map to `text.length`. ASCII-only text maps identically without allocating a table.
 */
export function byteToUtf16Mapper(text: string): (byteOffset: number) => number {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(text)) {
    return (b) => Math.max(0, Math.min(b, text.length));
  }
  // One UTF-16 index per UTF-8 byte, in a typed array (no per-character allocation: this runs on whole files).
  const n = text.length;
  const table = new Uint32Array(n * 3);
  let total = 0;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      table[total++] = i;
      i++;
    } else if (c < 0x800) {
      table[total++] = i;
      table[total++] = i;
      i++;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff) {
      table[total++] = i;
      table[total++] = i;
      table[total++] = i;
      table[total++] = i;
      i += 2;
    } else {
      table[total++] = i;
      table[total++] = i;
      table[total++] = i;
      i++;
    }
  }
  return (b) => {
    if (!(b >= 0)) return 0;
    if (b >= total) return text.length;
    return table[Math.floor(b)] ?? text.length;
  };
}

/** Number of UTF-8 bytes `text` encodes to (lone surrogates count 3). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; ) {
    const { bytes, units } = codePointAt(text, i);
    n += bytes;
    i += units;
  }
  return n;
}

/**
 * Range of the "token" at `offset` for pointing at a syntax error: a run of word characters,
 * a quoted string (to its closing quote, else to the end of the line), or a single non-space character. At or after the end of meaningful text,
 * the last non-space character run before `offset` is used. Never returns an empty range for non-empty text.
 */
export function tokenRangeAt(text: string, offset: number, lower = 0, upper = text.length): TextRange {
  let pos = Math.max(lower, Math.min(offset, upper));
  // Skip whitespace forward.
  while (pos < upper && /\s/.test(text[pos] ?? '')) pos++;
  if (pos >= upper) {
    // End of input: point at the last token before it.
    let end = Math.min(offset, upper);
    while (end > lower && /\s/.test(text[end - 1] ?? '')) end--;
    if (end <= lower) return { start: lower, end: Math.min(upper, lower + 1) > lower ? Math.min(upper, lower + 1) : lower };
    let start = end - 1;
    while (start > lower && /[\p{L}\p{N}_$]/u.test(text[start - 1] ?? '') && /[\p{L}\p{N}_$]/u.test(text[end - 1] ?? '')) start--;
    return { start, end };
  }
  const m = /^[\p{L}\p{N}_$]+/u.exec(text.slice(pos, Math.min(upper, pos + 200)));
  if (m) return { start: pos, end: pos + m[0].length };
  const q = text[pos];
  if (q === "'" || q === '"' || q === '`') {
    // A quoted token: up to its closing quote (doubled quotes escape), else to the end of the line.
    let i = pos + 1;
    while (i < upper && text[i] !== '\n') {
      if (text[i] === q) {
        if (text[i + 1] === q) {
          i += 2;
          continue;
        }
        return { start: pos, end: i + 1 };
      }
      i++;
    }
    let end = i;
    while (end > pos + 1 && /\s/.test(text[end - 1] ?? '')) end--;
    return { start: pos, end };
  }
  const ch = text.codePointAt(pos) ?? 0;
  return { start: pos, end: pos + (ch > 0xffff ? 2 : 1) };
}

/**
 * Applies non-overlapping edits (UTF-16 offsets into `text`, as in a finding's `fix.edits`) and returns the new text.
 * Edits are applied from the last to the first, so each offset refers to the original text.
 * Throws a `RangeError` when an edit is out of range or two edits overlap.
 */
export function applyEdits(text: string, edits: readonly { start: number; end: number; newText: string }[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = text.length;
  for (const e of sorted) {
    if (!(e.start >= 0 && e.start <= e.end && e.end <= limit)) throw new RangeError(`edit ${e.start}-${e.end} out of range or overlapping`);
    out = out.slice(0, e.start) + e.newText + out.slice(e.end);
    limit = e.start;
  }
  return out;
}

/**
 * True when UTF-16 code unit `c` is one that `String.prototype.trim` removes: ECMAScript WhiteSpace (tab, VT, FF,
 * space, NBSP, ZWNBSP/BOM, Unicode "Zs") or LineTerminator (LF, CR, LS, PS). Source: ECMA-262, "White Space" and
 * "Line Terminators". Lets callers trim ranges by index instead of copying strings.
 */
export function isJsWhitespace(c: number): boolean {
  if (c > 32 && c < 127) return false;
  return (
    c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}
