/**
 * `unused-ignore`: a `migration-guard-ignore` / `migration-guard-ignore-file` comment that suppresses no finding
 * (the danger was fixed, the comment sits in the wrong place, or a rule id is misspelled). Computed by `analyze()`
 * after every other rule has run (this module only carries the metadata). Ignores naming a rule that is switched
 * off or does not apply to the dialect are not reported (they may matter under another configuration).
 */
import type { Rule } from '../model';
import { docsPath } from './util';

export const id = 'unused-ignore';

export const rule: Rule = {
  meta: {
    id,
    defaultSeverity: 'warning',
    title: 'Ignore comment that suppresses nothing',
    description: 'An ignore comment that suppresses nothing is misleading, and one that names a misspelled rule hides nothing while looking as if it did; left in place, it will silently hide a future finding.',
    help: 'Remove the comment, move it directly above the statement it is meant for, or fix the rule id.',
    docsPath: docsPath(id),
  },
  check() {
    return [];
  },
};

