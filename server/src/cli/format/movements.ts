/** Text of `mark-applied`, `unmark`, `unlock` and `new`. */
import type { MarkResult, NewMigrationResult, UnlockResult } from '../../protocol';

/** What `mark-applied` or `unmark` recorded (no migration code ran). */
export function formatMark(result: MarkResult): string {
  return result.action === 'marked-applied'
    ? `Marked ${result.name} as applied (batch ${result.batch}) without running it.`
    : `Unmarked ${result.name} (was in batch ${result.batch}); its code did not run.`;
}

/** What `unlock` did and what it checked first. */
export function formatUnlock(result: UnlockResult): string {
  return `${result.freed ? 'Lock freed.' : 'The lock was already free.'} Checked: ${result.checked.join('; ')}.`;
}

/** The file `new` created. */
export function formatNewMigration(result: NewMigrationResult): string {
  return `Created ${result.file}`;
}
