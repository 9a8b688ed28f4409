/**
 * `require-primary-key` (PostgreSQL, info): a CREATE TABLE (SQL, Knex `createTable`, Alembic `op.create_table`,
 * node-pg-migrate `pgm.createTable`) that declares no primary key. Without one, rows cannot be addressed reliably,
 * ORMs and tools that expect a key misbehave, and a table published for logical replication rejects UPDATE and
 * DELETE ("cannot update table … because it does not have a replica identity and publishes updates"). Tables whose
 * key the parser cannot see (LIKE, partitions, inheritance, CREATE TABLE AS) are not reported.
 * Not SQLite: every ordinary SQLite table has a rowid.
 * Source: PostgreSQL docs, "Constraints" 5.5.4 Primary Keys ("Relational database theory dictates that every table
 * must have a primary key. This rule is not enforced by PostgreSQL, but it is usually best to follow it"); "Logical
 * Replication", Publication (replica identity); pgfence / MigrationPilot "require primary key".
 */
import { displayTable, opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { at, docsPath } from './util';

export const id = 'require-primary-key';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'info',
    title: 'Table without a primary key',
    description: 'A table without a primary key has no reliable row identity: tools and ORMs expecting one misbehave, and if it is published for logical replication, UPDATE and DELETE on it fail.',
    help: 'Declare a primary key (`id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`; Knex `t.bigIncrements()`; a composite `PRIMARY KEY (a, b)` for a join table).',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'createTable')) {
      if (op.primaryKey !== false || op.phase === 'down') continue;
      violations.push(at(op, `${displayTable(op)} is created without a primary key.`));
    }
    return violations;
  },
};
