/**
 * Human-readable text of every CLI result (the JSON shapes are in the protocol); `github.ts` and `sarif.ts`
 * are the machine formats of `check`.
 */
export { formatBackup, formatBackupList, formatPrune, formatRestore } from './backups';
export { formatDowngrade, formatDowngradeOutcome, formatDowngradePlan } from './downgrade';
export { formatFindings } from './findings';
export { formatMark, formatNewMigration, formatUnlock } from './movements';
export { formatAlembic, formatFolderState, formatOtherRunner, formatProjects } from './projects';
export { formatSafetyCheck } from './safety-check';
export { formatDrift, formatSchemaDiff, formatSnapshotWritten, formatStatsWritten, formatWrittenMigration } from './schema';
export { formatHistory, formatProject, formatStatus, formatValidation } from './status';
export { formatPreflight, formatPreview, formatUpgrade, formatUpgradeOutcome, formatUpgradePlan } from './upgrade';
