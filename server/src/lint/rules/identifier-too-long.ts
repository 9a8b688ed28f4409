/**
 * `identifier-too-long` (PostgreSQL): a table, column, index or constraint name longer than 63 bytes. PostgreSQL
 * truncates it to NAMEDATALEN − 1 = 63 bytes with only a NOTICE, so two long names that share their first 63 bytes
 * collide, and code or later migrations that look the object up by its full name (in catalogs, error messages,
 * ORMs) do not find it.
 * libpg-query truncates identifiers as the server does, so for SQL a name of 61–63 bytes is checked against the
 * statement text for a longer spelling; names from Knex, Alembic and node-pg-migrate calls are measured directly.
 * Source: PostgreSQL docs, "Lexical Structure" — Identifiers and Key Words ("The system uses no more than
 * NAMEDATALEN-1 bytes of an identifier; longer names can be written in commands, but they will be truncated").
 */
import type { Operation, Rule, RuleViolation } from '../model';
import { docsPath, EMBEDDED_SQL_ORIGINS } from './util';

export const id = 'identifier-too-long';

/** NAMEDATALEN − 1. */
const MAX_BYTES = 63;

/** The name an operation creates, with what it is; `undefined` when it creates none. */
function nameOf(op: Operation): { name: string; what: string } | undefined {
  switch (op.type) {
    case 'createTable':
      return { name: op.table, what: 'table' };
    case 'columnDefinition':
    case 'addColumn':
      return { name: op.column, what: 'column' };
    case 'createIndex':
      return op.index ? { name: op.index, what: 'index' } : undefined;
    case 'addConstraint':
      return op.name ? { name: op.name, what: 'constraint' } : undefined;
    case 'renameTable':
      return { name: op.newName, what: 'table' };
    case 'renameColumn':
      return { name: op.newName, what: 'column' };
    default:
      return undefined;
  }
}

/** The full spelling of a name libpg-query truncated: the identifier in `text` that starts with `name` and goes on. */
function longerSpelling(text: string, name: string): string | undefined {
  const lower = text.toLowerCase();
  const key = name.toLowerCase();
  for (let at = lower.indexOf(key); at >= 0; at = lower.indexOf(key, at + 1)) {
    const m = /^[\p{L}\p{N}_$]+/u.exec(text.slice(at + key.length));
    if (m) return text.slice(at, at + key.length + m[0].length);
  }
  return undefined;
}

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Identifier longer than 63 bytes',
    description: 'PostgreSQL silently truncates identifiers to 63 bytes: two long names sharing their first 63 bytes collide, and lookups by the full name find nothing.',
    help: 'Choose a name of at most 63 bytes (name indexes and constraints explicitly when a generated name would be longer).',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    for (const op of ctx.doc.operations) {
      const named = nameOf(op);
      // At most 3 UTF-8 bytes per UTF-16 unit: names of up to 20 units cannot be long or clipped.
      if (named && named.name.length > 20) {
        const { name, what } = named;
        const bytes = Buffer.byteLength(name, 'utf8');
        let full: string | undefined;
        if (op.origin === 'sql' || EMBEDDED_SQL_ORIGINS.has(op.origin)) {
          // Truncation clips at a character boundary, so a clipped name has 61–63 bytes.
          if (bytes >= MAX_BYTES - 2 && bytes <= MAX_BYTES) full = longerSpelling(ctx.text.slice(op.statement.start, op.statement.end), name);
        } else if (bytes > MAX_BYTES) full = name;
        if (full !== undefined) violations.push({ start: op.range.start, end: op.range.end, message: `The ${what} name "${full}" is ${Buffer.byteLength(full, 'utf8')} bytes; PostgreSQL truncates it to 63 bytes ("${truncate(full)}").` });
      }
    }
    return violations;
  },
};

/** `name` cut to at most 63 UTF-8 bytes at a character boundary (as PostgreSQL's pg_mbcliplen does). */
function truncate(name: string): string {
  let out = '';
  for (const ch of name) {
    if (Buffer.byteLength(out + ch, 'utf8') > MAX_BYTES) break;
    out += ch;
  }
  return out;
}
