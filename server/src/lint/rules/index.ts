/**
 * The rule registry: every rule, in a stable order. Add a rule by creating `rules/<id>.ts` exporting
 * `rule: Rule`, listing it here, and writing `docs/rules/<id>.md`.
 */
import type { Rule } from '../model';
import { rule as addingRequiredField } from './adding-required-field';
import { rule as alembicMissingRevision } from './alembic-missing-revision';
import { rule as alembicMultipleHeads } from './alembic-multiple-heads';
import { rule as banDropColumn } from './ban-drop-column';
import { rule as banDropTable } from './ban-drop-table';
import { rule as banTruncate } from './ban-truncate';
import { rule as changingColumnType } from './changing-column-type';
import { rule as duplicateRevision } from './duplicate-revision';
import { rule as missingDown } from './missing-down';
import { rule as renamingColumn } from './renaming-column';
import { rule as requireConcurrentIndexCreation } from './require-concurrent-index-creation';
import { rule as syntaxError } from './syntax-error';

/** All rules, in a stable order. */
export const allRules: readonly Rule[] = [
  banDropTable,
  banDropColumn,
  banTruncate,
  addingRequiredField,
  requireConcurrentIndexCreation,
  renamingColumn,
  changingColumnType,
  missingDown,
  syntaxError,
  // Revision graph (whole folder: reported by analyzeRevisionGraph in lint/graph, never per document)
  alembicMultipleHeads,
  alembicMissingRevision,
  duplicateRevision,
];
