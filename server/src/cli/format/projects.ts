/** Text of `projects`, and of `status` / `history` in another runner's project (Alembic, node-pg-migrate, plain SQL). */
import * as path from 'node:path';
import type { AlembicHistoryResult, FolderStateResult, OtherRunnerState, ProjectsResult } from '../../protocol';

/** Text of `projects`: one line per project, paths relative to the searched folder. */
export function formatProjects(r: ProjectsResult): string {
  if (r.projects.length === 0) return `No migration project found under ${r.cwd}.`;
  const rel = (p: string) => path.relative(r.cwd, p) || '.';
  const rows = r.projects.map((p) => {
    const dirs = (p.migrationsDirectories ?? [p.migrationsDirectory]).map(rel).join(', ');
    const kind = p.flavor ? `${p.runner} (${p.flavor})` : p.runner;
    return `${kind.padEnd(20)}  ${rel(p.root).padEnd(24)}  ${dirs}${p.directoryRead ? '' : '  (default: not read from the config)'}`;
  });
  return [`${'RUNNER'.padEnd(20)}  ${'ROOT'.padEnd(24)}  MIGRATIONS`, ...rows, '', `${r.projects.length} project${r.projects.length === 1 ? '' : 's'}.`].join('\n');
}

/** Text of the Alembic `history` / `status`. */
export function formatAlembic(h: AlembicHistoryResult): string {
  const current = new Set(h.current ?? []);
  const lines = [`Config: ${h.config}`, `Database: ${h.database ?? '(none in alembic.ini)'}`, `Versions: ${h.versionLocations.join(', ') || '(none)'}`, ''];
  if (h.revisions.length === 0) lines.push('No revision files found.');
  for (const r of h.revisions) {
    const marks = [r.isHead ? 'head' : '', r.isMerge ? 'merge' : '', current.has(r.id) ? 'current' : '', ...r.branchLabels.map((b) => `branch ${b}`)].filter(Boolean);
    lines.push(`  ${r.parents.join(', ') || '<base>'} -> ${r.id}${marks.length ? ` (${marks.join(', ')})` : ''}${r.message ? `, ${r.message}` : ''}`);
  }
  lines.push('', `Heads: ${h.heads.join(', ') || '(none)'}`);
  lines.push(h.current === null ? `Current: unknown: ${h.currentUnknownReason ?? ''}` : `Current: ${h.current.join(', ') || '(nothing applied)'}`);
  if (h.problems.length) lines.push('', `Problems (${h.problems.length}):`, ...h.problems.map((p) => `  ${p}`));
  return lines.join('\n');
}

/** Text of a node-pg-migrate / plain SQL folder's state. */
export function formatFolderState(s: FolderStateResult): string {
  const lines = [`Runner: ${s.runner}${s.flavor ? ` (${s.flavor})` : ''}`, `Database: ${s.database ?? '(DATABASE_URL not set)'}`, `Migrations: ${s.migrationsDirectory}`, ''];
  if (s.migrations.length === 0) lines.push('No migration files found.');
  for (const m of s.migrations) lines.push(`  ${m.state.padEnd(8)}  ${m.name}`);
  lines.push('', s.stateKnown ? `Current: ${s.current ?? '(nothing applied)'} (from ${s.table}).` : `State unknown: ${s.stateUnknownReason ?? ''}`);
  if (s.problems.length) lines.push('', `Problems (${s.problems.length}):`, ...s.problems.map((p) => `  ${p.severity}: ${p.message}`));
  return lines.join('\n');
}

/** Text of {@link OtherRunnerState}. */
export function formatOtherRunner(s: OtherRunnerState): string {
  return s.runner === 'alembic' ? formatAlembic(s) : formatFolderState(s);
}
