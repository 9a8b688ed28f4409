/** Text of `backup`, `backups`, `prune` and `restore`. */
import { formatAge } from '../../migrations/backups/manifest';
import { formatBytes } from '../../protocol';
import type { BackupListResult, BackupResult, PruneResult, RestoreResult } from '../../protocol';
import { table } from './table';

/** What `backup` wrote: the file, its size and sha256, its manifest. */
export function formatBackup(result: BackupResult): string {
  return `Backup written: ${result.backup.path}\n  ${result.backup.bytes} bytes, sha256 ${result.backup.sha256}\n  manifest ${result.backup.manifest ?? '-'}`;
}

/**
 * The backups table (newest first). An incomplete backup (no manifest, or one its file does not match)
 * shows `INCOMPLETE: <reason>` in the last column; the footer says what "complete" was checked by.
 */
export function formatBackupList(r: BackupListResult): string {
  if (r.backups.length === 0) return `No backups in ${r.directory}.`;
  const rows = [['NAME', 'SIZE', 'AGE', 'KIND', 'LABEL', 'MIGRATIONS APPLIED']];
  for (const b of r.backups) {
    const state = !b.complete
      ? `INCOMPLETE: ${b.problem ?? 'not verified'}`
      : b.migrations === null || b.migrations.length === 0
        ? 'none'
        : `${b.migrations.length}, last ${b.migrations[b.migrations.length - 1] ?? ''}`;
    rows.push([b.name, formatBytes(b.bytes), formatAge(b.ageSeconds), b.kind ?? '-', b.label ?? '-', state]);
  }
  const incomplete = r.backups.filter((b) => !b.complete).length;
  const bySize = r.backups.filter((b) => b.complete && b.checked === 'size').length;
  const notes = [
    ...(incomplete ? [`${incomplete} incomplete backup(s): they cannot be restored, are not counted by prune, and are removed by prune once older than a day.`] : []),
    ...(bySize ? [`${bySize} backup(s) over 64 MB were checked by size only here; restore and prune check their sha256.`] : []),
  ];
  return [`Backups in ${r.directory} (newest first):`, table(rows), ...notes].join('\n');
}

/** What `prune` did (or, with `planned`, would do): deleted backups, removed and left incomplete files, kept backups. */
export function formatPrune(result: PruneResult, planned = false): string {
  const lines: string[] = [];
  if (result.deleted.length) lines.push(`${planned ? 'Would delete' : 'Deleted'} ${result.deleted.length} backup(s): ${result.deleted.join(', ')}`);
  for (const r of result.removedIncomplete) lines.push(`${planned ? 'Would remove' : 'Removed'} incomplete ${r.name} (${r.reason}; older than a day)`);
  for (const r of result.leftIncomplete) lines.push(`Left incomplete ${r.name} (${r.reason}): younger than a day, a backup may still be writing it.`);
  if (!result.deleted.length && !result.removedIncomplete.length) lines.push('Nothing to delete.');
  lines.push(result.kept.length ? `Kept ${result.kept.length} complete backup(s): ${result.kept.join(', ')}.` : 'No complete backup to keep.');
  return lines.join('\n');
}

/** What `restore` did: the backup restored, the safety backup taken first, the migrations now applied, notes. */
export function formatRestore(result: RestoreResult): string {
  return [
    `Restored ${result.restored.name} (${result.method}; sha256 verified).`,
    result.safetyBackup ? `Safety backup of the database before the restore: ${result.safetyBackup.path}` : 'No safety backup: there was no database to save.',
    `Applied migrations now: ${result.migrations.length ? result.migrations.join(', ') : 'none'}`,
    ...result.notes.map((n) => `note: ${n}`),
  ].join('\n');
}
