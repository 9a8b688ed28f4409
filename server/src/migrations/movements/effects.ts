/**
 * What a previewed migration did to the schema: tables and columns created and dropped, from the snapshots taken
 * before and after it inside the rolled-back preview (preview.ts). The editor's Downgrade modal says from it what a
 * `down()` brings back and what it drops, instead of guessing from SQL text.
 */
import type { SchemaEffects } from '../../protocol';
import type { TableSnapshot } from './preflight';

/** Tables and columns in `after` and not in `before` (created / added) and the reverse (dropped); names sorted. */
export function schemaEffects(before: TableSnapshot, after: TableSnapshot): SchemaEffects {
  const tablesBefore = [...before.counts.keys()];
  const tablesAfter = [...after.counts.keys()];
  const columnsAdded: string[] = [];
  const columnsDropped: string[] = [];
  for (const table of tablesAfter) {
    if (!before.counts.has(table)) continue;
    // Column names compare case-insensitively, as SQL does for unquoted names.
    const was = new Set([...(before.columns.get(table) ?? [])].map((c) => c.toLowerCase()));
    const now = new Set([...(after.columns.get(table) ?? [])].map((c) => c.toLowerCase()));
    for (const c of after.columns.get(table) ?? []) if (!was.has(c.toLowerCase())) columnsAdded.push(`${table}.${c}`);
    for (const c of before.columns.get(table) ?? []) if (!now.has(c.toLowerCase())) columnsDropped.push(`${table}.${c}`);
  }
  return {
    tablesCreated: tablesAfter.filter((t) => !before.counts.has(t)).sort(),
    tablesDropped: tablesBefore.filter((t) => !after.counts.has(t)).sort(),
    columnsAdded: columnsAdded.sort(),
    columnsDropped: columnsDropped.sort(),
  };
}
