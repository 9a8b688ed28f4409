/**
 * `missing-down`: a Knex migration that exports `up` but no `down` (or an empty `down`) cannot be rolled
 * back: `knex migrate:rollback` either fails or silently records the rollback without undoing anything.
 * The range is the name of the `up` export. An empty `up` (a freshly scaffolded migration, an Alembic merge
 * revision) has nothing to undo: no finding. Source: Knex docs, "Migrations" (up/down functions).
 */
import type { Rule } from '../model';
import { docsPath } from './util';

export const id = 'missing-down';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Migration without a down function',
    description: 'Without a working `down`, the migration cannot be rolled back when a deploy goes wrong.',
    help: 'Export a `down(knex)` that undoes exactly what `up` does (drop what it creates, re-create what it drops), or throw an explicit error in `down` if the change is truly irreversible.',
    docsPath: docsPath(id),
  },
  check(ctx) {
    const m = ctx.doc.migration;
    if (!m?.up || m.up.empty) return [];
    const { start, end } = m.up.nameRange;
    if (!m.down) return [{ start, end, message: 'This migration exports no down function, so it cannot be rolled back.' }];
    if (m.down.empty) return [{ start, end, message: 'The down function of this migration is empty, so rolling it back undoes nothing.' }];
    return [];
  },
};

