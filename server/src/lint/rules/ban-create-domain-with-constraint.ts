/**
 * `ban-create-domain-with-constraint` (PostgreSQL, info): CREATE DOMAIN with a CHECK or NOT NULL constraint (node-pg-migrate
 * `createDomain(…, { check | notNull })`). Changing a domain constraint later (ALTER DOMAIN … ADD CONSTRAINT) checks every
 * column of every table using the domain in one statement, with no NOT VALID / VALIDATE split per table.
 * Source: PostgreSQL docs, "CREATE DOMAIN" (Notes), "ALTER DOMAIN"; Squawk `ban-create-domain-with-constraint`.
 */
import { opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-create-domain-with-constraint';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'info',
    title: 'Domain with a constraint',
    description: 'A constraint on a domain applies to every column of every table using it; changing it later checks all of them in one statement, which table constraints (NOT VALID, then VALIDATE) avoid.',
    help: 'Create the domain without constraints and put CHECK / NOT NULL on the table columns instead.',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    return opsOfType(ctx.doc, 'domainConstraint')
      .filter((op) => !op.alter && op.phase !== 'down')
      .map((op) => at(op, `Domain "${op.table}" is created with a constraint; changing it later checks every column that uses the domain at once.`));
  },
};
