/**
 * `syntax-error`: the SQL does not parse (PostgreSQL: libpg-query, the server's own grammar; SQLite:
 * sql-parser-cst), or a JavaScript/TypeScript migration module does not parse (the TypeScript compiler's parser: its
 * first parse diagnostic, see parsers/ts-module.ts `moduleSyntaxErrors`). The range is the token at the error
 * position; other statements are still analysed.
 */
import type { Rule } from '../model';
import { docsPath } from './util';

export const id = 'syntax-error';

/** `syntax error at or near "x"` → `Syntax error at or near "x".` */
function sentence(message: string): string {
  const m = message.trim().replace(/\s+/g, ' ');
  const cap = m.charAt(0).toUpperCase() + m.slice(1);
  const withPrefix = /^syntax error/i.test(cap) ? cap : `Syntax error: ${m}`;
  return /[.!?]$/.test(withPrefix) ? withPrefix : `${withPrefix}.`;
}

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'Syntax error',
    description: 'The SQL statement or the migration module does not parse, so the migration will fail when it runs (SQL: possibly after earlier statements have already been applied; a module: Knex cannot even load it).',
    help: 'Fix the code at the marked token; for SQL, check the statement against the documentation of the target database and its version.',
    docsPath: docsPath(id),
  },
  check(ctx) {
    return ctx.doc.syntaxErrors.map((e) => ({ start: e.range.start, end: e.range.end, message: sentence(e.message) }));
  },
};

