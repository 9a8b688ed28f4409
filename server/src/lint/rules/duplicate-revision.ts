/**
 * `duplicate-revision`: two Alembic files declare the same `revision = '…'` id (Alembic keeps one of them and the
 * other silently never runs, or it refuses to start), or two Knex / SQL migration files in one folder share a
 * version prefix (`20240101120000_a.js` and `20240101120000_b.js`; `V3__a.sql` and `V3__b.sql`), which is what
 * two branches created on the same day look like: the runner orders them by full name, not by intent, and tools
 * that key on the version (Flyway) reject the folder.
 * `0001_x.up.sql` / `0001_x.down.sql` pairs are one migration and are not reported.
 *
 * A whole-folder rule: {@link check} reports nothing for a single document; `analyzeRevisionGraph()` in
 * `lint/graph` reports it on each file involved.
 * Source: Alembic docs, "Tutorial" (revision identifiers); Knex docs, "Migrations" (files run in filename order).
 */
import type { Rule } from '../model';
import { docsPath } from './util';

export const id = 'duplicate-revision';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'Two migrations with the same revision',
    description: 'Two migration files carry the same revision id or version prefix, so the runner either rejects the folder or runs them in an order nobody chose.',
    help: 'Give one of the files a new revision id (Alembic: a new `revision = "…"` and fix the down_revision of its children) or a new, later timestamp prefix.',
    docsPath: docsPath(id),
  },
  check() {
    return [];
  },
};

