/**
 * Public API of the migration engine: pure over Knex, no `vscode` imports.
 * Every operation takes a {@link LoadedProject} from {@link loadProject}, opens its own Knex
 * instance with absolute paths and destroys it before returning.
 */
export { loadProject, loadKnexfile, DEFAULT_LOAD_EXTENSIONS } from './project';
export type { LoadProjectOptions, LoadedProject, MigrationSettings } from './project';
export { getStatus, readStatus, mergeStatus, isPendingState, isAppliedState } from './status';
export { downgrade, planDowngrade, markApplied, unmark, unlock, ensureMigrationTables, withKnexLock } from './movements';
export type { DowngradeOptions, WriteOptions } from './movements';
export { getHistory, groupHistory } from './history';
export { resolveKnex, bundledKnexModule, ensureTypeScriptLoader, typeScriptLoadable } from './knex-loader';
export type { KnexModule, TsLoader } from './knex-loader';
export { newMigration, migrationTemplate, migrationTimestamp } from './scaffold';
export { CHECKSUM_TABLE, sha256File, readChecksums, checksumVerdict } from './checksums';
export { requireConfirmation, isProtectedEnvironment, databaseNameOf, PROTECTED_ENVIRONMENTS } from './guard';
export type { OperationOptions } from './status';
export { validate, runValidation } from './validate';
export { backup, backupBaseName, backupSqliteFile, hashFile, pgDumpInvocation } from './backup';
export type { BackupOptions } from './backup';
export { upgrade, lintPending } from './upgrade';
export type { UpgradeOptions } from './upgrade';
export { EngineError, isEngineError, errorMessage, SETUP_ERROR_CODES } from './errors';
export type { EngineErrorCode } from './errors';
export { maskText, maskValue, describeConnection, registerSecret } from './mask';
export { listMigrationFiles } from './files';
export type { MigrationFile } from './files';
export { toIsoTime } from './db';
export type { EngineLog } from './db';
