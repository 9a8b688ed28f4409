/**
 * `ban-drop-cascade` (PostgreSQL): a DROP written with CASCADE — `DROP TABLE / VIEW / TYPE / FUNCTION / SCHEMA / … CASCADE`,
 * `ALTER TABLE … DROP COLUMN / DROP CONSTRAINT … CASCADE`, node-pg-migrate `{ cascade: true }`. CASCADE silently drops every object that depends on the one named (views, foreign keys of
 * other tables, columns of a dropped type, functions, …), which the migration does not list. `TRUNCATE … CASCADE` is
 * `ban-truncate-cascade`'s; dropping the named object itself is `ban-drop-table` / `ban-drop-column` /
 * `ban-drop-database`'s (this rule is about the dependents); `DROP SCHEMA … CASCADE` is left to `ban-drop-database`
 * (dropping a schema's contents is dropping the schema).
 * Source: PostgreSQL docs, "Dependency Tracking" (ddl-depend.html): "CASCADE … automatically drop objects that depend
 * on the table (such as views), and in turn all objects that depend on those objects"; Squawk / pgfence drop rules.
 */
import { opsOfType } from '../model';
import type { Rule, RuleViolation } from '../model';
import { at, docsPath } from './util';

export const id = 'ban-drop-cascade';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'DROP … CASCADE',
    description: 'CASCADE also drops every object that depends on the one named — views, other tables\' foreign keys, columns of a dropped type, functions — without listing them; the migration removes more than it says.',
    help: 'Drop without CASCADE (RESTRICT is the default): PostgreSQL then names the dependent objects, and the migration drops or changes each one explicitly.',
    dialects: ['postgresql'],
    docsPath: docsPath(id),
  },
  check(ctx) {
    if (ctx.dialect !== 'postgresql') return [];
    const violations: RuleViolation[] = [];
    for (const op of opsOfType(ctx.doc, 'dropCascade')) {
      // DROP SCHEMA … CASCADE empties the schema: that is ban-drop-database's finding (the schema and what is in it).
      if (op.phase === 'down' || op.object === 'schema') continue;
      const what = op.table ? `${op.object} "${op.table}"` : `the ${op.object}`;
      violations.push(at(op, `DROP … CASCADE drops ${what} and, unlisted, every object that depends on it.`));
    }
    return violations;
  },
};
