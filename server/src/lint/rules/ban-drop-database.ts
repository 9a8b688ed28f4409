/**
 * `ban-drop-database`: DROP DATABASE / DROP SCHEMA (and Knex `dropSchema[IfExists]`) delete every table in them.
 * Not reported inside a rollback (`down`, `*.down.sql`).
 * Source: PostgreSQL docs, "DROP DATABASE", "DROP SCHEMA"; Squawk `ban-drop-database`.
 */
import { opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-drop-database';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'Dropping a database or schema',
    description: 'DROP DATABASE and DROP SCHEMA delete every object and row they contain, at once and without undo.',
    help: 'Never drop a database or a schema with data from a migration; do it by hand after a verified backup, or drop only the objects you mean to.',
    lock: 'DROP DATABASE: no other session may be connected; DROP SCHEMA: ACCESS EXCLUSIVE on every table in it',
    docsPath: docsPath(id),
  },
  check(ctx) {
    const violations = [];
    for (const op of opsOfType(ctx.doc, 'dropDatabase')) {
      if (op.type !== 'dropDatabase' || op.phase === 'down') continue;
      violations.push(at(op, `DROP ${op.object.toUpperCase()} "${op.table}" permanently deletes everything in the ${op.object}.`));
    }
    return violations;
  },
};

