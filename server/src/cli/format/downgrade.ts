/** Text of a downgrade: its plan, the dry run's SQL preview, the outcome. */
import type { DowngradeResult } from '../../protocol';
import { formatPreflight, formatPreview } from './upgrade';

/** The plan part of a downgrade's text: what is undone, what the down()s delete, the backup, the plan id. */
export function formatDowngradePlan(r: DowngradeResult): string {
  if (r.planned.length === 0) return `Nothing to undo. Current: ${r.current ?? '(none)'}.`;
  const lines = [`${r.dryRun ? 'Would undo' : 'To undo'} (${r.planned.length}, most recent first):`, ...r.planned.map((n) => `  ${n}`)];
  const preflight = formatPreflight(r.preflight);
  if (preflight) lines.push('', preflight);
  lines.push('', `Plan: ${r.planId}`);
  return lines.join('\n');
}

/** The outcome part of a downgrade's text: the refusal, the dry-run verdict, or what was undone. */
export function formatDowngradeOutcome(r: DowngradeResult): string {
  if (r.planned.length === 0) return '';
  if (r.refused) return `Refused: ${r.refusedReason ?? 'the plan is unsafe.'} Nothing was changed.${r.refusedReason?.includes('--allow-unsafe-table') ? '' : ' Pass --allow-unsafe to undo anyway.'}`;
  if (r.dryRun) {
    const failed = (r.preview ?? []).filter((p) => p.error).map((p) => p.migration);
    if (failed.length > 0) return `Dry run: ${failed.join(', ')} failed inside the preview, so the downgrade would fail. Nothing was changed.`;
    return `Dry run: nothing was changed. To undo exactly this plan: migration-guard downgrade --plan ${r.planId}`;
  }
  const lines = [`Undid ${r.undone.length} migration${r.undone.length === 1 ? '' : 's'}: ${r.undone.join(', ')}. Current: ${r.current ?? '(none)'}.`];
  if (r.backup) lines.push(`Backup taken before: ${r.backup.name ?? r.backup.path} (undo with: migration-guard restore ${r.backup.name ?? r.backup.path})`);
  return lines.join('\n');
}

/** Text of a downgrade: plan, the dry run's SQL, outcome (each line once). */
export function formatDowngrade(r: DowngradeResult): string {
  return [formatDowngradePlan(r), formatPreview(r.preview).replace(/^\n+/, ''), formatDowngradeOutcome(r)].filter(Boolean).join('\n\n');
}
