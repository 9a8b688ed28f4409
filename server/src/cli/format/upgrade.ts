/** Text of an upgrade: its plan, the pre-flight, the dry run's SQL preview, the outcome. */
import type { MigrationPreview, PreflightFinding, UpgradeResult } from '../../protocol';
import { formatFindings } from './findings';
import { formatValidation } from './status';

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

/** The dry run's SQL preview as text, starting with a blank line ('' when there is none). */
export function formatPreview(preview: MigrationPreview[] | undefined): string {
  const lines: string[] = [];
  if (preview && preview.length > 0) {
    lines.push('', 'Preview (SQL run inside a transaction, then rolled back):');
    for (const p of preview) {
      lines.push(`  -- ${p.migration}${p.previewable ? '' : ' (not previewable)'}`);
      if (p.reason) lines.push(`  -- ${p.reason}`);
      if (p.error) lines.push(`  -- failed in the preview: ${p.error}`);
      for (const s of p.sql) lines.push(...`${s.trim()};`.split('\n').map((l) => `  ${l}`));
    }
  }
  return lines.join('\n');
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
