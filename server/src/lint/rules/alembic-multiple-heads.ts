/**
 * `alembic-multiple-heads`: the Alembic revisions of a folder end in more than one head (two branches were
 * created from the same parent, typically by two feature branches merged in git). `alembic upgrade head` then
 * fails with "Multiple head revisions are present", so the deploy stops until someone runs `alembic merge heads`.
 *
 * A whole-folder rule: {@link check} reports nothing for a single document; `analyzeRevisionGraph()` in
 * `lint/graph` reports it on the `revision = '…'` line of each head.
 * Source: Alembic docs, "Working with Branches" (Merging Branches; "Multiple head revisions are present").
 */
import type { Rule } from '../model';
import { docsPath } from './util';

export const id = 'alembic-multiple-heads';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'error',
    title: 'Alembic revisions with several heads',
    description: 'The revision graph has more than one head, so `alembic upgrade head` refuses to run ("Multiple head revisions are present") and the deploy stops.',
    help: 'Run `alembic merge heads -m "merge"` to create a merge revision whose down_revision names every head, or rebase one branch by setting its down_revision to the other head.',
    docsPath: docsPath(id),
  },
  check() {
    return [];
  },
};

