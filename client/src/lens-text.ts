/**
 * What the CodeLens above a migration file says, from the status the engine returned (no `vscode` import, so it is
 * unit-tested). Nothing is recomputed here: the state, batch, time, current migration and pending list are the
 * engine's (StatusResult); Alembic's head, current and merge marks are the engine's AlembicHistoryResult.
 */
import type { AlembicHistoryResult, MigrationStatusEntry, StatusResult } from '../../server/src/protocol';
import { plural, relativeTime } from './relative-time';

/** What clicking a lens does (codelens.ts maps it to a command). */
export type LensAction = 'showRevisions' | 'upgradeTo' | 'preview';

/** One lens: its text (codicons allowed), hover text, and click action (none: a plain label). */
export interface LensSpec {
  title: string;
  tooltip: string;
  action?: LensAction;
}

/** "batch 3 · 2 days ago" for an applied entry (the exact time goes in the tooltip). */
function appliedWhen(entry: MigrationStatusEntry, now: Date): string {
  const parts: string[] = [];
  if (entry.batch !== null) parts.push(`batch ${entry.batch}`);
  if (entry.appliedAt) parts.push(relativeTime(entry.appliedAt, now));
  return parts.map((p) => ` · ${p}`).join('');
}

/**
 * Lenses for the migration file `file` (absolute path, as the engine prints `MigrationStatusEntry.file`) of a Knex
 * project; [] when the file is not one of the status's migrations.
 * - applied: `Applied · batch 3 · 2 days ago` (`· current` on the most recently applied);
 * - edited: `Edited after it ran · batch 3 · 2 days ago`;
 * - pending / out-of-order: `Pending` (`Pending, out of order`), `Upgrade to here` (the tooltip counts what it applies), `Preview`;
 * - and first, on every migration of the project, a warning while applied migrations have no file (Knex refuses to run).
 */
export function knexLenses(status: StatusResult, file: string, now: Date = new Date()): LensSpec[] {
  const entry = status.migrations.find((m) => m.file === file);
  if (!entry) return [];
  const lenses: LensSpec[] = [];
  const missing = status.migrations.filter((m) => m.state === 'missing').map((m) => m.name);
  if (missing.length > 0) {
    lenses.push({
      title: `$(warning) ${plural(missing.length, 'applied migration')} without a file: Knex refuses to run`,
      tooltip: `Recorded as applied, but no file has the name: ${missing.join(', ')}. Restore the file (or unmark it) before any upgrade or downgrade.`,
      action: 'showRevisions',
    });
  }
  const exact = entry.appliedAt ? `Applied ${entry.appliedAt}` : '';
  switch (entry.state) {
    case 'applied':
    case 'edited': {
      const current = status.current === entry.name ? ' · current' : '';
      const edited = entry.state === 'edited';
      lenses.push({
        title: `${edited ? '$(diff-modified) Edited after it ran' : '$(pass) Applied'}${appliedWhen(entry, now)}${current}`,
        tooltip: [
          edited ? 'The file changed after it was applied: the database does not have what the file now says.' : 'Recorded in the migrations table.',
          exact && `${exact}${entry.batch !== null ? ` in batch ${entry.batch}` : ''}.`,
          entry.checksum === 'none' ? 'No checksum: applied without Migration Guard.' : '',
        ].filter(Boolean).join('\n'),
        action: 'showRevisions',
      });
      break;
    }
    case 'pending':
    case 'out-of-order': {
      const position = status.pending.indexOf(entry.name);
      const count = position >= 0 ? position + 1 : 1;
      lenses.push(
        {
          title: entry.state === 'pending' ? '$(circle-large-outline) Pending' : '$(debug-step-back) Pending, out of order',
          tooltip:
            entry.state === 'pending'
              ? 'Not applied yet: the next upgrade runs it.'
              : 'Not applied, but it sorts before the last applied migration (a merged branch?). Knex will still run it.',
          action: 'showRevisions',
        },
        { title: 'Upgrade to here', tooltip: `Applies ${plural(count, 'pending migration')}, up to and including this one, after a plan, a confirmation and a backup.`, action: 'upgradeTo' },
        { title: 'Preview', tooltip: `The SQL of ${plural(count, 'pending migration')} up to this one, run in a transaction that is rolled back.`, action: 'preview' },
      );
      break;
    }
    case 'missing':
      // A missing migration has no file, so no editor to show a lens in.
      break;
  }
  return lenses;
}

/** Lenses for an Alembic revision file: `Head`, `Current`, `Merge of a, b`, as the engine's graph marks it; [] for other files. */
export function alembicLenses(state: AlembicHistoryResult, file: string): LensSpec[] {
  const revision = state.revisions.find((r) => r.file === file);
  if (!revision) return [];
  const lenses: LensSpec[] = [];
  if (revision.isHead) {
    const several = state.heads.length > 1;
    lenses.push({
      title: several ? `$(warning) Head (1 of ${state.heads.length})` : '$(git-commit) Head',
      tooltip: several ? `Several heads (${state.heads.join(', ')}): \`alembic upgrade head\` fails until they are merged (\`alembic merge heads\`).` : 'The newest revision: `alembic upgrade head` ends here.',
    });
  }
  if (state.current?.includes(revision.id)) lenses.push({ title: '$(database) Current', tooltip: 'The revision the database is at (alembic_version).' });
  if (revision.isMerge) lenses.push({ title: `$(git-merge) Merge of ${revision.parents.join(', ')}`, tooltip: `Merges ${revision.parents.join(' and ')}.` });
  return lenses;
}
