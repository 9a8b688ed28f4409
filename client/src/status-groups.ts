/**
 * The Revisions tree's top level, from a status as the engine gives it (no `vscode` import, so it is unit-tested):
 * "Pending" with the engine's `pending` list, then the engine's `batches` in their order. Nothing is regrouped or
 * recounted here: the engine (server/src/migrations/state/status.ts) decides what is pending and how batches are ordered.
 */
import type { MigrationStatusEntry, StatusResult } from '../../server/src/protocol';
import { plural } from './relative-time';

/** One top-level group of the tree. */
export interface StatusGroup {
  /** `pending`, or `batch:<n>`. */
  id: string;
  label: string;
  /** `N migration(s)`. */
  description: string;
  tooltip: string;
  /** The group's entries of `status.migrations`, in the engine's order. */
  migrations: MigrationStatusEntry[];
}

/** The groups of a status: "Pending" (when anything is), then one per batch, as the engine ordered them. */
export function statusGroups(status: StatusResult): StatusGroup[] {
  const byName = new Map(status.migrations.map((m) => [m.name, m]));
  const entries = (names: readonly string[]) => names.map((n) => byName.get(n)).filter((m): m is MigrationStatusEntry => m !== undefined);
  const groups: StatusGroup[] = [];
  const pending = entries(status.pending);
  if (pending.length > 0) {
    groups.push({ id: 'pending', label: 'Pending', description: plural(pending.length, 'migration'), tooltip: 'Migrations the next upgrade applies, in order.', migrations: pending });
  }
  for (const { batch, migrations: names } of status.batches) {
    const migrations = entries(names);
    const times = migrations.map((m) => m.appliedAt).filter((t): t is string => t !== null).sort();
    groups.push({
      id: `batch:${batch}`,
      label: `Batch ${batch}`,
      description: plural(migrations.length, 'migration'),
      tooltip: times.length > 0 ? `Applied ${times[times.length - 1]}` : `Batch ${batch}`,
      migrations,
    });
  }
  return groups;
}
