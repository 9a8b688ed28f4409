/** Text of schema drift (`validate`, `schema diff`) and of `schema snapshot --out`. */
import type { DriftItem, SchemaDiffResult, SchemaModel, TableStatsResult, WrittenMigration } from '../../protocol';

/** Drift items as text: grouped by table, one line per item with what to do. Empty string without drift. */
export function formatDrift(drift: readonly DriftItem[] | undefined): string {
  if (!drift || drift.length === 0) return '';
  const lines = [`Schema drift: ${drift.length} difference${drift.length === 1 ? '' : 's'} from the migrations.`];
  const byTable = new Map<string, DriftItem[]>();
  for (const d of drift) byTable.set(d.table, [...(byTable.get(d.table) ?? []), d]);
  for (const [table, items] of [...byTable].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    lines.push(`  ${table}`);
    for (const d of items) lines.push(`    ${d.kind}: ${d.message} ${d.hint}`);
  }
  return lines.join('\n');
}

/** What `schema snapshot --out FILE` wrote. */
export function formatSnapshotWritten(model: SchemaModel, file: string): string {
  return `Wrote the schema (${model.tables.length} table${model.tables.length === 1 ? '' : 's'}, ${model.views.length} view${model.views.length === 1 ? '' : 's'}) to ${file}.`;
}

/** `schema diff`: the drift, or that there is none between the two sources. */
export function formatSchemaDiff(result: SchemaDiffResult): string {
  return formatDrift(result.drift) || `No differences (${result.expected.description} vs ${result.actual.description}).`;
}

/** `validate --write-migration`: the file written (its path on the first line), its lint findings, what it could not express, and how to use it. */
export function formatWrittenMigration(w: WrittenMigration): string {
  const lines = [`Wrote ${w.path}`, `  Review it, then commit it. This database already has the change: record it here with migration-guard mark-applied ${w.name} instead of running it.`];
  if (w.findings.length) lines.push(`  Lint: ${w.findings.length} finding${w.findings.length === 1 ? '' : 's'} (also as comments at the top of the file):`, ...w.findings.map((f) => `    ${f.line}:${f.column}  ${f.severity}  ${f.ruleId}  ${f.message}`));
  if (w.notes.length) lines.push('  Not written as code (TODO comments in the file):', ...w.notes.map((n) => `    ${n}`));
  return lines.join('\n');
}

/** What `stats --out FILE` wrote. */
export function formatStatsWritten(result: TableStatsResult, file: string): string {
  const n = Object.keys(result.tables).length;
  const unknown = Object.values(result.tables).filter((t) => t.rows === null).length;
  return `Wrote the sizes of ${n} table${n === 1 ? '' : 's'} to ${file}${unknown ? ` (${unknown} without a row count: never analysed, or the count ran out of time)` : ''}. Use it with: migration-guard check --stats ${file}`;
}
