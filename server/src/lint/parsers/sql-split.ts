/**
 * A small, dependency-free SQL statement splitter used for error recovery when the real parser
 * rejects the whole text (and, for PostgreSQL, when libpg-query's own scanner also fails, e.g. on an
 * unterminated quote). It understands quotes, comments and, for PostgreSQL, dollar quoting; it does not
 * understand `BEGIN … END` bodies (callers merge pieces back together when a piece fails to parse).
 */
import type { Dialect } from '../types';
import { tokenRangeAt } from '../text';
import type { TextRange } from '../text';
import type { ParsedDocument } from '../model';

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
      // An unterminated comment is a syntax error: keep its piece so the parser reports it.
      if (depth > 0) meaningful = true;
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

/**
 * Splits `sql.slice(start, end)` at top-level commas (outside parentheses, brackets, quotes, dollar quotes and
 * comments) and returns each part as a UTF-16 range of `sql`, trimmed of surrounding whitespace and comments.
 * A cheap replacement for scanning tokens when only sub-command ranges are needed (ALTER TABLE a, b, c).
 */
export function splitTopLevelCommas(sql: string, start: number, end: number): TextRange[] {
  const parts: TextRange[] = [];
  let depth = 0;
  let i = start;
  // Meaningful (non-space, non-comment) extent of the current part.
  let first = -1;
  let last = -1;
  const push = (): void => {
    if (first >= 0) parts.push({ start: first, end: last });
    first = -1;
    last = -1;
  };
  while (i < end) {
    const c = sql.charCodeAt(i);
    if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 || nl > end ? end : nl + 1;
      continue;
    }
    if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 || close + 2 > end ? end : close + 2;
      continue;
    }
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    if (c === 44 /* , */ && depth === 0) {
      push();
      i++;
      continue;
    }
    if (first < 0) first = i;
    if (c === 40 || c === 91) depth++;
    else if (c === 41 || c === 93) depth = Math.max(0, depth - 1);
    if (c === 39 /* ' */ || c === 34 /* " */) {
      let j = i + 1;
      const backslash = c === 39 && (sql[i - 1] === 'E' || sql[i - 1] === 'e');
      while (j < end) {
        const d = sql.charCodeAt(j);
        if (backslash && d === 92) {
          j += 2;
          continue;
        }
        if (d === c) {
          if (sql.charCodeAt(j + 1) === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      i = Math.min(end, j + 1);
      last = i;
      continue;
    }
    if (c === 36 /* $ */ && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const m = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i, Math.min(end, i + 64)));
      if (m) {
        const close = sql.indexOf(m[0], i + m[0].length);
        i = close < 0 || close + m[0].length > end ? end : close + m[0].length;
        last = i;
        continue;
      }
    }
    i++;
    last = i;
  }
  push();
  return parts;
}

/**
 * End (UTF-16 offset) of a possibly qualified, possibly quoted SQL name starting at `pos`: `t`, `"T"`, `s.t`,
 * `"S"."T"`. Returns `pos` when no name starts there.
 */
export function skipQualifiedName(sql: string, pos: number, end: number): number {
  let i = pos;
  for (;;) {
    if (sql[i] === '"') {
      let j = i + 1;
      while (j < end) {
        if (sql[j] === '"') {
          if (sql[j + 1] === '"') {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      i = Math.min(end, j + 1);
    } else {
      const m = /^[\p{L}\p{N}_$]+/u.exec(sql.slice(i, Math.min(end, i + 128)));
      if (!m) return i;
      i += m[0].length;
    }
    let k = i;
    while (k < end && /\s/.test(sql[k]!)) k++;
    if (sql[k] !== '.') return i;
    k++;
    while (k < end && /\s/.test(sql[k]!)) k++;
    i = k;
  }
}

/**
 * The `reportError` callback of {@link recoverStatements} shared by the SQL parsers: records a syntax error on the
 * token at the error offset (else the piece start) and the failed piece, trimmed, as a statement (so suppression
 * comments and statement-level findings still have something to attach to).
 */
export function pieceErrorReporter(text: string, doc: ParsedDocument): (piece: TextRange, err: ChunkError) => void {
  return (piece, err) => {
    const range = tokenRangeAt(text, err.offset ?? piece.start, piece.start, piece.end);
    doc.syntaxErrors.push({ range, message: err.message });
    const chunk = text.slice(piece.start, piece.end);
    doc.statements.push({ start: piece.start + (chunk.length - chunk.trimStart().length), end: piece.start + chunk.trimEnd().length });
  };
}

const PLACEHOLDER = /\{\{[^{}\r\n]{0,200}\}\}|\$\{[^{}\r\n]{0,200}\}/g;

/**
 * Template placeholders in otherwise valid SQL (`{{ .Schema }}` from Go templates / Atlas, `${schema}` from Flyway,
 * shell or JS templates) are replaced by identifiers of the same UTF-16 length (`x0001…`), so the SQL parses and
 * every offset stays valid. Returns `undefined` when the text has none. `names` maps each identifier back to the
 * placeholder text (for messages); identifiers are unique per text when the placeholder is at least 3 characters.
 */
export function neutralizePlaceholders(text: string): { text: string; names: Map<string, string> } | undefined {
  if (!text.includes('{{') && !text.includes('${')) return undefined;
  const names = new Map<string, string>();
  let n = 0;
  const out = text.replace(PLACEHOLDER, (m) => {
    n++;
    const digits = String(n);
    const id = digits.length + 1 <= m.length ? `x${digits.padStart(m.length - 1, '0')}` : 'x'.repeat(m.length);
    names.set(id, m);
    return id;
  });
  return n ? { text: out, names } : undefined;
}

/** Puts placeholder text back into the names of parsed operations (see {@link neutralizePlaceholders}). */
export function restorePlaceholderNames(doc: ParsedDocument, names: ReadonlyMap<string, string>): void {
  for (const op of doc.operations) {
    const rec = op as unknown as Record<string, unknown>;
    for (const key of ['table', 'schema', 'column', 'newName', 'index', 'name']) {
      const v = rec[key];
      if (typeof v === 'string') {
        const orig = names.get(v);
        if (orig !== undefined) rec[key] = orig;
      }
    }
  }
}

/**
 * Rewrites bind-parameter markers outside single- and double-quoted strings into same-length SQL, so that
 * text with client-side bindings parses and offsets stay valid. `replace(sql, i)` looks at position `i` (outside
 * quotes) and returns the replacement and how many characters it consumes (the replacement must be as long), or
 * undefined to keep the character. Used for Knex `?`/`??` and SQLAlchemy `:name`.
 */
export function neutralizeOutsideQuotes(sql: string, replace: (sql: string, i: number) => { text: string; consumed: number } | undefined): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      out += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      out += c;
      continue;
    }
    const r = replace(sql, i);
    if (!r) {
      out += c;
      continue;
    }
    out += r.text;
    i += r.consumed - 1;
  }
  return out;
}

