/**
 * Decoding of JavaScript string literals with a position map, so findings in SQL embedded in
 * `knex.raw('…')` can point back into the literal in the source file.
 */
import type { TextRange } from '../text';

/** A decoded literal: `value[i]` came from source offsets `[starts[i], ends[i])`. */
export interface DecodedString {
  value: string;
  starts: number[];
  ends: number[];
  /** Offset just inside the closing quote, for empty ranges at the end. */
  contentEnd: number;
}

const SIMPLE: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '0': '\0' };

/**
 * Decodes the body of a string or no-substitution template literal.
 * `raw` is the source text between the quotes and `offset` its position in the file.
 * `template` enables template rules (CR/CRLF normalize to LF). Returns `undefined` on escapes it does not
 * understand (legacy octal), so the caller can fall back to whole-literal ranges.
 */
export function decodeJsString(raw: string, offset: number, template: boolean): DecodedString | undefined {
  let value = '';
  const starts: number[] = [];
  const ends: number[] = [];
  const emit = (s: string, from: number, to: number): void => {
    for (let k = 0; k < s.length; k++) {
      starts.push(offset + from);
      ends.push(offset + to);
    }
    value += s;
  };
  let i = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === '\r' && template) {
      const len = raw[i + 1] === '\n' ? 2 : 1;
      emit('\n', i, i + len);
      i += len;
      continue;
    }
    if (c !== '\\') {
      emit(c, i, i + 1);
      i++;
      continue;
    }
    const e = raw[i + 1];
    if (e === undefined) return undefined;
    if (e === '\r') {
      i += raw[i + 2] === '\n' ? 3 : 2; // line continuation
      continue;
    }
    if (e === '\n' || e === '\u2028' || e === '\u2029') {
      i += 2;
      continue;
    }
    if (e === '0' && /[0-9]/.test(raw[i + 2] ?? '')) return undefined;
    if (/[1-9]/.test(e)) return undefined;
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      emit(simple, i, i + 2);
      i += 2;
      continue;
    }
    if (e === 'x') {
      const hex = raw.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      emit(String.fromCharCode(parseInt(hex, 16)), i, i + 4);
      i += 4;
      continue;
    }
    if (e === 'u') {
      if (raw[i + 2] === '{') {
        const close = raw.indexOf('}', i + 3);
        const hex = close < 0 ? '' : raw.slice(i + 3, close);
        if (!/^[0-9a-fA-F]{1,6}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) return undefined;
        emit(String.fromCodePoint(parseInt(hex, 16)), i, close + 1);
        i = close + 1;
        continue;
      }
      const hex = raw.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) return undefined;
      emit(String.fromCharCode(parseInt(hex, 16)), i, i + 6);
      i += 6;
      continue;
    }
    // `\'`, `\"`, `` \` ``, `\$`, `\\` and any other character stand for themselves.
    const cp = raw.codePointAt(i + 1) ?? 0;
    const ch = String.fromCodePoint(cp);
    emit(ch, i, i + 1 + ch.length);
    i += 1 + ch.length;
  }
  return { value, starts, ends, contentEnd: offset + raw.length };
}

/** Maps a range in the decoded value to a range in the source file. */
export function mapDecodedRange(d: DecodedString, r: TextRange): TextRange {
  const s = Math.max(0, Math.min(r.start, d.value.length));
  const e = Math.max(s, Math.min(r.end, d.value.length));
  const start = s < d.value.length ? d.starts[s]! : d.contentEnd;
  const end = e > s ? d.ends[e - 1]! : start;
  return { start, end };
}
