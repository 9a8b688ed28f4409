/** Text of `status`, `validate` and `history` (the JSON shapes are in the protocol). */
import type { HistoryResult, ProjectInfo, StatusResult, ValidateResult } from '../../protocol';
import { table } from './table';

/** One line describing where the configuration came from. */
export function formatProject(p: ProjectInfo): string {
  const from = p.source === 'knexfile' ? `${p.knexfile}${p.environment ? ` [${p.environment}]` : ''}` : p.source;
  return `Config: ${from}\nDatabase: ${p.client} ${p.connection}\nMigrations: ${p.migrationDirectories.join(', ')}`;
}

/** What the NAME column adds after a migration's name: why its state matters, and which one is current. */
function stateNote(m: StatusResult['migrations'][number], current: string | null): string {
  const notes: string[] = [];
  if (m.state === 'missing') notes.push(m.checksum === 'missing' ? 'file missing; its checksum was recorded' : 'file missing');
  if (m.state === 'edited') notes.push('file changed after it was applied');
  if (m.state === 'out-of-order') notes.push('sorts before an applied migration');
  if (m.batch !== null && m.checksum === 'none') notes.push('no checksum');
  if (m.name === current) notes.push('current');
  return notes.length ? `  (${notes.join('; ')})` : '';
}

/** The status table. */
export function formatStatus(s: StatusResult): string {
  const rows = [['STATE', 'BATCH', 'APPLIED AT (UTC)', 'NAME']];
  for (const m of s.migrations) {
    rows.push([
      m.state,
      m.batch === null ? '-' : String(m.batch),
      m.appliedAt ? m.appliedAt.replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '') : '-',
      `${m.name}${stateNote(m, s.current ?? null)}`,
    ]);
  }
  const n = (st: string) => s.migrations.filter((m) => m.state === st).length;
  const extra = (['edited', 'out-of-order'] as const).filter((st) => n(st) > 0).map((st) => `, ${n(st)} ${st}`).join('');
  const current = s.current ? ` Current: ${s.current}.` : '';
  const summary = `${n('applied')} applied, ${n('pending')} pending, ${n('missing')} missing${extra}.${current} Lock: ${s.lock.held ? 'HELD' : 'free'}.`;
  return [formatProject(s.project), '', s.migrations.length ? table(rows) : 'No migrations found.', '', summary].join('\n');
}

/** Validation result as text: `Valid (…)` only when there is no problem of either severity. */
export function formatValidation(v: ValidateResult): string {
  const count = (sev: 'error' | 'warning') => v.problems.filter((p) => (p.severity ?? 'error') === sev).length;
  const kinds = [`${count('error')} error${count('error') === 1 ? '' : 's'}`, `${count('warning')} warning${count('warning') === 1 ? '' : 's'}`].join(', ');
  const drift = v.drift?.length ? `, ${v.drift.length} schema drift item${v.drift.length === 1 ? '' : 's'}` : '';
  const head =
    v.valid && v.problems.length === 0 && !v.drift?.length
      ? `Valid (checked: ${v.checked.join(', ')}).`
      : `Invalid: ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}${drift} (${v.problems.length > 0 ? `${kinds}; ` : ''}checked: ${v.checked.join(', ')}).`;
  return [head, ...v.problems.map((p) => `  ${p.severity ?? 'error'}  ${p.code}: ${p.message}`)].join('\n');
}

/** Text of `history`. */
export function formatHistory(h: HistoryResult): string {
  const lines: string[] = [];
  for (const b of h.batches) {
    lines.push(`Batch ${b.batch}:`);
    for (const m of b.migrations) {
      const time = m.appliedAt ? m.appliedAt.replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '') : '-';
      const marks = [m.state !== 'applied' ? m.state : '', m.checksum === 'none' ? 'no checksum' : ''].filter(Boolean).join(', ');
      lines.push(`  ${time}  ${m.name}${marks ? `  (${marks})` : ''}`);
    }
  }
  if (h.batches.length === 0) lines.push('No migration applied.');
  lines.push('', h.pending.length ? `Pending (${h.pending.length}):` : 'Nothing pending.', ...h.pending.map((n) => `  ${n}`));
  lines.push('', `Current: ${h.current ?? '(none)'}`);
  return lines.join('\n');
}
