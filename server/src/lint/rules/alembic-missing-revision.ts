/**
 * `alembic-missing-revision`: an Alembic revision's `down_revision` names a revision that no file in the folder
 * defines (a deleted or renamed file, a typo, or a parent that lives on another git branch). Alembic then fails
 * to build its revision map ("Revision … referenced from … is not present") and every command stops.
 *
 * A whole-folder rule: {@link check} reports nothing for a single document; `analyzeRevisionGraph()` in
 * `lint/graph` reports it on the string naming the missing revision.
 * Source: Alembic docs, "Tutorial" (revision / down_revision identifiers) and `alembic.script.revision.RevisionError`.
 */
import type { Rule } from '../model';
import { docsPath } from './util';

export const id = 'alembic-missing-revision';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'down_revision names no revision',
    description: 'The down_revision of this revision names a revision that no file in the folder defines, so Alembic cannot build its revision map and every command fails.',
    help: 'Restore the missing revision file, or point down_revision at the revision this one really follows (`alembic heads` / `alembic history` list them).',
    docsPath: docsPath(id),
  },
  check() {
    return [];
  },
};

