/**
 * Explorer badges for migration files, from the status the engine returned and the language server's error findings
 * (no `vscode` import, so it is unit-tested). Applied files stay undecorated: only what needs a look gets a badge.
 */
import type { MigrationState, StatusResult } from '../../server/src/protocol';
import { plural } from './relative-time';

/** Which theme color a decoration uses (decorations.ts maps it to a contributed color). */
export type DecorationTone = 'pending' | 'warning' | 'error';

/** One decoration: a badge of at most 2 characters, its hover text and its color. */
export interface DecorationSpec {
  badge: string;
  tooltip: string;
  tone: DecorationTone;
}

const STATE_DECORATION: Partial<Record<MigrationState, DecorationSpec>> = {
  pending: { badge: 'P', tooltip: 'Pending migration: the next upgrade runs it', tone: 'pending' },
  'out-of-order': { badge: 'P', tooltip: 'Pending, out of order: it sorts before the last applied migration', tone: 'warning' },
  edited: { badge: 'E', tooltip: 'Edited after it ran: the database does not have what the file now says', tone: 'warning' },
};

/**
 * Decorations by absolute path:
 * - pending `P`, out-of-order `P` (warning color), edited `E` (warning color);
 * - a file with error findings gets `!` after its letter (`P!`, or `!` alone) and the error color;
 * - missing migrations (no file to decorate) mark the first migrations directory with `?` and the error color.
 * @param statuses the engine's status of each Knex project (one per workspace folder); none when not known (findings only then)
 * @param errorFindings absolute path → number of error-severity findings of Migration Guard in it (0 or absent: none)
 */
export function migrationDecorations(statuses: readonly StatusResult[], errorFindings: ReadonlyMap<string, number>): Map<string, DecorationSpec> {
  const out = new Map<string, DecorationSpec>();
  for (const status of statuses) {
    for (const entry of status.migrations) {
      const spec = STATE_DECORATION[entry.state];
      if (spec && entry.file) out.set(entry.file, { ...spec });
    }
  }
  for (const [file, count] of errorFindings) {
    if (count <= 0) continue;
    const findings = `${plural(count, 'error finding')} of Migration Guard (see Problems)`;
    const state = out.get(file);
    out.set(file, state ? { badge: `${state.badge}!`, tooltip: `${state.tooltip}; ${findings}`, tone: 'error' } : { badge: '!', tooltip: findings, tone: 'error' });
  }
  for (const status of statuses) {
    const missing = status.migrations.filter((m) => m.state === 'missing').map((m) => m.name);
    const directory = status.project.migrationDirectories[0];
    if (missing.length > 0 && directory) {
      out.set(directory, { badge: '?', tooltip: `${plural(missing.length, 'applied migration')} without a file (Knex refuses to run): ${missing.join(', ')}`, tone: 'error' });
    }
  }
  return out;
}
