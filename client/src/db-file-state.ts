/**
 * The database file guard's decisions (no `vscode` import, so they are unit-tested): whether a SQLite database file
 * was lost (deleted, or truncated to something that is no longer a database), and which backup to offer, from the
 * engine's `backups --json`.
 */
import { formatBytes, type BackupListEntry, type BackupListResult } from '../../server/src/protocol';
import { relativeTime } from './relative-time';

/** What the guard knows of a database file: its size and whether it starts with the SQLite header. */
export interface DatabaseFileFacts {
  size: number;
  /** The first 16 bytes are `SQLite format 3\0` (sqlite.org/fileformat.html, "The Database Header"). */
  sqliteHeader: boolean;
}

/** The 16-byte magic string every SQLite 3 database file starts with. */
export const SQLITE_HEADER = 'SQLite format 3\u0000';

/** How a database file was lost. */
export type DatabaseFileLoss = 'deleted' | 'truncated';

/**
 * `deleted` when the file was a database and is gone; `truncated` when it was a database and is now empty or no longer
 * starts with the SQLite header; undefined otherwise (never a database: a file not created yet, or one SQLite has
 * created but not written, is nothing to lose).
 * @param before facts last seen (undefined: no file)
 * @param now facts now (undefined: no file)
 */
export function databaseFileLoss(before: DatabaseFileFacts | undefined, now: DatabaseFileFacts | undefined): DatabaseFileLoss | undefined {
  if (!before || !before.sqliteHeader || before.size === 0) return undefined;
  if (!now) return 'deleted';
  if (now.size === 0 || !now.sqliteHeader) return 'truncated';
  return undefined;
}

/** The newest backup that restore accepts (complete: manifest, size and checksum agree); undefined when none. */
export function latestRestorable(list: BackupListResult): BackupListEntry | undefined {
  // The engine lists newest first.
  return list.backups.find((b) => b.complete);
}

/** The guard's warning: what happened to which file, and the backup on offer with its time and size. */
export function lossMessage(databaseName: string, loss: DatabaseFileLoss, backup: BackupListEntry | undefined, now: Date = new Date()): string {
  const what = loss === 'deleted' ? `was deleted` : `was truncated (it is no longer a SQLite database)`;
  const offer = backup
    ? `Latest backup: ${backup.name}, taken ${relativeTime(backup.created, now)} (${backup.created.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}), ${formatBytes(backup.bytes)}.`
    : 'There is no complete backup to restore.';
  return `Migration Guard: the database ${databaseName} ${what}. ${offer}`;
}
