/**
 * Public API of the migration engine: pure over Knex, no `vscode` imports.
 * Every operation takes a {@link LoadedProject} from {@link loadProject}, opens its own Knex
 * instance with absolute paths and destroys it before returning.
 */
export { loadProject, loadKnexfile, DEFAULT_LOAD_EXTENSIONS } from './project/project';
export type { LoadProjectOptions, LoadedProject, MigrationSettings } from './project/project';
export { projectStateLeft } from './project/lasting-state';
export { getStatus, readStatus, mergeStatus, isPendingState, isAppliedState } from './state/status';
export { downgrade, planDowngrade, markApplied, unmark, unlock, ensureMigrationTables, withKnexLock } from './movements/movements';
export type { DowngradeOptions, WriteOptions } from './movements/movements';
export { getHistory, groupHistory } from './state/history';
export { resolveKnex, bundledKnexModule, ensureTypeScriptLoader, typeScriptLoadable } from './project/knex-loader';
export type { KnexModule, TsLoader } from './project/knex-loader';
export { newMigration, migrationTemplate, migrationTimestamp } from './project/scaffold';
export { CHECKSUM_TABLE, sha256File, readChecksums, checksumVerdict } from './state/checksums';
export { requireConfirmation, isProtectedEnvironment, databaseNameOf, PROTECTED_ENVIRONMENTS } from './project/guard';
export type { OperationOptions } from './state/status';
export { validate, runValidation } from './state/validate';
export { backup, backupBaseName, backupSqliteFile, hashFile, pgDumpInvocation } from './backups/backup';
export type { BackupOptions } from './backups/backup';
export { upgrade, lintPending } from './movements/upgrade';
export type { UpgradeOptions } from './movements/upgrade';
export { EngineError, isEngineError, errorMessage, SETUP_ERROR_CODES } from './errors';
export type { EngineErrorCode } from './errors';
export { maskText, maskValue, describeConnection, registerSecret } from './mask';
export { listMigrationFiles } from './project/files';
export type { MigrationFile } from './project/files';
export { toIsoTime } from './db';
export type { EngineLog } from './db';
export { safetyCheck } from './state/safety-check';
export type { SafetyCheckOptions } from './state/safety-check';
