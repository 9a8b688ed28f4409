/** Human-readable text for the CLI's results (the JSON shapes are in protocol.ts). */
import type { CheckFinding, StatusResult, UpgradeResult, ValidateResult, ProjectInfo } from '../protocol';

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

/** `file:line:col  severity  message  rule-id` lines and an ESLint-like summary. */
export function formatFindings(findings: CheckFinding[], fileCount?: number): string {
  const lines = findings.map((f) => `${f.file}:${f.line}:${f.column}  ${f.severity}  ${f.message}  ${f.ruleId}`);
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  if (findings.length === 0) {
    lines.push(fileCount === undefined ? 'No problems found.' : `No problems found in ${fileCount} file${fileCount === 1 ? '' : 's'}.`);
  } else {
    const parts = [`${count('error')} error${count('error') === 1 ? '' : 's'}`, `${count('warning')} warning${count('warning') === 1 ? '' : 's'}`];
    if (count('info') > 0) parts.push(`${count('info')} info`);
    lines.push('', `${findings.length} problem${findings.length === 1 ? '' : 's'} (${parts.join(', ')})`);
  }
  return lines.join('\n');
}

/** One line describing where the configuration came from. */
export function formatProject(p: ProjectInfo): string {
  const from = p.source === 'knexfile' ? `${p.knexfile}${p.environment ? ` [${p.environment}]` : ''}` : p.source;
  return `Config: ${from}\nDatabase: ${p.client} ${p.connection}\nMigrations: ${p.migrationDirectories.join(', ')}`;
}

/** What the NAME column adds after a migration's name: why its state matters, and which one is current. */
function stateNote(m: StatusResult['migrations'][number], current: string | null): string {
  const notes: string[] = [];
  if (m.state === 'missing') notes.push('file missing');
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

/** Validation result as text. */
export function formatValidation(v: ValidateResult): string {
  const drift = v.drift?.length ? `, ${v.drift.length} schema drift item${v.drift.length === 1 ? '' : 's'}` : '';
  const head = v.valid ? `Valid (checked: ${v.checked.join(', ')}).` : `Invalid: ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}${drift} (checked: ${v.checked.join(', ')}).`;
  return [head, ...v.problems.map((p) => `  ${p.code}: ${p.message}`)].join('\n');
}

/** The upgrade plan or result as text. */
export function formatUpgrade(u: UpgradeResult): string {
  if (u.pending.length === 0) return 'Nothing to migrate: the database is up to date.';
  const lines = [`Pending (${u.pending.length}):`, ...u.pending.map((n) => `  ${n}`)];
  if (u.findings.length > 0) lines.push('', `Findings (${u.findings.length}):`, formatFindings(u.findings));
  if (u.refused) {
    const seeFirst = u.dryRun ? '' : ' (--dry-run shows their SQL and what they would delete on this database first)';
    lines.push('', `Refused: findings of error severity. Nothing was applied. Fix the migrations, or pass --allow-unsafe to apply anyway${seeFirst}.`);
  } else if (u.dryRun) {
    lines.push('', 'Dry run: nothing was applied.');
  } else {
    if (u.backup) lines.push('', `Backup: ${u.backup.path} (${u.backup.bytes} bytes, sha256 ${u.backup.sha256})`);
    lines.push('', `Applied ${u.applied.length} migration${u.applied.length === 1 ? '' : 's'} in batch ${u.batch ?? '-'}: ${u.applied.join(', ')}`);
    if (u.validation) lines.push(formatValidation(u.validation));
  }
  return lines.join('\n');
}
