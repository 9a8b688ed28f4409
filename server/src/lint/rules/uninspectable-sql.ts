/**
 * `uninspectable-sql` (info): SQL passed to `knex.raw` / `schema.raw` as a template literal with `${…}` or as a
 * non-literal expression is built at run time, so no rule can check it.
 */
import type { Rule } from '../model';
import { docsPath } from './util';

export const id = 'uninspectable-sql';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'info',
    title: 'SQL that cannot be checked',
    description: 'This SQL is assembled at run time (template literal with ${…}, or a variable), so the analyzer cannot see what it does; any dangerous statement in it goes unreported.',
    help: 'Write the SQL as a plain string literal and pass values as bindings (`knex.raw(\'… ?\', [value])`, identifiers with `??`), so it can be checked.',
    docsPath: docsPath(id),
  },
  check(ctx) {
    return ctx.doc.uninspectable.map((r) => ({ start: r.start, end: r.end, message: 'This SQL is built at run time and cannot be checked by migration-guard.' }));
  },
};

