/**
 * `ban-alter-domain-with-add-constraint` (PostgreSQL): ALTER DOMAIN … ADD CONSTRAINT (node-pg-migrate
 * `alterDomain(…, { check })`) checks every row of every table with a column of the domain, holding locks on all of
 * them; unlike table constraints there is no per-table split. (`NOT VALID` skips the check, but VALIDATE then scans
 * them all too.)
 * Source: PostgreSQL docs, "ALTER DOMAIN" — ADD domain_constraint [ NOT VALID ]; Squawk
 * `ban-alter-domain-with-add-constraint`.
 */
import { opsOfType } from '../model';
import type { Rule } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-alter-domain-with-add-constraint';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Adding a constraint to a domain',
    description: 'ALTER DOMAIN … ADD CONSTRAINT checks every column of every table that uses the domain in one statement, locking them all while it scans.',
    help: 'Add the constraint to the table columns instead (`ADD CONSTRAINT … CHECK (…) NOT VALID`, then `VALIDATE CONSTRAINT`, one table at a time).',
    lock: 'SHARE on every table with a column of the domain, while it is checked',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    return opsOfType(ctx.doc, 'domainConstraint')
      .filter((op) => op.alter && op.phase !== 'down')
      .map((op) => at(op, `Adding a constraint to domain "${op.table}" checks every column of every table that uses it, in one statement.`));
  },
};
