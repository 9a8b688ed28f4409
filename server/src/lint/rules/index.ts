/**
 * The rule registry: every rule, in a stable order. Add a rule by creating `rules/<id>.ts` exporting
 * `rule: Rule`, listing it here, and writing `docs/rules/<id>.md`.
 */
import type { Rule } from '../model';
import { rule as addingFieldWithVolatileDefault } from './adding-field-with-volatile-default';
import { rule as addingNotNullableField } from './adding-not-nullable-field';
import { rule as addingRequiredField } from './adding-required-field';
import { rule as alembicMissingRevision } from './alembic-missing-revision';
import { rule as alembicMultipleHeads } from './alembic-multiple-heads';
import { rule as analyzerError } from './analyzer-error';
import { rule as banDeleteWithoutWhere } from './ban-delete-without-where';
import { rule as banDropColumn } from './ban-drop-column';
import { rule as banDropDatabase } from './ban-drop-database';
import { rule as banDropNotNull } from './ban-drop-not-null';
import { rule as banDropTable } from './ban-drop-table';
import { rule as banTruncate } from './ban-truncate';
import { rule as banUpdateWithoutWhere } from './ban-update-without-where';
import { rule as changingColumnType } from './changing-column-type';
import { rule as concurrentlyInTransaction } from './concurrently-in-transaction';
import { rule as constraintMissingNotValid } from './constraint-missing-not-valid';
import { rule as disallowedUniqueConstraint } from './disallowed-unique-constraint';
import { rule as duplicateRevision } from './duplicate-revision';
import { rule as missingDown } from './missing-down';
import { rule as preferRobustStmts } from './prefer-robust-stmts';
import { rule as renamingColumn } from './renaming-column';
import { rule as renamingTable } from './renaming-table';
import { rule as requireConcurrentIndexCreation } from './require-concurrent-index-creation';
import { rule as requireConcurrentIndexDeletion } from './require-concurrent-index-deletion';
import { rule as requireLockTimeout } from './require-lock-timeout';
import { rule as sqliteTableRebuild } from './sqlite-table-rebuild';
import { rule as syntaxError } from './syntax-error';
import { rule as transactionNesting } from './transaction-nesting';
import { rule as uninspectableSql } from './uninspectable-sql';
import { rule as unusedIgnore } from './unused-ignore';
import { rule as addingEnumValueInTransaction } from './adding-enum-value-in-transaction';
import { rule as addingSerialPrimaryKeyField } from './adding-serial-primary-key-field';
import { rule as banAlterDomainWithAddConstraint } from './ban-alter-domain-with-add-constraint';
import { rule as banCharField } from './ban-char-field';
import { rule as banCluster } from './ban-cluster';
import { rule as banCreateDomainWithConstraint } from './ban-create-domain-with-constraint';
import { rule as banSetLoggedUnlogged } from './ban-set-logged-unlogged';
import { rule as banTruncateCascade } from './ban-truncate-cascade';
import { rule as banUncommittedTransaction } from './ban-uncommitted-transaction';
import { rule as banVacuumFull } from './ban-vacuum-full';
import { rule as identifierTooLong } from './identifier-too-long';
import { rule as preferBigintOverInt } from './prefer-bigint-over-int';
import { rule as preferBigintOverSmallint } from './prefer-bigint-over-smallint';
import { rule as preferIdentity } from './prefer-identity';
import { rule as preferJsonb } from './prefer-jsonb';
import { rule as preferTextField } from './prefer-text-field';
import { rule as preferTimestamptz } from './prefer-timestamptz';
import { rule as requireConcurrentPartitionDetach } from './require-concurrent-partition-detach';
import { rule as requireConcurrentRefresh } from './require-concurrent-refresh';
import { rule as requireConcurrentReindex } from './require-concurrent-reindex';
import { rule as requireStatementTimeout } from './require-statement-timeout';
import { rule as schemaChangeWithBackfill } from './schema-change-with-backfill';
import { rule as foreignKeyMissingIndex } from './foreign-key-missing-index';
import { rule as banLockTable } from './ban-lock-table';
import { rule as banDropCascade } from './ban-drop-cascade';
import { rule as banAlterTableSetSchema } from './ban-alter-table-set-schema';
import { rule as banAddExclusionConstraint } from './ban-add-exclusion-constraint';
import { rule as banRenameEnumValue } from './ban-rename-enum-value';
import { rule as statementNotAllowedInTransaction } from './statement-not-allowed-in-transaction';
import { rule as requirePrimaryKey } from './require-primary-key';

/** All rules, in a stable order: data loss, breaking changes, locks, robustness, column types. */
export const allRules: readonly Rule[] = [
  // Data loss
  banDropTable,
  banDropColumn,
  banDropDatabase,
  banTruncate,
  banTruncateCascade,
  banDeleteWithoutWhere,
  banUpdateWithoutWhere,
  sqliteTableRebuild,
  banDropCascade,
  // Breaking running code
  renamingTable,
  renamingColumn,
  changingColumnType,
  banDropNotNull,
  identifierTooLong,
  banAlterTableSetSchema,
  banRenameEnumValue,
  // Locks (PostgreSQL)
  requireConcurrentIndexCreation,
  requireConcurrentIndexDeletion,
  concurrentlyInTransaction,
  addingRequiredField,
  addingNotNullableField,
  constraintMissingNotValid,
  disallowedUniqueConstraint,
  addingFieldWithVolatileDefault,
  requireLockTimeout,
  requireStatementTimeout,
  addingSerialPrimaryKeyField,
  requireConcurrentReindex,
  requireConcurrentPartitionDetach,
  requireConcurrentRefresh,
  banVacuumFull,
  banCluster,
  banSetLoggedUnlogged,
  banAlterDomainWithAddConstraint,
  schemaChangeWithBackfill,
  addingEnumValueInTransaction,
  foreignKeyMissingIndex,
  banLockTable,
  banAddExclusionConstraint,
  // Robustness
  preferRobustStmts,
  transactionNesting,
  statementNotAllowedInTransaction,
  banUncommittedTransaction,
  missingDown,
  syntaxError,
  analyzerError,
  uninspectableSql,
  unusedIgnore,
  // Column types and design (style: off by default or info)
  preferTimestamptz,
  preferJsonb,
  requirePrimaryKey,
  banCharField,
  banCreateDomainWithConstraint,
  preferBigintOverInt,
  preferBigintOverSmallint,
  preferIdentity,
  preferTextField,
  // Revision graph (whole folder: reported by analyzeRevisionGraph in lint/graph, never per document)
  alembicMultipleHeads,
  alembicMissingRevision,
  duplicateRevision,
];
