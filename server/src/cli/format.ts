/** Human-readable text for the CLI's results (the JSON shapes are in protocol.ts). */
import type { CheckFinding, PreflightFinding, StatusResult, UpgradeResult, ValidateResult, ProjectInfo } from '../protocol';

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

/**
 * The plan part of an upgrade's text: what runs (pending), the analyzer's findings, the pre-flight on the live
 * database, whether a backup is taken, and the plan id. Printed before anything runs.
 */
export function formatUpgradePlan(u: UpgradeResult): string {
  if (u.pending.length === 0) return 'Nothing to migrate: the database is up to date.';
  const lines = [`Pending (${u.pending.length}):`, ...u.pending.map((n) => `  ${n}`)];
  if (u.findings.length > 0) lines.push('', `Findings (${u.findings.length}):`, formatFindings(u.findings));
  const preflight = formatPreflight(u.preflight);
  if (preflight) lines.push('', preflight);
  lines.push('', u.backupPlanned ? 'Backup: taken before anything is applied.' : 'Backup: none (--no-backup, or the SQLite database does not exist yet).');
  lines.push(`Plan: ${u.planId}`);
  return lines.join('\n');
}

/** Pre-flight findings as text (`''` when there are none). */
export function formatPreflight(preflight: PreflightFinding[] | undefined): string {
  if (!preflight || preflight.length === 0) return '';
  return [`Pre-flight (${preflight.length}):`, ...preflight.map((p) => `  ${p.migration}: ${p.message}`)].join('\n');
}

/**
 * The outcome part of an upgrade's text: the refusal, the dry-run verdict, or what was applied (batch, names,
 * how to go back, validation). Printed once, after the progress.
 */
export function formatUpgradeOutcome(u: UpgradeResult): string {
  if (u.pending.length === 0) return '';
  const lines: string[] = [];
  if (u.refused) {
    const seeFirst = u.dryRun || u.preflight ? '' : ' (--dry-run shows their SQL and what they would delete on this database first)';
    const way = u.refusedReason?.includes('--allow-unsafe-table') ? '' : ` Fix the migrations, or pass --allow-unsafe to apply anyway${seeFirst}.`;
    lines.push(`Refused: ${u.refusedReason ?? 'the plan is unsafe.'} Nothing was applied.${way}`);
  } else if (u.dryRun) {
    const failed = (u.preview ?? []).filter((p) => p.error).map((p) => p.migration);
    if (failed.length > 0) lines.push(`Dry run: ${failed.join(', ')} failed inside the preview, so the upgrade would fail. Nothing was applied.`);
    else lines.push(`Dry run: nothing was applied. To apply exactly this plan: migration-guard upgrade --plan ${u.planId}`);
  } else {
    lines.push(`Applied in batch ${u.batch ?? '-'}: ${u.applied.join(', ')}`);
    if (u.backup) lines.push(`Backup taken before: ${u.backup.name ?? u.backup.path} (undo with: migration-guard restore ${u.backup.name ?? u.backup.path})`);
    if (u.validation) lines.push(formatValidation(u.validation));
  }
  return lines.join('\n');
}

/** The whole upgrade text: plan, then outcome (each line once). The dry run's SQL preview goes between them. */
export function formatUpgrade(u: UpgradeResult, previewText = ''): string {
  const outcome = formatUpgradeOutcome(u);
  return [formatUpgradePlan(u), previewText.replace(/^\n+/, ''), outcome].filter(Boolean).join('\n\n');
}
