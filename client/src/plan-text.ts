/**
 * Text of the upgrade and downgrade modals that comes from the engine's plan (no `vscode` import, so it is
 * unit-tested): which database and environment the plan acts on, and what each `down()` brings back and drops
 * (MigrationPreview.effects, from the rolled-back preview).
 */
import type { DowngradeResult, MigrationPreview, ProjectInfo } from '../../server/src/protocol';

/** "dev.sqlite3 (development)", "shop (production, protected)"; "the database" when the engine did not say. */
export function planTarget(project: ProjectInfo | undefined): string {
  if (!project) return 'the database';
  const name = project.databaseName ?? project.connection;
  const env = [project.environment ?? 'no environment', ...(project.protected ? ['protected'] : [])].join(', ');
  return `${name} (${env})`;
}

function names(effects: NonNullable<MigrationPreview['effects']>, side: 'back' | 'drop'): string[] {
  const tables = side === 'back' ? effects.tablesCreated : effects.tablesDropped;
  const columns = side === 'back' ? effects.columnsAdded : effects.columnsDropped;
  return [...tables.map((t) => `table ${t}`), ...columns.map((c) => `column ${c}`)];
}

/**
 * Lines saying, for each migration a downgrade undoes (in that order), what its `down()` brings back (tables and
 * columns it creates) and what it drops, as the preview saw it; a `down()` that was not previewed says so.
 * Row and value counts are the pre-flight's (shown beside these lines by the caller).
 */
export function downgradeEffectLines(plan: Pick<DowngradeResult, 'planned' | 'preview'>): string[] {
  const byName = new Map((plan.preview ?? []).map((p) => [p.migration, p]));
  const lines = ['What each down() does:'];
  for (const name of plan.planned) {
    const preview = byName.get(name);
    if (!preview?.effects) {
      const why = preview?.error ? `it failed in the preview: ${preview.error}` : (preview?.reason ?? 'not previewed');
      lines.push(`  • ${name}: unknown (${why.replace(/\.$/, '')})`);
      continue;
    }
    const back = names(preview.effects, 'back');
    const drop = names(preview.effects, 'drop');
    lines.push(`  • ${name}`);
    lines.push(`      brings back: ${back.length > 0 ? back.join(', ') : 'no table or column'}`);
    lines.push(`      drops: ${drop.length > 0 ? drop.join(', ') : 'no table or column'}`);
  }
  return lines;
}
